"""Candidates: validation, duplicate-email warning, search, pages, documents, access, escaping."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from core.errors import DomainError
from hiring.models import Candidate, CandidateDocument, CandidateSource, ConsentStatus, DocumentKind
from hiring.services.candidates import (
    DuplicateEmailError,
    add_portfolio_document,
    clean_emails,
    clean_links,
    create_candidate,
    format_work_history,
    link_kind,
    list_candidates,
    parse_work_history,
    update_candidate,
)
from tests.support import hiring_factories
from tests.support.factories import create_test_user, sign_in


def count(model) -> int:
    return get_session().scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- rules


def test_emails_are_validated_normalised_and_not_repeated():
    assert clean_emails(" Ada@Example.ORG \n\nada.l@example.org") == [
        "ada@example.org",
        "ada.l@example.org",
    ]
    with pytest.raises(DomainError, match="“ada at example” is not a valid email"):
        clean_emails("ada at example")
    with pytest.raises(DomainError, match="listed twice"):
        clean_emails("ada@example.org\nADA@example.org")


def test_links_must_be_http_and_are_labelled_by_domain():
    assert clean_links("https://github.com/ada\nhttps://www.GitHub.com/ada/") == [
        "https://github.com/ada"
    ]
    for bad in ("javascript:alert(1)", "ftp://files.example.org/x", "github.com/ada", "https://"):
        with pytest.raises(DomainError, match="links must start with http"):
            clean_links(bad)
    assert link_kind("https://www.linkedin.com/in/ada") == "LinkedIn"
    assert link_kind("https://github.com/ada") == "GitHub"
    assert link_kind("https://ada.medium.com/post") == "Medium"
    assert link_kind("https://blog.ada.dev/") == "Blog"
    assert link_kind("https://ada.dev") == "Website"


def test_work_history_lines_round_trip():
    entries = parse_work_history("Chief Architect — 66 Degrees\nHead of AI - Chryselys\n\nFounder")
    assert entries == [
        {"title": "Chief Architect", "company": "66 Degrees"},
        {"title": "Head of AI", "company": "Chryselys"},
        {"title": "Founder", "company": ""},
    ]
    assert parse_work_history(format_work_history(entries)) == entries


def test_create_candidate_normalises_and_audits(session):
    candidate = create_candidate(
        session,
        actor_id=None,
        name="  Ada Lovelace ",
        emails=["ADA@example.org"],
        skills="Python, python, PyTorch",
        tags=["ml"],
        source="Referral",
        referrer_name="Charles Babbage",
        consent_status="consented",
    )
    assert candidate.name == "Ada Lovelace"
    assert candidate.emails == ["ada@example.org"]
    assert candidate.skills == ["Python", "PyTorch"]
    assert candidate.source == CandidateSource.REFERRAL
    assert candidate.consent_updated_at is not None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "candidate.created")).one()
    assert event.object_id == str(candidate.id) and event.after["emails"] == ["ada@example.org"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "   "}, "Give the candidate a name"),
        ({"name": "A", "source": "referral"}, "Name the person who referred"),
        ({"name": "A", "source": "newspaper"}, "Unknown source “newspaper”"),
        ({"name": "A", "links": ["javascript:alert(1)"]}, "links must start with http"),
        ({"name": "A", "phones": ["call me maybe"]}, "is not a phone number"),
        ({"name": "A" * 201}, "limited to 200 characters"),
        ({"name": "A", "salary": 1}, "Unknown candidate fields: salary"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_saved(session, fields, message):
    with pytest.raises(DomainError, match=message):
        create_candidate(session, actor_id=None, **fields)
    assert count(Candidate) == 0 and count(AuditEvent) == 0


def test_an_email_of_another_candidate_needs_confirmation(session):
    first = create_candidate(session, actor_id=None, name="Ada Lovelace", emails=["ada@example.org"])
    with pytest.raises(DuplicateEmailError) as refused:
        create_candidate(session, actor_id=None, name="A. Lovelace", emails=["ADA@example.org"])
    assert refused.value.matches == [first]
    assert "Ada Lovelace (#" in refused.value.message
    second = create_candidate(
        session,
        actor_id=None,
        allow_duplicate_email=True,
        name="A. Lovelace",
        emails=["ada@example.org"],
    )
    assert count(Candidate) == 2 and second.id != first.id


def test_update_tracks_consent_changes_and_audits_before_after(session):
    candidate = create_candidate(session, actor_id=None, name="Ada", emails=["ada@example.org"])
    assert candidate.consent_updated_at is None
    assert update_candidate(session, candidate, actor_id=None, headline="ML engineer") == ["headline"]
    assert candidate.consent_updated_at is None
    update_candidate(session, candidate, actor_id=None, consent_status=ConsentStatus.NOTICE_SENT)
    assert candidate.consent_updated_at is not None
    assert update_candidate(session, candidate, actor_id=None, headline="ML engineer") == []
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "candidate.updated").order_by(AuditEvent.id)
    ).first()
    assert (event.before, event.after) == ({"headline": ""}, {"headline": "ML engineer"})


def test_search_by_name_email_tag_and_skill_and_kind(session):
    ada = create_candidate(
        session,
        actor_id=None,
        name="Ada Lovelace",
        emails=["ada@example.org"],
        tags=["Senior"],
        skills=["PyTorch"],
    )
    grace = create_candidate(
        session, actor_id=None, name="Grace Hopper", emails=["grace@navy.example"], is_prospect=True
    )
    merged = create_candidate(session, actor_id=None, name="Ada Twin", emails=["twin@example.org"])
    merged.merged_into_id = ada.id
    session.flush()

    def names(**kwargs) -> list[str]:
        return [c.name for c in list_candidates(session, page=1, per_page=10, **kwargs).items]

    assert names(query="lovelace") == ["Ada Lovelace"]
    assert names(query="navy.example") == ["Grace Hopper"]
    assert names(query="senior") == ["Ada Lovelace"]
    assert names(query="pytorch") == ["Ada Lovelace"]
    assert names(query="ada") == ["Ada Lovelace"], "merged candidates never show"
    assert names(query="100%_") == []
    assert names(tag="senior") == ["Ada Lovelace"]
    assert names(prospects=True) == ["Grace Hopper"]
    assert names(prospects=False) == ["Ada Lovelace"]
    assert grace.id != ada.id


# ---------------------------------------------------------------- pages


FORM = {
    "name": "Ada Lovelace",
    "emails": "Ada@Example.org",
    "phones": "+44 20 7946 0000",
    "location": "London",
    "headline": "ML engineer",
    "links": "https://github.com/ada\nhttps://www.linkedin.com/in/ada",
    "summary": "Writes programs.",
    "work_history": "Analyst — Analytical Engine Co",
    "skills": "Python, PyTorch",
    "tags": "senior",
    "source": "applied",
    "consent_status": "unknown",
}


def test_create_then_edit_through_the_pages(client, app, recruiter):
    assert client.get("/hiring/candidates/new").status_code == 200
    created = client.post("/hiring/candidates/new", data=FORM)
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Ada Lovelace added." in page
    assert "ada@example.org" in page and "Analyst</strong> — Analytical Engine Co" in page
    assert (
        '<span class="link-kind">GitHub</span>' in page
        and '<span class="link-kind">LinkedIn</span>' in page
    )
    with app.app_context():
        candidate = get_session().scalars(select(Candidate)).one()
    edit_url = f"/hiring/candidates/{candidate.id}/edit"
    form_page = client.get(edit_url).get_data(as_text=True)
    assert "Analyst — Analytical Engine Co" in form_page and "https://github.com/ada" in form_page

    invalid = client.post(edit_url, data={**FORM, "emails": "not-an-email"})
    assert "“not-an-email” is not a valid email address." in invalid.get_data(as_text=True)
    assert (
        client.post(
            edit_url, data={**FORM, "headline": "Staff ML engineer", "is_prospect": "y"}
        ).status_code
        == 302
    )
    with app.app_context():
        candidate = get_session().get(Candidate, candidate.id)
        assert (candidate.headline, candidate.is_prospect, candidate.emails) == (
            "Staff ML engineer",
            True,
            ["ada@example.org"],
        )


def test_duplicate_email_warning_names_the_other_candidate_and_needs_ticking(client, app, recruiter):
    with app.app_context():
        other = hiring_factories.create_candidate(name="Ada Original", emails=["ada@example.org"])
        get_session().commit()
    warned = client.post("/hiring/candidates/new", data=FORM)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 409
    assert "This email already belongs to" in page
    assert f'href="/hiring/candidates/{other.id}">Ada Original (#{other.id})</a>' in page
    assert 'name="create_anyway"' in page
    with app.app_context():
        assert count(Candidate) == 1

    created = client.post("/hiring/candidates/new", data={**FORM, "create_anyway": "y"})
    assert created.status_code == 302
    detail = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Possible duplicate of" in detail and "same email ada@example.org" in detail
    with app.app_context():
        assert count(Candidate) == 2


def test_list_page_search_empty_state_and_pagination(client, app, recruiter, monkeypatch):
    assert "No candidates yet." in client.get("/hiring/candidates").get_data(as_text=True)
    with app.app_context():
        for number in range(3):
            hiring_factories.create_candidate(
                name=f"Person {number}", tags=["ml"], is_prospect=number == 0
            )
        get_session().commit()
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    first = client.get("/hiring/candidates?tag=ml").get_data(as_text=True)
    assert "Page 1 of 2 (3 in all)" in first and "page=2" in first and "tag=ml" in first
    assert "No candidates match this search." in client.get("/hiring/candidates?q=nobody").get_data(
        as_text=True
    )
    prospects = client.get("/hiring/candidates?kind=prospects").get_data(as_text=True)
    assert "Person 0" in prospects and "Person 1" not in prospects


def test_detail_shows_applications_with_role_and_stage(client, app, recruiter):
    with app.app_context():
        application = hiring_factories.create_application(stage_name="Technical screen")
        get_session().commit()
        candidate_id, role_title = application.candidate_id, application.role.title
    page = client.get(f"/hiring/candidates/{candidate_id}").get_data(as_text=True)
    assert role_title in page and "Technical screen" in page


def test_user_text_is_escaped_everywhere(client, app, recruiter):
    evil = '<script>alert("x")</script>'
    with app.app_context():
        candidate = hiring_factories.create_candidate(
            name=evil,
            headline=evil,
            summary=evil,
            tags=[evil],
            skills=[evil],
            work_history=[{"title": evil}],
        )
        add_portfolio_document(get_session(), candidate, title=evil, body=evil, actor_id=None)
        get_session().commit()
    for url in (
        f"/hiring/candidates/{candidate.id}",
        "/hiring/candidates",
        f"/hiring/candidates/{candidate.id}/edit",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert" in page, url


def test_documents_are_added_and_removed_with_audit(client, app, recruiter):
    with app.app_context():
        candidate = hiring_factories.create_candidate()
        get_session().commit()
    added = client.post(
        f"/hiring/candidates/{candidate.id}/documents/new",
        data={"title": "", "text": "# My essay\nOn models."},
    )
    assert added.status_code == 302
    with app.app_context():
        document = get_session().scalars(select(CandidateDocument)).one()
        assert (document.kind, document.title) == (DocumentKind.PORTFOLIO, "My essay")
    page = client.get(f"/hiring/candidates/{candidate.id}").get_data(as_text=True)
    assert "My essay" in page and 'data-confirm="Remove “My essay”?' in page

    removed = client.post(
        f"/hiring/candidates/{candidate.id}/documents/remove", data={"document_id": document.id}
    )
    assert removed.status_code == 302
    again = client.post(
        f"/hiring/candidates/{candidate.id}/documents/remove", data={"document_id": document.id}
    )
    assert again.status_code == 404
    with app.app_context():
        session = get_session()
        assert count(CandidateDocument) == 0
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "candidate")
        ).all()
        assert actions == ["candidate.document_added", "candidate.document_removed"]


def test_empty_or_broken_pasted_text_saves_nothing(client, app, recruiter):
    with app.app_context():
        candidate = hiring_factories.create_candidate()
        get_session().commit()
    url = f"/hiring/candidates/{candidate.id}/documents/new"
    empty = client.post(url, data={"title": "x", "text": "   "})
    assert empty.status_code == 400 and "Paste the text or choose a file" in empty.get_data(as_text=True)
    broken = client.post(url, data={"title": "x", "text": "caf\ufffd"})
    assert broken.status_code == 400 and "not valid UTF-8" in broken.get_data(as_text=True)
    with app.app_context():
        assert count(CandidateDocument) == 0


def test_interviewers_see_only_candidates_of_their_panels(client, app, no_csrf):
    with app.app_context():
        interviewer = create_test_user(roles=[Role.INTERVIEWER])
        role = hiring_factories.create_role(interviewers=[interviewer])
        other_role = hiring_factories.create_role()
        mine = hiring_factories.create_application(role=role)
        hiring_factories.create_application(role=other_role, candidate=mine.candidate)
        theirs = hiring_factories.create_application(role=other_role)
        get_session().commit()
        mine_id, theirs_id, other_title = mine.candidate_id, theirs.candidate_id, other_role.title
    sign_in(client, interviewer.email)
    page = client.get(f"/hiring/candidates/{mine_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert role.title in text and other_title not in text, "only the roles they may see"
    assert f"/hiring/candidates/{mine_id}/edit" not in text
    assert client.get(f"/hiring/candidates/{theirs_id}").status_code == 403
    assert client.get("/hiring/candidates").status_code == 403
    assert client.get(f"/hiring/candidates/{mine_id}/edit").status_code == 403


def test_demo_loader_exports(session):
    candidate = create_candidate(
        session,
        actor_id=None,
        name="Demo Person",
        emails=["demo@example.org"],
        is_prospect=True,
        next_reengage_on=date(2030, 1, 1),
    )
    document = add_portfolio_document(session, candidate, title="Post", body="Text.", actor_id=None)
    assert candidate.is_prospect and candidate.next_reengage_on == date(2030, 1, 1)
    assert document.kind == DocumentKind.PORTFOLIO and candidate.documents == [document]
