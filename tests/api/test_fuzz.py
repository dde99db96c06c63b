"""A quick fuzzing pass over every /api/v1 operation, in-process, on the test database: no 5xx.

Schemathesis generates schema-valid and schema-violating requests from our own OpenAPI document;
each test runs in the rolled-back transaction of the `client` fixture, so the candidates and moves
it writes vanish afterwards. The nightly pass (scripts/fuzz-api) sends 10,000 requests to gunicorn.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.auth import Role
from core.db import get_session
from tests.support import hiring_factories as factories

schemathesis = pytest.importorskip("schemathesis")  # the dev extra
hypothesis = pytest.importorskip("hypothesis")

# Examples per operation and generation mode: 23 operations × 2 modes × 40 ≈ 1,800 requests
# (~25 s on 2 idle cores).
EXAMPLES = 40
SEED = 8


def _fuzz_operation(operation: Any, mode: Any, headers: dict[str, str], seen: list[tuple]) -> None:
    from hypothesis import HealthCheck, Phase, given, seed, settings

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is collected, not raised
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        response = case.call(headers=headers)
        curl = case.as_curl_command(headers=headers) if response.status_code >= 500 else ""
        seen.append((case.operation.label, response.status_code, curl))

    send()


def test_fuzzing_every_operation_gives_no_server_error(app, client, issue_token):
    with app.app_context():
        role = factories.create_role()
        for stage_name in ("Applied", "Lead", "Applied"):
            factories.create_application(role=role, stage_name=stage_name)
        get_session().commit()
    _, admin = issue_token([Role.ADMIN])
    headers = {"Authorization": f"Bearer {admin.secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    seen: list[tuple] = []
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, headers, seen)

    server_errors = [f"{status} {label}: {curl}" for label, status, curl in seen if status >= 500]
    assert not server_errors, "\n".join(server_errors[:10])
    assert len(operations) >= 7 and {label for label, _, _ in seen} == {o.label for o in operations}
    assert len(seen) >= len(operations) * EXAMPLES  # the budget was spent, not skipped
    assert any(status < 300 for _, status, _ in seen)  # some requests got past validation
