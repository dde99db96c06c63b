"""Funnel analytics from applications and their stage history: pass-through, time in stage,
time to hire and source effectiveness, for one role or for all roles.

Definitions (the whole module follows them):

- An application *reached* every stage it was ever moved into (each StageChange's to_stage, the
  first one being its entry into the pipeline). A move forward between ACTIVE stages that skips
  stages (Applied → Technical screen) also counts as reaching the skipped ones, and so does a move
  from an ACTIVE stage into a HIRED stage for every ACTIVE stage after the one it left. Stages
  before the entry stage are not reached (an applicant who entered at Applied was never a Lead);
  backward moves and moves out of terminal stages reach only their destination.
- It *passed* ACTIVE stage k when it reached k and also reached a later ACTIVE stage (higher
  position) or a HIRED stage, at any time. The pass-through rate is passed / reached.
- Time in stage is measured per stay: from the move into a stage to the next move out of it, in
  days. A stay that has not ended (the application is still there) is left out of the median and
  counted as "still in stage" instead. Skipped stages have no stays.
- A hire is an application whose current stage is a HIRED stage; its time to hire runs from its
  entry into the pipeline (first history row) to its latest move into that stage.
- Onsite is the ACTIVE stage named "Onsite loop"; an application reached onsite when it reached
  that stage or any ACTIVE stage after it. Roles without such a stage count no one as onsite.
- The all-roles view adds up stages by name (roles may customise their stages), so a stage that
  exists in only some roles is still listed, with the number of roles that have it.
"""

from __future__ import annotations

import csv
import heapq
import io
import itertools
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session, selectinload

from core.db import as_utc
from core.errors import DomainError, NotFoundError
from hiring.models import (
    Application,
    Candidate,
    CandidateSource,
    JobRole,
    RoleStage,
    StageChange,
    StageKind,
)

ONSITE_STAGE = "Onsite loop"
REFERENCE_DAYS = 45  # the 45-day hiring cycle cited as the problem to beat (seed 001)
CSV_TABLES = ("stages", "sources", "time_to_hire")
_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class StageStats:
    """One row of the funnel: an ACTIVE stage (or a HIRED one, last) and what went through it."""

    name: str
    kind: StageKind
    roles: int  # how many of the report's roles have a stage of this name
    reached: int
    passed: int | None  # None for a HIRED stage: there is nothing after it
    rate: float | None  # passed / reached; None when nobody reached it
    current: int  # applications in this stage now
    median_days: float | None  # median completed stay; None without completed stays
    completed: int  # completed stays behind the median


@dataclass(frozen=True)
class Hire:
    application_id: int
    candidate_name: str
    role_title: str
    entered_at: datetime
    hired_at: datetime
    days: float


@dataclass(frozen=True)
class TimeToHire:
    hires: tuple[Hire, ...]  # fastest first
    median_days: float | None
    mean_days: float | None
    reference_days: int = REFERENCE_DAYS

    @property
    def count(self) -> int:
        return len(self.hires)

    @property
    def within_reference(self) -> int:
        return sum(1 for hire in self.hires if hire.days <= self.reference_days)


@dataclass(frozen=True)
class SourceStats:
    source: CandidateSource
    applications: int
    reached_onsite: int
    onsite_rate: float | None
    hires: int
    hire_rate: float | None


@dataclass(frozen=True)
class FunnelReport:
    role_id: int | None  # None: all roles
    title: str  # the role's title, or "All roles"
    roles: int
    applications: int
    in_progress: int
    hired: int
    rejected: int
    withdrawn: int
    stages: tuple[StageStats, ...]
    time_to_hire: TimeToHire
    sources: tuple[SourceStats, ...]
    without_onsite_stage: int  # applications in roles that have no "Onsite loop" stage


@dataclass
class _Tally:
    """Counts for one stage name, summed over roles; turned into a StageStats at the end."""

    kind: StageKind
    roles: int = 0
    reached: int = 0
    passed: int = 0
    current: int = 0
    stays: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class _Move:
    from_id: int | None
    to_id: int
    at: datetime


