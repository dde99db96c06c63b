"""The calibration report over real scorecards: leniency against the co-panel, "No decision" rate,
evidence notes, turnaround and the small-sample warnings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from interviews.models import Recommendation
from tests.trust.test_reliability_report import START, panel_loops, submit
from trust.calibration import MIN_NOTE_WORDS, calibration_report
from trust.reliability import submitted_cards


def test_a_lenient_and_a_severe_interviewer_stand_out(session):
    panel_loops(
        [2, 3, 2, 3, 2, 3],
        {"Ana": 0, "Lea": 1, "Sev": -1},
        turnaround_hours={"Ana": 4, "Lea": 30, "Sev": 2},
    )
    report = calibration_report(submitted_cards(session))
    rows = {row.name: row for row in report.interviewers}
    assert list(rows) == ["Ana", "Lea", "Sev"]
    # Lea: own − mean(Ana, Sev) = (s + 1) − (s + s − 1) / 2 = +1.5 on every candidate and competency.
    assert rows["Lea"].leniency.value == pytest.approx(1.5)
    assert rows["Sev"].leniency.value == pytest.approx(-1.5)
    assert rows["Ana"].leniency.value == pytest.approx(0.0)
    lea = rows["Lea"].leniency
    assert (lea.n_candidates, lea.n_comparisons) == (6, 12)  # 2 competencies, each once per candidate
    assert rows["Lea"].distribution == (0, 0, 12, 12)  # 2 rounds × 2 competencies × 6 candidates
    assert rows["Sev"].mean_rating == pytest.approx(1.5)
    assert rows["Lea"].turnaround_hours == pytest.approx(30)
    assert rows["Sev"].n_turnaround == 12
    assert all(not row.warnings for row in rows.values())


def test_no_decision_rate_and_evidence_notes(session):
    _role, users, loops = panel_loops([2, 3, 2, 3, 2], {"Ana": 0, "Bo": 0})
    cards = [card for loop in loops for round_ in loop.rounds for card in round_.scorecards]
    bo_cards = [card for card in cards if card.interviewer_id == users["Bo"].id]
    for card in bo_cards[:4]:
        ratings = {key: 2 for key in card.round.competencies}
        submit(card, ratings, note="Good.", recommendation=Recommendation.NO_DECISION)
    session.flush()
    rows = {row.name: row for row in calibration_report(submitted_cards(session)).interviewers}
    assert (rows["Bo"].no_decision.count, rows["Bo"].no_decision.total) == (4, 10)
    assert rows["Bo"].no_decision.value == pytest.approx(0.4)
    assert (rows["Bo"].evidence.count, rows["Bo"].evidence.total) == (12, 20)
    assert rows["Ana"].evidence.value == 1.0 and rows["Ana"].no_decision.value == 0.0
    assert MIN_NOTE_WORDS > len("Good.".split())


def test_small_samples_are_flagged_and_leniency_says_not_enough_data(session):
    panel_loops([2, 3], {"Ana": 0, "Bo": 1})
    rows = calibration_report(submitted_cards(session)).interviewers
    for row in rows:
        assert row.leniency.value is None
        assert row.leniency.note == "not enough data (n = 2 co-rated candidates)"
        assert row.n_scorecards == 4 and row.small_sample  # 2 loops × 2 rounds, under 5
        assert row.warnings[0].startswith("Small sample: 4 scorecards")


def test_an_interviewer_alone_on_their_candidates_has_no_leniency(session):
    _role, users, loops = panel_loops([2, 3, 2, 3, 2, 3], {"Solo": 0})
    row = calibration_report(submitted_cards(session)).interviewers[0]
    assert row.leniency.note == "not enough data (n = 0 co-rated candidates)"
    assert row.n_scorecards == 12 and not row.small_sample
    assert "Leniency: not enough data (n = 0 co-rated candidates)." in row.warnings


def test_turnaround_skips_unscheduled_rounds(session):
    _role, _users, loops = panel_loops([2, 3, 2, 3, 2], {"Ana": 0, "Bo": 0})
    for loop in loops:
        loop.rounds[1].scheduled_at = None
    loops[0].rounds[0].scorecards[0].submitted_at = START + timedelta(hours=50)
    session.flush()
    rows = {row.name: row for row in calibration_report(submitted_cards(session)).interviewers}
    assert rows["Ana"].n_turnaround == 5
    assert rows["Ana"].turnaround_hours == pytest.approx(1.0)


def test_an_empty_calibration_report(session):
    report = calibration_report(submitted_cards(session))
    assert report.empty and report.n_scorecards == 0
