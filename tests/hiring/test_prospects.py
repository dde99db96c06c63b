"""Passive-candidate CRM: pools, touchpoints, re-engagement dates and the due list, conversion."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from core.errors import ConflictError, DomainError
from hiring.models import (
    Application,
    Candidate,
    RoleStage,
    RoleStatus,
    StageKind,
    TalentPool,
    Touchpoint,
    TouchpointKind,
)
from hiring.services import prospects
from hiring.services.pipeline import add_application
from tests.support.factories import create_test_user
from tests.support.hiring_factories import create_application, create_candidate, create_role

TODAY = date(2025, 3, 10)


def last_event(session) -> AuditEvent:
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def prospect(**fields) -> Candidate:
    return create_candidate(is_prospect=True, **fields)


# ---------------------------------------------------------------- pools


def test_pools_are_created_renamed_and_unique(session):
    pool = prospects.create_pool(session, name="  LLM infra   researchers ", actor_id=None)
    assert pool.name == "LLM infra researchers" and last_event(session).action == "pool.created"
    with pytest.raises(ConflictError, match="A pool named LLM infra researchers already exists"):
        prospects.create_pool(session, name="LLM infra researchers", actor_id=None)
    session.flush()  # nothing left pending from the refused pool
    assert count(session, TalentPool) == 1

    other = prospects.create_pool(session, name="Silver medalists", actor_id=None)
    with pytest.raises(ConflictError, match="already exists"):
        prospects.rename_pool(session, other, name="LLM infra researchers", actor_id=None)
    assert other.name == "Silver medalists"
    prospects.rename_pool(session, other, name="Silver medalists 2025", actor_id=None)
    event = last_event(session)
    assert (event.action, event.before, event.after) == (
        "pool.renamed",
        {"name": "Silver medalists"},
        {"name": "Silver medalists 2025"},
    )
    with pytest.raises(DomainError, match="Give the pool a name"):
        prospects.create_pool(session, name="   ", actor_id=None)


def test_adding_to_a_pool_marks_a_prospect_and_deleting_the_pool_keeps_people(session):
    pool = prospects.create_pool(session, name="Silver medalists", actor_id=None)
    applicant = create_candidate()
    prospects.add_to_pool(session, pool, applicant, actor_id=None)
    assert applicant.is_prospect and applicant.pools == [pool]
    assert last_event(session).after == {"pool": "Silver medalists", "is_prospect": True}
    with pytest.raises(ConflictError, match="already in the pool"):
        prospects.add_to_pool(session, pool, applicant, actor_id=None)

    prospects.delete_pool(session, pool, actor_id=None)
    session.expire_all()
    assert session.get(Candidate, applicant.id).pools == []
    assert count(session, TalentPool) == 0 and session.get(Candidate, applicant.id) is not None
    assert last_event(session).before == {"name": "Silver medalists", "member_ids": [applicant.id]}


def test_removing_from_a_pool(session):
    pool = prospects.create_pool(session, name="Pool", actor_id=None)
    person = prospect()
    with pytest.raises(DomainError, match="is not in the pool"):
        prospects.remove_from_pool(session, pool, person, actor_id=None)
    prospects.add_to_pool(session, pool, person, actor_id=None)
    prospects.remove_from_pool(session, pool, person, actor_id=None)
    assert pool.members == [] and person.is_prospect


# ---------------------------------------------------------------- touchpoints and dates


def test_log_touchpoint_can_set_the_next_date(session):
    author = create_test_user(roles=[Role.RECRUITER])
    person = prospect()
    touchpoint = prospects.log_touchpoint(
        session,
        person,
        kind=TouchpointKind.CALL,
        happened_on=TODAY - timedelta(days=2),
        summary="Happy at current job; ask again in spring.",
        actor_id=author.id,
        next_reengage_on=TODAY + timedelta(days=60),
        today=TODAY,
    )
    assert person.touchpoints == [touchpoint] and touchpoint.author_id == author.id
    assert person.next_reengage_on == TODAY + timedelta(days=60)
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["touchpoint.logged", "prospect.dates_changed"]


def test_a_touchpoint_fulfils_a_due_reengagement_but_not_a_later_one(session):
    due, later = prospect(), prospect()
    due.next_reengage_on = TODAY - timedelta(days=10)
    later.next_reengage_on = TODAY + timedelta(days=30)
    for person in (due, later):
        prospects.log_touchpoint(
            session,
            person,
            kind=TouchpointKind.EMAIL,
            happened_on=TODAY,
            summary="Checked in.",
            actor_id=None,
            today=TODAY,
        )
    assert due.next_reengage_on is None
    assert later.next_reengage_on == TODAY + timedelta(days=30)
    assert [p.candidate for p in prospects.list_due_for_reengagement(session, today=TODAY)] == []


@pytest.mark.parametrize(
    ("happened", "next_date", "message"),
    [
        (TODAY + timedelta(days=1), None, "cannot be in the future"),
        (TODAY, TODAY - timedelta(days=1), "cannot be in the past"),
        (TODAY, TODAY + timedelta(days=365 * 6), "at most 5 years ahead"),
    ],
)
def test_refused_touchpoints_change_nothing(session, happened, next_date, message):
    person = prospect()
    with pytest.raises(DomainError, match=message):
        prospects.log_touchpoint(
            session,
            person,
            kind=TouchpointKind.NOTE,
            happened_on=happened,
            summary="Note",
            actor_id=None,
            next_reengage_on=next_date,
            today=TODAY,
        )
    assert count(session, Touchpoint) == 0 and person.next_reengage_on is None


def test_deleting_a_touchpoint_is_audited(session):
    person = prospect()
    touchpoint = prospects.log_touchpoint(
        session, person, kind=TouchpointKind.EMAIL, happened_on=TODAY, summary="Hi", actor_id=None,
        today=TODAY,
    )  # fmt: skip
    prospects.delete_touchpoint(session, touchpoint, actor_id=None)
    assert person.touchpoints == [] and last_event(session).action == "touchpoint.deleted"


def test_reengagement_dates_are_validated(session):
    person = prospect()
    with pytest.raises(DomainError, match="cannot be in the past"):
        prospects.set_reengagement(
            session,
            person,
            not_looking_until=None,
            next_reengage_on=TODAY - timedelta(days=1),
            actor_id=None,
            today=TODAY,
        )
    assert person.next_reengage_on is None
    with pytest.raises(DomainError, match="not looking until. at most 5 years"):
        prospects.set_reengagement(
            session,
            person,
            not_looking_until=TODAY + timedelta(days=365 * 7),
            next_reengage_on=None,
            actor_id=None,
            today=TODAY,
        )
    prospects.set_reengagement(
        session,
        person,
        not_looking_until=TODAY + timedelta(days=90),
        next_reengage_on=TODAY,
        actor_id=None,
        today=TODAY,
    )
    # Later, with that date now overdue, editing only "not looking until" keeps working.
    later = TODAY + timedelta(days=20)
    prospects.set_reengagement(
        session,
        person,
        not_looking_until=later + timedelta(days=30),
        next_reengage_on=TODAY,
        actor_id=None,
        today=later,
    )
    assert (person.next_reengage_on, person.not_looking_until) == (TODAY, later + timedelta(days=30))


def test_the_due_list_boundaries_and_order(session):
    def make(name, *, next_on=None, until=None, is_prospect=True):
        create_candidate(
            name=name, is_prospect=is_prospect, next_reengage_on=next_on, not_looking_until=until
        )

    day = timedelta(days=1)
    make("Overdue three days", next_on=TODAY - 3 * day)
    make("Due today", next_on=TODAY)
    make("Due on the horizon", next_on=TODAY + 14 * day)
    make("Beyond the horizon", next_on=TODAY + 15 * day)
    make("Available again", until=TODAY - 5 * day)
    make("Available from today", until=TODAY)
    make("Still not looking", until=TODAY + day)
    make("Available but scheduled later", until=TODAY - 2 * day, next_on=TODAY + 30 * day)
    make("No dates")
    make("Applicant, not a prospect", next_on=TODAY - 10 * day, is_prospect=False)

    due = prospects.list_due_for_reengagement(session, today=TODAY)
    assert [d.candidate.name for d in due] == [
        "Available again",
        "Overdue three days",
        "Available from today",
        "Due today",
        "Due on the horizon",
    ]
    assert [(d.overdue, d.overdue_days) for d in due[:2]] == [(True, 5), (True, 3)]
    assert due[0].reason == "not looking until" and due[1].reason == "re-engagement date"
    narrow = prospects.list_due_for_reengagement(session, within_days=0, today=TODAY)
    assert [d.candidate.name for d in narrow] == [
        "Available again",
        "Overdue three days",
        "Available from today",
        "Due today",
    ]


def test_list_prospects_filters_by_pool_tag_and_name(session):
    pool = prospects.create_pool(session, name="LLM infra", actor_id=None)
    alice = prospect(name="Alice Infra", tags=["LLM", "infra_ops"])
    prospect(name="Bob Vision", tags=["vision", "llm-eval"])
    prospects.add_to_pool(session, pool, alice, actor_id=None)
    create_candidate(name="Carol Applicant", tags=["LLM"])

    def names(**filters):
        page = prospects.list_prospects(session, page=1, per_page=10, **filters)
        return [c.name for c in page.items]

    assert names() == ["Alice Infra", "Bob Vision"]
    assert names(pool_id=pool.id) == ["Alice Infra"]
    assert names(tag="llm") == ["Alice Infra"], "a whole tag, not a part of llm-eval"
    assert names(tag="infra_ops") == ["Alice Infra"] and names(tag="infra%") == []
    assert names(query="vis") == ["Bob Vision"]
    assert prospects.list_prospect_tags(session) == ["infra_ops", "LLM", "llm-eval", "vision"]


# ---------------------------------------------------------------- conversion


def test_convert_a_prospect_in_one_step(session):
    role, person = create_role(), prospect()
    application = prospects.convert_prospect(session, person, role, actor_id=None)
    assert application.stage.name == "Contacted" and application.role is role
    assert person.is_prospect is False
    assert [c.to_stage.name for c in application.history] == ["Contacted"]
    event = last_event(session)
    assert event.action == "prospect.converted" and event.after["application_id"] == application.id


def test_converting_into_a_role_without_contacted_uses_its_first_active_stage(session):
    role = create_role(
        stages=[
            RoleStage(name="Sourced", position=0, kind=StageKind.ACTIVE),
            RoleStage(name="Screen", position=1, kind=StageKind.ACTIVE),
            RoleStage(name="Rejected", position=2, kind=StageKind.REJECTED),
        ]
    )
    assert prospects.convert_prospect(session, prospect(), role, actor_id=None).stage.name == "Sourced"


def test_refused_conversions_change_nothing(session):
    role, person = create_role(), prospect()
    create_application(role=role, candidate=person, stage_name="Onsite loop")
    with pytest.raises(ConflictError, match=r"already in the pipeline .* \(at Onsite loop\)"):
        prospects.convert_prospect(session, person, role, actor_id=None)
    assert person.is_prospect is True
    closed = create_role(status=RoleStatus.CLOSED)
    with pytest.raises(DomainError, match="only open or on-hold roles"):
        prospects.convert_prospect(session, person, closed, actor_id=None)
    assert person.is_prospect is True and count(session, Application) == 1
    with pytest.raises(DomainError, match="is not a prospect"):
        prospects.convert_prospect(session, create_candidate(), role, actor_id=None)


# ---------------------------------------------------------------- pages


def test_prospect_pages_have_empty_states(client, app, recruiter):
    assert "No prospects yet" in client.get("/hiring/prospects").get_data(as_text=True)
    assert "Nobody is due" in client.get("/hiring/prospects/due").get_data(as_text=True)
    assert "No pools yet" in client.get("/hiring/pools").get_data(as_text=True)


def test_prospect_list_filters_and_due_page(client, app, recruiter):
    today = date.today()
    with app.app_context():
        pool = prospects.create_pool(get_session(), name="Silver medalists", actor_id=None)
        ada = prospect(name="Ada Overdue", next_reengage_on=today - timedelta(days=2), tags=["rl"])
        prospect(name="Ben Later", next_reengage_on=today + timedelta(days=40))
        prospects.add_to_pool(get_session(), pool, ada, actor_id=None)
        get_session().commit()
    listing = client.get("/hiring/prospects").get_data(as_text=True)
    assert "Ada Overdue" in listing and "Ben Later" in listing
    by_pool = client.get(f"/hiring/prospects?pool={pool.id}").get_data(as_text=True)
    assert "Ada Overdue" in by_pool and "Ben Later" not in by_pool
    assert "Ben Later" not in client.get("/hiring/prospects?tag=rl").get_data(as_text=True)
    assert "Ben Later" not in client.get("/hiring/prospects?due=1").get_data(as_text=True)
    due = client.get("/hiring/prospects/due").get_data(as_text=True)
    assert "Ada Overdue" in due and "2 days overdue" in due and "Ben Later" not in due
    assert "Ben Later" in client.get("/hiring/prospects/due?days=45").get_data(as_text=True)
    no_match = client.get("/hiring/prospects?q=zzz").get_data(as_text=True)
    assert "No prospect matches these filters." in no_match


def test_touchpoints_and_dates_through_the_prospect_page(client, app, recruiter):
    with app.app_context():
        person = prospect(name="Pia Prospect")
        get_session().commit()
    url = f"/hiring/prospects/{person.id}"
    next_on = (date.today() + timedelta(days=30)).isoformat()
    logged = client.post(
        f"{url}/touchpoints",
        data={
            "kind": "meeting",
            "happened_on": date.today().isoformat(),
            "summary": "Coffee at NeurIPS <b>bold</b>",
            "next_reengage_on": next_on,
        },
        follow_redirects=True,
    )
    page = logged.get_data(as_text=True)
    assert "Touchpoint logged." in page and "Coffee at NeurIPS &lt;b&gt;bold&lt;/b&gt;" in page
    assert f'value="{next_on}"' in page and 'data-confirm="Delete this meeting' in page
    past = client.post(
        f"{url}/reengagement",
        data={"next_reengage_on": (date.today() - timedelta(days=1)).isoformat()},
        follow_redirects=True,
    )
    assert "cannot be in the past" in past.get_data(as_text=True)
    bad = client.post(
        f"{url}/reengagement", data={"next_reengage_on": "31/31/2025"}, follow_redirects=True
    )
    assert "Not a valid date" in bad.get_data(as_text=True)
    with app.app_context():
        stored = get_session().get(Candidate, person.id)
        assert stored.next_reengage_on.isoformat() == next_on
        touchpoint_id = stored.touchpoints[0].id
    client.post(f"/hiring/touchpoints/{touchpoint_id}/delete")
    with app.app_context():
        assert get_session().get(Touchpoint, touchpoint_id) is None


def test_convert_offers_only_roles_whose_pipeline_the_prospect_is_not_in(client, app, recruiter):
    with app.app_context():
        sourced_for = create_role(title="Sourced For Role")
        other = create_role(title="Other Open Role")
        person = prospect(name="Sam Sourced")
        add_application(get_session(), candidate=person, role=sourced_for, actor_id=None)
        get_session().commit()
    page = client.get(f"/hiring/prospects/{person.id}").get_data(as_text=True)
    convert_form = page[page.index(f"/hiring/prospects/{person.id}/convert") :]
    assert f'value="{other.id}"' in convert_form
    assert f'value="{sourced_for.id}"' not in convert_form


def test_convert_and_pools_through_the_pages(client, app, recruiter):
    with app.app_context():
        role = create_role(title="Research Engineer")
        person = prospect(name="Quinn Convert")
        get_session().commit()
    created = client.post("/hiring/pools", data={"name": "Silver medalists"}, follow_redirects=True)
    assert "Pool Silver medalists created." in created.get_data(as_text=True)
    duplicate = client.post("/hiring/pools", data={"name": "Silver medalists"})
    assert "already exists" in duplicate.get_data(as_text=True)
    with app.app_context():
        pool_id = get_session().scalar(select(TalentPool.id))
    client.post(f"/hiring/prospects/{person.id}/pools", data={"pool_id": pool_id})
    pool_page = client.get(f"/hiring/pools/{pool_id}").get_data(as_text=True)
    assert "Quinn Convert" in pool_page

    converted = client.post(f"/hiring/prospects/{person.id}/convert", data={"role_id": role.id})
    assert converted.headers["Location"].endswith(f"/hiring/roles/{role.id}/board")
    again = client.post(
        f"/hiring/prospects/{person.id}/convert", data={"role_id": role.id}, follow_redirects=True
    )
    assert "is not a prospect" in again.get_data(as_text=True)
    with app.app_context():
        session = get_session()
        [application] = session.scalars(select(Application).where(Application.role_id == role.id))
        assert application.stage.name == "Contacted"
        assert session.get(Candidate, person.id).is_prospect is False

    client.post(f"/hiring/pools/{pool_id}/delete")
    with app.app_context():
        assert get_session().get(TalentPool, pool_id) is None
        assert get_session().get(Candidate, person.id) is not None
