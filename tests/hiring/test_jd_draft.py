"""LLM drafts of a JD: prompt, reply parsing, and the call at the HTTP edge with a recorded reply.

The client is the real ``openai`` client; only its transport is replaced (httpx2, which the
installed openai uses, not httpx) by a MockTransport that answers with a recorded chat-completions
reply, garbage, an error status, or a refused connection. The whole job also runs once against a
real local HTTP server and once against a port where nothing listens.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import pytest
from rq.job import Job
from sqlalchemy import select

from core import jobs
from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from core.jobs import JobRun, JobStatus, execute_job_run
from hiring.jobs import draft_role_jd
from hiring.models import JobRole, RoleStatus
from hiring.services import jd_draft
from hiring.services.jd_checks import check_jd
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_role

CONFIG = {
    "OPENAI_BASE_URL": "http://llm.test/v1",
    "OPENAI_API_KEY": "sk-test",
    "JUDGE_MODEL": "qwen2.5-7b",
}
BRIEF = (
    "Search team of six. We rank and retrieve across customer documents and want someone to own "
    "our first learned ranker end to end. Mid-level."
)
DRAFT = {
    "summary": "You will own our first learned ranking model, from offline evaluation to a "
    "production service that answers every search our customers make.",
    "use_cases": "Learning-to-rank for document search; query understanding; offline evaluation "
    "sets that predict online click-through.",
    "must_have": [
        "Trained and shipped a ranking or retrieval model",
        "Python and PyTorch",
        "Offline and online evaluation of search quality",
        "Clear writing in design docs",
    ],
    "nice_to_have": ["Vector search", "A/B testing at scale"],
    "tech_stack": ["Python", "PyTorch", "OpenSearch", "Airflow", "Kubernetes"],
    "day_to_day": "Build features and training pipelines, read experiment results with the team, "
    "and review code.",
    "interview_process": "Recruiter call, ranking system design, coding, and a conversation with "
    "the hiring manager, over about three weeks.",
}
# A chat-completions reply in the wire format of an OpenAI-compatible server (vLLM); its fields
# are those such a server sends, and its content is the JD above as the model's JSON text.
RECORDED_REPLY = {
    "id": "chatcmpl-5e1c0b7f3a9d4c2e8f61",
    "object": "chat.completion",
    "created": 1764090000,
    "model": "qwen2.5-7b",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": json.dumps(DRAFT, indent=2),
                "tool_calls": [],
                "reasoning_content": None,
            },
            "logprobs": None,
            "finish_reason": "stop",
            "stop_reason": None,
        }
    ],
    "usage": {"prompt_tokens": 402, "total_tokens": 689, "completion_tokens": 287},
    "prompt_logprobs": None,
}


def reply_with(content: str | None) -> dict:
    reply = copy.deepcopy(RECORDED_REPLY)
    reply["choices"][0]["message"]["content"] = content
    return reply


class Endpoint:
    """A MockTransport handler answering with the given replies in turn, recording each request."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx2.Response):
            return answer
        return httpx2.Response(200, json=answer)

    def client(self, **options):
        http_client = httpx2.Client(transport=httpx2.MockTransport(self))
        return jd_draft.make_client(CONFIG, http_client=http_client, **options)


def draft_role(**overrides) -> JobRole:
    return create_role(status=RoleStatus.DRAFT, summary="Old summary.", must_have=["Old"], **overrides)


# ---------------------------------------------------------------- plain functions


def test_the_prompt_carries_the_brief_and_our_rules():
    messages = jd_draft.build_messages("ML Engineer, Search", BRIEF)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "ML Engineer, Search" in messages[1]["content"] and BRIEF in messages[1]["content"]
    system = messages[0]["content"]
    assert all(f'"{name}"' in system for name in jd_draft.DRAFT_FIELDS)
    assert "no counts of years" in system and "rockstar" in system and "3 to 6" in system


def test_a_valid_reply_parses_and_passes_our_checks():
    draft = jd_draft.parse_draft(json.dumps(DRAFT))
    assert draft == DRAFT
    assert check_jd(draft).issues == ()
    fenced = "```json\n" + json.dumps(DRAFT) + "\n```"
    assert jd_draft.parse_draft(fenced) == DRAFT


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "empty reply"),
        ("Sure! Here is your job description: ...", "not JSON"),
        ('["summary", "must_have"]', "not an object"),
        (json.dumps({"summary": "Only this."}), "lacks use_cases, must_have"),
        (json.dumps({**DRAFT, "must_have": "Python, PyTorch"}), "must_have is not a list of strings"),
        (json.dumps({**DRAFT, "must_have": ["Python", 3]}), "must_have is not a list of strings"),
        (json.dumps({**DRAFT, "summary": {"text": "x"}}), "summary is not a string"),
        (json.dumps({**DRAFT, "summary": "x" * 5000}), "out of bounds"),
        (json.dumps({**DRAFT, "tech_stack": [f"t{n}" for n in range(40)]}), "out of bounds"),
        (json.dumps({**DRAFT, "must_have": []}), "empty must-have skills"),
    ],
)
def test_garbage_replies_are_refused_with_a_clear_reason(content, message):
    with pytest.raises(jd_draft.DraftError, match=message):
        jd_draft.parse_draft(content)


