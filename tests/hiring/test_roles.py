"""Roles: the service rules (status moves, panel, stages, templates) and the pages through the client."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from core.errors import ConflictError, DomainError, NotFoundError
from hiring.models import JobRole, RoleStatus, StageChange
from hiring.services import roles
from hiring.services.jd_templates import TemplateError, list_templates, parse_templates
from hiring.services.stages import DEFAULT_STAGES
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_application, create_role

XSS = "<script>alert('jd')</script>"


def actions(session, role_id: int) -> list[str]:
    statement = (
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "role", AuditEvent.object_id == str(role_id))
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(statement))


def stage_names(role: JobRole) -> list[str]:
    return [stage.name for stage in sorted(role.stages, key=lambda s: s.position)]


# ---------------------------------------------------------------- services


def test_a_new_role_is_a_draft_with_default_stages_and_clean_lists(session):
    manager = create_test_user(roles=[Role.HIRING_MANAGER])
    role = roles.create_role(
        session,
        title="  Research Engineer ",
        actor_id=manager.id,
        hiring_manager_id=manager.id,
        headcount=2,
        target_start=date(2027, 3, 1),
        must_have="- Python\n\n* PyTorch\nPython\n",
        links=["https://example.org/blog"],
    )
    assert (role.title, role.status, role.headcount) == ("Research Engineer", RoleStatus.DRAFT, 2)
    assert role.must_have == ["Python", "PyTorch"]
    assert stage_names(role) == [name for name, _kind in DEFAULT_STAGES]
    assert role.opened_at is None and role.hiring_manager == manager
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "role.created")).one()
    assert event.object_id == str(role.id) and event.after["target_start"] == "2027-03-01"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"headcount": 0}, "at least 1"),
        ({"title": "   "}, "title"),
        ({"links": ["javascript:alert(1)"]}, "not a web address"),
        ({"must_have": ["x" * 301]}, "longer than 300"),
        ({"summary": "x" * 4001}, "under 4000"),
    ],
)
def test_invalid_fields_are_refused_with_a_clear_message(session, fields, message):
    with pytest.raises(DomainError, match=message):
        roles.create_role(session, **{"title": "Role", **fields}, actor_id=None)


def test_manager_and_recruiter_must_hold_those_roles(session):
    interviewer = create_test_user(roles=[Role.INTERVIEWER])
    recruiter = create_test_user(roles=[Role.RECRUITER])
    with pytest.raises(DomainError, match="hiring manager must be an active user"):
        roles.create_role(session, title="Role", actor_id=None, hiring_manager_id=interviewer.id)
    with pytest.raises(DomainError, match="recruiter must be an active user"):
        roles.create_role(session, title="Role", actor_id=None, recruiter_id=interviewer.id)
    role = roles.create_role(session, title="Role", actor_id=None, recruiter_id=recruiter.id)
    assert role.recruiter == recruiter


def test_create_role_from_template_uses_the_template_and_overrides(session):
    role = roles.create_role_from_template(session, "ml-engineer", actor_id=None, team="Search")
    template = next(t for t in list_templates() if t.key == "ml-engineer")
    assert (role.template_key, role.loop_name, role.team) == (
        "ml-engineer",
        template.loop_name,
        "Search",
    )
    assert role.title == template.title and role.must_have == list(template.must_have)
    assert role.status == RoleStatus.DRAFT and len(role.stages) == len(DEFAULT_STAGES)
    with pytest.raises(NotFoundError):
        roles.create_role_from_template(session, "astronaut", actor_id=None)


def test_templates_cover_the_seven_roles_with_every_field():
    templates = {t.key: t for t in list_templates()}
    assert set(templates) == {
        "ml-engineer",
        "research-scientist",
        "data-scientist",
        "data-engineer",
        "applied-scientist",
        "mlops-platform-engineer",
        "ai-product-manager",
    }
    for template in templates.values():
        assert template.loop_name and template.description
        assert all(template.jd()[name] for name in template.jd() if name != "links")
        assert len(template.must_have) <= 6


GOOD_TEMPLATE = """
ml-engineer:
  title: ML Engineer
  description: Ships models.
  loop_name: "ML loop: screen, coding"
  summary: Ship models.
  use_cases: Search.
  must_have: [Python]
  nice_to_have: [Rust]
  tech_stack: [PyTorch]
  day_to_day: Build.
  interview_process: Three rounds.
  links: []
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("ml-engineer:", "ML Engineer:"), "lowercase words joined by hyphens"),
        (lambda t: t.replace("  day_to_day: Build.\n", ""), "missing \\['day_to_day'\\]"),
        (lambda t: t.replace("  links: []", "  links: []\n  salary: lots"), "unknown \\['salary'\\]"),
        (lambda t: t.replace("links: []", "links: [ftp://example.org]"), "not a web address"),
        (lambda t: t.replace("must_have: [Python]", "must_have: []"), "must_have must not be empty"),
        (lambda t: t.replace('loop_name: "ML loop: screen, coding"', "loop_name: ''"), "loop_name"),
        (lambda t: t.replace("summary: Ship models.", "summary: [a, b]"), "Summary must be text"),
        (lambda t: t + "\n  : broken: [", "not valid YAML"),
    ],
)
def test_malformed_templates_are_refused_with_the_template_named(change, message):
    assert parse_templates(GOOD_TEMPLATE)["ml-engineer"].must_have == ("Python",)
    with pytest.raises(TemplateError, match=message):
        parse_templates(change(GOOD_TEMPLATE), source="jd_templates.yaml")


