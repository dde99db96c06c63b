"""Blind until submitted, across every page and export of the loop runs, for every BlindMode.

Three interviewers: A has submitted (round 1), B holds a draft (round 2), C sits on the role's panel
but not on the loop; D, also on round 2, never submits (the debrief opens only when the test says).
A hiring manager who is not on the panel runs the loop. Who has submitted is visible to the panel;
what they wrote only as interviews.services.visibility allows; drafts never.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.auth import Role
from core.db import get_session, utcnow
from interviews.models import BlindMode, Debrief, InterviewLoop, LoopStatus
from interviews.services import loops, scorecards
from tests.interviews.test_loops_run import role_with_loop
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_application

A_SECRET, B_DRAFT, B_SECRET = "A-SECRET-EVIDENCE", "B-DRAFT-NOTE", "B-SUBMITTED-EVIDENCE"


def ratings(note: str) -> dict:
    return {"ml-depth": {"rating": 3, "note": note}, "engineering": {"rating": 2, "note": note}}


@dataclass
class Panel:
    loop_id: int
    round_ids: tuple[int, int]
    a: FlaskClient
    b: FlaskClient
    c: FlaskClient
    manager: FlaskClient
    b_card_id: int
    candidate: str


def client_for(app: Flask, user) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user.email)
    return client


def build_panel(app: Flask, mode: BlindMode) -> Panel:
    with app.app_context():
        session = get_session()
        a, b, c, d = (create_test_user(name=n) for n in ("Alma A", "Bert B", "Cleo C", "Dora D"))
        manager = create_test_user(roles=[Role.HIRING_MANAGER])
        role, _template = role_with_loop(interviewers=[[a], [b, d]], blind_mode=mode)
        role.interviewers.append(c)  # on the role's panel, but not on this loop
        application = create_application(role=role, stage_name="Onsite loop")
        application.candidate.name = "Blinda Candidate"
        loop = loops.start_loop(session, application, actor_id=manager.id)
        for round_ in loop.rounds:
            loops.schedule_round(
                session, round_, scheduled_at=utcnow(), duration_minutes=60, location="", actor_id=None
            )
        card_a, card_b = loop.rounds[0].scorecards[0], loop.rounds[1].scorecards[0]
        for card, note, submit in ((card_a, A_SECRET, True), (card_b, B_DRAFT, False)):
            scorecards.save_scorecard(
                session,
                card,
                ratings=ratings(note),
                takeaways=f"take-away {note}",
                recommendation="yes",
                submit=submit,
                actor_id=card.interviewer_id,
            )
        session.commit()
        ids = loop.id, (loop.rounds[0].id, loop.rounds[1].id), card_b.id
    return Panel(
        loop_id=ids[0],
        round_ids=ids[1],
        a=client_for(app, a),
        b=client_for(app, b),
        c=client_for(app, c),
        manager=client_for(app, manager),
        b_card_id=ids[2],
        candidate="Blinda Candidate",
    )


def pages(panel: Panel, client: FlaskClient) -> dict[str, str]:
    """Every page of the loop runs the client may open, by name (403s left out)."""
    first, second = panel.round_ids
    urls = {
        "home": "/interviews/",
        "loop": f"/interviews/loops/{panel.loop_id}",
        "export": f"/interviews/loops/{panel.loop_id}/scorecards.csv",
        "kit 1": f"/interviews/rounds/{first}/kit",
        "kit 2": f"/interviews/rounds/{second}/kit",
        "scorecard 1": f"/interviews/rounds/{first}/scorecard",
        "scorecard 2": f"/interviews/rounds/{second}/scorecard",
        "ics 1": f"/interviews/rounds/{first}/round.ics",
        "ics 2": f"/interviews/rounds/{second}/round.ics",
    }
    result = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code in (200, 403), f"{name}: {response.status_code}"
        if response.status_code == 200:
            result[name] = response.get_data(as_text=True)
    return result


def showing(panel: Panel, client: FlaskClient, text: str) -> set[str]:
    """The pages that show ``text`` to the client."""
    return {name for name, body in pages(panel, client).items() if text in body}


def submit_b(app: Flask, panel: Panel) -> None:
    with app.app_context():
        session = get_session()
        card = session.get(scorecards.Scorecard, panel.b_card_id)
        scorecards.save_scorecard(
            session,
            card,
            ratings=ratings(B_SECRET),
            takeaways="",
            recommendation="no",
            submit=True,
            actor_id=card.interviewer_id,
        )
        session.commit()


def open_debrief(app: Flask, panel: Panel) -> None:
    with app.app_context():
        session = get_session()
        loop = session.get(InterviewLoop, panel.loop_id)
        loop.debrief = Debrief(opened_at=utcnow())
        loop.status = LoopStatus.DEBRIEF
        session.commit()


@pytest.mark.parametrize("mode", list(BlindMode), ids=str)
def test_blind_until_submitted_on_every_page_and_export(app, rollback, no_csrf, mode):
    panel = build_panel(app, mode)
    never = mode is BlindMode.NEVER

    # C is not on the loop: every loop page is refused, and the home page names nothing of it.
    c_pages = pages(panel, panel.c)
    assert set(c_pages) == {"home"}
    assert panel.candidate not in c_pages["home"] and A_SECRET not in c_pages["home"]

    # Who has submitted is visible to the panel; what A wrote only when the mode allows.
    b_pages = pages(panel, panel.b)
    assert set(b_pages) == {"home", "loop", "export", "kit 2", "scorecard 1", "scorecard 2", "ics 2"}
    assert "Alma A" in b_pages["loop"] and "Submitted" in b_pages["loop"]
    assert showing(panel, panel.b, A_SECRET) == ({"loop", "export", "kit 2"} if never else set())
    if not never:
        assert "Colleagues" in b_pages["kit 2"] or "blind" in b_pages["kit 2"]
    # B's draft is B's own work: B sees it, nobody else does, whatever the mode.
    assert {"loop", "export", "scorecard 2"} <= showing(panel, panel.b, B_DRAFT)
    assert showing(panel, panel.a, B_DRAFT) == set()
    assert showing(panel, panel.manager, B_DRAFT) == set()
    # The loop runner, not on the panel, reads every submitted scorecard.
    assert showing(panel, panel.manager, A_SECRET) == {"loop", "export", "kit 2"}
    # A sees her own card everywhere it shows.
    assert {"loop", "export", "scorecard 1"} <= showing(panel, panel.a, A_SECRET)

    # B submits: after-own-submission opens both ways; always stays blind until the debrief.
    submit_b(app, panel)
    after_own = mode in (BlindMode.NEVER, BlindMode.AFTER_OWN_SUBMISSION)
    assert showing(panel, panel.b, A_SECRET) == ({"loop", "export", "kit 2"} if after_own else set())
    assert showing(panel, panel.a, B_SECRET) == ({"loop", "export"} if after_own else set())
    assert showing(panel, panel.c, A_SECRET) == set()

    # The debrief opens: the whole panel sees everything; C still sees nothing.
    open_debrief(app, panel)
    assert showing(panel, panel.b, A_SECRET) == {"loop", "export", "kit 2"}
    assert showing(panel, panel.a, B_SECRET) == {"loop", "export"}
    assert set(pages(panel, panel.c)) == {"home"}


def test_an_interviewer_with_two_rounds_stays_blind_until_both_are_in(app, rollback, no_csrf):
    """AFTER_OWN_SUBMISSION means all of one's own scorecards on the loop, not just one."""
    with app.app_context():
        session = get_session()
        a, b = create_test_user(), create_test_user()
        role, _template = role_with_loop(interviewers=[[a, b], [b]])
        loop = loops.start_loop(
            session, create_application(role=role, stage_name="Onsite loop"), actor_id=None
        )
        card_a = loop.rounds[0].scorecards[0]
        b_first, b_second = loop.rounds[0].scorecards[1], loop.rounds[1].scorecards[0]
        for card, note in ((card_a, A_SECRET), (b_first, B_SECRET)):
            scorecards.save_scorecard(
                session,
                card,
                ratings=ratings(note),
                takeaways="",
                recommendation="yes",
                submit=True,
                actor_id=card.interviewer_id,
            )
        session.commit()
        loop_id, second_id = loop.id, b_second.id
    client = client_for(app, b)
    url = f"/interviews/loops/{loop_id}/scorecards.csv"
    assert A_SECRET not in client.get(url).get_data(as_text=True)
    with app.app_context():
        session = get_session()
        card = session.get(scorecards.Scorecard, second_id)
        scorecards.save_scorecard(
            session,
            card,
            ratings=ratings("second"),
            takeaways="",
            recommendation="no_decision",
            submit=True,
            actor_id=card.interviewer_id,
        )
        session.commit()
    assert A_SECRET in client.get(url).get_data(as_text=True)


