"""Loop templates: the coverage rules, syncing the library, a role's loop (copy, edits, publishing,
audit) and the pages, including who may see and edit them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

import interviews.views.loops  # noqa: F401  (registers the routes until interviews/views imports it)
from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from core.errors import ConflictError, DomainError
from hiring.models import JobRole
from interviews.library import load_all_templates
from interviews.models import BlindMode, LoopTemplate, RoundKind, TemplateStatus, TieBreak
from interviews.services import loop_edits, loop_rounds
from interviews.services.coverage import RoundFacts, check_coverage, coverage_report
from interviews.services.templates import (
    create_role_loop,
    list_library_templates,
    publish_loop,
    role_loop,
    suggested_template,
    sync_library_templates,
)
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_role
from tests.support.interview_factories import create_loop_template
from tests.support.rubric_factories import create_question

XSS = "<script>alert('loop')</script>"
ML_DEPTH = {"key": "ml-depth", "title": "ML depth", "must_haves": ["PyTorch"]}
ENGINEERING = {"key": "engineering", "title": "Engineering", "must_haves": ["Python"]}


def facts(title: str, *competencies: str, questions: int = 1, interviewers: int | None = None):
    return RoundFacts(
        title=title,
        kind=RoundKind.OTHER,
        competencies=competencies,
        questions=questions,
        interviewers=interviewers,
    )


def loop_actions(session, template: LoopTemplate) -> list[str]:
    statement = (
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "loop_template", AuditEvent.object_id == str(template.id))
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(statement))


def role_with_panel(*panel, **fields) -> JobRole:
    role = create_role(**fields)
    role.interviewers.extend(panel)
    get_session().flush()
    return role


def started_loop(session, role: JobRole) -> LoopTemplate:
    """The role's loop, copied from a library template with two rounds covering both competencies."""
    return create_role_loop(session, role, create_loop_template(), actor_id=None)


# ---------------------------------------------------------------- coverage rules


def test_a_competency_in_fewer_than_two_rounds_is_an_error():
    report = check_coverage(
        [ML_DEPTH, ENGINEERING],
        [facts("Theory", "ml-depth", "engineering"), facts("Coding", "ml-depth")],
    )
    assert report.errors == (
        "“Engineering” is assessed in 1 round (“Theory”); every competency needs at least 2.",
    )
    assert not report.ok
    rows = {row.key: row for row in report.matrix}
    assert rows["ml-depth"].cells == (True, True) and rows["ml-depth"].level == "covered"
    assert rows["engineering"].cells == (True, False) and rows["engineering"].level == "thin"


def test_two_rounds_per_competency_pass_and_a_competency_in_no_round_is_missing():
    covered = check_coverage([ML_DEPTH], [facts("A", "ml-depth"), facts("B", "ml-depth")])
    assert covered.ok and covered.errors == ()
    missing = check_coverage([ML_DEPTH, ENGINEERING], [facts("A", "ml-depth"), facts("B", "ml-depth")])
    assert missing.matrix[1].level == "missing"
    assert "“Engineering” is assessed in 0 rounds;" in missing.errors[0]


def test_no_rounds_and_unknown_competencies_are_errors():
    empty = check_coverage([ML_DEPTH], [])
    assert any("no rounds" in error for error in empty.errors)
    unknown = check_coverage([ML_DEPTH], [facts("A", "ml-depth", "charisma"), facts("B", "ml-depth")])
    assert unknown.errors == (
        "Round 1 “A” lists “charisma”, which is not one of the loop's competencies.",
    )
    assert any("no competencies" in e for e in check_coverage([], [facts("A")]).errors)


def test_an_unmapped_jd_must_have_is_a_warning_not_an_error():
    report = check_coverage(
        [ML_DEPTH],
        [facts("A", "ml-depth"), facts("B", "ml-depth")],
        must_haves=["  pytorch ", "Kubernetes"],  # case and spaces do not matter
    )
    assert report.ok
    assert report.unmapped_must_haves == ("Kubernetes",)
    assert report.warnings == ("The JD must-have “Kubernetes” is not mapped to any competency.",)
    assert report.must_haves == (("  pytorch ", ("ML depth",)), ("Kubernetes", ()))


def test_rounds_without_questions_or_interviewers_and_stale_mappings_are_warnings():
    report = check_coverage(
        [ML_DEPTH],
        [facts("A", "ml-depth", questions=0, interviewers=0), facts("B", "ml-depth", interviewers=1)],
        must_haves=[],
    )
    assert report.ok
    assert report.warnings == (
        "Round 1 “A” has no questions from the question bank.",
        "Round 1 “A” has no interviewers yet.",
        "“ML depth” maps “PyTorch”, which is not among the JD's must-haves.",
    )


