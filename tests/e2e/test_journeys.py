"""The four journeys of the issue, in a real browser against the live server, as people click them:

1. a hiring manager creates a role from a JD template and publishes its interview loop;
2. a recruiter imports the seed profile, moves it through the pipeline and logs a prospect touchpoint;
3. an interviewer cannot see a colleague's scorecard until their own is submitted;
4. the panel casts sealed votes, the hiring manager reveals them and records the decision.

What a journey only needs in place (a started loop, submitted scorecards) is made with the real
services; everything the journey is about goes through the pages. Screenshots of the key steps land
in $LOOPWISE_E2E_ARTEFACTS (default tests/e2e/artefacts/<journey>/NN-<step>.png).
"""

from __future__ import annotations

import itertools

import pytest

from core.auth import User
from core.db import get_session
from interviews.services import loops, scorecards
from tests.e2e.live import LiveServer, seed_profile
from tests.support.hiring_factories import create_application, create_candidate, create_role
from tests.support.interview_factories import create_loop_template

pytestmark = pytest.mark.e2e

_numbers = itertools.count(1)


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def flash(page):
    return page.locator(".flash-success")


# ---------------------------------------------------------------- setup through the services


def started_loop(server: LiveServer, *, title: str) -> dict[str, int]:
    """An open role of the manager with a published two-round loop (Jun on round 1, Ivo on round 2),
    started for a new candidate's application; returns the loop's and rounds' ids."""
    number = next(_numbers)
    with server.app.app_context():
        session = get_session()
        manager, ivo, jun = (
            session.get_one(User, server.user_ids[k]) for k in ("manager", "ivo", "jun")
        )
        role = create_role(title=f"{title} {number}", hiring_manager_id=manager.id)
        candidate = create_candidate(name=f"Casey Candidate {number}")
        application = create_application(role=role, candidate=candidate, stage_name="Onsite loop")
        template = create_loop_template(role=role, title=f"{title} loop {number}")
        template.rounds[0].interviewers.append(jun)
        template.rounds[1].interviewers.append(ivo)
        loop = loops.start_loop(session, application, actor_id=manager.id)
        session.commit()
        return {"loop": loop.id, "first_round": loop.rounds[0].id, "second_round": loop.rounds[1].id}


def submit_scorecard_service(server: LiveServer, round_id: int, who: str, note: str) -> None:
    """Submit ``who``'s scorecard of a round through the scorecards service."""
    with server.app.app_context():
        session = get_session()
        round_ = loops.get_round(session, round_id)
        card = scorecards.get_own_scorecard(round_, server.user_ids[who])
        ratings = {key: {"rating": 3, "note": f"{note} ({key})"} for key in round_.competencies}
        scorecards.save_scorecard(
            session,
            card,
            ratings=ratings,
            takeaways=f"{note}: take-aways.",
            recommendation="yes",
            submit=True,
            actor_id=server.user_ids[who],
        )
        session.commit()


def fill_scorecard(page, note: str, recommendation: str) -> None:
    """Rate every competency 3 with an evidence note, recommend, and submit (the scorecard page)."""
    for fieldset in page.locator("form.scorecard-form fieldset").all():
        fieldset.get_by_role("radio").nth(2).check()
        fieldset.get_by_role("textbox").fill(f"{note}: walked through the trade-offs with evidence.")
    page.get_by_label("Key take-aways").fill(f"{note}: take-aways.")
    page.get_by_label(recommendation, exact=True).check()
    page.get_by_role("button", name="Submit scorecard").click()


# ---------------------------------------------------------------- 1. the hiring manager


def test_hiring_manager_creates_a_role_from_a_template_and_publishes_its_loop(start_journey):
    journey = start_journey("1-hiring-manager")
    page = journey.sign_in("manager")
    page.goto(journey.url("hiring.role_templates"))
    card = page.locator("li").filter(has=page.get_by_role("heading", name="Machine Learning Engineer"))
    journey.shot(page, "jd templates")
    card.get_by_role("link", name="Use this template").click()

    expect(page.get_by_label("Title")).to_have_value("Machine Learning Engineer")
    page.get_by_label("Title").fill("Machine Learning Engineer, Search")
    page.get_by_label("Hiring manager").select_option(label="Hana Manager")
    page.get_by_label("Recruiter").select_option(label="Rita Recruiter")
    journey.shot(page, "role form from template")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_contain_text("created from the Machine Learning Engineer template")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Machine Learning Engineer, Search")

    page.get_by_role("link", name="Choose the panel").click()
    page.get_by_label("Ivo Interviewer").check()
    page.get_by_label("Jun Interviewer").check()
    page.get_by_role("button", name="Save the panel").click()
    expect(flash(page)).to_contain_text("Interview panel saved.")
    journey.shot(page, "role with its panel")

    page.get_by_role("link", name="Loop plan and coverage").click()
    page.get_by_role("button", name="Load the shipped loop templates").click()  # a fresh database
    expect(flash(page)).to_be_visible()
    page.get_by_role("button", name="Start the role's loop").click()
    expect(flash(page)).to_contain_text("is the role's loop, as a draft")
    journey.shot(page, "draft loop")

    # Staff every round from the panel, alternating between the two interviewers.
    round_cards = page.locator("li.round-card")
    count = round_cards.count()
    assert count >= 2
    for index in range(count):
        card = page.locator("li.round-card").nth(index)
        title = card.get_by_role("heading", level=3).inner_text()
        card.locator("summary", has_text="Edit this round").click()
        card.get_by_label(("Ivo Interviewer", "Jun Interviewer")[index % 2]).check()
        card.get_by_role("button", name="Save the round").click()
        expect(flash(page)).to_have_text(f"Round “{title}” saved.")

    page.get_by_role("button", name="Publish the loop").click()
    expect(flash(page)).to_contain_text("The loop is published")
    expect(page.locator("section.publish")).to_contain_text("Published on")
    for index in range(count):
        staffed = ("Ivo Interviewer", "Jun Interviewer")[index % 2]
        expect(page.locator("li.round-card").nth(index)).to_contain_text(f"Interviewers {staffed}")
    journey.shot(page, "published loop")


