"""Loop instances: starting a role's published loop for an application, scheduling its rounds,
assigning interviewers, cancelling; and the lists of the interviews home page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from core.audit import record_audit
from core.auth import Role, User, UserRole
from core.db import as_utc, get_or_raise
from core.errors import ConflictError, DomainError, NotFoundError
from hiring.models import Application, JobRole, RoleStage
from interviews.models import (
    InterviewLoop,
    InterviewRound,
    LoopStatus,
    LoopTemplate,
    Scorecard,
    ScorecardStatus,
    TemplateStatus,
)
from rubrics.content import ContentError, RubricContent, parse_content
from rubrics.models import Question, Rubric, RubricVersion

# The pipeline stages whose applications are waiting for a loop (the default stage names).
LOOP_STAGES = ("Onsite loop", "Debrief")
OPEN_STATUSES = (LoopStatus.SCHEDULED, LoopStatus.DEBRIEF)
SCORECARD_GRACE = timedelta(hours=24)  # a scorecard is due a day after its interview ends
ASSIGNABLE_ROLES = (Role.INTERVIEWER, Role.HIRING_MANAGER)
MIN_DURATION, MAX_DURATION = 5, 8 * 60
MAX_LOCATION = 300
MAX_REASON = 1000


# ---------------------------------------------------------------- reading


def get_loop(session: Session, loop_id: int) -> InterviewLoop:
    return get_or_raise(session, InterviewLoop, loop_id, "No such interview loop.")


# The kit (and the other round pages) reads every round's scorecards of the loop (who may see
# what): load them in two queries instead of one per round.
_ROUND_LOADING = (
    joinedload(InterviewRound.loop)
    .selectinload(InterviewLoop.rounds)
    .selectinload(InterviewRound.scorecards),
)


def get_round(session: Session, round_id: int) -> InterviewRound:
    round_ = session.get(InterviewRound, round_id, options=_ROUND_LOADING)
    if round_ is None:
        raise NotFoundError("No such interview round.")
    return round_


def published_loop(session: Session, role_id: int) -> LoopTemplate | None:
    """The role's own loop template, if it is published (the one new loops are started from)."""
    return session.scalar(
        select(LoopTemplate).where(
            LoopTemplate.role_id == role_id, LoopTemplate.status == TemplateStatus.PUBLISHED
        )
    )


def loop_of_application(session: Session, application_id: int) -> InterviewLoop | None:
    return session.scalar(select(InterviewLoop).where(InterviewLoop.application_id == application_id))


def is_open(loop: InterviewLoop) -> bool:
    """Whether the loop still runs: not decided, not cancelled."""
    return loop.status in OPEN_STATUSES


def ensure_open(loop: InterviewLoop) -> None:
    if not is_open(loop):
        raise DomainError(f"This loop is {loop.status.value}; its rounds can no longer change.")


def round_end(round_: InterviewRound) -> datetime | None:
    if round_.scheduled_at is None:
        return None
    return as_utc(round_.scheduled_at) + timedelta(minutes=round_.duration_minutes)


def scorecard_due(round_: InterviewRound) -> datetime | None:
    """When the round's scorecards are due: a day after the interview ends (None if unscheduled)."""
    end = round_end(round_)
    return None if end is None else end + SCORECARD_GRACE


def assignable_users(session: Session) -> list[User]:
    """Active users who may be assigned to rounds (interviewers and hiring managers), by name."""
    statement = (
        select(User)
        .where(
            User.active.is_(True),
            exists().where(
                UserRole.user_id == User.id, UserRole.role.in_([*ASSIGNABLE_ROLES, Role.ADMIN])
            ),
        )
        .order_by(User.name, User.id)
    )
    return list(session.scalars(statement))


def applications_without_loop_query(role_id: int | None = None) -> Select[tuple[Application]]:
    """Applications in the onsite or debrief stage that have no loop yet, longest waiting first."""
    statement = (
        select(Application)
        .join(RoleStage, RoleStage.id == Application.stage_id)
        .where(
            RoleStage.name.in_(LOOP_STAGES),
            ~exists().where(InterviewLoop.application_id == Application.id),
        )
        .order_by(Application.stage_entered_at, Application.id)
    )
    if role_id is not None:
        statement = statement.where(Application.role_id == role_id)
    return statement


def list_applications_without_loop(session: Session, role_id: int | None = None) -> list[Application]:
    """Applications waiting for a loop (onsite or debrief stage, no loop), optionally of one role."""
    return list(session.scalars(applications_without_loop_query(role_id)))