def test_status_moves_follow_the_lifecycle_and_refuse_others(session):
    role = roles.create_role(session, title="Role", actor_id=None, summary="Build.", must_have=["ML"])
    with pytest.raises(DomainError, match="draft cannot become filled; it can become: open, closed"):
        roles.change_role_status(session, role, RoleStatus.FILLED, actor_id=None)
    roles.change_role_status(session, role, RoleStatus.OPEN, actor_id=None)
    first_opened = role.opened_at
    assert role.status == RoleStatus.OPEN and first_opened is not None
    roles.change_role_status(session, role, RoleStatus.ON_HOLD, actor_id=None)
    roles.change_role_status(session, role, RoleStatus.OPEN, actor_id=None)
    assert role.opened_at == first_opened, "opened_at records the first opening"
    roles.change_role_status(session, role, RoleStatus.FILLED, actor_id=None)
    with pytest.raises(DomainError, match="that status is final"):
        roles.change_role_status(session, role, RoleStatus.OPEN, actor_id=None)
    assert actions(session, role.id).count("role.status_changed") == 4


def test_a_role_opens_only_with_a_reviewed_jd(session):
    empty = roles.create_role(session, title="Empty", actor_id=None)
    with pytest.raises(DomainError, match="summary and at least one must-have"):
        roles.change_role_status(session, empty, RoleStatus.OPEN, actor_id=None)
    drafted = roles.create_role(session, title="Drafted", actor_id=None, summary="S", must_have=["M"])
    drafted.jd_is_llm_draft = True
    with pytest.raises(DomainError, match="unreviewed LLM draft"):
        roles.change_role_status(session, drafted, RoleStatus.OPEN, actor_id=None)
    roles.update_role(session, drafted, actor_id=None, summary="Reviewed summary.")
    assert drafted.jd_is_llm_draft is False
    roles.change_role_status(session, drafted, RoleStatus.OPEN, actor_id=None)
    assert drafted.status == RoleStatus.OPEN


def test_update_role_audits_what_changed_only(session):
    role = roles.create_role(session, title="Role", actor_id=None, team="A")
    roles.update_role(session, role, actor_id=None, team="A", location="Paris")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "role.updated")).one()
    assert (event.before, event.after) == ({"location": ""}, {"location": "Paris"})
    roles.update_role(session, role, actor_id=None, team="A")
    assert actions(session, role.id) == ["role.created", "role.updated"]