# ---------------------------------------------------------------- 2. the recruiter


def test_recruiter_imports_the_seed_profile_moves_it_and_logs_a_touchpoint(start_journey, live_server):
    journey = start_journey("2-recruiter")
    seed = seed_profile()
    with live_server.app.app_context():
        role = create_role(
            title="Staff ML Engineer (pipeline)", recruiter_id=live_server.user_ids["recruiter"]
        )
        get_session().commit()
        role_id = role.id

    page = journey.sign_in("recruiter")
    page.goto(journey.url("hiring.import_candidate_profile"))
    page.get_by_label("Passive prospect").check()
    page.get_by_label("…or a text file (.txt, UTF-8)").set_input_files(str(seed))
    journey.shot(page, "import form")
    page.get_by_role("button", name="Import").click()
    expect(flash(page)).to_contain_text("Imported Amith KA")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amith KA")
    expect(page.get_by_text("Head of AI & Engineering").first).to_be_visible()
    journey.shot(page, "imported profile")

    # Into the role's pipeline from its board, then through three stages on the application page.
    page.goto(journey.url("hiring.board", role_id=role_id))
    page.get_by_label("Find by name").fill("Amith")
    page.get_by_role("button", name="Search").click()
    choice = page.get_by_label("Candidate").locator("option", has_text="Amith KA")
    page.get_by_label("Candidate").select_option(value=choice.get_attribute("value"))
    page.get_by_role("button", name="Add to Staff ML Engineer (pipeline)").click()
    expect(flash(page)).to_contain_text("Amith KA added to Staff ML Engineer (pipeline).")
    page.locator("section.column", has_text="Applied").get_by_role("link", name="history").click()
    for stage in ("Recruiter screen", "Technical screen", "Onsite loop"):
        page.get_by_label("Move to", exact=True).select_option(label=stage)
        page.get_by_role("button", name="Move", exact=True).click()
        expect(flash(page)).to_contain_text(f"Amith KA moved to {stage}.")
    expect(page.locator("dl.result")).to_contain_text("Onsite loop")
    history = page.locator("table tbody tr")
    expect(history).to_have_count(4)  # entered the pipeline, then three moves
    journey.shot(page, "application moved through stages")

    page.locator("dl.result").get_by_role("link", name="Amith KA").click()  # the profile
    page.get_by_role("link", name="Touchpoints and pools").click()
    page.get_by_label("Kind").select_option(label="Call")
    page.get_by_label("Summary").fill(
        "Called Amith about the Staff ML Engineer role; keen to talk in May."
    )
    page.get_by_role("button", name="Log touchpoint").click()
    expect(flash(page)).to_contain_text("Touchpoint logged.")
    touchpoints = page.locator("ul.touchpoints")
    expect(touchpoints).to_contain_text("Call")
    expect(touchpoints).to_contain_text("keen to talk in May")
    expect(touchpoints).to_contain_text("Rita Recruiter")
    journey.shot(page, "prospect touchpoint")


# ---------------------------------------------------------------- 3. blind until submitted


