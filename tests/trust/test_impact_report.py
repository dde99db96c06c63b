"""The adverse-impact report from real stage histories: outcomes per stage (selected, rejected,
pending, withdrawn), groups from self-identification, filters, AI-touched decisions, the CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from core.db import get_session, utcnow
from core.errors import DomainError
from hiring.models import StageChange
from interviews.models import Transcript, TranscriptAnswer
from tests.support.hiring_factories import create_application, create_candidate, create_role
from tests.support.interview_factories import create_interview_loop, create_loop_template
from tests.support.rubric_factories import create_answer, create_score
from trust.impact import ImpactFilters, export_csv, impact_report, impact_reports
from trust.self_id import SelfIdSource, save_self_id

START = utcnow() - timedelta(days=60)


def walk(role, candidate, stages: list[str], *, start=START, days: int = 3):
    """An application that entered at stages[0] and moved through the rest, ``days`` apart."""
    application = create_application(
        role=role, candidate=candidate, stage_name=stages[0], created_at=start
    )
    by_name = {stage.name: stage for stage in role.stages}
    previous, at = by_name[stages[0]], start
    for name in stages[1:]:
        at += timedelta(days=days)
        application.history.append(
            StageChange(from_stage=previous, to_stage=by_name[name], created_at=at)
        )
        application.stage, application.stage_entered_at, previous = by_name[name], at, by_name[name]
    return application


def person(session, gender: str | None, **other):
    candidate = create_candidate()
    if gender is not None or other:
        values = {"gender": gender, **other}
        save_self_id(session, candidate, values, source=SelfIdSource.CANDIDATE_FORM, actor_id=None)
    return candidate


@pytest.fixture
def funnel(session):
    """At Applied: women 2 of 5 on (one more pending), men 4 of 5 on (one more withdrew)."""
    role = create_role()
    for path in [["Applied", "Recruiter screen"]] * 2 + [["Applied", "Rejected"]] * 3 + [["Applied"]]:
        walk(role, person(session, "female"), path)
    for path in [["Applied", "Recruiter screen", "Rejected"]] * 3 + [["Applied", "Technical screen"]]:
        walk(role, person(session, "male"), path)
    walk(role, person(session, "male"), ["Applied", "Rejected"])
    walk(role, person(session, "male"), ["Applied", "Withdrawn"])
    walk(role, person(session, "declined"), ["Applied", "Recruiter screen"])
    walk(role, person(session, None), ["Applied", "Rejected"])
    return role


def stage(report, name, *, ai=False):
    stages = report.ai_stages if ai else report.stages
    return next(s for s in stages if s.stage == name)


def test_selection_rates_per_stage_from_the_history(session, funnel):
    report = impact_report(session, ImpactFilters(role_id=funnel.id))
    applied = {g.group: g for g in stage(report, "Applied").groups}
    assert (applied["female"].n, applied["female"].selected, applied["female"].pending) == (5, 2, 1)
    assert (applied["male"].n, applied["male"].selected, applied["male"].withdrawn) == (5, 4, 1)
    assert applied["female"].rate == pytest.approx(0.4) and applied["male"].reference
    assert applied["female"].impact_ratio == pytest.approx(0.5) and applied["female"].flagged
    assert (applied["declined"].n, applied["not_recorded"].n) == (1, 1)
    assert applied["declined"].status == "not enough data (n = 1)"
    # Skipping Recruiter screen (Applied -> Technical screen) passes through it.
    screen = {g.group: g for g in stage(report, "Recruiter screen").groups}
    assert (screen["male"].n, screen["male"].selected) == (4, 1)
    assert screen["female"].pending == 2 and screen["female"].n == 0
    assert stage(report, "Recruiter screen").note.startswith("not enough data")
    assert [s.stage for s in report.stages] == ["Applied", "Recruiter screen", "Technical screen"]
    assert report.provenance.with_self_id == 13 and report.provenance.candidates == 14


def test_other_categories_and_the_intersection(session):
    role = create_role()
    for _ in range(5):
        walk(role, person(session, "female", race_ethnicity="asian"), ["Applied", "Recruiter screen"])
        walk(role, person(session, "male", race_ethnicity="asian"), ["Applied", "Rejected"])
    walk(role, person(session, "female", race_ethnicity="declined"), ["Applied", "Rejected"])
    race = impact_report(session, ImpactFilters(role_id=role.id, category="race_ethnicity"))
    groups = {g.group: g for g in stage(race, "Applied").groups}
    assert (groups["asian"].n, groups["asian"].selected) == (10, 5)
    both = impact_report(session, ImpactFilters(role_id=role.id, category="gender_race"))
    groups = {g.group: g for g in stage(both, "Applied").groups}
    assert groups["female|asian"].rate == 1.0 and groups["male|asian"].rate == 0.0
    assert groups["male|asian"].impact_ratio == 0.0 and groups["male|asian"].flagged
    assert groups["declined"].n == 1
    assert groups["female|asian"].label == "Female · Asian"


def test_date_range_and_role_filters(session, funnel):
    other = create_role()
    walk(other, person(session, "female"), ["Applied", "Rejected"], start=utcnow() - timedelta(days=5))
    everything = impact_report(session, ImpactFilters())
    recent = impact_report(session, ImpactFilters(date_from=date.today() - timedelta(days=10)))
    assert everything.provenance.applications >= 15
    assert recent.provenance.applications == 1
    old = impact_report(
        session, ImpactFilters(role_id=funnel.id, date_to=START.date() - timedelta(days=1))
    )
    assert old.stages == () and old.provenance.applications == 0
    with pytest.raises(DomainError):
        ImpactFilters(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))
    with pytest.raises(DomainError):
        ImpactFilters(category="religion")


def scored_transcript(application, scored_at, template=None):
    answer = create_answer(text=f"Answer of application {application.id}.")
    create_score(answer=answer, created_at=scored_at)
    loop = create_interview_loop(application=application, template=template)
    transcript = Transcript(
        round=loop.rounds[0], body=answer.text, created_at=scored_at - timedelta(hours=1)
    )
    transcript.answers.append(
        TranscriptAnswer(index=0, start=0, end=len(answer.text), text=answer.text, answer_id=answer.id)
    )
    get_session().add(transcript)
    get_session().flush()
    return transcript


def test_ai_touched_decisions_are_those_after_an_ai_score(session):
    role = create_role()
    template = create_loop_template(role=role)
    stages = ["Applied", "Recruiter screen", "Technical screen", "Onsite loop", "Debrief"]
    for index in range(12):
        gender = "female" if index % 2 else "male"
        path = stages if index < 8 else [*stages[:4], "Rejected"]
        application = walk(role, person(session, gender), path, days=3)
        onsite_at = START + timedelta(days=9)
        # Scored during the onsite stay (before the decision at Onsite loop) for the first ten;
        # the last two only after their rejection.
        scored_transcript(application, onsite_at + timedelta(days=1 if index < 10 else 5), template)
    report = impact_report(session, ImpactFilters(role_id=role.id))
    ai_onsite = stage(report, "Onsite loop", ai=True)
    assert ai_onsite.n == 10  # 8 moved on to Debrief after the score, 2 rejected after it
    groups = {g.group: g for g in ai_onsite.groups}
    assert (groups["male"].n, groups["male"].selected) == (5, 4)
    assert (groups["female"].n, groups["female"].selected) == (5, 4)
    assert stage(report, "Onsite loop").n == 12
    assert [s.stage for s in report.ai_stages] == ["Onsite loop"]  # earlier stages were decided first
    assert report.provenance.ai_scored_applications == 10


def test_a_failed_ai_score_does_not_count(session):
    from rubrics.models import ScoreStatus

    role = create_role()
    application = walk(role, person(session, "female"), ["Onsite loop", "Debrief"], days=3)
    transcript = scored_transcript(application, START + timedelta(days=1))
    transcript.answers[0].answer.scores[0].status = ScoreStatus.FAILED
    session.flush()
    assert impact_report(session, ImpactFilters(role_id=role.id)).ai_stages == ()


def test_csv_has_one_row_per_category_scope_stage_and_group(session, funnel):
    categories = ["gender", "disability"]
    reports = impact_reports(session, ImpactFilters(role_id=funnel.id), categories)
    rows = list(csv.DictReader(io.StringIO(export_csv(reports, categories))))
    female = next(
        r
        for r in rows
        if r["category"] == "gender" and r["stage"] == "Applied" and r["group"] == "female"
    )
    assert female["decided"] == "5" and female["selected"] == "2"
    assert female["selection_rate"] == "0.4" and female["impact_ratio"] == "0.5"
    assert female["four_fifths_flag"] == "yes" and female["reference_group"] == "male"
    assert female["scope"] == "all_decisions" and female["pending"] == "1"
    small = next(r for r in rows if r["group"] == "declined" and r["category"] == "gender")
    assert small["selection_rate"] == "" and small["status"] == "not enough data (n = 1)"
    disability = [r for r in rows if r["category"] == "disability" and r["stage"] == "Applied"]
    assert {r["group"] for r in disability} == {"not_recorded"}  # nobody answered it
    assert not any("Candidate" in value for row in rows for value in row.values())