def test_panel_takes_interviewers_only(session):
    role = roles.create_role(session, title="Role", actor_id=None)
    interviewer = create_test_user(roles=[Role.INTERVIEWER])
    recruiter = create_test_user(roles=[Role.RECRUITER])
    with pytest.raises(DomainError, match="interviewer role"):
        roles.set_role_interviewers(session, role, [recruiter.id], actor_id=None)
    roles.set_role_interviewers(session, role, [interviewer.id, interviewer.id], actor_id=None)
    assert role.interviewers == [interviewer]
    roles.set_role_interviewers(session, role, [interviewer.id], actor_id=None)  # no change, no event
    roles.set_role_interviewers(session, role, [], actor_id=None)
    assert role.interviewers == []
    assert actions(session, role.id).count("role.panel_changed") == 2


def test_stages_can_be_added_renamed_and_reordered_but_end_stages_stay(session):
    role = roles.create_role(session, title="Role", actor_id=None)
    roles.add_role_stage(session, role, "Take-home", actor_id=None)
    names = stage_names(role)
    assert names[-4:] == ["Take-home", "Hired", "Rejected", "Withdrawn"]
    take_home = next(s for s in role.stages if s.name == "Take-home")
    roles.move_role_stage(session, take_home, -1, actor_id=None)
    assert stage_names(role)[-5:-3] == ["Take-home", "Offer"]
    roles.rename_role_stage(session, take_home, "Paid take-home", actor_id=None)
    assert "Paid take-home" in stage_names(role)
    lead = next(s for s in role.stages if s.name == "Lead")
    with pytest.raises(DomainError, match="already the first"):
        roles.move_role_stage(session, lead, -1, actor_id=None)
    hired = next(s for s in role.stages if s.name == "Hired")
    with pytest.raises(DomainError, match="end stage"):
        roles.rename_role_stage(session, hired, "Signed", actor_id=None)
    with pytest.raises(DomainError, match="end stage"):
        roles.remove_role_stage(session, hired, actor_id=None)
    with pytest.raises(ConflictError, match="already has a stage called “offer”"):
        roles.rename_role_stage(session, lead, "offer", actor_id=None)
    assert lead.name == "Lead"
    assert actions(session, role.id).count("role.stages_changed") == 3
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "role.stages_changed").order_by(AuditEvent.id)
    ).first()
    assert "Take-home" not in event.before["stages"] and "Take-home" in event.after["stages"]


def test_a_stage_is_removed_only_when_no_application_is_or_was_in_it(session):
    role = create_role()
    application = create_application(role=role, stage_name="Applied")
    applied = application.stage
    with pytest.raises(DomainError, match="1 application is in Applied"):
        roles.remove_role_stage(session, applied, actor_id=None)
    screen = next(s for s in role.stages if s.name == "Recruiter screen")
    application.history.append(StageChange(from_stage=applied, to_stage=screen))
    application.stage = screen
    session.flush()
    with pytest.raises(DomainError, match="history refers to it"):
        roles.remove_role_stage(session, applied, actor_id=None)
    contacted = next(s for s in role.stages if s.name == "Contacted")
    roles.remove_role_stage(session, contacted, actor_id=None)
    assert "Contacted" not in stage_names(role)
    assert [s.position for s in sorted(role.stages, key=lambda s: s.position)] == list(
        range(len(role.stages))
    )


def test_the_last_active_stage_stays(session):
    role = roles.create_role(session, title="Role", actor_id=None)
    active = [s for s in role.stages if not s.kind.terminal]
    for stage in active[:-1]:
        roles.remove_role_stage(session, stage, actor_id=None)
    with pytest.raises(DomainError, match="at least one active stage"):
        roles.remove_role_stage(session, active[-1], actor_id=None)