def test_a_role_loop_is_checked_against_its_role_jd_and_panel(session):
    outsider = create_test_user(roles=[Role.INTERVIEWER], name="Olga Outsider")
    role = role_with_panel(must_have=["Python", "PyTorch", "SQL"])
    loop = started_loop(session, role)
    loop.rounds[0].interviewers.append(outsider)
    loop.tie_break = TieBreak.BAR_RAISER_VETO
    report = coverage_report(loop)
    assert report.ok
    assert report.unmapped_must_haves == ("SQL",)
    assert "Round 2 “Coding” has no interviewers yet." in report.warnings
    assert (
        "Olga Outsider interviews in round 1 “ML theory” but is not on the role's panel."
        in report.warnings
    )
    assert "The tie-break rule is a bar-raiser veto, but no bar raiser is chosen." in report.warnings


# ---------------------------------------------------------------- library and role loops


def test_sync_is_idempotent_and_updates_changed_templates_in_place(session):
    specs = load_all_templates()  # read once: the files are the same for both syncs
    first = sync_library_templates(session, actor_id=None, specs=specs)
    assert first.packs_loaded and len(first.created) == len(specs)
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    second = sync_library_templates(session, actor_id=None, specs=specs)
    assert (second.created, second.updated, second.packs_loaded) == ((), (), False)
    assert set(second.unchanged) == set(first.created)
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert len(list_library_templates(session)) == len(first.created)

    template = next(t for t in list_library_templates(session) if t.slug == "ml-engineer-loop")
    round_ids = [r.id for r in template.rounds]
    template.title = "Edited by hand"
    template.rounds[0].competencies = []
    third = sync_library_templates(session, actor_id=None, specs=specs)
    assert third.updated == ("ml-engineer-loop",)
    assert template.title == "Machine learning engineer loop"
    assert [r.id for r in template.rounds] == round_ids  # running loops keep pointing at them
    shorter = [replace(s, rounds=s.rounds[:-1]) if s.slug == template.slug else s for s in specs]
    assert sync_library_templates(session, actor_id=None, specs=shorter).updated == (template.slug,)
    assert [r.id for r in template.rounds] == round_ids[:-1]
    assert loop_actions(session, template) == [
        "loop_template.created",
        "loop_template.updated",
        "loop_template.updated",
    ]


def test_a_role_loop_is_a_draft_copy_and_only_one_per_role(session):
    sync_library_templates(session, actor_id=None)
    library = list_library_templates(session)
    role = role_with_panel(template_key="data-engineer")
    suggested = suggested_template(library, role)
    assert suggested.slug == "data-engineer-loop"
    assert role_loop(session, role) is None
    manager = create_test_user(roles=[Role.HIRING_MANAGER])
    loop = create_role_loop(session, role, suggested, actor_id=manager.id)
    assert role_loop(session, role) is loop
    assert (loop.slug, loop.status, loop.role_id) == (f"role-{role.id}", TemplateStatus.DRAFT, role.id)
    assert loop.competencies == suggested.competencies
    assert [(r.kind, r.title, r.question_ids) for r in loop.rounds] == [
        (r.kind, r.title, r.question_ids) for r in suggested.rounds
    ]
    assert {r.id for r in loop.rounds}.isdisjoint(r.id for r in suggested.rounds)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "loop.created")).one()
    assert event.actor_id == manager.id and event.after["from_template"] == "data-engineer-loop"
    with pytest.raises(ConflictError, match="already has an interview loop"):
        create_role_loop(session, role, suggested, actor_id=None)
    with pytest.raises(DomainError, match="library template"):
        create_role_loop(session, create_role(), loop, actor_id=None)


def test_publishing_is_blocked_by_errors_and_allowed_with_warnings(session):
    role = role_with_panel(must_have=["Python", "PyTorch", "Kubernetes"])
    loop = started_loop(session, role)
    loop_rounds.remove_loop_round(session, loop.rounds[1], actor_id=None)
    with pytest.raises(DomainError, match=r"1\) “ML depth” is assessed in 1 round") as refused:
        publish_loop(session, loop, actor_id=None)
    assert "2) “Engineering” is assessed in 1 round" in refused.value.message
    assert loop.status == TemplateStatus.DRAFT
    loop_rounds.add_loop_round(
        session,
        loop,
        kind="coding",
        title="Pairing",
        competencies=["ml-depth", "engineering"],
        actor_id=None,
    )
    report = publish_loop(session, loop, actor_id=None)
    assert loop.status == TemplateStatus.PUBLISHED and loop.published_at is not None
    assert "The JD must-have “Kubernetes” is not mapped to any competency." in report.warnings
    assert loop_actions(session, loop)[-1] == "loop.published"
    with pytest.raises(ConflictError, match="already published"):
        publish_loop(session, loop, actor_id=None)