def loops_in_progress_query() -> Select[tuple[InterviewLoop]]:
    """Loops that are scheduled or in debrief, newest first."""
    return (
        select(InterviewLoop)
        .where(InterviewLoop.status.in_(OPEN_STATUSES))
        .order_by(InterviewLoop.created_at.desc(), InterviewLoop.id.desc())
    )


@dataclass(frozen=True)
class KitQuestion:
    """A question of a round with its rubric's latest published version (None if unpublished)."""

    question: Question
    version: RubricVersion | None
    content: RubricContent | None


def round_questions(session: Session, round_: InterviewRound) -> list[KitQuestion]:
    """The round's questions in order, each with its latest published rubric content."""
    found = session.scalars(
        select(Question)
        .where(Question.id.in_(round_.question_ids))
        .options(selectinload(Question.rubric).selectinload(Rubric.versions))
    )
    by_id = {question.id: question for question in found}
    result = []
    for question_id in round_.question_ids:
        question = by_id.get(question_id)
        if question is None:
            continue  # removed from the bank since the loop started
        version = question.rubric.latest_version
        try:
            content = parse_content(version.content) if version is not None else None
        except ContentError:
            content = None
        result.append(KitQuestion(question, version, content))
    return result


# ---------------------------------------------------------------- starting and cancelling


def _add_to_role_panel(session: Session, role: JobRole, users: Iterable[User], *, actor_id: int | None):
    """Put assigned interviewers on the role's panel, so that the hiring pages let them see it."""
    before = sorted(user.id for user in role.interviewers)
    added = [
        user
        for user in users
        if Role.INTERVIEWER in user.roles and all(member.id != user.id for member in role.interviewers)
    ]
    if not added:
        return
    role.interviewers.extend(added)
    record_audit(
        session,
        actor_id=actor_id,
        action="role.panel_changed",
        object_type="role",
        object_id=role.id,
        summary=f"{role.title}: {', '.join(u.name for u in added)} added as loop interviewers",
        before={"interviewer_ids": before},
        after={"interviewer_ids": sorted(user.id for user in role.interviewers)},
    )


def start_loop(session: Session, application: Application, *, actor_id: int | None) -> InterviewLoop:
    """Start the role's published loop for an application: its rounds, and a draft scorecard for
    each default interviewer of each round."""
    if application.stage.kind.terminal:
        raise DomainError(
            f"{application.candidate.name} is {application.stage.name.lower()} for this role; "
            "a loop can only start for an application in progress."
        )
    existing = loop_of_application(session, application.id)
    if existing is not None:
        raise ConflictError(
            f"{application.candidate.name} already has an interview loop for this role "
            f"({existing.status.value})."
        )
    template = published_loop(session, application.role_id)
    if template is None:
        raise DomainError(
            f"{application.role.title} has no published interview loop yet; the hiring manager "
            "publishes one on the role's loop page first."
        )
    if not template.rounds:
        raise DomainError(f"The loop of {application.role.title} has no rounds; add rounds first.")
    loop = InterviewLoop(
        application=application, template=template, status=LoopStatus.SCHEDULED, created_by_id=actor_id
    )
    assigned: dict[int, User] = {}
    for position, template_round in enumerate(template.rounds):
        round_ = InterviewRound(
            template_round_id=template_round.id,
            position=position,
            kind=template_round.kind,
            title=template_round.title,
            duration_minutes=template_round.duration_minutes,
            competencies=list(template_round.competencies),
            question_ids=list(template_round.question_ids),
        )
        for user in template_round.interviewers:
            if user.active:
                round_.scorecards.append(Scorecard(interviewer_id=user.id))
                assigned[user.id] = user
        loop.rounds.append(round_)
    try:
        with session.begin_nested():  # the savepoint flushes what was pending before it
            session.add(loop)
    except IntegrityError:  # another request started this application's loop first
        raise ConflictError(
            f"{application.candidate.name} already has an interview loop for this role."
        ) from None
    _add_to_role_panel(session, application.role, assigned.values(), actor_id=actor_id)
    record_audit(
        session,
        actor_id=actor_id,
        action="loop.started",
        object_type="interview_loop",
        object_id=loop.id,
        summary=f"{application.candidate.name} for {application.role.title}: {template.title}",
        after={
            "application_id": application.id,
            "template_id": template.id,
            "rounds": [
                {"title": r.title, "interviewer_ids": [c.interviewer_id for c in r.scorecards]}
                for r in loop.rounds
            ],
        },
    )
    return loop


