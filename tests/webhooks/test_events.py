"""Domain services' audited changes map to webhook events (the audit trail is the only source)."""

from __future__ import annotations

from sqlalchemy import select

from hiring.services.pipeline import move_application
from interviews.services.transcripts import scoring
from rubrics.jobs import build_embedding_scorer
from tests.interviews.test_transcripts_job import onsite_loop, stored_transcript
from tests.support.samples import sample_application
from webhooks.models import WebhookDelivery
from webhooks.services import create_subscription


def subscribe(session, *events: str):
    subscription = create_subscription(
        session, url="https://hooks.example.com/in", events=list(events), actor_id=None
    ).subscription
    session.flush()
    return subscription


def events_sent(session) -> list[tuple[str, str]]:
    session.flush()
    rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
    return [(row.event, row.payload["data"]["object_type"]) for row in rows]


def test_moving_and_rejecting_an_application_are_stage_changes(session, webhook_queue):
    subscribe(session, "application.stage_changed")
    application = sample_application()
    stages = {stage.name: stage for stage in application.role.stages}
    move_application(session, application, stages["Hired"], actor_id=None)
    move_application(session, application, stages["Rejected"], actor_id=None, reason="Withdrew offer")

    assert events_sent(session) == [("application.stage_changed", "application")] * 2
    last = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc())).first()
    assert last.payload["data"]["before"] == {"stage": "Hired"}
    assert last.payload["data"]["after"] == {"stage": "Rejected", "reason": "Withdrew offer"}


def test_scoring_a_transcript_sends_scores_ready_with_counts_only(session, webhook_queue):
    subscribe(session, "scores.ready")
    transcript = stored_transcript(session, onsite_loop(session))
    assert events_sent(session) == [], "storing a transcript is not an event"

    scoring.score_transcript(session, transcript, embedding_scorer=build_embedding_scorer(session))

    assert events_sent(session) == [("scores.ready", "transcript")]
    data = session.scalars(select(WebhookDelivery)).one().payload["data"]
    aligned = sum(1 for row in transcript.answers if row.question is not None)
    assert aligned > 0
    assert data["object_id"] == str(transcript.id)
    assert data["after"] == {
        "answers_scored": aligned,
        "unaligned": len(transcript.answers) - aligned,
        "round_id": transcript.round_id,
        "application_id": transcript.round.loop.application_id,
    }
