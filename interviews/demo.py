"""Interviews demo: each open demo role gets its loop; the ML engineer role has loops in every state,
the seed-000 candidate's among them: transcript scored, debrief finished, decision recorded.

Safe to run again: it does nothing once a loop exists. Scorecards and votes are our own writing.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import Role, User, create_user, find_user_by_email
from core.db import utcnow
from core.demo import demo_password
from hiring.models import Application, Candidate, JobRole, RoleStatus, StageKind
from hiring.services.pipeline import move_application
from interviews.models import (
    DecisionOutcome,
    InterviewLoop,
    LoopTemplate,
    Recommendation,
    Scorecard,
    Vote,
)
from interviews.services import debriefs, decisions, loops, offers, scorecards, templates
from interviews.services.loop_rounds import update_loop_round
from interviews.services.transcripts import scoring as transcript_scoring
from rubrics.jobs import build_embedding_scorer, build_judge_scorer

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
EXTRA_INTERVIEWERS = (("Theo Theory", "theo@example.com"), ("Cora Coder", "cora@example.com"))
SEED_LOOP = "ml-engineer-onsite"

NOTES = {
    1: "Could not explain the basics when asked twice; no example from their own work.",
    2: "Named the right ideas but stayed general; no numbers, no trade-off discussed.",
    3: "Clear, correct explanation with an example from a project they led, including what went wrong.",
    4: "Went beyond the question: compared two approaches with measured results and their costs.",
}
TAKEAWAYS = {
    1: "Not at the level the role needs in this area.",
    2: "Some knowledge, but shallow for a senior hire; would need close support.",
    3: "Solid in this round; I would be happy to work with them.",
    4: "Outstanding round; raises the bar of the team.",
}


def demo_interviewer(session: Session, name: str, email: str) -> User:
    """The demo interviewer with this email, created (with the demo password) if missing."""
    user = find_user_by_email(session, email)
    if user is None:
        role = Role.INTERVIEWER
        user = create_user(session, email=email, name=name, roles=[role], password=demo_password(role))
    return user


def recommendation_for(mean: float) -> Recommendation:
    """The recommendation a demo interviewer's mean rating points to."""
    if mean >= 3.5:
        return Recommendation.STRONG_YES
    if mean >= 2.75:
        return Recommendation.YES
    if mean >= 2.0:
        return Recommendation.NO
    return Recommendation.STRONG_NO


def _fill(session: Session, card: Scorecard, strength: int, rng: random.Random, *, submit: bool) -> None:
    """Rate every competency of the card's round around ``strength`` (1-4), with evidence notes."""
    ratings = {}
    for key in card.round.competencies:
        rating = max(1, min(4, strength + rng.choice((-1, 0, 0, 1))))
        ratings[key] = {"rating": rating, "note": NOTES[rating]}
    mean = sum(r["rating"] for r in ratings.values()) / max(1, len(ratings))
    scorecards.save_scorecard(
        session,
        card,
        ratings=ratings,
        takeaways=TAKEAWAYS[round(mean)],
        recommendation=recommendation_for(mean),
        submit=submit,
        actor_id=card.interviewer_id,
    )


def _role_loop(session: Session, role: JobRole, panel: list[User], manager: User) -> LoopTemplate | None:
    """Copy the role's family template (the onsite loop for ML engineers), staff it, publish it."""
    slug = SEED_LOOP if role.template_key == "ml-engineer" else f"{role.template_key}-loop"
    library = session.scalar(select(LoopTemplate).where(LoopTemplate.slug == slug))
    if library is None:
        return None
    loop_template = templates.create_role_loop(session, role, library, actor_id=manager.id)
    for member in panel:
        if member not in role.interviewers:
            role.interviewers.append(member)
    session.flush()
    for index, loop_round in enumerate(loop_template.rounds):
        update_loop_round(
            session,
            loop_round,
            kind=loop_round.kind,
            title=loop_round.title,
            duration_minutes=loop_round.duration_minutes,
            competencies=list(loop_round.competencies),
            question_ids=list(loop_round.question_ids),
            interviewer_ids=[panel[index % len(panel)].id],
            notes=loop_round.notes,
            actor_id=manager.id,
        )
    templates.publish_loop(session, loop_template, actor_id=manager.id)
    return loop_template