_FUNNEL_KINDS = (StageKind.ACTIVE, StageKind.HIRED)


def funnel_report(session: Session, role_id: int | None) -> FunnelReport:
    """Compute the funnel of one role, or of all roles when ``role_id`` is None."""
    in_scope = Application.role_id == role_id if role_id is not None else true()
    roles = list(
        session.scalars(
            select(JobRole)
            .options(selectinload(JobRole.stages))
            .where(JobRole.id == role_id if role_id is not None else true())
            .order_by(JobRole.id)
        )
    )
    if role_id is not None and not roles:
        raise NotFoundError("That role does not exist.")
    applications = session.execute(
        select(Application.id, Application.role_id, Application.stage_id, Application.created_at)
        .add_columns(Candidate.name, Candidate.source)
        .join(Candidate, Application.candidate_id == Candidate.id)
        .where(in_scope)
        .order_by(Application.id)
    ).all()
    changes = session.execute(
        select(StageChange.application_id, StageChange.from_stage_id, StageChange.to_stage_id)
        .add_columns(StageChange.created_at)
        .join(Application, StageChange.application_id == Application.id)
        .where(in_scope)
        .order_by(StageChange.created_at, StageChange.id)
    )
    moves: dict[int, list[_Move]] = defaultdict(list)
    for application_id, from_id, to_id, at in changes:
        moves[application_id].append(_Move(from_id, to_id, as_utc(at)))
    by_role: dict[int, list[Any]] = defaultdict(list)
    for row in applications:
        by_role[row.role_id].append(row)

    builder = _Builder()
    for role in roles:
        builder.add_role(role, by_role[role.id], moves)
    return builder.report(role_id, roles[0].title if role_id is not None else "All roles", len(roles))


def role_choices(session: Session) -> list[tuple[int, str]]:
    """List (id, title) of every role, for the report's role selector."""
    return [
        (row.id, row.title)
        for row in session.execute(select(JobRole.id, JobRole.title).order_by(JobRole.title, JobRole.id))
    ]