def test_every_edit_is_audited(session):
    ivy = create_test_user(roles=[Role.INTERVIEWER], name="Ivy")
    role = role_with_panel(ivy, must_have=["Python", "PyTorch", "Clear writing"])
    loop = started_loop(session, role)
    question = create_question()
    loop_edits.update_loop_settings(
        session,
        loop,
        blind_mode=BlindMode.ALWAYS,
        tie_break=TieBreak.BAR_RAISER_VETO,
        bar_raiser_id=ivy.id,
        offer_approver_role="hiring_manager",
        actor_id=None,
    )
    added = loop_edits.add_loop_competency(
        session, loop, title="Written communication", must_haves=["clear writing"], actor_id=None
    )
    assert "at least two rounds" in added.message
    assert loop.competencies[-1] == {
        "key": "written-communication",
        "title": "Written communication",
        "description": "",
        "must_haves": ["Clear writing"],
    }
    loop_edits.update_loop_competency(
        session,
        loop,
        "written-communication",
        title="Writing",
        must_haves=["Clear writing"],
        actor_id=None,
    )
    loop_rounds.add_loop_round(
        session,
        loop,
        kind="behavioural",
        title="Behavioural",
        duration_minutes=30,
        competencies=["written-communication"],
        question_ids=[question.id],
        interviewer_ids=[ivy.id],
        actor_id=None,
    )
    behavioural = loop.rounds[-1]
    loop_rounds.update_loop_round(
        session,
        behavioural,
        kind="behavioural",
        title="Values",
        duration_minutes=45,
        competencies=["written-communication", "engineering"],
        question_ids=[question.id],
        interviewer_ids=[ivy.id],
        actor_id=None,
    )
    loop_rounds.move_loop_round(session, behavioural, -1, actor_id=None)
    assert [r.title for r in loop.rounds] == ["ML theory", "Values", "Coding"]
    assert [r.position for r in loop.rounds] == [0, 1, 2]
    loop_edits.remove_loop_competency(session, loop, "written-communication", actor_id=None)
    assert loop.rounds[1].competencies == ["engineering"]
    loop_rounds.remove_loop_round(session, loop.rounds[1], actor_id=None)
    assert loop_actions(session, loop) == [
        "loop.created",
        "loop.settings_changed",
        "loop.competency_added",
        "loop.competency_updated",
        "loop.round_added",
        "loop.round_updated",
        "loop.round_moved",
        "loop.competency_removed",
        "loop.round_removed",
    ]
    assert (loop.blind_mode, loop.bar_raiser_id, loop.offer_approver_role) == (
        BlindMode.ALWAYS,
        ivy.id,
        "hiring_manager",
    )
    # Saving what is already there is no change and no event.
    assert (
        "Nothing changed"
        in loop_edits.update_loop_settings(
            session,
            loop,
            blind_mode="always",
            tie_break="bar_raiser_veto",
            bar_raiser_id=ivy.id,
            offer_approver_role="hiring_manager",
            actor_id=None,
        ).message
    )
    assert len(loop_actions(session, loop)) == 9


def test_an_edit_that_breaks_coverage_sends_a_published_loop_back_to_draft(session):
    role = role_with_panel()
    loop = started_loop(session, role)
    publish_loop(session, loop, actor_id=None)
    fine = loop_rounds.update_loop_round(
        session,
        loop.rounds[1],
        kind="coding",
        title="Live coding",
        duration_minutes=60,
        competencies=["engineering", "ml-depth"],
        actor_id=None,
    )
    assert not fine.unpublished and loop.status == TemplateStatus.PUBLISHED
    broken = loop_rounds.remove_loop_round(session, loop.rounds[1], actor_id=None)
    assert broken.unpublished and loop.status == TemplateStatus.DRAFT
    assert (
        "went back to draft" in broken.message and "“ML depth” is assessed in 1 round" in broken.message
    )
    assert loop_actions(session, loop)[-2:] == ["loop.round_removed", "loop.unpublished"]


