"""Adverse-impact report: selection rates by self-identified group at each pipeline stage, and at
the decisions taken after an AI score existed, with impact ratios, the four-fifths rule and exact
tests. The definitions are in METHOD below and in the method note exported with the report.

Only counts leave this module: no row names a candidate.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session, selectinload

from core.db import as_utc, utcnow
from core.errors import DomainError
from hiring.models import Application, JobRole, RoleStage, StageChange, StageKind
from hiring.services.analytics import csv_cell, merge_orders, reached_stage_ids
from interviews.models import InterviewLoop, InterviewRound, Transcript, TranscriptAnswer
from rubrics.models import Answer, Score, ScoreStatus
from trust.impact_stats import MIN_GROUP_SIZE, GroupCount, GroupResult, compare_groups
from trust.self_id import (
    NOT_RECORDED,
    SelfIdentification,
    SelfIdSource,
    category_keys,
    category_label,
    group_of,
)

AI_VERDICTS = (ScoreStatus.SCORED, ScoreStatus.INSUFFICIENT_EVIDENCE)
SELECTED, REJECTED, PENDING, WITHDRAWN = "selected", "rejected", "pending", "withdrawn"
DEFAULT_CATEGORY = "gender"
METHOD_VERSION = "impact-1"


@dataclass(frozen=True)
class ImpactFilters:
    role_id: int | None = None
    date_from: date | None = None  # applications that entered the pipeline on or after this day
    date_to: date | None = None  # ... and on or before this day (UTC)
    category: str = DEFAULT_CATEGORY

    def __post_init__(self) -> None:
        if self.category not in category_keys():
            raise DomainError("Choose a self-identification category from the list.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise DomainError("The start of the date range is after its end.")


@dataclass(frozen=True)
class StageImpact:
    stage: str
    ai_only: bool  # True: only decisions taken after an AI score existed
    groups: tuple[GroupResult, ...]
    reference: GroupResult | None
    note: str  # why there is no comparison, or ""

    @property
    def n(self) -> int:
        return sum(group.n for group in self.groups)

    @property
    def flagged(self) -> tuple[GroupResult, ...]:
        return tuple(group for group in self.groups if group.flagged)


@dataclass(frozen=True)
class Provenance:
    generated_at: datetime
    applications: int
    candidates: int
    with_self_id: int
    by_source: dict[str, int] = field(default_factory=dict)
    ai_scored_applications: int = 0


@dataclass(frozen=True)
class ImpactReport:
    filters: ImpactFilters
    scope: str  # the role's title or "All roles"
    category_label: str
    stages: tuple[StageImpact, ...]
    ai_stages: tuple[StageImpact, ...]
    provenance: Provenance

    @property
    def flag_count(self) -> int:
        return sum(len(stage.flagged) for stage in (*self.stages, *self.ai_stages))


# ---------------------------------------------------------------- outcomes per stage (from the database)


class Move(NamedTuple):
    from_id: int | None
    to_id: int
    at: datetime


@dataclass(frozen=True)
class StageOutcome:
    """What happened to one application at one ACTIVE stage it reached."""

    application_id: int
    candidate_id: int
    stage: str
    outcome: str  # SELECTED, REJECTED, PENDING or WITHDRAWN
    ai_touched: bool  # decided after an AI score of one of its interview answers existed


def _scope(filters: ImpactFilters) -> ColumnElement[bool]:
    conditions = [true()]
    if filters.role_id is not None:
        conditions.append(Application.role_id == filters.role_id)
    if filters.date_from is not None:
        conditions.append(Application.created_at >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        conditions.append(Application.created_at < end)
    return and_(*conditions)


def collect_outcomes(session: Session, filters: ImpactFilters) -> tuple[list[StageOutcome], list[str]]:
    """Every (application, reached ACTIVE stage) outcome in scope; the stage names in funnel order."""
    scope = _scope(filters)
    role_filter = JobRole.id == filters.role_id if filters.role_id is not None else true()
    roles = {
        role.id: role
        for role in session.scalars(
            select(JobRole).options(selectinload(JobRole.stages)).where(role_filter).order_by(JobRole.id)
        )
    }
    applications = session.execute(
        select(Application.id, Application.role_id, Application.candidate_id, Application.stage_id)
        .add_columns(Application.created_at)
        .where(scope)
        .order_by(Application.id)
    ).all()
    moves: dict[int, list[Move]] = defaultdict(list)
    for row in session.execute(
        select(StageChange.application_id, StageChange.from_stage_id, StageChange.to_stage_id)
        .add_columns(StageChange.created_at)
        .join(Application, StageChange.application_id == Application.id)
        .where(scope)
        .order_by(StageChange.created_at, StageChange.id)
    ):
        moves[row[0]].append(Move(row[1], row[2], as_utc(row[3])))
    ai_at = first_ai_scores(session, scope)
    outcomes: list[StageOutcome] = []
    for app in applications:
        role = roles[app.role_id]
        history = moves.get(app.id) or [Move(None, app.stage_id, as_utc(app.created_at))]
        outcomes += application_outcomes(app, role.stages, history, ai_at.get(app.id))
    order = merge_orders(
        [[s.name for s in role.stages if s.kind is StageKind.ACTIVE] for role in roles.values()]
    )
    return outcomes, order


def first_ai_scores(session: Session, scope: ColumnElement[bool]) -> dict[int, datetime]:
    """Application id → when an AI verdict on one of its transcript answers first existed.

    A verdict is reused for an identical answer text, so it exists for this application from the
    later of the score's creation and the transcript's upload.
    """
    rows = session.execute(
        select(InterviewLoop.application_id, Score.created_at, Transcript.created_at)
        .join(Application, InterviewLoop.application_id == Application.id)
        .join(InterviewRound, InterviewRound.loop_id == InterviewLoop.id)
        .join(Transcript, Transcript.round_id == InterviewRound.id)
        .join(TranscriptAnswer, TranscriptAnswer.transcript_id == Transcript.id)
        .join(Answer, Answer.id == TranscriptAnswer.answer_id)
        .join(Score, Score.answer_hash == Answer.text_hash)
        .where(scope, Score.status.in_(AI_VERDICTS))
    )
    first: dict[int, datetime] = {}
    for application_id, scored_at, uploaded_at in rows:
        at = max(as_utc(scored_at), as_utc(uploaded_at))
        if application_id not in first or at < first[application_id]:
            first[application_id] = at
    return first


def application_outcomes(
    app: Any, role_stages: Sequence[RoleStage], history: Sequence[Move], ai_at: datetime | None
) -> list[StageOutcome]:
    """The outcome at each ACTIVE stage an application reached (definitions in METHOD)."""
    stages = {stage.id: stage for stage in role_stages}
    active = [stage for stage in role_stages if stage.kind is StageKind.ACTIVE]
    per_move = [reached_stage_ids([move], stages, active) for move in history]
    reached = set().union(*per_move)
    hired_ever = any(stages[i].kind is StageKind.HIRED for i in reached)
    positions = [stages[i].position for i in reached if stages[i].kind is StageKind.ACTIVE]
    furthest = max(positions, default=-1)
    current = stages[app.stage_id]
    outcomes = []
    for stage in active:
        if stage.id not in reached:
            continue
        decided_at = None
        if hired_ever or furthest > stage.position:
            outcome = SELECTED
            first = next(i for i, ids in enumerate(per_move) if stage.id in ids)
            beyond = [i for i, ids in enumerate(per_move) if _beyond(stages, ids, stage)]
            index = next((i for i in beyond if i >= first), beyond[0] if beyond else None)
            decided_at = history[index].at if index is not None else None
        elif current.kind is StageKind.ACTIVE:
            outcome = PENDING
        elif current.kind is StageKind.WITHDRAWN:
            outcome = WITHDRAWN
        else:
            outcome = REJECTED
            decided_at = max(move.at for move in history if move.to_id == current.id)
        ai_touched = decided_at is not None and ai_at is not None and ai_at < decided_at
        outcomes.append(StageOutcome(app.id, app.candidate_id, stage.name, outcome, ai_touched))
    return outcomes


def _beyond(stages: dict[int, RoleStage], ids: set[int], stage: RoleStage) -> bool:
    return any(
        stages[i].kind is StageKind.HIRED
        or (stages[i].kind is StageKind.ACTIVE and stages[i].position > stage.position)
        for i in ids
    )


# ---------------------------------------------------------------- the report


def self_ids_of(session: Session, candidate_ids: Iterable[int]) -> dict[int, SelfIdentification]:
    ids = sorted(set(candidate_ids))
    found: dict[int, SelfIdentification] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for record in session.scalars(
            select(SelfIdentification).where(SelfIdentification.candidate_id.in_(chunk))
        ):
            found[record.candidate_id] = record
    return found


def stage_impacts(
    outcomes: Sequence[StageOutcome],
    order: Sequence[str],
    groups: dict[int, str],
    category: str,
    *,
    ai_only: bool,
    min_n: int = MIN_GROUP_SIZE,
) -> tuple[StageImpact, ...]:
    """One StageImpact per stage name (in ``order``) that has outcomes; ``groups``: candidate → group."""
    tallies: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for outcome in outcomes:
        if ai_only and not outcome.ai_touched:
            continue
        tallies[outcome.stage][groups.get(outcome.candidate_id, NOT_RECORDED)][outcome.outcome] += 1
    result = []
    for stage in order:
        if stage not in tallies:
            continue
        counts = [
            GroupCount(group, c[SELECTED], c[REJECTED], c[PENDING], c[WITHDRAWN])
            for group, c in tallies[stage].items()
        ]
        rows, reference, note = compare_groups(category, counts, min_n=min_n)
        result.append(StageImpact(stage, ai_only, rows, reference, note))
    return tuple(result)


def impact_reports(
    session: Session, filters: ImpactFilters, categories: Sequence[str] | None = None
) -> list[ImpactReport]:
    """The report for the filters' category, or for each of ``categories`` (one query for all)."""
    outcomes, order = collect_outcomes(session, filters)
    candidate_ids = {o.candidate_id for o in outcomes}
    records = self_ids_of(session, candidate_ids)
    scope = "All roles"
    if filters.role_id is not None:
        role = session.get(JobRole, filters.role_id)
        if role is None:
            raise DomainError("That role does not exist.")
        scope = role.title
    provenance = Provenance(
        generated_at=utcnow(),
        applications=len({o.application_id for o in outcomes}),
        candidates=len(candidate_ids),
        with_self_id=len(records),
        by_source=dict(Counter(SelfIdSource(r.source).value for r in records.values())),
        ai_scored_applications=len({o.application_id for o in outcomes if o.ai_touched}),
    )
    reports = []
    for category in categories or [filters.category]:
        groups = {cid: group_of(records.get(cid), category) for cid in candidate_ids}
        reports.append(
            ImpactReport(
                filters=filters,
                scope=scope,
                category_label=category_label(category),
                stages=stage_impacts(outcomes, order, groups, category, ai_only=False),
                ai_stages=stage_impacts(outcomes, order, groups, category, ai_only=True),
                provenance=provenance,
            )
        )
    return reports


