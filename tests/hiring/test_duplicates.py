"""Possible duplicates, merge with preview, and undo that restores exactly."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import get_session
from core.errors import DomainError
from hiring.models import (
    Candidate,
    CandidateDocument,
    CandidateMerge,
    ConsentStatus,
    DocumentKind,
    TalentPool,
    Touchpoint,
    TouchpointKind,
)
from hiring.services.candidates import link_key, update_candidate
from hiring.services.duplicates import (
    Person,
    duplicate_reasons,
    duplicates_of,
    find_duplicate_pairs,
    merge_candidates,
    names_similar,
    normalise_name,
    plan_merge,
    undo_merge,
)
from tests.support import hiring_factories

# ---------------------------------------------------------------- detection


def test_names_and_links_are_normalised():
    assert normalise_name("  José  O'Neil-Smith ") == "jose o neil smith"
    assert names_similar("José O'Neil", "jose oneil")
    assert names_similar("Lovelace, Ada", "Ada Lovelace"), "same words in another order"
    assert names_similar("Ada Lovelace", "Ada Lovelance")
    assert not names_similar("Ada Lovelace", "Grace Hopper")
    assert (
        link_key("HTTPS://WWW.GitHub.com/ada/") == link_key("http://github.com/ada") == "github.com/ada"
    )
    assert link_key("https://github.com/Ada") != link_key("https://github.com/ada"), (
        "paths keep their case"
    )


@pytest.mark.parametrize(
    ("first", "second", "reasons"),
    [
        (
            ("Ada", ["ADA@example.org"], []),
            ("Someone Else", ["ada@example.org"], []),
            ["same email ada@example.org"],
        ),
        (
            ("Ada Lovelace", [], ["https://www.github.com/ada/"]),
            ("ada lovelace", [], ["http://GitHub.com/ada"]),
            ["similar names and the same link github.com/ada"],
        ),
        (
            ("Ada Lovelace", [], ["https://github.com/ada"]),
            ("Grace Hopper", [], ["https://github.com/ada"]),
            [],
        ),
        (
            ("Ada Lovelace", [], ["https://github.com/ada"]),
            ("Ada Lovelace", [], ["https://github.com/grace"]),
            [],
        ),
        (
            ("Ada Lovelace", [], ["https://github.com"]),
            ("Ada Lovelace", [], ["https://github.com/"]),
            [],
        ),
    ],
    ids=["email", "name-and-link", "link-only", "name-only", "bare-domain"],
)
def test_duplicate_reasons(first, second, reasons):
    assert list(duplicate_reasons(Person(1, *first), Person(2, *second))) == reasons


def test_finder_lists_pairs_and_ignores_merged_candidates(session):
    ada = hiring_factories.create_candidate(name="Ada Lovelace", emails=["ada@example.org"])
    twin = hiring_factories.create_candidate(name="Someone", emails=["ADA@example.org"])
    linked = hiring_factories.create_candidate(
        name="Ada  Lovelace!", emails=["other@example.org"], links=["https://ada.dev/"]
    )
    ada.links = ["http://www.ada.dev"]
    hiring_factories.create_candidate(
        name="Grace Hopper", emails=["grace@example.org"], links=["https://ada.dev"]
    )
    session.flush()

    pairs = {(p.first.id, p.second.id): p.reasons for p in find_duplicate_pairs(session)}
    assert pairs == {
        (ada.id, twin.id): ("same email ada@example.org",),
        (ada.id, linked.id): ("similar names and the same link ada.dev",),
    }
    assert [c.id for c, _ in duplicates_of(session, ada)] == [twin.id, linked.id]
    twin.merged_into_id = ada.id
    session.flush()
    assert {(p.first.id, p.second.id) for p in find_duplicate_pairs(session)} == {(ada.id, linked.id)}


# ---------------------------------------------------------------- merge and undo


def full_state(session, *candidates: Candidate) -> dict[int, dict[str, Any]]:
    """Every column of the candidates and of their related rows, read back from the database."""
    session.flush()
    session.expire_all()
    state = {}
    for candidate in candidates:
        row = session.get(Candidate, candidate.id)
        columns = {column.key: getattr(row, column.key) for column in Candidate.__table__.columns}
        columns["documents"] = [(d.id, d.kind, d.title, d.body, d.created_at) for d in row.documents]
        columns["touchpoints"] = sorted((t.id, t.summary, t.happened_on) for t in row.touchpoints)
        columns["applications"] = sorted((a.id, a.role_id, a.stage_id) for a in row.applications)
        columns["pools"] = sorted(p.id for p in row.pools)
        state[candidate.id] = columns
    return state


@pytest.fixture
def pair(session):
    """A primary and a duplicate with everything a merge touches."""
    shared_role, other_role = hiring_factories.create_role(), hiring_factories.create_role()
    primary = hiring_factories.create_candidate(
        name="Ada Lovelace",
        emails=["ada@example.org"],
        headline="",
        links=["https://github.com/ada"],
        skills=["Python"],
        tags=["ml"],
        work_history=[{"title": "Analyst", "company": "Engines"}],
    )
    duplicate = hiring_factories.create_candidate(
        name="Ada Lovelace",
        emails=["ADA@example.org", "countess@example.org"],
        phones=["+44 20 7946 0000"],
        links=["https://www.github.com/ada/", "https://ada.dev"],
        location="London",
        headline="Countess and programmer",
        skills=["python", "PyTorch"],
        tags=["senior"],
        consent_status=ConsentStatus.CONSENTED,
        next_reengage_on=date(2030, 5, 1),
        work_history=[{"title": "Programmer", "company": "Babbage"}],
    )
    hiring_factories.create_application(role=shared_role, candidate=primary)
    kept = hiring_factories.create_application(role=shared_role, candidate=duplicate)
    moved = hiring_factories.create_application(role=other_role, candidate=duplicate)
    both, only_duplicate = TalentPool(name="Both"), TalentPool(name="Only the duplicate")
    both.members.extend([primary, duplicate])
    only_duplicate.members.append(duplicate)
    session.add_all(
        [
            both,
            only_duplicate,
            Touchpoint(
                candidate=duplicate,
                kind=TouchpointKind.CALL,
                happened_on=date(2024, 1, 2),
                summary="Call",
            ),
            CandidateDocument(
                candidate=duplicate, kind=DocumentKind.PORTFOLIO, title="Notes", body="On engines."
            ),
        ]
    )
    session.flush()
    return primary, duplicate, kept, moved


def test_merge_moves_everything_and_undo_restores_exactly(session, pair):
    primary, duplicate, kept, moved = pair
    before = full_state(session, primary, duplicate)

    merge = merge_candidates(session, primary, duplicate, actor_id=None)
    merged = full_state(session, primary, duplicate)
    p, d = merged[primary.id], merged[duplicate.id]
    assert p["emails"] == ["ada@example.org", "countess@example.org"]
    assert p["links"] == ["https://github.com/ada", "https://ada.dev"]
    assert p["skills"] == ["Python", "PyTorch"] and p["tags"] == ["ml", "senior"]
    assert p["phones"] == ["+44 20 7946 0000"]
    assert (p["location"], p["headline"], p["next_reengage_on"]) == (
        "London",
        "Countess and programmer",
        date(2030, 5, 1),
    )
    assert p["consent_status"] == ConsentStatus.CONSENTED
    assert p["work_history"] == [
        {"title": "Analyst", "company": "Engines"},
        {"title": "Programmer", "company": "Babbage"},
    ]
    assert p["name"] == "Ada Lovelace" and p["source"] == before[primary.id]["source"]
    assert [doc[2] for doc in p["documents"]] == ["Notes"] and len(p["touchpoints"]) == 1
    assert moved.id in [a[0] for a in p["applications"]]
    assert d["applications"] == [(kept.id, kept.role_id, kept.stage_id)], (
        "same role: stays with the duplicate"
    )
    assert len(p["pools"]) == 2 and d["pools"] == []
    assert d["merged_into_id"] == primary.id
    assert merge.snapshot["applications_kept"] == [kept.id]

    assert undo_merge(session, merge, actor_id=None) == []
    assert full_state(session, primary, duplicate) == before
    assert merge.undone_at is not None
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["candidate.merged", "candidate.merge_undone"]


def test_refusals_change_nothing(session, pair):
    primary, duplicate, _, _ = pair
    third = hiring_factories.create_candidate(name="Third")
    before = full_state(session, primary, duplicate, third)
    with pytest.raises(DomainError, match="cannot be merged into itself"):
        merge_candidates(session, primary, primary, actor_id=None)
    assert full_state(session, primary, duplicate, third) == before

    merge = merge_candidates(session, primary, duplicate, actor_id=None)
    after_merge = full_state(session, primary, duplicate, third)
    with pytest.raises(DomainError, match="was already merged into another candidate"):
        merge_candidates(session, third, duplicate, actor_id=None)
    with pytest.raises(DomainError, match="merge into that one instead"):
        merge_candidates(session, duplicate, third, actor_id=None)
    assert full_state(session, primary, duplicate, third) == after_merge

    second = merge_candidates(session, third, primary, actor_id=None)
    after_second = full_state(session, primary, duplicate, third)
    with pytest.raises(DomainError, match="has since been merged into another candidate"):
        undo_merge(session, merge, actor_id=None)
    assert full_state(session, primary, duplicate, third) == after_second

    undo_merge(session, second, actor_id=None)
    with pytest.raises(DomainError, match="already undone"):
        undo_merge(session, second, actor_id=None)
    undo_merge(session, merge, actor_id=None)
    assert full_state(session, primary, duplicate, third) == before


def test_undo_keeps_edits_made_after_the_merge(session, pair):
    primary, duplicate, _, _ = pair
    merge = merge_candidates(session, primary, duplicate, actor_id=None)
    update_candidate(session, primary, actor_id=None, headline="Edited after the merge")
    assert undo_merge(session, merge, actor_id=None) == ["headline"]
    assert primary.headline == "Edited after the merge"
    assert primary.emails == ["ada@example.org"], "unedited fields are restored"


def test_plan_lists_what_moves(session, pair):
    primary, duplicate, kept, moved = pair
    plan = plan_merge(primary, duplicate)
    assert set(plan.changes) >= {
        "emails",
        "phones",
        "links",
        "skills",
        "tags",
        "location",
        "consent_status",
    }
    assert [a.id for a in plan.applications_moved] == [moved.id]
    assert [a.id for a in plan.applications_kept] == [kept.id]
    assert [p.name for p in plan.pools_moved] == ["Only the duplicate"]
    assert [p.name for p in plan.pools_shared] == ["Both"]


# ---------------------------------------------------------------- pages


def test_merge_pages_preview_confirm_history_and_undo(client, app, recruiter):
    with app.app_context():
        primary = hiring_factories.create_candidate(name="Ada Lovelace", emails=["ada@example.org"])
        duplicate = hiring_factories.create_candidate(
            name="Ada <b>Lovelace</b>",
            emails=["ada@example.org", "countess@example.org"],
            location="London",
        )
        get_session().commit()
    duplicates_page = client.get("/hiring/candidates/duplicates").get_data(as_text=True)
    assert (
        "same email ada@example.org" in duplicates_page
        and "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in duplicates_page
    )

    url = f"/hiring/candidates/{duplicate.id}/merge"
    picker = client.get(url).get_data(as_text=True)
    assert f"?primary_id={primary.id}" in picker
    preview = client.get(f"{url}?primary_id={primary.id}").get_data(as_text=True)
    assert "What Ada Lovelace will look like" in preview
    assert "ada@example.org, countess@example.org" in preview and "London" in preview
    assert 'data-confirm="Merge Ada &lt;b&gt;Lovelace&lt;/b&gt; into Ada Lovelace?"' in preview
    with app.app_context():
        assert get_session().get(Candidate, duplicate.id).merged_into_id is None, (
            "a preview changes nothing"
        )

    itself = client.get(f"/hiring/candidates/{primary.id}/merge?primary_id={primary.id}")
    assert itself.status_code == 400 and "cannot be merged into itself" in itself.get_data(as_text=True)

    done = client.post(url, data={"primary_id": primary.id})
    assert done.status_code == 302
    with app.app_context():
        merge = get_session().scalars(select(CandidateMerge)).one()
    record = client.get(done.headers["Location"]).get_data(as_text=True)
    assert (
        "Merged Ada &lt;b&gt;Lovelace&lt;/b&gt; into Ada Lovelace." in record
        and "Undo this merge" in record
    )
    assert "Ada &lt;b&gt;" not in client.get("/hiring/candidates?q=ada").get_data(as_text=True)
    merged_page = client.get(f"/hiring/candidates/{duplicate.id}").get_data(as_text=True)
    assert "merged into" in merged_page and f"/hiring/merges/{merge.id}" in merged_page
    history = client.get("/hiring/merges").get_data(as_text=True)
    assert f"/hiring/merges/{merge.id}" in history and "merged" in history

    again = client.post(url, data={"primary_id": primary.id})
    assert again.status_code == 400 and "already merged" in again.get_data(as_text=True)

    undone = client.post(f"/hiring/merges/{merge.id}/undo")
    assert undone.status_code == 302
    assert "is a separate candidate again" in client.get(undone.headers["Location"]).get_data(
        as_text=True
    )
    twice = client.post(f"/hiring/merges/{merge.id}/undo")
    assert twice.status_code == 400 and "already undone" in twice.get_data(as_text=True)
    with app.app_context():
        session = get_session()
        assert session.get(Candidate, duplicate.id).merged_into_id is None
        assert session.get(Candidate, primary.id).emails == ["ada@example.org"]
        assert session.get(CandidateMerge, merge.id).undone_by_id == recruiter.id