def test_edits_are_checked_against_the_loop_and_the_panel(session):
    ivy = create_test_user(roles=[Role.INTERVIEWER])
    stranger = create_test_user(roles=[Role.INTERVIEWER])
    loop = started_loop(session, role_with_panel(ivy))
    with pytest.raises(DomainError, match="bar-raiser veto needs a bar raiser"):
        loop_edits.update_loop_settings(
            session, loop, blind_mode="never", tie_break="bar_raiser_veto", bar_raiser_id=None,
            offer_approver_role="admin", actor_id=None,
        )  # fmt: skip
    with pytest.raises(DomainError, match="role's panel"):
        loop_edits.update_loop_settings(
            session, loop, blind_mode="never", tie_break="hiring_manager", bar_raiser_id=stranger.id,
            offer_approver_role="admin", actor_id=None,
        )  # fmt: skip
    with pytest.raises(DomainError, match="role's panel"):
        loop_rounds.add_loop_round(
            session, loop, kind="coding", title="X", interviewer_ids=[stranger.id], actor_id=None
        )
    with pytest.raises(DomainError, match="not one of the loop's competencies"):
        loop_rounds.add_loop_round(
            session, loop, kind="coding", title="X", competencies=["nope"], actor_id=None
        )
    with pytest.raises(DomainError, match="5 to 480 minutes"):
        loop_rounds.add_loop_round(
            session, loop, kind="coding", title="X", duration_minutes=2, actor_id=None
        )
    with pytest.raises(DomainError, match="not a must-have of the role's JD"):
        loop_edits.add_loop_competency(session, loop, title="Taste", must_haves=["Opera"], actor_id=None)
    with pytest.raises(DomainError, match="already has a competency"):
        loop_edits.add_loop_competency(session, loop, title="ml DEPTH", actor_id=None)
    with pytest.raises(DomainError, match="already the first round"):
        loop_rounds.move_loop_round(session, loop.rounds[0], -1, actor_id=None)
    with pytest.raises(DomainError, match="Library templates"):
        loop_edits.add_loop_competency(session, create_loop_template(), title="Taste", actor_id=None)
    assert loop_actions(session, loop) == ["loop.created"]


# ---------------------------------------------------------------- pages


def signed_in(app, client, *grants: Role, **overrides):
    with app.app_context():
        user = create_test_user(roles=grants, **overrides)
        get_session().commit()
    sign_in(client, user.email)
    return user