def test_transcript_answers_on_the_rubrics_pages_follow_the_blind_rule(app, rollback, no_csrf):
    """The rubrics answer pages, list and actions must not show a blind interviewer the AI scores."""
    from interviews.models import Transcript, TranscriptAnswer
    from tests.support.rubric_factories import create_score

    panel = build_panel(app, BlindMode.AFTER_OWN_SUBMISSION)
    with app.app_context():
        session = get_session()
        loop = session.get(InterviewLoop, panel.loop_id)
        score = create_score(level=3.5)
        transcript = Transcript(round=loop.rounds[1], body=score.answer.text)
        transcript.answers.append(
            TranscriptAnswer(
                index=0, start=0, end=len(score.answer.text), text=score.answer.text, answer=score.answer
            )
        )
        session.add(transcript)
        session.commit()
        answer_id, score_id = score.answer_id, score.id
    detail = f"/rubrics/answers/{answer_id}"
    assert panel.b.get(detail).status_code == 403  # B's own scorecard is still a draft
    assert panel.b.post(f"/rubrics/answers/{answer_id}/rescore").status_code == 403
    refused = panel.b.post(f"/rubrics/scores/{score_id}/override", data={"level": 1, "reason": "x"})
    assert refused.status_code == 403
    link = f'/rubrics/answers/{answer_id}"'
    assert link not in panel.b.get("/rubrics/answers").get_data(as_text=True)
    assert panel.a.get(detail).status_code == 200  # A has submitted
    assert panel.manager.get(detail).status_code == 200
    assert link in panel.manager.get("/rubrics/answers").get_data(as_text=True)
    submit_b(app, panel)
    assert panel.b.get(detail).status_code == 200
