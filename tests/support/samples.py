"""Sample values for URL variables, so that every route can be requested by the access matrix.

Each sample is a real row; ``owner_id`` is the requesting user (None when anonymous). Add a branch
when a new URL variable appears: the matrix fails with a clear message until you do.
"""

from __future__ import annotations

from datetime import date

from werkzeug.routing import Rule

from core.auth import Role
from core.db import get_session
from core.jobs import JobRun, JobStatus
from hiring import models as hiring
from interviews import models as interviews
from tests.support import interview_factories, rubric_factories
from tests.support.factories import create_test_user
from webhooks.delivery import new_delivery
from webhooks.models import WebhookDelivery, WebhookSubscription

DEFAULT_STAGES = [
    ("Lead", hiring.StageKind.ACTIVE),
    ("Applied", hiring.StageKind.ACTIVE),
    ("Hired", hiring.StageKind.HIRED),
    ("Rejected", hiring.StageKind.REJECTED),
    ("Withdrawn", hiring.StageKind.WITHDRAWN),
]


def sample_role(status: hiring.RoleStatus = hiring.RoleStatus.OPEN) -> hiring.JobRole:
    role = hiring.JobRole(
        title="Sample ML Engineer",
        status=status,
        summary="Build and ship models.",
        must_have=["Python"],
        stages=[
            hiring.RoleStage(name=name, position=index, kind=kind)
            for index, (name, kind) in enumerate(DEFAULT_STAGES)
        ],
    )
    get_session().add(role)
    get_session().flush()
    return role


def sample_candidate(**overrides) -> hiring.Candidate:
    fields = {"name": "Sam Sample", "emails": ["sam@sample.example"], "is_prospect": True}
    fields.update(overrides)
    candidate = hiring.Candidate(**fields)
    get_session().add(candidate)
    get_session().flush()
    return candidate


def sample_application() -> hiring.Application:
    role = sample_role()
    application = hiring.Application(
        candidate=sample_candidate(is_prospect=False), role=role, stage=role.stages[1]
    )
    get_session().add(application)
    get_session().flush()
    return application


def sample_loop() -> interviews.InterviewLoop:
    interviewer = create_test_user(roles=[Role.INTERVIEWER])
    return interview_factories.create_interview_loop(
        application=sample_application(), interviewers=[[interviewer], [interviewer]]
    )


def sample_offer() -> interviews.Offer:
    loop = sample_loop()
    decision = interviews.Decision(
        loop=loop, outcome=interviews.DecisionOutcome.HIRE, rationale="Strong evidence in every round."
    )
    offer = interviews.Offer(
        application=loop.application,
        decision=decision,
        compensation_budget=120_000,
        deadline=date.today(),
        approver_role=Role.ADMIN.value,
    )
    get_session().add(offer)
    get_session().flush()
    return offer


def sample_transcript() -> interviews.Transcript:
    transcript = interviews.Transcript(
        round=sample_loop().rounds[0], body="I would start with the data.", source_name="sample.txt"
    )
    get_session().add(transcript)
    get_session().flush()
    return transcript


def sample_webhook_subscription() -> WebhookSubscription:
    subscription = WebhookSubscription(
        url="https://hooks.sample.example/loopwise",
        events=["candidate.created"],
        secret="whsec_sample",
    )
    get_session().add(subscription)
    get_session().flush()
    return subscription


def sample_webhook_delivery() -> WebhookDelivery:
    delivery = new_delivery(
        get_session(),
        sample_webhook_subscription(),
        "ping",
        {"object_type": "webhook_subscription", "object_id": None, "summary": "Sample"},
    )
    get_session().flush()
    return delivery


def url_values(rule: Rule, owner_id: int | None) -> dict[str, object]:
    session = get_session()
    values: dict[str, object] = {}
    for name in rule.arguments:
        if name == "user_id":
            values[name] = create_test_user(roles=[Role.INTERVIEWER]).id
        elif name == "run_id":
            run = JobRun(
                task="core.system:check_system",
                title="Probe",
                arguments={},
                queue="high",
                rq_job_id=f"probe-{owner_id}-{rule.endpoint.replace('.', '-')}",
                created_by_id=owner_id,
                status=JobStatus.FAILED,
            )
            session.add(run)
            session.flush()
            values[name] = run.id
        elif name == "token":
            values[name] = "not-a-valid-token"
        elif name == "filename":
            values[name] = "app.css"
        elif name == "role_id":
            values[name] = sample_role().id
        elif name == "stage_id":
            values[name] = sample_role().stages[0].id
        elif name == "candidate_id":
            values[name] = sample_candidate().id
        elif name == "application_id":
            values[name] = sample_application().id
        elif name == "pool_id":
            pool = hiring.TalentPool(name=f"Pool for {rule.endpoint}")
            session.add(pool)
            session.flush()
            values[name] = pool.id
        elif name == "touchpoint_id":
            touchpoint = hiring.Touchpoint(
                candidate=sample_candidate(), kind=hiring.TouchpointKind.NOTE, happened_on=date.today()
            )
            session.add(touchpoint)
            session.flush()
            values[name] = touchpoint.id
        elif name == "merge_id":
            primary = sample_candidate(name="Pat Primary", emails=["pat@sample.example"])
            duplicate = sample_candidate(name="Pat Duplicate", emails=["pat@sample.example"])
            merge = hiring.CandidateMerge(primary_id=primary.id, duplicate_id=duplicate.id, snapshot={})
            session.add(merge)
            session.flush()
            values[name] = merge.id
        elif name == "rubric_id":
            values[name] = rubric_factories.create_rubric().id
        elif name == "version_id":
            values[name] = rubric_factories.create_rubric().versions[0].id
        elif name == "question_id":
            values[name] = rubric_factories.create_question().id
        elif name == "answer_id":
            values[name] = rubric_factories.create_answer().id
        elif name == "score_id":
            values[name] = rubric_factories.create_score().id
        elif name == "template_id":
            values[name] = interview_factories.create_loop_template().id
        elif name == "loop_id":
            values[name] = sample_loop().id
        elif name == "round_id":
            values[name] = sample_loop().rounds[0].id
        elif name == "scorecard_id":
            values[name] = sample_loop().rounds[0].scorecards[0].id
        elif name == "transcript_id":
            values[name] = sample_transcript().id
        elif name == "offer_id":
            values[name] = sample_offer().id
        elif name == "template_key":
            values[name] = "ml-engineer"
        elif name == "subscription_id":
            values[name] = sample_webhook_subscription().id
        elif name == "delivery_id":
            values[name] = sample_webhook_delivery().id
        else:
            raise AssertionError(f"teach tests/support/samples.py a sample for <{name}> in {rule.rule}")
    return values
