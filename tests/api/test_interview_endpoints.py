"""The interview side of /api/v1 on the real database and queue: blind until submitted, sealed
votes, decisions, transcripts stored and scored by a real rq worker, and bodies that are refused."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from rq.job import Job
from sqlalchemy import func, select

from api.interview_shapes import SEALED
from core import jobs
from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from core.jobs import JobRun
from interviews.models import DebriefVote, Scorecard, ScorecardStatus, Transcript
from tests.api.conftest import Bearer
from tests.interviews.test_transcripts_job import ANSWERS, onsite_loop, run_worker
from tests.support.hiring_factories import create_application, create_role
from tests.support.interview_factories import create_interview_loop

BEN_NOTE = "Ben's private evidence: wrote a clean sliding-window join."
COMPLETE = {
    "ratings": {
        "ml-depth": {"rating": 3, "note": "Explained drift monitoring."},
        "engineering": {"rating": 4, "note": BEN_NOTE},
    },
    "takeaways": "Strong on both.",
    "recommendation": "yes",
    "submit": True,
}


@dataclass
class Panel:
    loop_id: int
    ana_card: int  # round 1 (ML theory)
    ben_card: int  # round 2 (Coding)
    ana: Bearer
    ben: Bearer
    manager: Bearer  # the role's hiring manager
    recruiter: Bearer
    outsider: Bearer  # an interviewer on no round of this loop


@pytest.fixture
def panel(app, issue_token) -> Panel:
    ana_user, ana = issue_token([Role.INTERVIEWER])
    ben_user, ben = issue_token([Role.INTERVIEWER])
    manager_user, manager = issue_token([Role.HIRING_MANAGER])
    recruiter, outsider = issue_token([Role.RECRUITER])[1], issue_token([Role.INTERVIEWER])[1]
    with app.app_context():
        role = create_role(hiring_manager_id=manager_user.id)
        application = create_application(role=role, stage_name="Onsite loop")
        loop = create_interview_loop(application=application, interviewers=[[ana_user], [ben_user]])
        get_session().commit()
        cards = loop.rounds[0].scorecards[0].id, loop.rounds[1].scorecards[0].id
        return Panel(loop.id, *cards, ana, ben, manager, recruiter, outsider)


def put(bearer: Bearer, path: str, body: dict):
    return bearer.client.put(
        f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {bearer.secret}"}
    )


def by_id(items: list[dict], item_id: int) -> dict:
    return next(item for item in items if item["id"] == item_id)


def test_loops_list_filter_and_show_rounds_without_ratings(app, panel):
    mine = panel.ana.get("/loops", query_string={"limit": 100}).json
    assert [loop["id"] for loop in mine["items"]] == [panel.loop_id]
    assert panel.outsider.get("/loops").json["items"] == []
    assert panel.outsider.get(f"/loops/{panel.loop_id}").status_code == 403

    with app.app_context():
        role_id = get_session().get(Scorecard, panel.ana_card).round.loop.application.role_id
    listed = panel.recruiter.get("/loops", query_string={"role_id": role_id, "status": "scheduled"})
    assert [loop["id"] for loop in listed.json["items"]] == [panel.loop_id]
    decided = panel.recruiter.get("/loops", query_string={"role_id": role_id, "status": "decided"})
    assert decided.json["items"] == []
    assert panel.recruiter.get("/loops", query_string={"status": "asleep"}).status_code == 422

    put(panel.ben, f"/scorecards/{panel.ben_card}", COMPLETE)
    detail = panel.ana.get(f"/loops/{panel.loop_id}")
    assert detail.status_code == 200, detail.json
    rounds = detail.json["rounds"]
    assert [(r["kind"], r["title"]) for r in rounds] == [
        ("ml_theory", "ML theory"),
        ("coding", "Coding"),
    ]
    assert [[c["status"] for c in r["scorecards"]] for r in rounds] == [["draft"], ["submitted"]]
    assert rounds[1]["interviewers"][0]["id"] == rounds[1]["scorecards"][0]["interviewer"]["id"]
    text = detail.get_data(as_text=True)
    assert "rating" not in text and BEN_NOTE not in text


def test_blind_until_submitted(app, panel):
    ben = put(panel.ben, f"/scorecards/{panel.ben_card}", COMPLETE)
    assert ben.status_code == 200, ben.json
    assert ben.json["status"] == "submitted"
    assert {r["competency"]: r["note"] for r in ben.json["ratings"]}["engineering"] == BEN_NOTE

    listed = panel.ana.get(f"/loops/{panel.loop_id}/scorecards")
    assert listed.status_code == 200
    assert listed.json["feedback_visible"] is False
    assert "once you have submitted your own scorecard" in listed.json["hidden_reason"]
    hidden = by_id(listed.json["items"], panel.ben_card)
    assert hidden["status"] == "submitted"
    assert (hidden["ratings"], hidden["takeaways"], hidden["recommendation"]) == (None, None, None)
    assert hidden["hidden_reason"] == listed.json["hidden_reason"]
    assert BEN_NOTE not in listed.get_data(as_text=True)
    one = panel.ana.get(f"/scorecards/{panel.ben_card}")
    assert one.status_code == 200 and one.json["ratings"] is None
    assert BEN_NOTE not in one.get_data(as_text=True)

    draft = put(panel.ana, f"/scorecards/{panel.ana_card}", {"ratings": {"ml-depth": {"rating": 2}}})
    assert draft.status_code == 200, draft.json
    assert draft.json["status"] == "draft" and draft.json["editable"] is True
    assert panel.ana.get(f"/scorecards/{panel.ben_card}").json["ratings"] is None

    incomplete = put(panel.ana, f"/scorecards/{panel.ana_card}", {**COMPLETE, "ratings": {}})
    assert incomplete.status_code == 422
    assert incomplete.json["error"]["code"] == "rule_broken"
    assert "To submit the scorecard" in incomplete.json["error"]["message"]

    submitted = put(panel.ana, f"/scorecards/{panel.ana_card}", COMPLETE)
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    after = panel.ana.get(f"/loops/{panel.loop_id}/scorecards").json
    assert after["feedback_visible"] is True and after["hidden_reason"] is None
    visible = by_id(after["items"], panel.ben_card)
    assert visible["hidden_reason"] is None and visible["recommendation"] == "yes"
    ratings = {r["competency"]: r["rating"] for r in visible["ratings"]}
    assert ratings == {"ml-depth": 3, "engineering": 4}


def test_only_the_owner_saves_a_scorecard_and_outsiders_read_nothing(app, panel):
    theirs = put(panel.ana, f"/scorecards/{panel.ben_card}", COMPLETE)
    assert theirs.status_code == 403 and theirs.json["error"]["code"] == "not_your_scorecard"
    assert put(panel.manager, f"/scorecards/{panel.ben_card}", COMPLETE).status_code == 403
    assert put(panel.recruiter, f"/scorecards/{panel.ben_card}", COMPLETE).status_code == 403
    assert put(panel.outsider, f"/scorecards/{panel.ben_card}", COMPLETE).status_code == 403
    for path in (f"/loops/{panel.loop_id}/scorecards", f"/scorecards/{panel.ben_card}"):
        assert panel.outsider.get(path).status_code == 403
    assert panel.ana.get("/scorecards/99999999").status_code == 404
    with app.app_context():
        card = get_session().get(Scorecard, panel.ben_card)
        assert card.status is ScorecardStatus.DRAFT and card.ratings == {}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"ratings": {"ml-depth": {"rating": "3"}}}, "validation_failed"),
        ({"ratings": {"ml-depth": {"rating": 5}}}, "validation_failed"),
        ({"ratings": {"ml-depth": {"rating": 3, "stars": 3}}}, "validation_failed"),
        ({"submit": "yes"}, "validation_failed"),
        ({"recommendation": "maybe"}, "validation_failed"),
        ({"colour": "red"}, "validation_failed"),
        ({"ratings": {"charisma": {"rating": 3}}}, "rule_broken"),
    ],
)
def test_bad_scorecard_bodies_are_422_and_change_nothing(app, panel, body, code):
    response = put(panel.ana, f"/scorecards/{panel.ana_card}", body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == code
    with app.app_context():
        card = get_session().get(Scorecard, panel.ana_card)
        assert card.status is ScorecardStatus.DRAFT and card.ratings == {}


def _debrief_open(panel: Panel) -> None:
    for bearer, card in ((panel.ana, panel.ana_card), (panel.ben, panel.ben_card)):
        assert put(bearer, f"/scorecards/{card}", COMPLETE).status_code == 200


def test_votes_are_sealed_until_the_manager_reveals_them(app, panel, issue_token):
    assert panel.ben.get(f"/loops/{panel.loop_id}/debrief").json["status"] == "not_open"
    early = panel.ana.post(f"/loops/{panel.loop_id}/debrief/votes", json={"vote": "yes"})
    assert early.status_code == 422 and "not open" in early.json["error"]["message"]
    _debrief_open(panel)

    key = {"Idempotency-Key": "ana-vote-1"}
    body = {"vote": "yes", "comment": "Hire: strong evidence."}
    cast = panel.ana.post(f"/loops/{panel.loop_id}/debrief/votes", json=body, headers=key)
    assert cast.status_code == 201, cast.json
    own = next(ballot for ballot in cast.json["ballots"] if ballot["is_own"])
    assert own["vote"] == "yes"
    replay = panel.ana.post(f"/loops/{panel.loop_id}/debrief/votes", json=body, headers=key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == cast.json
    reused = panel.ana.post(f"/loops/{panel.loop_id}/debrief/votes", json={"vote": "no"}, headers=key)
    assert reused.status_code == 409 and reused.json["error"]["code"] == "idempotency_key_reused"
    again = panel.ana.post(f"/loops/{panel.loop_id}/debrief/votes", json={"vote": "no"})
    assert again.status_code == 409 and "already voted" in again.json["error"]["message"]
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(DebriefVote)) == 1

    sealed = panel.ben.get(f"/loops/{panel.loop_id}/debrief").json
    assert sealed["status"] == "open" and sealed["voted_count"] == 1 and sealed["tally"] == {}
    assert sealed["hidden_reason"] == SEALED
    anas = next(ballot for ballot in sealed["ballots"] if ballot["voted"])
    assert (anas["vote"], anas["comment"], anas["is_own"]) == (None, "", False)
    assert "strong evidence" not in json.dumps(panel.manager.get(f"/loops/{panel.loop_id}/debrief").json)

    assert panel.ben.post(f"/loops/{panel.loop_id}/debrief/reveal", json={}).status_code == 403
    other_manager = issue_token([Role.HIRING_MANAGER])[1]  # sees the debrief, is not on its panel
    assert other_manager.get(f"/loops/{panel.loop_id}/debrief").status_code == 200
    not_on_panel = other_manager.post(f"/loops/{panel.loop_id}/debrief/votes", json={"vote": "no"})
    assert not_on_panel.status_code == 403
    assert other_manager.post(f"/loops/{panel.loop_id}/debrief/reveal", json={}).status_code == 403
    revealed = panel.manager.post(f"/loops/{panel.loop_id}/debrief/reveal", json={})
    assert revealed.status_code == 200, revealed.json
    seen = panel.ben.get(f"/loops/{panel.loop_id}/debrief").json
    assert seen["status"] == "revealed" and seen["hidden_reason"] is None
    assert seen["tally"] == {"strong_no": 0, "no": 0, "yes": 1, "strong_yes": 0}
    assert next(b for b in seen["ballots"] if b["voted"])["vote"] == "yes"
    late = panel.ben.post(f"/loops/{panel.loop_id}/debrief/votes", json={"vote": "no"})
    assert late.status_code == 409
    assert panel.manager.post(f"/loops/{panel.loop_id}/debrief/reveal", json={}).status_code == 409


def test_the_hiring_manager_records_the_decision(app, panel, issue_token):
    decide = f"/loops/{panel.loop_id}/decisions"
    hold = {"outcome": "hold", "rationale": "Strong, but we need a second coding round."}
    _debrief_open(panel)
    unrevealed = panel.manager.post(decide, json=hold)
    assert unrevealed.status_code == 422 and "Reveal the votes" in unrevealed.json["error"]["message"]
    panel.ana.post(f"/loops/{panel.loop_id}/debrief/votes", json={"vote": "yes"})
    assert panel.manager.post(f"/loops/{panel.loop_id}/debrief/reveal", json={}).status_code == 200

    assert panel.recruiter.post(decide, json=hold).status_code == 403
    assert panel.ana.post(decide, json=hold).status_code == 403
    other_manager = issue_token([Role.HIRING_MANAGER])[1]  # runs hiring, but not for this role
    assert other_manager.get(decide).status_code == 200
    refused = other_manager.post(decide, json=hold)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    for bad in (
        {"outcome": "hold", "rationale": 5},
        {"outcome": "maybe", "rationale": "x"},
        {"outcome": "hold", "rationale": "x", "vote": "yes"},
        {"outcome": "hold"},
    ):
        response = panel.manager.post(decide, json=bad)
        assert response.status_code == 422, bad
        assert response.json["error"]["code"] == "validation_failed", bad

    recorded = panel.manager.post(decide, json=hold)
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["outcome"] == "hold" and recorded.json["rationale"] == hold["rationale"]
    listed = panel.ben.get(decide).json
    assert listed["current_id"] == recorded.json["id"]
    assert [d["id"] for d in listed["items"]] == [recorded.json["id"]]
    twice = panel.manager.post(decide, json=hold)
    assert twice.status_code == 409 and "give a reason to supersede" in twice.json["error"]["message"]
    assert panel.outsider.get(decide).status_code == 403
    assert panel.ana.get(f"/loops/{panel.loop_id}").json["status"] == "decided"
    with app.app_context():
        event = get_session().scalar(
            select(AuditEvent).where(
                AuditEvent.action == "decision.recorded",
                AuditEvent.object_id == str(recorded.json["id"]),
            )
        )
        assert event is not None and event.after["decision"] == "hold"


# ---------------------------------------------------------------- transcripts and scores


@dataclass
class Onsite:
    round_id: int  # round 2, where Ana interviews
    ana: Bearer
    ben: Bearer  # on the panel, in round 4
    recruiter: Bearer


@pytest.fixture
def onsite(app, issue_token) -> Onsite:
    ana_user, ana = issue_token([Role.INTERVIEWER])
    ben_user, ben = issue_token([Role.INTERVIEWER])
    recruiter = issue_token([Role.RECRUITER])[1]
    with app.app_context():
        loop = onsite_loop(get_session(), interviewers=[[], [ana_user], [], [ben_user]])
        get_session().commit()
        return Onsite(loop.rounds[1].id, ana, ben, recruiter)


def _transcripts() -> int:
    return get_session().scalar(select(func.count()).select_from(Transcript))


def test_transcript_is_stored_scored_by_the_queue_and_its_scores_shown_as_visible(app, onsite, judge):
    path = f"/rounds/{onsite.round_id}/transcripts"
    stored = onsite.ana.post(path, json={"text": ANSWERS, "source_name": "onsite.txt"})
    assert stored.status_code == 201, stored.json
    transcript_id = stored.json["id"]
    assert stored.json["status"] == "aligned" and stored.json["source_format"] == "paste"
    assert [a["question_id"] is not None for a in stored.json["answers"]] == [True, True, False]

    assert onsite.ben.post(path, json={"text": ANSWERS}).status_code == 403  # not his round
    listed = onsite.ben.get(path).json["items"]
    assert [t["id"] for t in listed] == [transcript_id]

    key = {"Idempotency-Key": "score-once"}
    started = onsite.ana.post(f"/transcripts/{transcript_id}/scoring", json={}, headers=key)
    assert started.status_code == 202, started.json
    assert started.json["transcript_status"] == "scoring"
    assert started.json["job_run"]["status"] == "queued"
    run_id = started.json["job_run"]["id"]
    replay = onsite.ana.post(f"/transcripts/{transcript_id}/scoring", json={}, headers=key)
    assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["job_run"]["id"] == run_id
    busy = onsite.ana.post(f"/transcripts/{transcript_id}/scoring", json={})
    assert busy.status_code == 409 and busy.json["error"]["code"] == "conflict"
    with app.app_context():
        run = get_session().get(JobRun, run_id)
        assert get_session().scalar(select(func.count()).select_from(JobRun)) >= 1
        assert Job.fetch(run.rq_job_id, connection=jobs.get_redis(app)).get_status() == "queued"

    run_worker(app)
    assert onsite.ana.get(f"/transcripts/{transcript_id}").json["job_run"]["status"] == "finished"

    blind = onsite.ana.get(f"/transcripts/{transcript_id}/scores")
    assert blind.status_code == 200 and blind.json["status"] == "scored"
    assert blind.json["scores_visible"] is False and "submitted" in blind.json["hidden_reason"]
    assert all(a["embedding"] is None and a["judge"] is None for a in blind.json["answers"])
    assert all(a["overall"] is None and a["criteria"] == [] for a in blind.json["answers"])

    shown = onsite.recruiter.get(f"/transcripts/{transcript_id}/scores")
    assert shown.status_code == 200 and shown.json["scores_visible"] is True
    assert shown.json["hidden_reason"] is None
    scored = [a for a in shown.json["answers"] if a["question_id"] is not None]
    assert len(scored) == 2
    for answer in scored:
        assert answer["embedding"]["scorer"] == "embedding" and answer["embedding"]["level"] is not None
        assert answer["embedding"]["evidence"], "the embedding match quotes its closest sentences"
        assert all(e["quote"] in answer["text"] for e in answer["embedding"]["evidence"] if e["located"])
        assert answer["judge"]["scorer"] == "judge" and answer["judge"]["level"] == 3
        assert answer["judge"]["model"] == "fake-judge"
        quote = answer["text"].split(".")[0]
        assert {"quote": quote, "located": True} in answer["judge"]["evidence"]
        assert isinstance(answer["disagreement"], bool) and answer["overall"] is not None
        assert {c["judge"] for c in answer["criteria"]} == {3}
        assert all(c["embedding"] is not None for c in answer["criteria"])
    unaligned = shown.json["answers"][2]
    assert unaligned["embedding"] is None and "unaligned" in unaligned["flags"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "   \n "}, 422, "rule_broken"),  # empty
        ({"text": "\ud800 broken text"}, 422, "validation_failed"),  # not valid UTF-8
        ({"text": "I said \ufffd there"}, 422, "rule_broken"),  # broken characters
        ({"text": "Python\nDocker\nKubernetes\n"}, 422, "rule_broken"),  # no answers in it
        ({"text": 5}, 422, "validation_failed"),
        ({"text": "Hello", "format": "vtt"}, 422, "validation_failed"),
        ({}, 422, "validation_failed"),
        ({"text": "x" * (1024 * 1024 + 10)}, 413, "payload_too_large"),
    ],
)
def test_bad_transcripts_are_refused_and_nothing_is_stored(app, onsite, body, status, code):
    response = onsite.ana.post(f"/rounds/{onsite.round_id}/transcripts", json=body)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    with app.app_context():
        assert _transcripts() == 0


def test_an_anonymised_role_shows_interviewers_a_pseudonym(app, panel):
    with app.app_context():
        application = get_session().get(Scorecard, panel.ana_card).round.loop.application
        application.role.anonymised_review = True
        name, pseudonym = application.candidate.name, f"Candidate C-{application.id}"
        get_session().commit()
    for response in (panel.ana.get("/loops"), panel.ana.get(f"/loops/{panel.loop_id}")):
        assert name not in response.get_data(as_text=True)
    assert panel.ana.get(f"/loops/{panel.loop_id}").json["candidate"] == pseudonym
    assert panel.recruiter.get(f"/loops/{panel.loop_id}").json["candidate"] == name