def test_drafting_is_off_until_an_endpoint_and_model_are_configured():
    assert "OPENAI_BASE_URL and LOOPWISE_JUDGE_MODEL" in jd_draft.draft_unavailable_reason({})
    assert "LOOPWISE_JUDGE_MODEL" in jd_draft.draft_unavailable_reason(
        {"OPENAI_BASE_URL": "http://x/v1"}
    )
    assert jd_draft.draft_unavailable_reason(CONFIG) is None


# ---------------------------------------------------------------- at the HTTP edge


def test_a_recorded_reply_becomes_a_draft_flagged_for_review(session):
    role = draft_role()
    endpoint = Endpoint(RECORDED_REPLY)
    result = jd_draft.run_jd_draft(
        session,
        role.id,
        title="ML Engineer, Search",
        brief=BRIEF,
        client=endpoint.client(),
        model="qwen2.5-7b",
        actor_id=None,
    )
    assert result == {
        "role_id": role.id,
        "model": "qwen2.5-7b",
        "prompt_version": jd_draft.PROMPT_VERSION,
        "must_haves": 4,
    }
    (request,) = endpoint.requests
    assert request.url == "http://llm.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    body = json.loads(request.content)
    assert body["model"] == "qwen2.5-7b" and body["response_format"] == {"type": "json_object"}
    assert BRIEF in body["messages"][1]["content"]
    assert role.jd_is_llm_draft is True
    assert role.summary == DRAFT["summary"] and role.must_have == DRAFT["must_have"]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "role.jd_drafted")).one()
    assert event.before["summary"] == "Old summary." and event.after["model"] == "qwen2.5-7b"


def test_garbage_twice_fails_clearly_and_saves_nothing(session):
    role = draft_role()
    endpoint = Endpoint(reply_with("I cannot help with that."), reply_with('{"summary": 1}'))
    with pytest.raises(jd_draft.DraftError, match="no usable draft in 2 attempts.*lacks use_cases"):
        jd_draft.run_jd_draft(
            session, role.id, title="T", brief=BRIEF, client=endpoint.client(), model="m", actor_id=None
        )
    assert len(endpoint.requests) == 2, "asked again once, then gave up"
    assert (role.summary, role.must_have, role.jd_is_llm_draft) == ("Old summary.", ["Old"], False)
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "role.jd_drafted")).all() == []


def test_one_garbage_reply_is_retried(session):
    role = draft_role()
    endpoint = Endpoint(reply_with("not json"), RECORDED_REPLY)
    jd_draft.run_jd_draft(
        session, role.id, title="T", brief=BRIEF, client=endpoint.client(), model="m", actor_id=None
    )
    assert len(endpoint.requests) == 2 and role.jd_is_llm_draft and role.summary == DRAFT["summary"]


def test_a_down_endpoint_is_a_clear_failure_after_bounded_retries(session):
    role = draft_role()
    endpoint = Endpoint(httpx2.ConnectError("Connection refused"))
    with pytest.raises(jd_draft.DraftError, match="Could not reach the LLM endpoint"):
        jd_draft.run_jd_draft(
            session,
            role.id,
            title="T",
            brief=BRIEF,
            client=endpoint.client(max_retries=1),
            model="m",
            actor_id=None,
        )
    assert len(endpoint.requests) == 2, "one try and one retry, no more"
    assert role.summary == "Old summary." and not role.jd_is_llm_draft


def test_an_error_status_is_reported(session):
    role = draft_role()
    endpoint = Endpoint(httpx2.Response(404, json={"error": {"message": "model 'm' not found"}}))
    with pytest.raises(jd_draft.DraftError, match="HTTP 404.*model 'm' not found"):
        jd_draft.run_jd_draft(
            session, role.id, title="T", brief=BRIEF, client=endpoint.client(), model="m", actor_id=None
        )
    assert role.summary == "Old summary."


def test_open_roles_never_receive_an_unreviewed_draft(session):
    role = create_role(status=RoleStatus.OPEN)
    endpoint = Endpoint(RECORDED_REPLY)
    with pytest.raises(jd_draft.DraftError, match="only for draft or on-hold roles"):
        jd_draft.run_jd_draft(
            session, role.id, title="T", brief=BRIEF, client=endpoint.client(), model="m", actor_id=None
        )
    assert endpoint.requests == [], "refused before calling the model"


# ---------------------------------------------------------------- the job, end to end


