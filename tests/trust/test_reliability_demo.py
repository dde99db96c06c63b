"""The reliability demo on top of the hiring and interviews demos: panels that give the reports
figures, with the lenient and the severe interviewer visible, and idempotent."""

from __future__ import annotations

from core.auth import create_user, find_user_by_email
from core.demo import DEMO_USERS, demo_password
from hiring.demo import load_hiring_demo
from interviews.demo import load_interviews_demo
from trust.calibration import calibration_report
from trust.demo_reliability import PAST_CANDIDATES, load_reliability_demo, summary_lines
from trust.reliability import ReportFilters, reliability_report, submitted_cards


def test_demo_gives_both_reports_meaningful_figures(session):
    for name, email, role in DEMO_USERS:
        if find_user_by_email(session, email) is None:
            create_user(session, email=email, name=name, roles=[role], password=demo_password(role))
    load_hiring_demo(session)
    load_interviews_demo(session)
    lines = load_reliability_demo(session)
    assert lines == [
        f"Reliability demo: {len(PAST_CANDIDATES)} past Data Scientist candidates interviewed by panels."
    ]
    assert load_reliability_demo(session) == ["Reliability demo data already present."]

    cards = submitted_cards(session, ReportFilters())
    report = reliability_report(cards)
    data_science = [row for row in report.rounds if row.role_title == "Data Scientist"]
    panel_rounds = [row for row in data_science if row.alpha.shown]
    assert len(panel_rounds) == 4  # every round but the one-person recruiter screen
    for row in panel_rounds:
        assert row.alpha.n_units == len(PAST_CANDIDATES) and row.alpha.n_raters >= 2
        assert 0 < row.alpha.value < 1 and row.icc.shown
    screen = next(row for row in data_science if row.label == "Recruiter screen")
    assert screen.alpha.note == "not enough data (n = 0 candidates)"

    rows = {row.name: row for row in calibration_report(cards).interviewers}
    assert rows["Oskar Lind"].leniency.low > 0  # lenient, clearly
    assert rows["Greta Stahl"].leniency.high < 0  # severe, clearly
    assert rows["Theo Theory"].no_decision.count > 0
    assert rows["Oskar Lind"].evidence.value < 1 <= rows["Greta Stahl"].evidence.value
    assert rows["Greta Stahl"].turnaround_hours < rows["Oskar Lind"].turnaround_hours
    assert any("Oskar Lind" in line for line in summary_lines(session))
