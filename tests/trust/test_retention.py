"""Retention: candidates inactive past the period are erased unless in an active application;
a dry run changes nothing; the CLI prints ids and counts only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from core.db import utcnow
from core.errors import DomainError
from hiring.models import Candidate
from tests.support.hiring_factories import create_application, create_candidate
from trust.cli import trust_group
from trust.erasure import find_erasure, record_erasure_request
from trust.retention import apply_retention, retention_days


def age(session, candidate, days):
    session.execute(
        update(Candidate)
        .where(Candidate.id == candidate.id)
        .values(updated_at=utcnow() - timedelta(days=days), created_at=utcnow() - timedelta(days=days))
    )


def test_retention_erases_the_inactive_and_keeps_active_applications(session):
    old = create_candidate(name="Old Inactive")
    recent = create_candidate(name="Recent Person")
    busy = create_application(created_at=utcnow() - timedelta(days=400)).candidate
    for person in (old, busy):
        age(session, person, 400)
    session.flush()
    session.expire_all()
    late = record_erasure_request(
        session, recent, channel="email", actor_id=None, requested_at=utcnow() - timedelta(days=31)
    )

    dry = apply_retention(session, days=365, dry_run=True)
    assert old.id in [item["candidate_id"] for item in dry.due] and dry.erased == []
    assert busy.id not in [item["candidate_id"] for item in dry.due] and dry.kept_active >= 1
    assert find_erasure(session, old.id) is None
    assert {"candidate_id": recent.id, "due_at": late.due_at.isoformat()} in dry.overdue_requests

    report = apply_retention(session, days=365, dry_run=False)
    assert old.id in report.erased and recent.id not in report.erased and busy.id not in report.erased
    assert session.get(Candidate, old.id).name == "Erased candidate"
    assert find_erasure(session, old.id).reason.value == "retention"
    again = apply_retention(session, days=365, dry_run=False)
    assert old.id not in again.erased, "an erased candidate is not erased again"
    assert "Old Inactive" not in json.dumps(report.as_dict())


def test_retention_days_come_from_the_config():
    assert retention_days({"RETENTION_DAYS": None}) is None
    assert retention_days({"RETENTION_DAYS": "30"}) == 30
    with pytest.raises(DomainError, match="whole number"):
        retention_days({"RETENTION_DAYS": "soon"})


def test_the_cli_reports_a_dry_run_as_json(app, session):
    old = create_candidate(name="Cli Inactive")
    age(session, old, 100)
    session.commit()
    result = app.test_cli_runner().invoke(trust_group, ["retention", "--dry-run", "--days", "30"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["dry_run"] is True and old.id in [item["candidate_id"] for item in report["due"]]
    off = app.test_cli_runner().invoke(trust_group, ["retention"])
    assert off.exit_code != 0 and "Retention is off" in off.output