def impact_report(session: Session, filters: ImpactFilters) -> ImpactReport:
    return impact_reports(session, filters)[0]


def application_count(session: Session, filters: ImpactFilters) -> int:
    return session.scalar(select(func.count(Application.id)).where(_scope(filters))) or 0


# ---------------------------------------------------------------- exports

CSV_HEADER = (
    "category scope stage group group_label decided selected selection_rate impact_ratio "
    "four_fifths_flag fisher_p z_test_p reference_group status pending withdrawn"
).split()


def export_csv(reports: Sequence[ImpactReport], categories: Sequence[str]) -> str:
    """The tables of the reports (one per category) as CSV, one row per stage × group."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for category, report in zip(categories, reports, strict=True):
        for stage in (*report.stages, *report.ai_stages):
            reference = stage.reference.group if stage.reference else ""
            for group in stage.groups:
                row = (
                    category,
                    "ai_touched" if stage.ai_only else "all_decisions",
                    stage.stage,
                    group.group,
                    group.label,
                    group.n,
                    group.selected,
                    _round(group.rate),
                    _round(group.impact_ratio),
                    "yes" if group.flagged else "no",
                    _round(group.fisher_p),
                    _round(group.z_p),
                    reference,
                    group.status,
                    group.pending,
                    group.withdrawn,
                )
                writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