class _Builder:
    """Accumulates one role at a time; ``report`` turns the sums into a FunnelReport."""

    def __init__(self) -> None:
        self.tallies: dict[tuple[bool, str], _Tally] = {}
        self.orders: list[list[str]] = []
        self.hires: list[Hire] = []
        self.outcomes: Counter[StageKind] = Counter()
        self.sources = {source: [0, 0, 0] for source in CandidateSource}  # apps, onsite, hires
        self.without_onsite = 0

    def _tally(self, stage: RoleStage) -> _Tally:
        return self.tallies.setdefault((stage.kind is StageKind.HIRED, stage.name), _Tally(stage.kind))

    def add_role(
        self, role: JobRole, applications: Sequence[Any], moves: dict[int, list[_Move]]
    ) -> None:
        stages = {stage.id: stage for stage in role.stages}
        active = [stage for stage in role.stages if stage.kind is StageKind.ACTIVE]
        self.orders.append([stage.name for stage in active])
        for stage in role.stages:
            if stage.kind in _FUNNEL_KINDS:
                self._tally(stage).roles += 1
        onsite = next((s for s in active if s.name.casefold() == ONSITE_STAGE.casefold()), None)
        for app in applications:
            history = moves.get(app.id) or [_Move(None, app.stage_id, as_utc(app.created_at))]
            self._add_application(role, stages, active, onsite, app, history)

    def _add_application(
        self,
        role: JobRole,
        stages: dict[int, RoleStage],
        active: list[RoleStage],
        onsite: RoleStage | None,
        app: Any,
        history: list[_Move],
    ) -> None:
        reached = [stages[i] for i in reached_stage_ids(history, stages, active)]
        furthest = max((s.position for s in reached if s.kind is StageKind.ACTIVE), default=None)
        hired_ever = any(s.kind is StageKind.HIRED for s in reached)
        for stage in reached:
            if stage.kind not in _FUNNEL_KINDS:
                continue
            tally = self._tally(stage)
            tally.reached += 1
            if stage.kind is StageKind.ACTIVE and (
                hired_ever or (furthest is not None and furthest > stage.position)
            ):
                tally.passed += 1
        for stay, leave in itertools.pairwise(history):
            stage = stages.get(stay.to_id)
            if stage is not None and stage.kind is StageKind.ACTIVE:
                self._tally(stage).stays.append(_days(leave.at - stay.at))

        current = stages[app.stage_id]
        if current.kind in _FUNNEL_KINDS:
            self._tally(current).current += 1
        self.outcomes[current.kind] += 1
        counts = self.sources[app.source]
        counts[0] += 1
        if onsite is None:
            self.without_onsite += 1
        elif furthest is not None and furthest >= onsite.position:
            counts[1] += 1
        if current.kind is StageKind.HIRED:
            counts[2] += 1
            entered_at = history[0].at
            hired_at = max((m.at for m in history if m.to_id == current.id), default=history[-1].at)
            days = _days(hired_at - entered_at)
            self.hires.append(Hire(app.id, app.name, role.title, entered_at, hired_at, days))

    def report(self, role_id: int | None, title: str, roles: int) -> FunnelReport:
        rows = [self._row(name, self.tallies[(False, name)]) for name in merge_orders(self.orders)]
        rows += [self._row(name, tally) for (hired, name), tally in self.tallies.items() if hired]
        hires = sorted(self.hires, key=lambda hire: (hire.days, hire.application_id))
        days = [hire.days for hire in hires]
        return FunnelReport(
            role_id=role_id,
            title=title,
            roles=roles,
            applications=sum(self.outcomes.values()),
            in_progress=self.outcomes[StageKind.ACTIVE],
            hired=self.outcomes[StageKind.HIRED],
            rejected=self.outcomes[StageKind.REJECTED],
            withdrawn=self.outcomes[StageKind.WITHDRAWN],
            stages=tuple(rows),
            time_to_hire=TimeToHire(
                hires=tuple(hires),
                median_days=statistics.median(days) if days else None,
                mean_days=statistics.fmean(days) if days else None,
            ),
            sources=tuple(
                SourceStats(source, total, onsite, _rate(onsite, total), hired, _rate(hired, total))
                for source, (total, onsite, hired) in self.sources.items()
            ),
            without_onsite_stage=self.without_onsite,
        )

    @staticmethod
    def _row(name: str, tally: _Tally) -> StageStats:
        active = tally.kind is StageKind.ACTIVE
        return StageStats(
            name=name,
            kind=tally.kind,
            roles=tally.roles,
            reached=tally.reached,
            passed=tally.passed if active else None,
            rate=_rate(tally.passed, tally.reached) if active else None,
            current=tally.current,
            median_days=statistics.median(tally.stays) if tally.stays else None,
            completed=len(tally.stays),
        )


def reached_stage_ids(
    history: Sequence[_Move], stages: dict[int, RoleStage], active: Sequence[RoleStage]
) -> set[int]:
    """Return the ids of the stages an application reached (see the module docstring)."""
    reached: set[int] = set()
    for move in history:
        target = stages.get(move.to_id)
        if target is None:
            continue
        reached.add(target.id)
        source = stages.get(move.from_id) if move.from_id is not None else None
        if source is None or source.kind is not StageKind.ACTIVE:
            continue
        if target.kind is StageKind.ACTIVE:
            upper = float(target.position)
        elif target.kind is StageKind.HIRED:
            upper = math.inf
        else:
            continue
        reached.update(s.id for s in active if source.position < s.position < upper)
    return reached