def cancel_loop(session: Session, loop: InterviewLoop, *, reason: str, actor_id: int | None) -> None:
    """Cancel a loop that has not been decided; the reason is kept in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the loop is cancelled.")
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.")
    if loop.status is LoopStatus.CANCELLED:
        raise DomainError("This loop is already cancelled.")
    if loop.status is LoopStatus.DECIDED:
        raise DomainError("This loop is decided; record a new decision instead of cancelling it.")
    before = loop.status
    loop.status = LoopStatus.CANCELLED
    record_audit(
        session,
        actor_id=actor_id,
        action="loop.cancelled",
        object_type="interview_loop",
        object_id=loop.id,
        summary=f"{loop.application.candidate.name} for {loop.application.role.title}: {reason}",
        before={"status": before.value},
        after={"status": loop.status.value, "reason": reason},
    )


# ---------------------------------------------------------------- scheduling and assigning


def schedule_round(
    session: Session,
    round_: InterviewRound,
    *,
    scheduled_at: datetime,
    duration_minutes: int,
    location: str,
    actor_id: int | None,
) -> InterviewRound:
    """Set a round's start (UTC), length and place; its scorecards fall due a day after it ends."""
    ensure_open(round_.loop)
    if not isinstance(scheduled_at, datetime):
        raise DomainError("Give the date and time the interview starts.")
    if isinstance(duration_minutes, bool) or not isinstance(duration_minutes, int):
        raise DomainError("The length must be a whole number of minutes.")
    if not MIN_DURATION <= duration_minutes <= MAX_DURATION:
        raise DomainError(f"A round lasts between {MIN_DURATION} and {MAX_DURATION} minutes.")
    location = " ".join((location or "").split())
    if len(location) > MAX_LOCATION:
        raise DomainError(f"Keep the place or video link under {MAX_LOCATION} characters.")
    scheduled_at = as_utc(scheduled_at).replace(microsecond=0)
    before = _schedule_data(round_)
    round_.scheduled_at, round_.duration_minutes, round_.location = (
        scheduled_at,
        duration_minutes,
        location,
    )
    due = scorecard_due(round_)
    for card in round_.scorecards:
        card.due_at = due
    after = _schedule_data(round_)
    if before != after:
        record_audit(
            session,
            actor_id=actor_id,
            action="round.scheduled",
            object_type="interview_round",
            object_id=round_.id,
            summary=f"{round_.title} for {round_.loop.application.candidate.name}: "
            f"{scheduled_at:%Y-%m-%d %H:%M} UTC, {duration_minutes} min",
            before=before,
            after=after,
        )
    return round_


def _schedule_data(round_: InterviewRound) -> dict[str, object]:
    start = None if round_.scheduled_at is None else as_utc(round_.scheduled_at).isoformat()
    return {
        "scheduled_at": start,
        "duration_minutes": round_.duration_minutes,
        "location": round_.location,
    }


def assign_interviewers(
    session: Session, round_: InterviewRound, user_ids: Iterable[int], *, actor_id: int | None
) -> InterviewRound:
    """Replace a round's interviewers; someone who has submitted their scorecard stays."""
    ensure_open(round_.loop)
    wanted: dict[int, User] = {}
    for user_id in dict.fromkeys(int(user_id) for user_id in user_ids):
        user = session.get(User, user_id)
        if user is None or not user.active or not user.has_any_role(ASSIGNABLE_ROLES):
            raise DomainError(
                "Only active users with the interviewer or hiring manager role can interview."
            )
        wanted[user.id] = user
    current = {card.interviewer_id: card for card in round_.scorecards}
    leaving = [card for user_id, card in current.items() if user_id not in wanted]
    submitted = [card.interviewer.name for card in leaving if card.status is ScorecardStatus.SUBMITTED]
    if submitted:
        raise DomainError(
            f"{', '.join(submitted)} already submitted a scorecard for this round and stays on it."
        )
    before = sorted(current)
    due = scorecard_due(round_)
    for card in leaving:
        round_.scorecards.remove(card)  # a draft: deleted with its reminders
    for user_id in wanted:
        if user_id not in current:
            round_.scorecards.append(Scorecard(interviewer_id=user_id, due_at=due))
    session.flush()
    after = sorted(wanted)
    if before != after:
        _add_to_role_panel(session, round_.loop.application.role, wanted.values(), actor_id=actor_id)
        names = ", ".join(user.name for user in wanted.values()) or "nobody"
        record_audit(
            session,
            actor_id=actor_id,
            action="round.interviewers_changed",
            object_type="interview_round",
            object_id=round_.id,
            summary=f"{round_.title} for {round_.loop.application.candidate.name}: {names}",
            before={"interviewer_ids": before},
            after={"interviewer_ids": after},
        )
    return round_
