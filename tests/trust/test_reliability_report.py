"""The reliability report over real scorecards: grouping by round and competency, the submitted-only
rule, small samples and filters. ``panel_loops`` also serves the calibration and page tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pytest

from core.auth import User
from core.db import get_session
from hiring.models import JobRole
from interviews.models import InterviewLoop, Recommendation, ScorecardStatus
from tests.support.factories import create_test_user
from tests.support.hiring_factories import create_application, create_role
from tests.support.interview_factories import create_interview_loop, create_loop_template
from trust.reliability import ReportFilters, reliability_report, submitted_cards

LONG_NOTE = "Explained the trade-off and backed it with numbers from their own project."
START = datetime(2026, 3, 2, 9, 0)


def submit(
    card,
    ratings: dict[str, int],
    *,
    note: str = LONG_NOTE,
    recommendation: Recommendation = Recommendation.YES,
    submitted_at: datetime | None = None,
) -> None:
    card.ratings = {key: {"rating": value, "note": note} for key, value in ratings.items()}
    card.recommendation = recommendation
    card.status = ScorecardStatus.SUBMITTED
    card.submitted_at = submitted_at or START


def panel_loops(
    strengths: Sequence[int],
    leans: dict[str, int],
    *,
    role: JobRole | None = None,
    panel: Sequence[User] | None = None,
    turnaround_hours: dict[str, float] | None = None,
) -> tuple[JobRole, dict[str, User], list[InterviewLoop]]:
    """One loop per strength (1-4) in which every named interviewer rates every competency of every
    round at strength + their lean (clipped to 1-4), an hour after the round ends by default."""
    role = role or create_role()
    users = (
        {user.name: user for user in panel}
        if panel is not None
        else {name: create_test_user(name=name) for name in leans}
    )
    template = create_loop_template(role=role)
    loops = []
    for index, strength in enumerate(strengths):
        application = create_application(role=role, stage_name="Onsite loop")
        members = list(users.values())
        loop = create_interview_loop(
            application=application, template=template, interviewers=[members] * len(template.rounds)
        )
        for position, round_ in enumerate(loop.rounds):
            round_.scheduled_at = START + timedelta(days=index, hours=2 * position)
            end = round_.scheduled_at + timedelta(minutes=round_.duration_minutes)
            for card in round_.scorecards:
                name = next(n for n, u in users.items() if u.id == card.interviewer_id)
                value = max(1, min(4, strength + leans[name]))
                hours = (turnaround_hours or {}).get(name, 1.0)
                submit(
                    card,
                    {key: value for key in round_.competencies},
                    submitted_at=end + timedelta(hours=hours),
                )
        loops.append(loop)
    get_session().flush()
    return role, users, loops


def test_perfect_agreement_gives_one_on_every_round_and_competency(session):
    _role, _users, _loops = panel_loops([1, 2, 3, 4, 2, 3], {"Ana": 0, "Ben": 0})
    report = reliability_report(submitted_cards(session))
    assert [row.label for row in report.rounds] == ["ML theory", "Coding"]
    assert [row.label for row in report.competencies] == ["ML depth", "Engineering"]
    for row in (*report.rounds, *report.competencies):
        assert row.alpha.value == pytest.approx(1.0) and row.icc.value == pytest.approx(1.0)
        assert (row.alpha.n_units, row.alpha.n_raters, row.alpha.n_ratings) == (6, 2, 12)
        assert row.icc_raters == ("Ana", "Ben") and row.icc.units_left_out == 0
    assert (report.n_scorecards, report.n_candidates, report.n_interviewers) == (24, 6, 2)
    assert not report.several_roles


def test_a_lenient_rater_lowers_absolute_agreement(session):
    panel_loops([1, 2, 3, 2, 1, 2, 3], {"Ana": 0, "Ben": 0, "Lea": 1})
    report = reliability_report(submitted_cards(session))
    row = report.rounds[0]
    # Everyone orders the candidates alike, but Lea's +1 is disagreement for α and ICC(2,1).
    assert 0 < row.icc.value < 1 and 0 < row.alpha.value < 1
    assert row.alpha.low <= row.alpha.value <= row.alpha.high
    assert (row.alpha.n_units, row.alpha.n_raters, row.alpha.n_ratings) == (7, 3, 21)


def test_only_submitted_scorecards_count_and_small_samples_say_so(session):
    _role, _users, loops = panel_loops([1, 2, 3, 4], {"Ana": 0, "Ben": 1})
    loops[0].rounds[0].scorecards[0].status = ScorecardStatus.DRAFT
    session.flush()
    report = reliability_report(submitted_cards(session))
    assert report.n_scorecards == 15
    first_round = report.rounds[0]
    assert first_round.alpha.value is None
    assert first_round.alpha.note == "not enough data (n = 3 candidates)"
    assert first_round.icc.note == "not enough data (n = 3 candidates)"
    assert not report.any_figure


def test_a_panel_member_who_rated_a_competency_in_two_rounds_counts_once(session):
    panel_loops([2, 3, 2, 4, 1], {"Ana": 0, "Ben": 0})
    report = reliability_report(submitted_cards(session))
    engineering = next(row for row in report.competencies if row.label == "Engineering")
    # Rated in both rounds by both interviewers: 5 candidates × 2 interviewers, not × 4.
    assert (engineering.alpha.n_units, engineering.alpha.n_ratings) == (5, 10)


def test_filters_by_role_and_by_submission_day(session):
    role, users, loops = panel_loops([1, 2, 3, 4, 2], {"Ana": 0, "Ben": 0})
    other_role, _users, _loops = panel_loops([3, 3, 2, 1, 4], {"Cy": 0, "Di": 1})
    everything = submitted_cards(session)
    assert reliability_report(everything).several_roles
    only_role = submitted_cards(session, ReportFilters(role_id=role.id))
    assert {card.role_id for card in only_role} == {role.id} and len(only_role) == 20
    assert {card.interviewer_name for card in only_role} == {"Ana", "Ben"}
    # The loops run on consecutive days from START: the first two days only.
    days = ReportFilters(role_id=role.id, since=START.date(), until=(START + timedelta(days=1)).date())
    assert {card.application_id for card in submitted_cards(session, days)} == {
        loops[0].application_id,
        loops[1].application_id,
    }
    assert submitted_cards(session, ReportFilters(role_id=other_role.id, until=date(2020, 1, 1))) == []


def test_an_empty_report(session):
    report = reliability_report(submitted_cards(session))
    assert report.empty and report.rounds == () and report.competencies == ()