def test_interviewer_sees_a_colleagues_scorecard_only_after_submitting_their_own(
    start_journey, live_server
):
    journey = start_journey("3-interviewer")
    ids = started_loop(live_server, title="Blind scorecards")
    jun_note = "JUN-EVIDENCE-7F3A"
    ivo_note = "IVO-EVIDENCE-2C9D"

    jun = journey.sign_in("jun")
    jun.goto(journey.url("interviews.scorecard", round_id=ids["first_round"]))
    fill_scorecard(jun, jun_note, "Strong Yes")
    expect(flash(jun)).to_contain_text("Scorecard submitted.")
    journey.shot(jun, "colleague submitted")

    ivo = journey.sign_in("ivo")
    ivo.goto(journey.url("interviews.loop_detail", loop_id=ids["loop"]))
    blind = "Colleagues' feedback and AI scores show once you have submitted your own scorecard."
    expect(ivo.get_by_role("status").filter(has_text="Colleagues' feedback")).to_have_text(blind)
    assert jun_note not in ivo.content()
    assert "Strong Yes" not in ivo.content()
    journey.shot(ivo, "loop page blind")

    ivo.locator("section.round").nth(1).get_by_role("link", name="Interview kit").click()
    expect(ivo.get_by_text(blind)).to_be_visible()
    assert jun_note not in ivo.content()
    journey.shot(ivo, "kit blind")

    ivo.goto(journey.url("interviews.scorecard", round_id=ids["second_round"]))
    fill_scorecard(ivo, ivo_note, "Yes")
    expect(flash(ivo)).to_contain_text("Scorecard submitted.")

    ivo.goto(journey.url("interviews.loop_detail", loop_id=ids["loop"]))
    expect(ivo.get_by_text(blind)).to_have_count(0)
    feedback = ivo.locator("article.scorecard")
    expect(feedback.filter(has_text="Jun Interviewer")).to_contain_text(jun_note)
    expect(feedback.filter(has_text="Jun Interviewer")).to_contain_text("Strong Yes")
    expect(feedback.filter(has_text="(yours)")).to_contain_text(ivo_note)
    journey.shot(ivo, "loop page after own submission")

    ivo.goto(journey.url("interviews.kit", round_id=ids["second_round"]))
    expect(ivo.get_by_text(jun_note).first).to_be_visible()
    journey.shot(ivo, "kit after own submission")


# ---------------------------------------------------------------- 4. votes, reveal, decision


def test_panel_votes_are_sealed_until_the_manager_reveals_them_and_records_a_decision(
    start_journey, live_server
):
    journey = start_journey("4-panel-decision")
    ids = started_loop(live_server, title="Debrief")
    submit_scorecard_service(live_server, ids["first_round"], "jun", "Jun's round")
    submit_scorecard_service(live_server, ids["second_round"], "ivo", "Ivo's round")
    debrief = journey.url("interviews.debrief", loop_id=ids["loop"])
    ivo_comment, jun_comment = "IVO-VOTE-COMMENT-51", "JUN-VOTE-COMMENT-88"

    ivo = journey.sign_in("ivo")
    ivo.goto(debrief)
    ivo.get_by_label("Strong Yes", exact=True).check()
    ivo.get_by_label("Comment").fill(ivo_comment)
    ivo.get_by_role("button", name="Cast my sealed vote").click()
    votes = ivo.locator("#votes")
    expect(votes).to_contain_text("sealed: 1 of 3 voted")
    expect(votes).to_contain_text("(sealed; only you see it)")
    journey.shot(ivo, "first vote sealed")

    jun = journey.sign_in("jun")
    jun.goto(debrief)
    expect(jun.locator("#votes")).to_contain_text("sealed: 1 of 3 voted")
    assert ivo_comment not in jun.content()
    assert "Strong Yes</span>" not in jun.locator("#votes").inner_html()
    journey.shot(jun, "others see only that someone voted")
    jun.get_by_label("No", exact=True).check()
    jun.get_by_label("Comment").fill(jun_comment)
    jun.get_by_role("button", name="Cast my sealed vote").click()
    expect(jun.locator("#votes")).to_contain_text("sealed: 2 of 3 voted")
    assert ivo_comment not in jun.content()

    manager = journey.sign_in("manager")
    manager.goto(debrief)
    expect(manager.locator("#votes")).to_contain_text("sealed: 2 of 3 voted")
    assert ivo_comment not in manager.content() and jun_comment not in manager.content()
    expect(manager.get_by_text("The decision form appears once the votes are revealed.")).to_be_visible()
    journey.shot(manager, "manager before reveal")
    manager.get_by_role("button", name="Reveal the votes now").click()
    votes = manager.locator("#votes")
    expect(votes).to_contain_text("revealed early by the hiring manager")
    expect(votes.locator(".tally")).to_contain_text("Strong Yes: 1")
    expect(votes.locator(".tally")).to_contain_text("No: 1")
    expect(votes).to_contain_text(ivo_comment)
    expect(votes).to_contain_text(jun_comment)
    journey.shot(manager, "votes revealed")

    rationale = "Strong system design evidence in both rounds; the 'no' was about pace, not depth."
    decision = manager.locator("#decision")
    decision.get_by_label("Hire", exact=True).check()
    decision.get_by_label("Rationale").fill(rationale)
    decision.get_by_role("button", name="Record the decision").click()
    decision = manager.locator("#decision")
    expect(decision.locator("p.decision")).to_contain_text("Hire")
    expect(decision.locator("p.decision")).to_contain_text("Hana Manager")
    expect(decision.locator("td.rationale")).to_have_text(rationale)
    journey.shot(manager, "decision recorded")

    jun.goto(debrief)
    expect(jun.locator("#votes")).to_contain_text(ivo_comment)
    expect(jun.locator("#decision")).to_contain_text(rationale)
    journey.shot(jun, "panelist sees the outcome")
