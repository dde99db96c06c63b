"""Funnel analytics against a hand-computed fixture, the all-roles view, empty data, the pages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from core.auth import Role
from core.db import get_session
from core.errors import DomainError, NotFoundError
from hiring.models import (
    Application,
    CandidateSource,
    JobRole,
    RoleStage,
    StageChange,
    StageKind,
)
from hiring.services.analytics import csv_cell, export_csv, funnel_report, merge_orders, summary_lines
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_candidate, create_role

START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def add_history(role: JobRole, steps: list[tuple[str, float]], **candidate: object) -> Application:
    """An application that moved through ``steps`` [(stage name, days after START)], in order."""
    stages = {stage.name: stage for stage in role.stages}
    times = [START + timedelta(days=offset) for _name, offset in steps]
    application = Application(
        role=role,
        candidate=create_candidate(**candidate),
        stage=stages[steps[-1][0]],
        created_at=times[0],
        stage_entered_at=times[-1],
    )
    previous = None
    for (name, _offset), at in zip(steps, times, strict=True):
        application.history.append(
            StageChange(from_stage=previous, to_stage=stages[name], created_at=at)
        )
        previous = stages[name]
    get_session().add(application)
    get_session().flush()
    return application


def build_fixture() -> JobRole:
    """One role with the default stages (Lead 0, Contacted 1, Applied 2, Recruiter screen 3,
    Technical screen 4, Onsite loop 5, Debrief 6, Offer 7; Hired, Rejected, Withdrawn) and eight
    applications. Day offsets are from START; "skips" mark forward moves past a stage.

    A1 referral  Applied 0 → RS 2 → TS 5 → Onsite 12 → Debrief 14 → Hired 20 (skips Offer)
    A2 applied   Applied 0 → RS 4 → Rejected 6.5
    A3 sourced   Lead 0 → Contacted 1 → Applied 3 → RS 4 → TS 10 → Onsite 20 → Offer 30
                 (skips Debrief) → Hired 50
    A4 agency    Applied 0 → TS 3 (skips RS) → Onsite 8 → Withdrawn 9
    A5 applied   Applied 0 → RS 1 → TS 3 → Onsite 6 → Debrief 8 → Offer 10 → Hired 11
    A6 event     Applied 0 (still there)
    A7 referral  Applied 0 → RS 2 → TS 4 (still there)
    A8 referral  Lead 0 → Contacted 2 (still there)
    """
    role = create_role(title="Research Engineer")
    add_history(role, [("Applied", 0), ("Recruiter screen", 2), ("Technical screen", 5),
                       ("Onsite loop", 12), ("Debrief", 14), ("Hired", 20)],
                name="Ada A1", source=CandidateSource.REFERRAL)  # fmt: skip
    add_history(role, [("Applied", 0), ("Recruiter screen", 4), ("Rejected", 6.5)],
                name="Bo A2", source=CandidateSource.APPLIED)  # fmt: skip
    add_history(role, [("Lead", 0), ("Contacted", 1), ("Applied", 3), ("Recruiter screen", 4),
                       ("Technical screen", 10), ("Onsite loop", 20), ("Offer", 30), ("Hired", 50)],
                name="Cy A3", source=CandidateSource.SOURCED)  # fmt: skip
    add_history(role, [("Applied", 0), ("Technical screen", 3), ("Onsite loop", 8), ("Withdrawn", 9)],
                name="Di A4", source=CandidateSource.AGENCY)  # fmt: skip
    add_history(role, [("Applied", 0), ("Recruiter screen", 1), ("Technical screen", 3),
                       ("Onsite loop", 6), ("Debrief", 8), ("Offer", 10), ("Hired", 11)],
                name="Ed A5", source=CandidateSource.APPLIED)  # fmt: skip
    add_history(role, [("Applied", 0)], name="Flo A6", source=CandidateSource.EVENT)
    add_history(role, [("Applied", 0), ("Recruiter screen", 2), ("Technical screen", 4)],
                name="Gus A7", source=CandidateSource.REFERRAL)  # fmt: skip
    add_history(role, [("Lead", 0), ("Contacted", 2)], name="Hal A8", source=CandidateSource.REFERRAL)
    return role


def stage_table(report) -> dict[str, tuple]:
    return {s.name: (s.reached, s.passed, s.rate, s.current) for s in report.stages}


def test_pass_through_per_stage_matches_the_hand_count(session):
    report = funnel_report(session, build_fixture().id)
    # reached (with skips): Lead A3 A8 | Contacted A3 A8 | Applied A1-A7 | RS A1 A2 A3 A4* A5 A7 |
    # TS A1 A3 A4 A5 A7 | Onsite A1 A3 A4 A5 | Debrief A1 A3* A5 | Offer A1* A3 A5 | Hired A1 A3 A5
    # passed = also reached a later active stage or Hired; current = there now.
    assert stage_table(report) == {
        "Lead": (2, 2, 1.0, 0),
        "Contacted": (2, 1, 0.5, 1),  # A8 stayed
        "Applied": (7, 6, 6 / 7, 1),  # A6 stayed
        "Recruiter screen": (6, 5, 5 / 6, 0),  # A2 rejected there
        "Technical screen": (5, 4, 0.8, 1),  # A7 still there
        "Onsite loop": (4, 3, 0.75, 0),  # A4 withdrew
        "Debrief": (3, 3, 1.0, 0),
        "Offer": (3, 3, 1.0, 0),
        "Hired": (3, None, None, 3),
    }
    assert [s.name for s in report.stages][:3] == ["Lead", "Contacted", "Applied"]
    assert all(s.roles == 1 for s in report.stages)
    assert (report.applications, report.in_progress, report.hired) == (8, 3, 3)
    assert (report.rejected, report.withdrawn, report.title) == (1, 1, "Research Engineer")


def test_median_time_in_stage_leaves_out_open_stays(session):
    report = funnel_report(session, build_fixture().id)
    # Completed stays in days: Lead A3 1, A8 2 → 1.5 | Contacted A3 2 (A8 open) | Applied A1 2, A2 4,
    # A3 1, A4 3, A5 1, A7 2 → [1,1,2,2,3,4] → 2 (A6 open) | RS A1 3, A2 2.5, A3 6, A5 2, A7 2 → 2.5 |
    # TS A1 7, A3 10, A4 5, A5 3 → 6 (A7 open) | Onsite A1 2, A3 10, A4 1, A5 2 → 2 |
    # Debrief A1 6, A5 2 → 4 | Offer A3 20, A5 1 → 10.5
    assert {s.name: (s.median_days, s.completed, s.current) for s in report.stages} == {
        "Lead": (1.5, 2, 0),
        "Contacted": (2.0, 1, 1),
        "Applied": (2.0, 6, 1),
        "Recruiter screen": (2.5, 5, 0),
        "Technical screen": (6.0, 4, 1),
        "Onsite loop": (2.0, 4, 0),
        "Debrief": (4.0, 2, 0),
        "Offer": (10.5, 2, 0),
        "Hired": (None, 0, 3),
    }


def test_time_to_hire_median_mean_and_count(session):
    tth = funnel_report(session, build_fixture().id).time_to_hire
    # A5 11 days, A1 20, A3 50 → median 20, mean 81 / 3 = 27; 2 of 3 within 45 days.
    assert [(h.candidate_name, h.days) for h in tth.hires] == [
        ("Ed A5", 11.0),
        ("Ada A1", 20.0),
        ("Cy A3", 50.0),
    ]
    assert (tth.count, tth.median_days, tth.mean_days) == (3, 20.0, 27.0)
    assert (tth.reference_days, tth.within_reference) == (45, 2)
    assert tth.hires[0].entered_at == START and tth.hires[0].hired_at == START + timedelta(days=11)


def test_source_effectiveness(session):
    report = funnel_report(session, build_fixture().id)
    # applied A2 A5: onsite A5, hired A5 | sourced A3: onsite, hired | referral A1 A7 A8: onsite A1,
    # hired A1 | event A6: neither | agency A4: onsite (then withdrew), not hired
    assert {
        s.source: (s.applications, s.reached_onsite, s.onsite_rate, s.hires, s.hire_rate)
        for s in report.sources
    } == {
        CandidateSource.APPLIED: (2, 1, 0.5, 1, 0.5),
        CandidateSource.SOURCED: (1, 1, 1.0, 1, 1.0),
        CandidateSource.REFERRAL: (3, 1, 1 / 3, 1, 1 / 3),
        CandidateSource.EVENT: (1, 0, 0.0, 0, 0.0),
        CandidateSource.AGENCY: (1, 1, 1.0, 0, 0.0),
    }
    assert report.without_onsite_stage == 0


def test_backward_moves_and_reentry_count_each_stay(session):
    role = create_role()
    # Applied 0 → Technical screen 2 (skips RS) → back to Recruiter screen 3 → Technical screen 5
    # → Rejected 6: TS reached once, RS reached (skip and later stay), two TS stays of 1 day each.
    add_history(role, [("Applied", 0), ("Technical screen", 2), ("Recruiter screen", 3),
                       ("Technical screen", 5), ("Rejected", 6)])  # fmt: skip
    report = funnel_report(session, role.id)
    rows = {s.name: s for s in report.stages}
    assert (rows["Recruiter screen"].reached, rows["Recruiter screen"].passed) == (1, 1)
    assert (rows["Technical screen"].reached, rows["Technical screen"].passed) == (1, 0)
    # Two stays in Technical screen, 1 day each (2 → 3 and 5 → 6).
    assert (rows["Technical screen"].median_days, rows["Technical screen"].completed) == (1.0, 2)
    assert rows["Recruiter screen"].median_days == 2.0  # 3 → 5
    assert rows["Onsite loop"].reached == 0 and report.rejected == 1


def test_overall_view_adds_up_stages_by_name_across_roles(session):
    engineer = create_role(title="ML Engineer")  # the default stages
    custom = create_role(
        title="Research Scientist",
        stages=[
            RoleStage(name=name, position=index, kind=kind)
            for index, (name, kind) in enumerate(
                [("Applied", StageKind.ACTIVE), ("Take-home", StageKind.ACTIVE),
                 ("Onsite loop", StageKind.ACTIVE), ("Offer", StageKind.ACTIVE),
                 ("Hired", StageKind.HIRED), ("Rejected", StageKind.REJECTED)]
            )
        ],
    )  # fmt: skip
    add_history(engineer, [("Applied", 0), ("Recruiter screen", 1), ("Rejected", 3)])  # X1
    add_history(
        engineer, [("Applied", 0), ("Onsite loop", 5), ("Hired", 10)]
    )  # X2 skips RS, TS, Debrief, Offer
    add_history(
        custom, [("Applied", 0), ("Take-home", 2), ("Onsite loop", 4), ("Offer", 6), ("Hired", 16)]
    )  # Y1
    add_history(custom, [("Applied", 0)])  # Y2

    report = funnel_report(session, None)
    assert (report.title, report.roles, report.applications) == ("All roles", 2, 4)
    # Each role's order is kept; Take-home (only in Research Scientist) sits between Applied and Onsite.
    assert [s.name for s in report.stages] == [
        "Lead", "Contacted", "Applied", "Recruiter screen", "Technical screen", "Take-home",
        "Onsite loop", "Debrief", "Offer", "Hired",
    ]  # fmt: skip
    rows = {s.name: s for s in report.stages}
    # Applied: X1 X2 Y1 Y2 reached, all but Y2 passed; stays X1 1, X2 5, Y1 2 → median 2.
    assert (rows["Applied"].roles, rows["Applied"].reached, rows["Applied"].passed) == (2, 4, 3)
    assert (rows["Applied"].rate, rows["Applied"].median_days, rows["Applied"].current) == (0.75, 2.0, 1)
    # Recruiter screen: X1 (stayed 2 days, then rejected) and X2 (skipped past): 1 of 2 passed.
    assert (rows["Recruiter screen"].roles, rows["Recruiter screen"].reached) == (1, 2)
    assert (rows["Recruiter screen"].rate, rows["Recruiter screen"].median_days) == (0.5, 2.0)
    assert (rows["Take-home"].roles, rows["Take-home"].reached, rows["Take-home"].rate) == (1, 1, 1.0)
    # Onsite loop: X2 5 days, Y1 2 days → median 3.5; Offer: X2 skipped, Y1 stayed 10 days.
    assert (rows["Onsite loop"].reached, rows["Onsite loop"].median_days) == (2, 3.5)
    assert (rows["Offer"].roles, rows["Offer"].reached, rows["Offer"].median_days) == (2, 2, 10.0)
    assert (rows["Lead"].reached, rows["Lead"].rate) == (0, None)
    assert (rows["Hired"].roles, rows["Hired"].reached, rows["Hired"].current) == (2, 2, 2)
    # Time to hire: X2 10 days, Y1 16 days.
    tth = report.time_to_hire
    assert (tth.count, tth.median_days, tth.mean_days) == (2, 13.0, 13.0)
    assert {h.role_title for h in tth.hires} == {"ML Engineer", "Research Scientist"}
    applied = next(s for s in report.sources if s.source is CandidateSource.APPLIED)
    assert (applied.applications, applied.reached_onsite, applied.hires) == (4, 2, 2)

    only_custom = funnel_report(session, custom.id)
    assert [s.name for s in only_custom.stages] == [
        "Applied",
        "Take-home",
        "Onsite loop",
        "Offer",
        "Hired",
    ]
    assert only_custom.applications == 2 and only_custom.time_to_hire.median_days == 16.0


def test_merge_orders_keeps_agreement_and_survives_conflicts():
    assert merge_orders([["a", "b", "d"], ["a", "c", "d"]]) == ["a", "b", "c", "d"]
    assert merge_orders([["a", "b"], ["b", "a"]]) == ["a", "b"]  # a conflict: first seen wins
    assert merge_orders([]) == []


def test_roles_without_onsite_stage_are_reported(session):
    role = create_role(
        stages=[
            RoleStage(name="Applied", position=0),
            RoleStage(name="Hired", position=1, kind=StageKind.HIRED),
        ]
    )
    add_history(role, [("Applied", 0), ("Hired", 30)])
    report = funnel_report(session, role.id)
    assert report.without_onsite_stage == 1
    assert sum(s.reached_onsite for s in report.sources) == 0
    assert report.time_to_hire.median_days == 30.0


def test_empty_data(session):
    role = create_role(title="Nobody yet")
    report = funnel_report(session, role.id)
    assert report.applications == 0 and report.time_to_hire.count == 0
    assert report.time_to_hire.median_days is None and report.time_to_hire.mean_days is None
    assert all(s.reached == 0 and s.rate is None and s.median_days is None for s in report.stages)
    assert all(s.applications == 0 and s.hire_rate is None for s in report.sources)
    assert summary_lines(report) == [
        "Funnel for Nobody yet: 0 application(s) in 1 role(s); "
        "0 in progress, 0 hired, 0 rejected, 0 withdrawn."
    ]


def test_unknown_role_is_not_found(session):
    with pytest.raises(NotFoundError, match="does not exist"):
        funnel_report(session, 987654)


def test_summary_lines_give_the_key_figures(session):
    lines = summary_lines(funnel_report(session, build_fixture().id))
    assert lines == [
        "Funnel for Research Engineer: 8 application(s) in 1 role(s); "
        "3 in progress, 3 hired, 1 rejected, 1 withdrawn.",
        "Lowest pass-through: Contacted, 50% (1 of 2).",
        "Slowest stage: Offer, median 10.5 days over 2 completed stay(s).",
        "Time to hire: median 20.0 days, mean 27.0 days over 3 hire(s); 2 within 45 days.",
        "Best source by hire rate: Sourced, 1 of 1 (100%); onsite 1 (100%).",
    ]


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_of_each_table(session):
    report = funnel_report(session, build_fixture().id)
    stages = read_csv(export_csv(report, "stages"))
    assert stages[0][:6] == ["stage", "kind", "roles", "reached", "passed", "pass_through_rate"]
    assert ["Applied", "active", "1", "7", "6", "0.8571", "1", "2.0", "6"] in stages
    assert ["Hired", "hired", "1", "3", "", "", "3", "", "0"] in stages
    sources = read_csv(export_csv(report, "sources"))
    assert sources[0] == [
        "source",
        "applications",
        "reached_onsite",
        "onsite_rate",
        "hires",
        "hire_rate",
    ]
    assert ["referral", "3", "1", "0.3333", "1", "0.3333"] in sources
    hires = read_csv(export_csv(report, "time_to_hire"))
    assert [row[1:3] + row[5:] for row in hires[1:]] == [
        ["Ed A5", "Research Engineer", "11.0"],
        ["Ada A1", "Research Engineer", "20.0"],
        ["Cy A3", "Research Engineer", "50.0"],
    ]
    with pytest.raises(DomainError, match="Choose a table"):
        export_csv(report, "salaries")


def test_csv_cells_that_look_like_formulas_are_neutralised(session):
    assert [csv_cell(v) for v in ("=SUM(A1)", "+1", "-2", "@cmd", "plain", 3, None)] == [
        "'=SUM(A1)", "'+1", "'-2", "'@cmd", "plain", 3, "",
    ]  # fmt: skip
    role = create_role(title='=HYPERLINK("http://evil.example")')
    add_history(role, [("Applied", 0), ("Hired", 9)], name="@Mallory")
    hires = read_csv(export_csv(funnel_report(session, role.id), "time_to_hire"))
    assert hires[1][1:3] == ["'@Mallory", '\'=HYPERLINK("http://evil.example")']


# Pages ----------------------------------------------------------------------------------------


def signed_in(client, app, role: Role = Role.RECRUITER, build=None):
    with app.app_context():
        user = create_test_user(roles=[role])
        built = build() if build else None
        result = built.id if built is not None else None
        get_session().commit()
    sign_in(client, user.email)
    return result


def test_role_page_shows_charts_and_tables(client, app, no_csrf):
    role_id = signed_in(client, app, build=build_fixture)
    page = client.get(f"/hiring/roles/{role_id}/analytics")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") == 4
    for chart in ("chart-funnel", "chart-stage-time", "chart-time-to-hire", "chart-sources"):
        assert f'<title id="{chart}-title">' in html
    assert "45-day reference" in html and "7 reached · 86% passed" in html
    assert "<td>Ed A5</td>" in html and '<td class="num">86%</td>' in html
    assert f"/hiring/analytics.csv?role_id={role_id}&amp;table=stages" in html
    assert "style=" not in html  # the CSP forbids inline styles


def test_overall_page_role_selector_and_empty_state(client, app, no_csrf):
    role_id = signed_in(
        client, app, role=Role.HIRING_MANAGER, build=lambda: create_role(title="Quiet role")
    )
    overall = client.get("/hiring/analytics")
    assert overall.status_code == 200
    html = overall.get_data(as_text=True)
    assert f'<option value="{role_id}">Quiet role</option>' in html
    chosen = client.get(f"/hiring/analytics?role_id={role_id}")
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith(
        f"/hiring/roles/{role_id}/analytics"
    )
    empty = client.get(f"/hiring/roles/{role_id}/analytics").get_data(as_text=True)
    assert "No applications for this role yet" in empty and "<svg" not in empty
    assert client.get("/hiring/analytics?role_id=abc").status_code == 400
    assert client.get("/hiring/roles/987654/analytics").status_code == 404


def test_csv_download(client, app, no_csrf):
    role_id = signed_in(client, app, build=build_fixture)
    response = client.get(f"/hiring/analytics.csv?role_id={role_id}&table=sources")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"] == f'attachment; filename="funnel-{role_id}-sources.csv"'
    )
    rows = read_csv(response.get_data(as_text=True))
    assert rows[0][0] == "source" and ["agency", "1", "1", "1.0", "0", "0.0"] in rows
    overall = read_csv(client.get("/hiring/analytics.csv").get_data(as_text=True))
    assert overall[0][0] == "stage" and any(row[0] == "Applied" for row in overall[1:])
    assert client.get("/hiring/analytics.csv?table=salaries").status_code == 400


def test_interviewer_is_refused(client, app, no_csrf):
    role_id = signed_in(client, app, role=Role.INTERVIEWER, build=build_fixture)
    assert client.get("/hiring/analytics").status_code == 403
    assert client.get(f"/hiring/roles/{role_id}/analytics").status_code == 403
    assert client.get(f"/hiring/analytics.csv?role_id={role_id}").status_code == 403


def test_stage_names_are_escaped_on_the_page(client, app, no_csrf):
    def build():
        role = create_role(
            title="<b>Role</b>",
            stages=[RoleStage(name="<script>alert(1)</script>", position=0),
                    RoleStage(name="Hired", position=1, kind=StageKind.HIRED)],
        )  # fmt: skip
        add_history(role, [("<script>alert(1)</script>", 0), ("Hired", 3)], name="<img src=x>")
        return role

    role_id = signed_in(client, app, build=build)
    html = client.get(f"/hiring/roles/{role_id}/analytics").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x>" not in html and "<b>Role</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