def merge_orders(orders: Iterable[Sequence[str]]) -> list[str]:
    """Merge each role's stage order into one: every role's order is kept where they agree,
    ties go to the name seen first, and conflicting orders fall back to first seen."""
    rank: dict[str, int] = {}
    after: dict[str, set[str]] = defaultdict(set)
    waiting: Counter[str] = Counter()
    for order in orders:
        for name in order:
            rank.setdefault(name, len(rank))
        for earlier, later in itertools.pairwise(order):
            if later not in after[earlier]:
                after[earlier].add(later)
                waiting[later] += 1
    ready = [(rank[name], name) for name in rank if not waiting[name]]
    heapq.heapify(ready)
    left = set(rank)
    merged: list[str] = []
    while left:
        name = heapq.heappop(ready)[1] if ready else min(left, key=rank.__getitem__)
        if name not in left:
            continue
        left.discard(name)
        merged.append(name)
        for later in after[name]:
            waiting[later] -= 1
            if waiting[later] == 0 and later in left:
                heapq.heappush(ready, (rank[later], later))
    return merged


def export_csv(report: FunnelReport, table: str) -> str:
    """Render one table of the report as CSV text with a header row."""
    if table == "stages":
        header = "stage kind roles reached passed pass_through_rate still_in_stage median_days completed"
        rows = [
            (s.name, s.kind.value, s.roles, s.reached, s.passed, _round(s.rate, 4), s.current)
            + (_round(s.median_days, 2), s.completed)
            for s in report.stages
        ]
    elif table == "sources":
        header = "source applications reached_onsite onsite_rate hires hire_rate"
        rows = [
            (s.source.value, s.applications, s.reached_onsite, _round(s.onsite_rate, 4))
            + (s.hires, _round(s.hire_rate, 4))
            for s in report.sources
        ]
    elif table == "time_to_hire":
        header = "application_id candidate role entered_at hired_at days_to_hire"
        rows = [
            (h.application_id, h.candidate_name, h.role_title, h.entered_at.isoformat())
            + (h.hired_at.isoformat(), _round(h.days, 2))
            for h in report.time_to_hire.hires
        ]
    else:
        raise DomainError("Choose a table to export: stages, sources or time_to_hire.")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header.split())
    writer.writerows([[csv_cell(value) for value in row] for row in rows])
    return buffer.getvalue()


def csv_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (a leading = + - @ tab or CR)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def summary_lines(report: FunnelReport) -> list[str]:
    """Return the report's key figures in a few printable lines."""
    lines = [
        f"Funnel for {report.title}: {report.applications} application(s) in {report.roles} role(s); "
        f"{report.in_progress} in progress, {report.hired} hired, {report.rejected} rejected, "
        f"{report.withdrawn} withdrawn."
    ]
    if not report.applications:
        return lines
    rated = [s for s in report.stages if s.rate is not None]
    if rated:
        low = min(rated, key=lambda s: (s.rate, -s.reached))
        lines.append(
            f"Lowest pass-through: {low.name}, {_pct(low.rate)} ({low.passed} of {low.reached})."
        )
    timed = [s for s in report.stages if s.median_days is not None]
    if timed:
        slow = max(timed, key=lambda s: s.median_days or 0.0)
        lines.append(
            f"Slowest stage: {slow.name}, median {slow.median_days:.1f} days "
            f"over {slow.completed} completed stay(s)."
        )
    tth = report.time_to_hire
    if tth.count:
        lines.append(
            f"Time to hire: median {tth.median_days:.1f} days, mean {tth.mean_days:.1f} days "
            f"over {tth.count} hire(s); {tth.within_reference} within {tth.reference_days} days."
        )
    else:
        lines.append("Time to hire: no hires yet.")
    sources = [s for s in report.sources if s.applications]
    best = max(sources, key=lambda s: (s.hire_rate or 0.0, s.applications))
    lines.append(
        f"Best source by hire rate: {best.source.label}, {best.hires} of {best.applications} "
        f"({_pct(best.hire_rate)}); onsite {best.reached_onsite} ({_pct(best.onsite_rate)})."
    )
    return lines


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / _SECONDS_PER_DAY


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"