class RecordedServer(BaseHTTPRequestHandler):
    replies: list[dict] = []
    bodies: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers["Content-Length"])
        RecordedServer.bodies.append(json.loads(self.rfile.read(length)))
        payload = json.dumps(RecordedServer.replies.pop(0)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def llm_server() -> Iterator[str]:
    RecordedServer.replies, RecordedServer.bodies = [RECORDED_REPLY], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordedServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def job_run(session, role: JobRole) -> JobRun:
    """A recorded run of the draft job (run here in-process, so it never reaches Redis)."""
    run = JobRun(
        task=draft_role_jd.task_name,
        title="Draft",
        arguments={"role_id": role.id, "title": role.title, "brief": BRIEF, "actor_id": None},
        queue="default",
        rq_job_id=f"test-draft-{role.id}",
    )
    session.add(run)
    session.commit()
    return run


def test_the_job_drafts_through_a_real_http_endpoint(session, app, llm_server, monkeypatch):
    monkeypatch.setitem(app.config, "OPENAI_BASE_URL", llm_server)
    monkeypatch.setitem(app.config, "JUDGE_MODEL", "qwen2.5-7b")
    role = draft_role()
    run = job_run(session, role)
    assert execute_job_run(run.id)["must_haves"] == 4
    session.expire_all()
    assert session.get(JobRun, run.id).status == JobStatus.FINISHED
    role = session.get(JobRole, role.id)
    assert role.jd_is_llm_draft and role.tech_stack == DRAFT["tech_stack"]
    assert RecordedServer.bodies[0]["model"] == "qwen2.5-7b"


def test_the_job_records_a_down_endpoint_on_the_run_and_saves_nothing(session, app, monkeypatch):
    monkeypatch.setitem(app.config, "OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens
    monkeypatch.setitem(app.config, "JUDGE_MODEL", "qwen2.5-7b")
    role = draft_role()
    run = job_run(session, role)
    with pytest.raises(jd_draft.DraftError):
        execute_job_run(run.id)
    session.expire_all()
    run = session.get(JobRun, run.id)
    assert run.status == JobStatus.FAILED
    assert run.error.startswith("DraftError: Could not reach the LLM endpoint")
    role = session.get(JobRole, role.id)
    assert (role.summary, role.jd_is_llm_draft) == ("Old summary.", False)


# ---------------------------------------------------------------- the pages


def test_the_draft_button_is_disabled_with_the_reason_when_unconfigured(app, client, no_csrf):
    with app.app_context():
        user = create_test_user(roles=[Role.HIRING_MANAGER])
        role = draft_role()
        get_session().commit()
    sign_in(client, user.email)
    page = client.get(f"/hiring/roles/{role.id}").get_data(as_text=True)
    assert '<button type="button" disabled' in page
    assert "LLM drafting is off: an admin must set OPENAI_BASE_URL and LOOPWISE_JUDGE_MODEL" in page
    refused = client.post(
        f"/hiring/roles/{role.id}/jd/draft", data={"title": "T", "brief": BRIEF}, follow_redirects=True
    )
    assert "LLM drafting is off" in refused.get_data(as_text=True)


def test_drafting_queues_a_job_and_shows_its_page(app, client, no_csrf, monkeypatch):
    for key, value in CONFIG.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        user = create_test_user(roles=[Role.RECRUITER])
        role = draft_role()
        get_session().commit()
    sign_in(client, user.email)
    page = client.get(f"/hiring/roles/{role.id}").get_data(as_text=True)
    assert f'action="/hiring/roles/{role.id}/jd/draft"' in page

    short = client.post(
        f"/hiring/roles/{role.id}/jd/draft",
        data={"title": "T", "brief": "Too short"},
        follow_redirects=True,
    )
    assert "between 20 and 2000 characters" in short.get_data(as_text=True)

    response = client.post(
        f"/hiring/roles/{role.id}/jd/draft", data={"title": role.title, "brief": BRIEF}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/jobs/")
    with app.app_context():
        session = get_session()
        run = session.scalars(select(JobRun).where(JobRun.task == draft_role_jd.task_name)).one()
        assert run.arguments == {
            "role_id": role.id,
            "title": role.title,
            "brief": BRIEF,
            "actor_id": user.id,
        }
        assert run.created_by_id == user.id
        requested = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "role.jd_draft_requested")
        ).one()
        assert requested.object_id == str(role.id)
        Job.fetch(run.rq_job_id, connection=jobs.get_redis(app)).delete()  # no worker runs here
    assert client.get(response.headers["Location"]).status_code == 200


def test_the_llm_draft_banner_shows_until_a_person_saves_the_jd(app, client, no_csrf):
    with app.app_context():
        user = create_test_user(roles=[Role.HIRING_MANAGER])
        role = draft_role(jd_is_llm_draft=True)
        get_session().commit()
    sign_in(client, user.email)
    banner = "LLM draft — review before publishing"
    assert banner in client.get(f"/hiring/roles/{role.id}").get_data(as_text=True)
    assert banner in client.get(f"/hiring/roles/{role.id}/edit").get_data(as_text=True)
    refused = client.post(
        f"/hiring/roles/{role.id}/status", data={"status": "open"}, follow_redirects=True
    )
    assert "unreviewed LLM draft" in refused.get_data(as_text=True)
    client.post(
        f"/hiring/roles/{role.id}/edit",
        data={"title": role.title, "headcount": "1", "summary": "Reviewed.", "must_have": "Python"},
    )
    assert banner not in client.get(f"/hiring/roles/{role.id}").get_data(as_text=True)