def test_markdown_export_has_the_public_jd_only_and_escapes_html(session):
    recruiter = create_test_user(roles=[Role.RECRUITER], name="Rita Recruiter")
    role = roles.create_role(
        session,
        title="ML Engineer",
        actor_id=None,
        team="Search",
        location="Berlin",
        recruiter_id=recruiter.id,
        headcount=3,
        summary=f"Ship models. {XSS}",
        must_have=["Python", "PyTorch"],
        links=["https://example.org/post"],
    )
    text = roles.jd_markdown(role)
    assert text.startswith("# ML Engineer\n\n*Search · Berlin*\n")
    assert "## Must-have skills\n\n- Python\n- PyTorch\n" in text
    assert "- https://example.org/post" in text
    assert "\\<script\\>" in text and "<script>" not in text
    assert "Rita" not in text and "Headcount" not in text and "## Day to day" not in text


# ---------------------------------------------------------------- pages


def signed_in(app, client, *grants: Role, **overrides):
    with app.app_context():
        user = create_test_user(roles=grants, **overrides)
        get_session().commit()
    sign_in(client, user.email)
    return user


def add_role(app, **fields) -> int:
    with app.app_context():
        role = create_role(**fields)
        get_session().commit()
        return role.id


def load_role(app, role_id: int) -> JobRole:
    with app.app_context():
        role = get_session().get(JobRole, role_id)
        _ = (role.stages, role.interviewers)
        return role


def test_create_a_role_from_a_template_through_the_pages(app, client, no_csrf):
    manager = signed_in(app, client, Role.HIRING_MANAGER)
    picker = client.get("/hiring/roles/templates").get_data(as_text=True)
    assert all(t.title in picker for t in list_templates())
    assert "/hiring/roles/new/research-scientist" in picker

    form = client.get("/hiring/roles/new/data-scientist").get_data(as_text=True)
    assert "Designing and reading A/B tests" in form and "Data scientist loop" in form
    assert "No issues found" in form, "our own template passes our checks"

    response = client.post(
        "/hiring/roles/new/data-scientist",
        data={
            "title": "Data Scientist, Growth",
            "headcount": "2",
            "hiring_manager_id": str(manager.id),
            "recruiter_id": "0",
            "loop_name": "DS loop",
            "summary": "Measure what matters.",
            "must_have": "SQL\nStatistics",
            "links": "https://example.org/talk",
        },
    )
    assert response.status_code == 302
    role_id = int(response.headers["Location"].rsplit("/", 1)[1])
    role = load_role(app, role_id)
    assert (role.template_key, role.loop_name, role.status) == (
        "data-scientist",
        "DS loop",
        RoleStatus.DRAFT,
    )
    assert role.must_have == ["SQL", "Statistics"] and role.hiring_manager_id == manager.id
    assert len(role.stages) == len(DEFAULT_STAGES)
    assert client.get("/hiring/roles/new/astronaut").status_code == 404