def test_a_hiring_manager_starts_edits_and_publishes_a_role_loop(app, client, no_csrf):
    signed_in(app, client, Role.HIRING_MANAGER)
    with app.app_context():
        ivy = create_test_user(roles=[Role.INTERVIEWER], name="Ivy Interviewer")
        role = role_with_panel(ivy, template_key="ml-engineer")
        get_session().commit()
        role_id, ivy_id = role.id, ivy.id
    url = f"/interviews/roles/{role_id}/loop"
    empty = client.get(url).get_data(as_text=True)
    assert "Load the shipped loop templates" in empty
    client.post("/interviews/templates/sync", data={"role_id": role_id})
    start = client.get(url).get_data(as_text=True)
    assert "Start the role's loop" in start and "suggested" in start
    with app.app_context():
        suggested = next(
            t for t in list_library_templates(get_session()) if t.slug == "ml-engineer-loop"
        )
        assert f'<option selected value="{suggested.id}">' in start
        template_id = suggested.id
    assert client.post(url, data={"template_id": template_id}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "coverage-matrix" in page and "Publish the loop" in page and "ML fundamentals" in page
    assert "Loops already running for candidates copied their rounds" in page

    with app.app_context():
        loop = role_loop(get_session(), get_session().get(JobRole, role_id))
        first_round, coding = loop.rounds[0].id, loop.rounds[3].id
    client.post(
        f"{url}/rounds/update?round={first_round}",
        data={
            f"round-{first_round}-kind": "screen",
            f"round-{first_round}-title": XSS,
            f"round-{first_round}-duration_minutes": "30",
            f"round-{first_round}-competencies": ["communication"],
            f"round-{first_round}-interviewer_ids": [str(ivy_id)],
        },
    )
    page = client.get(url).get_data(as_text=True)
    assert XSS not in page and "&lt;script&gt;alert(" in page
    assert "Ivy Interviewer" in page
    removed = client.post(f"{url}/rounds/remove?round={coding}", data={}, follow_redirects=True)
    assert "Round “Coding” removed." in removed.get_data(as_text=True)
    blocked = client.post(f"{url}/publish", follow_redirects=True).get_data(as_text=True)
    assert "cannot be published" in blocked and "“ML fundamentals” is assessed in 1 round" in blocked
    with app.app_context():
        assert (
            role_loop(get_session(), get_session().get(JobRole, role_id)).status == TemplateStatus.DRAFT
        )
    client.post(
        f"{url}/rounds",
        data={
            "new-round-kind": "coding",
            "new-round-title": "Pairing",
            "new-round-duration_minutes": "45",
            "new-round-competencies": ["engineering", "ml-fundamentals"],
        },
    )
    published = client.post(f"{url}/publish", follow_redirects=True).get_data(as_text=True)
    assert "The loop is published" in published
    with app.app_context():
        loop = role_loop(get_session(), get_session().get(JobRole, role_id))
        assert loop.status == TemplateStatus.PUBLISHED
        assert [r.title for r in loop.rounds][-1] == "Pairing"


def test_a_bad_edit_through_the_page_changes_nothing_and_says_why(app, client, no_csrf):
    signed_in(app, client, Role.HIRING_MANAGER)
    with app.app_context():
        loop = started_loop(get_session(), role_with_panel())
        get_session().commit()
        role_id, round_id = loop.role_id, loop.rounds[0].id
    url = f"/interviews/roles/{role_id}/loop"
    response = client.post(
        f"{url}/rounds/update?round={round_id}",
        data={
            f"round-{round_id}-kind": "coding",
            f"round-{round_id}-title": "",
            f"round-{round_id}-duration_minutes": "45",
        },
        follow_redirects=True,
    )
    assert "Give the round a title." in response.get_data(as_text=True)
    gone = client.post(
        f"{url}/rounds/move?round=999999", data={"direction": "up"}, follow_redirects=True
    )
    assert "not part of this loop" in gone.get_data(as_text=True)
    with app.app_context():
        assert loop_actions(get_session(), get_session().get(LoopTemplate, loop.id)) == ["loop.created"]


def test_a_post_without_the_csrf_token_is_refused(app, client, monkeypatch):
    with app.app_context():
        user = create_test_user(roles=[Role.HIRING_MANAGER])
        loop = started_loop(get_session(), role_with_panel())
        get_session().commit()
        role_id = loop.role_id
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    sign_in(client, user.email)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/interviews/roles/{role_id}/loop/publish")
    assert response.status_code == 400
    with app.app_context():
        assert get_session().get(LoopTemplate, loop.id).status == TemplateStatus.DRAFT


def test_recruiters_and_panel_interviewers_view_the_role_loop_read_only(app, client, no_csrf):
    with app.app_context():
        ivy = create_test_user(roles=[Role.INTERVIEWER])
        other = create_test_user(roles=[Role.INTERVIEWER])
        loop = started_loop(get_session(), role_with_panel(ivy))
        get_session().commit()
        role_id = loop.role_id
    url = f"/interviews/roles/{role_id}/loop"
    signed_in(app, client, Role.RECRUITER)
    page = client.get(url)
    assert page.status_code == 200 and "coverage-matrix" in page.get_data(as_text=True)
    assert "Save the settings" not in page.get_data(as_text=True)
    assert client.post(f"{url}/publish").status_code == 403
    assert client.get("/interviews/templates").status_code == 200
    client.post("/logout")
    sign_in(client, ivy.email)
    page = client.get(url).get_data(as_text=True)
    assert "ML theory" in page and "Edit this round" not in page and "Publish the loop" not in page
    assert client.get("/interviews/templates").status_code == 403
    assert client.post(f"{url}/rounds", data={"new-round-title": "Mine"}).status_code == 403
    client.post("/logout")
    sign_in(client, other.email)
    assert client.get(url).status_code == 403


def test_the_library_pages_show_templates_and_their_coverage(app, client, no_csrf):
    signed_in(app, client, Role.HIRING_MANAGER)
    assert "No loop templates in the library yet" in client.get("/interviews/templates").get_data(
        as_text=True
    )
    client.post("/interviews/templates/sync")
    listing = client.get("/interviews/templates").get_data(as_text=True)
    assert "Data engineer loop" in listing and "complete" in listing
    with app.app_context():
        template = next(
            t for t in list_library_templates(get_session()) if t.slug == "data-scientist-loop"
        )
        template_id = template.id
        role_id = started_loop(get_session(), role_with_panel()).role_id
        role_loop_id = role_loop(get_session(), get_session().get(JobRole, role_id)).id
        get_session().commit()
    detail = client.get(f"/interviews/templates/{template_id}").get_data(as_text=True)
    assert "Fluent SQL on large tables, including window functions" in detail
    assert "Introduce yourself" in detail and "coverage-matrix" in detail
    redirect = client.get(f"/interviews/templates/{role_loop_id}")
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith(
        f"/roles/{role_id}/loop"
    )
