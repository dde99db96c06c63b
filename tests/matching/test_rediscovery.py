"""Rediscovery when a role opens: silver medalists, rejections for timing, prospects due for
re-engagement; with reasons and a match score, and never someone who already applied."""

from __future__ import annotations

from datetime import date, timedelta

from hiring.models import StageChange
from interviews.models import Decision, DecisionOutcome
from matching.rediscovery import rediscover
from tests.support.hiring_factories import create_application, create_candidate, create_role
from tests.support.interview_factories import create_interview_loop

TODAY = date(2026, 11, 26)


def _reject(application, *, via: list[str], reason: str = "") -> None:
    stages = {stage.name: stage for stage in application.role.stages}
    previous = application.stage
    for name in [*via, "Rejected"]:
        application.history.append(
            StageChange(from_stage=previous, to_stage=stages[name], reason=reason)
        )
        previous = stages[name]
    application.stage = stages["Rejected"]
    application.rejection_reason = reason


def test_rediscovery_finds_silver_medalists_timing_rejections_and_due_prospects(session):
    old_role, new_role = create_role(title="ML Engineer (2025)"), create_role(title="ML Engineer")
    silver = create_application(role=old_role, candidate=create_candidate(name="Silver Sam"))
    _reject(silver, via=["Technical screen", "Onsite loop", "Debrief"], reason="Chose another candidate")
    timing = create_application(role=old_role, candidate=create_candidate(name="Timing Tia"))
    _reject(timing, via=["Recruiter screen"], reason="Notice period too long for the start date")
    early = create_application(role=old_role, candidate=create_candidate(name="Early Eli"))
    _reject(early, via=["Recruiter screen"], reason="Not enough depth in ML system design")
    create_candidate(name="Due Dana", is_prospect=True, next_reengage_on=TODAY + timedelta(days=5))
    create_candidate(name="Overdue Omar", is_prospect=True, next_reengage_on=TODAY - timedelta(days=3))
    create_candidate(name="Far Fay", is_prospect=True, next_reengage_on=TODAY + timedelta(days=90))
    applied = create_candidate(name="Applied Ari", is_prospect=True, next_reengage_on=TODAY)
    create_application(role=new_role, candidate=applied)
    session.flush()

    found = {item.candidate.name: item for item in rediscover(session, new_role, today=TODAY)}
    assert set(found) == {"Silver Sam", "Timing Tia", "Due Dana", "Overdue Omar"}
    assert found["Silver Sam"].kinds == ["silver_medalist"]
    assert "Reached Debrief for ML Engineer (2025)" in found["Silver Sam"].reasons[0]
    assert found["Timing Tia"].kinds == ["rejected_for_timing"]
    assert "Notice period too long" in found["Timing Tia"].reasons[0]
    assert "in 5 days" in found["Due Dana"].reasons[0]
    assert "overdue since" in found["Overdue Omar"].reasons[0]
    for item in found.values():
        assert item.result is not None
        assert item.result.score == sum(part.contribution for part in item.result.parts)
    scores = [item.result.score for item in rediscover(session, new_role, today=TODAY)]
    assert scores == sorted(scores, reverse=True)


def test_a_debrief_decision_makes_a_silver_medalist_with_its_rationale(session):
    old_role, new_role = create_role(), create_role()
    application = create_application(role=old_role, stage_name="Onsite loop")
    loop = create_interview_loop(application=application)
    session.add(
        Decision(loop=loop, outcome=DecisionOutcome.NO_HIRE, rationale="Strong, but we hired one.")
    )
    _reject(application, via=[], reason="")
    session.flush()
    (item,) = rediscover(session, new_role, today=TODAY)
    assert item.kinds == ["silver_medalist"]
    assert any("no hire (Strong, but we hired one.)" in reason for reason in item.reasons)


def test_nobody_to_rediscover_gives_an_empty_list(session):
    assert rediscover(session, create_role(), today=TODAY) == []