def test_edit_with_validation_errors_changes_nothing(app, client, no_csrf):
    signed_in(app, client, Role.RECRUITER)
    role_id = add_role(app, status=RoleStatus.DRAFT, team="Search")
    response = client.post(
        f"/hiring/roles/{role_id}/edit",
        data={"title": "", "headcount": "0", "team": "Changed", "links": "ftp://nope"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Give the role a title." in page and "Headcount must be at least 1." in page
    assert "is not a web address" in page
    assert load_role(app, role_id).team == "Search"

    good = client.post(
        f"/hiring/roles/{role_id}/edit",
        data={"title": "Renamed", "headcount": "1", "team": "Changed", "must_have": "A\nB"},
    )
    assert good.status_code == 302
    role = load_role(app, role_id)
    assert (role.title, role.team, role.must_have) == ("Renamed", "Changed", ["A", "B"])


def test_edit_page_and_detail_page_show_jd_checks(app, client, no_csrf):
    signed_in(app, client, Role.HIRING_MANAGER)
    role_id = add_role(
        app, summary="We want a rockstar with 10+ years of PyTorch.", must_have=["Python"]
    )
    for url in (f"/hiring/roles/{role_id}", f"/hiring/roles/{role_id}/edit"):
        page = client.get(url).get_data(as_text=True)
        assert "JD checks" in page and "rockstar" in page and "skilled, experienced" in page
        assert "PyTorch was first released in 2016" in page


def test_status_changes_through_the_pages_including_refused_ones(app, client, no_csrf):
    signed_in(app, client, Role.RECRUITER)
    role_id = add_role(app, status=RoleStatus.DRAFT)
    refused = client.post(
        f"/hiring/roles/{role_id}/status", data={"status": "filled"}, follow_redirects=True
    )
    assert "A role that is draft cannot become filled" in refused.get_data(as_text=True)
    assert load_role(app, role_id).status == RoleStatus.DRAFT

    opened = client.post(
        f"/hiring/roles/{role_id}/status", data={"status": "open"}, follow_redirects=True
    )
    assert "is now open" in opened.get_data(as_text=True)
    role = load_role(app, role_id)
    assert role.status == RoleStatus.OPEN and role.opened_at is not None
    nonsense = client.post(f"/hiring/roles/{role_id}/status", data={"status": "archived"})
    assert nonsense.status_code == 302 and load_role(app, role_id).status == RoleStatus.OPEN


def test_public_page_shows_open_roles_only_without_internal_fields(app, client):
    with app.app_context():
        recruiter = create_test_user(roles=[Role.RECRUITER], name="Rita Recruiter")
        open_role = create_role(recruiter=recruiter, headcount=7, loop_name="Secret loop")
        draft = create_role(status=RoleStatus.DRAFT)
        closed = create_role(status=RoleStatus.CLOSED)
        get_session().commit()
    page = client.get(f"/hiring/careers/{open_role.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and open_role.title in text and "Train, evaluate" in text
    assert "Rita" not in text and "Headcount" not in text and "Secret loop" not in text
    assert client.get(f"/hiring/careers/{draft.id}").status_code == 404
    assert client.get(f"/hiring/careers/{closed.id}").status_code == 404
    assert client.get("/hiring/careers/999999").status_code == 404


def test_markdown_export_is_a_download(app, client, no_csrf):
    signed_in(app, client, Role.HIRING_MANAGER)
    role_id = add_role(app, title="Applied Scientist (NLP)", tech_stack=["Python", "spaCy"])
    response = client.get(f"/hiring/roles/{role_id}/jd.md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="applied-scientist-nlp-jd.md"'
    )
    text = response.get_data(as_text=True)
    assert text.startswith("# Applied Scientist (NLP)") and "## Tech stack\n\n- Python\n- spaCy" in text


def test_interviewers_read_only_the_roles_whose_panel_they_are_on(app, client, no_csrf):
    interviewer = signed_in(app, client, Role.INTERVIEWER)
    with app.app_context():
        on_panel = create_role()
        on_panel.interviewers.append(get_session().merge(interviewer))
        elsewhere = create_role()
        get_session().commit()
    page = client.get(f"/hiring/roles/{on_panel.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "JD checks" not in text and "Edit" not in text and "Draft with LLM" not in text
    assert client.get(f"/hiring/roles/{on_panel.id}/jd.md").status_code == 200
    assert client.get(f"/hiring/roles/{elsewhere.id}").status_code == 403
    assert client.get(f"/hiring/roles/{elsewhere.id}/jd.md").status_code == 403
    assert client.get(f"/hiring/roles/{on_panel.id}/edit").status_code == 403


def test_hiring_managers_choose_the_panel_and_recruiters_cannot(app, client, no_csrf):
    with app.app_context():
        interviewer = create_test_user(roles=[Role.INTERVIEWER], name="Ivy Interviewer")
        get_session().commit()
    role_id = add_role(app)
    signed_in(app, client, Role.RECRUITER)
    assert client.get(f"/hiring/roles/{role_id}/panel").status_code == 403
    client.post("/logout")
    signed_in(app, client, Role.HIRING_MANAGER)
    assert "Ivy Interviewer" in client.get(f"/hiring/roles/{role_id}/panel").get_data(as_text=True)
    response = client.post(
        f"/hiring/roles/{role_id}/panel", data={"interviewer_ids": [str(interviewer.id)]}
    )
    assert response.status_code == 302
    assert [u.id for u in load_role(app, role_id).interviewers] == [interviewer.id]
    with app.app_context():
        assert actions(get_session(), role_id) == ["role.panel_changed"]


def test_stage_pages_add_rename_and_refuse_removing_a_used_stage(app, client, no_csrf):
    signed_in(app, client, Role.RECRUITER)
    with app.app_context():
        role = create_role()
        application = create_application(role=role, stage_name="Applied")
        applied_id, role_id = application.stage_id, role.id
        get_session().commit()
    assert "Recruiter screen" in client.get(f"/hiring/roles/{role_id}/stages").get_data(as_text=True)
    client.post(f"/hiring/roles/{role_id}/stages", data={"name": "Take-home"})
    added = next(s for s in load_role(app, role_id).stages if s.name == "Take-home")
    client.post(f"/hiring/roles/stages/{added.id}/rename", data={"name": "Paid take-home"})
    client.post(f"/hiring/roles/stages/{added.id}/move", data={"direction": "up"})
    refused = client.post(f"/hiring/roles/stages/{applied_id}/delete", follow_redirects=True)
    assert "1 application is in Applied" in refused.get_data(as_text=True)
    removed = client.post(f"/hiring/roles/stages/{added.id}/delete", follow_redirects=True)
    assert "Stage “Paid take-home” removed." in removed.get_data(as_text=True)
    assert stage_names(load_role(app, role_id)) == [name for name, _kind in DEFAULT_STAGES]
    empty = client.post(f"/hiring/roles/{role_id}/stages", data={"name": " "}, follow_redirects=True)
    assert "Give the stage a name." in empty.get_data(as_text=True)


def test_role_list_filters_by_status_and_has_an_empty_state(app, client, no_csrf):
    signed_in(app, client, Role.HIRING_MANAGER)
    with app.app_context():
        held = create_role(title="Held role", status=RoleStatus.ON_HOLD)
        create_role(title="Open role")
        get_session().commit()
    page = client.get("/hiring/roles?status=on_hold").get_data(as_text=True)
    assert held.title in page and "Open role" not in page
    assert "No filled roles." in client.get("/hiring/roles?status=filled").get_data(as_text=True)
    assert "Open role" in client.get("/hiring/roles?status=bogus").get_data(as_text=True)


def test_html_in_the_jd_is_escaped_on_detail_and_public_pages(app, client, no_csrf):
    signed_in(app, client, Role.HIRING_MANAGER)
    role_id = add_role(
        app,
        title=f"Engineer {XSS}",
        summary=XSS,
        must_have=[XSS],
        tech_stack=["<img src=x onerror=alert(1)>"],
        links=["javascript:alert(1)", "https://example.org/ok"],
    )
    for url in (f"/hiring/roles/{role_id}", f"/hiring/careers/{role_id}"):
        text = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(&#39;jd&#39;)&lt;/script&gt;" in text
        assert 'href="javascript:' not in text and 'href="https://example.org/ok"' in text


def test_the_board_link_shows_when_the_board_exists(app, client, no_csrf):
    signed_in(app, client, Role.HIRING_MANAGER)
    role_id = add_role(app)
    page = client.get(f"/hiring/roles/{role_id}").get_data(as_text=True)
    assert ("Pipeline board" in page) == ("hiring.board" in app.view_functions)


def test_the_interviews_page_lists_the_panels_an_interviewer_is_on(client, app, no_csrf):
    with app.app_context():
        interviewer = create_test_user(roles=[Role.INTERVIEWER])
        on_panel = create_role(title="Panel <b>role</b>")
        on_panel.interviewers.append(interviewer)
        create_role(title="Someone else's role")
        get_session().commit()
    sign_in(client, interviewer.email)
    page = client.get("/interviews/").get_data(as_text=True)
    assert "Panel &lt;b&gt;role&lt;/b&gt;" in page
    assert f"/hiring/roles/{on_panel.id}/board" in page
    assert "Someone else" not in page