def _to_stage(session: Session, application: Application, name: str, actor_id: int) -> None:
    stage = next((s for s in application.role.stages if s.name == name), None)
    if stage is not None and application.stage_id != stage.id:
        move_application(session, application, stage, actor_id=actor_id)


def _start(session: Session, application: Application, manager: User, days_ago: int) -> InterviewLoop:
    _to_stage(session, application, "Onsite loop", manager.id)
    loop = loops.start_loop(session, application, actor_id=manager.id)
    start = (utcnow() - timedelta(days=days_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
    for index, round_ in enumerate(loop.rounds):
        loops.schedule_round(
            session,
            round_,
            scheduled_at=start + timedelta(hours=index * 2 if index < 3 else 24 + index),
            duration_minutes=round_.duration_minutes,
            location="Video call (link in the invitation)",
            actor_id=manager.id,
        )
    return loop


def _vote_all(session: Session, loop: InterviewLoop, votes: dict[int, Vote]) -> None:
    for member in debriefs.panel_members(loop):
        vote = votes.get(member.id, Vote.YES)
        debriefs.cast_vote(session, loop.debrief, member, vote, "", actor_id=member.id)


def load_interviews_demo(session: Session) -> list[str]:
    """Add the interviews demo data unless a loop exists; return lines to print."""
    if session.scalar(select(InterviewLoop.id).limit(1)) is not None:
        return ["Interviews demo data already present."]
    manager = find_user_by_email(session, "manager@example.com")
    recruiter = find_user_by_email(session, "recruiter@example.com")
    ines = find_user_by_email(session, "interviewer@example.com")
    if manager is None or recruiter is None or ines is None:
        return ["Interviews demo skipped: the demo users are missing."]
    panel = [ines, *(demo_interviewer(session, name, email) for name, email in EXTRA_INTERVIEWERS)]
    synced = templates.sync_library_templates(session, actor_id=manager.id)
    lines = [f"Interviews demo: {synced.summary}"]

    open_roles = session.scalars(
        select(JobRole).where(JobRole.status == RoleStatus.OPEN).order_by(JobRole.id)
    ).all()
    for role in open_roles:
        if _role_loop(session, role, panel, manager) is not None:
            lines.append(f"  Published the interview loop of {role.title}.")
    role = next((r for r in open_roles if r.template_key == "ml-engineer"), None)
    if role is None:
        return lines
    rng = random.Random(5)
    seed = session.scalar(
        select(Application)
        .join(Candidate)
        .where(Application.role_id == role.id, Candidate.name.like("Amith%"))
    )
    others = [
        a
        for a in session.scalars(
            select(Application).where(Application.role_id == role.id).order_by(Application.id)
        )
        if a.stage.kind == StageKind.ACTIVE and a is not seed
    ]
    if seed is not None:
        lines += _seed_loop(session, seed, manager, panel, rng)
    plans = (_hired, _debrief_open, _in_progress, _scheduled, _cancelled)
    for application, plan in zip(others, plans, strict=False):
        lines.append(plan(session, application, manager, panel, rng))
    return lines


def _submit_all(session: Session, loop: InterviewLoop, strength: int, rng: random.Random) -> None:
    for round_ in loop.rounds:
        for card in round_.scorecards:
            _fill(session, card, strength, rng, submit=True)


def _seed_loop(session, application, manager, panel, rng) -> list[str]:
    """The seed-000 candidate: transcript scored, every scorecard in, votes revealed, decision."""
    loop = _start(session, application, manager, days_ago=9)
    lines = _score_seed_transcript(session, loop, manager)
    _submit_all(session, loop, 3, rng)
    votes = {panel[0].id: Vote.YES, panel[1].id: Vote.NO, panel[2].id: Vote.YES, manager.id: Vote.YES}
    _vote_all(session, loop, votes)
    decisions.record_decision(
        session,
        loop,
        outcome=DecisionOutcome.HOLD,
        rationale=(
            "Mixed signal: broad architecture and platform experience and clear system-design answers, "
            "but the ML theory answers stayed general (loss functions, transformer internals). Hold "
            "until the other onsite candidates for this role are debriefed, then compare."
        ),
        actor_id=manager.id,
    )
    lines.append(f"  {application.candidate.name}: loop finished, votes revealed, decision: hold.")
    return lines


def _score_seed_transcript(session: Session, loop: InterviewLoop, manager: User) -> list[str]:
    """Attach the transcript imported with the seed profile to the first round and score it now
    (embedding match; the judge too when an endpoint is configured, as the worker would)."""
    first = loop.rounds[0]
    documents = transcript_scoring.candidate_transcripts(first)
    if not documents:
        return ["  The seed profile has no transcript: nothing to score."]
    transcript = transcript_scoring.import_candidate_transcript(
        session,
        first,
        documents[0].id,
        actor_id=manager.id,
        encode=transcript_scoring.embedding_encoder(session),
    )
    summary = transcript_scoring.score_transcript(
        session,
        transcript,
        embedding_scorer=build_embedding_scorer(session),
        judge_scorer=build_judge_scorer(current_app.config)[0],
        actor_id=manager.id,
    )
    return [
        f"  Scored the seed transcript: {len(transcript.answers)} answers, "
        f"{summary['answers_scored']} aligned to questions and scored."
    ]


def _hired(session, application, manager, panel, rng) -> str:
    loop = _start(session, application, manager, days_ago=14)
    _submit_all(session, loop, 4, rng)
    _vote_all(session, loop, {})
    decision = decisions.record_decision(
        session,
        loop,
        outcome=DecisionOutcome.HIRE,
        rationale="Unanimous yes; the strongest coding and system-design rounds of the role so far.",
        actor_id=manager.id,
    )
    offers.create_offer(
        session,
        decision,
        compensation_budget=95_000,
        currency="EUR",
        deadline=(utcnow() + timedelta(days=10)).date(),
        actor_id=manager.id,
    )
    return f"  {application.candidate.name}: hired, offer waiting for approval."


def _debrief_open(session, application, manager, panel, rng) -> str:
    loop = _start(session, application, manager, days_ago=5)
    _submit_all(session, loop, 3, rng)
    members = debriefs.panel_members(loop)
    for member in members[: max(1, len(members) - 2)]:
        debriefs.cast_vote(session, loop.debrief, member, Vote.YES, "", actor_id=member.id)
    return f"  {application.candidate.name}: debrief open, votes sealed until everyone has voted."


def _in_progress(session, application, manager, panel, rng) -> str:
    loop = _start(session, application, manager, days_ago=3)
    cards = [card for round_ in loop.rounds for card in round_.scorecards]
    for card in cards[: len(cards) // 2]:
        _fill(session, card, 2, rng, submit=True)
    if len(cards) > 1:
        _fill(session, cards[-1], 2, rng, submit=False)  # a draft, overdue: reminders have work
    return f"  {application.candidate.name}: interviews done, scorecards partly in (some overdue)."


def _scheduled(session, application, manager, panel, rng) -> str:
    loop = _start(session, application, manager, days_ago=-4)
    return f"  {application.candidate.name}: {len(loop.rounds)} rounds scheduled next week."


def _cancelled(session, application, manager, panel, rng) -> str:
    loop = _start(session, application, manager, days_ago=-2)
    loops.cancel_loop(session, loop, reason="The candidate accepted another offer.", actor_id=manager.id)
    return f"  {application.candidate.name}: loop cancelled (accepted another offer)."
