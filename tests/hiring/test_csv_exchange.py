"""CSV exchange: formula guard, candidate and application exports, the applications import."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from core.errors import DomainError
from hiring.models import Application, Candidate, CandidateSource, JobRole, RoleStatus, StageChange
from hiring.services.application_import import (
    RowAction,
    import_applications_csv,
    preview_applications_csv,
)
from hiring.services.candidates import list_candidates
from hiring.services.csv_exchange import (
    APPLICATION_EXPORT_COLUMNS,
    CANDIDATE_COLUMNS,
    export_applications_csv,
    export_candidates_csv,
    guard_cell,
    unguard_cell,
    write_csv,
)
from hiring.services.importers import parse_candidates_csv
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_application, create_candidate, create_role


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def count(model) -> int:
    return get_session().scalar(select(func.count()).select_from(model))


def audit_events(action: str) -> list[AuditEvent]:
    return list(get_session().scalars(select(AuditEvent).where(AuditEvent.action == action)))


# ---------------------------------------------------------------- formula guard


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ('Ada <b>&</b> "Lovelace", 1', 'Ada <b>&</b> "Lovelace", 1'),
        ("'quoted", "'quoted"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_guard_cell_prefixes_formula_starts_and_nothing_else(cell, written):
    assert guard_cell(cell) == written
    if cell is not None and not isinstance(cell, int):
        assert unguard_cell(written) == cell, "the importers undo the guard exactly"


def test_write_csv_guards_every_cell_and_quotes_only_what_csv_needs():
    text = write_csv(("a", "b"), [["=1+1", 'say "hi", <b>']])
    assert text == 'a,b\r\n\'=1+1,"say ""hi"", <b>"\r\n'


# ---------------------------------------------------------------- candidates export


def test_candidate_export_reimports_cleanly(session):
    tricky = create_candidate(
        name='=HYPERLINK("http://evil")',
        emails=["ada@example.org", "ada.l@example.org"],
        phones=["+44 20 7946 0000"],
        location="London, UK",
        headline='Says "hi", <b>bold</b>',
        links=["https://github.com/ada", "https://ada.dev"],
        skills=["Python", "PyTorch"],
        tags=["senior", "ml"],
        source=CandidateSource.REFERRAL,
        referrer_name="Charles Babbage",
    )
    plain = create_candidate(name="Grace Hopper", emails=[], skills=[])

    text, exported = export_candidates_csv(session, actor_id=None)

    assert exported == count_listed(session)
    assert "'=HYPERLINK" in text and "'+44 20 7946 0000" in text, "formula starts are guarded"
    assert "<b>bold</b>" in text, "nothing else is escaped"
    parsed = {row.name: row for row in parse_candidates_csv(text).rows}
    assert all(row.valid for row in parsed.values())
    again = parsed[tricky.name].fields
    assert again["emails"] == tricky.emails and again["phones"] == tricky.phones
    assert again["links"] == tricky.links and again["skills"] == tricky.skills
    assert again["tags"] == tricky.tags
    assert (again["location"], again["headline"]) == (tricky.location, tricky.headline)
    assert (again["source"], again["referrer_name"]) == (CandidateSource.REFERRAL, "Charles Babbage")
    assert parsed[plain.name].fields["emails"] == []


def count_listed(session, **filters) -> int:
    return list_candidates(session, page=1, per_page=1, **filters).total


def test_candidate_export_follows_the_list_filters_and_is_audited(session):
    create_candidate(name="Prospect Pat", is_prospect=True, tags=["ml"])
    create_candidate(name="Applicant Al", is_prospect=False, tags=["ml"])
    create_candidate(name="Prospect Untagged", is_prospect=True)

    text, exported = export_candidates_csv(session, actor_id=None, prospects=True, tag="ml")

    assert [row["name"] for row in rows_of(text)] == ["Prospect Pat"]
    assert exported == 1 == count_listed(session, prospects=True, tag="ml")
    assert list(rows_of(text)[0]) == list(CANDIDATE_COLUMNS)
    (event,) = audit_events("candidates.exported")
    assert event.summary == "Exported 1 candidate(s) to CSV"
    assert event.after == {"count": 1, "kind": "prospects", "searched": False, "tag": True}


def test_candidate_export_download(client, app, recruiter):
    with app.app_context():
        create_candidate(name="Findable Person", emails=["findable@example.org"])
        create_candidate(name="Someone Else")
        get_session().commit()

    response = client.get("/hiring/candidates/export.csv?q=findable")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="candidates-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = rows_of(response.get_data(as_text=True))
    assert [(r["name"], r["email"]) for r in rows] == [("Findable Person", "findable@example.org")]
    with app.app_context():
        (event,) = audit_events("candidates.exported")
        assert event.actor_id == recruiter.id
        text = f"{event.summary} {event.after}"
        assert "findable" not in text.lower() and "Findable" not in text, "no personal data"


def test_interviewers_get_no_bulk_export(client, app, no_csrf):
    with app.app_context():
        user = create_test_user(roles=[Role.INTERVIEWER])
        role = create_role()
        role.interviewers.append(user)
        get_session().commit()
        role_id = role.id
    sign_in(client, user.email)
    assert client.get(f"/hiring/roles/{role_id}/board").status_code == 200, "they see the board"
    assert client.get("/hiring/candidates/export.csv").status_code == 403
    assert client.get(f"/hiring/applications/export.csv?role_id={role_id}").status_code == 403
    board = client.get(f"/hiring/roles/{role_id}/board").get_data(as_text=True)
    assert "export.csv" not in board


# ---------------------------------------------------------------- applications export


def test_application_export_per_role_and_for_all_roles(session):
    role = create_role(title="Data Scientist")
    other = create_role(title="=Other")
    rejected = create_application(
        role=role,
        candidate=create_candidate(name="Rita Rejected", emails=["rita@example.org"]),
        stage_name="Rejected",
        rejection_reason="-not a fit",
    )
    create_application(role=role, stage_name="Applied")
    create_application(role=other, stage_name="Offer")

    text, exported = export_applications_csv(session, actor_id=None, role=role)

    rows = rows_of(text)
    assert exported == 2 and list(rows[0]) == list(APPLICATION_EXPORT_COLUMNS)
    assert [r["stage"] for r in rows] == ["Applied", "Rejected"], "in funnel order"
    rita = rows[1]
    assert (rita["candidate_name"], rita["candidate_email"], rita["role"]) == (
        "Rita Rejected",
        "rita@example.org",
        "Data Scientist",
    )
    assert rita["rejection_reason"] == "'-not a fit"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rita["entered_stage_at"])
    assert rita["candidate_id"] == str(rejected.candidate_id) and rita["source"] == "applied"

    everything, total = export_applications_csv(session, actor_id=None)
    assert total == count(Application) and "'=Other" in everything
    events = audit_events("applications.exported")
    assert sorted(e.summary for e in events) == [
        f"Exported 2 application(s) of {role.title} to CSV",
        f"Exported {total} application(s) of all roles to CSV",
    ]


def test_application_export_download(client, app, recruiter):
    with app.app_context():
        application = create_application()
        get_session().commit()
        role_id = application.role_id
    response = client.get(f"/hiring/applications/export.csv?role_id={role_id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"applications-role-{role_id}-" in response.headers["Content-Disposition"]
    assert len(rows_of(response.get_data(as_text=True))) == 1
    assert client.get("/hiring/applications/export.csv?role_id=999999").status_code == 404


# ---------------------------------------------------------------- applications import


@pytest.fixture
def world(session):
    role = create_role(title="ML Engineer")
    create_role(title="Old Role", status=RoleStatus.CLOSED)
    create_role(title="Twin"), create_role(title="Twin")
    new = create_candidate(name="New Nina", emails=["nina@example.org"])
    mover = create_candidate(name="Moving Mo", emails=["mo@example.org"])
    application = create_application(role=role, candidate=mover, stage_name="Applied")
    for name in ("Dee", "Rex", "Ray"):
        create_application(
            role=role,
            candidate=create_candidate(name=name, emails=[f"{name.lower()}@example.org"]),
            stage_name="Applied",
        )
    create_candidate(name="Hal", emails=["hal@example.org"])
    return {"role": role, "new": new, "mover": mover, "application": application}


def test_preview_says_what_each_row_would_do(session, world):
    role, new = world["role"], world["new"]
    text = (
        "candidate_email,candidate_id,role_id,role,stage,note\n"
        f"nina@example.org,,{role.id},,,\n"  # 2 create at the default stage
        "MO@example.org,,,ml engineer,Technical screen,\n"  # 3 move
        "ghost@example.org,,,ML Engineer,,\n"  # 4 unknown candidate
        f",{new.id},,No Such Role,,\n"  # 5 unknown role
        f"nina@example.org,,{role.id},,Lunch,\n"  # 6 unknown stage, and twice in the file
        "dee@example.org,,,ML Engineer,Applied,\n"  # 7 duplicate application
        "nina@example.org,,,Old Role,,\n"  # 8 closed role
        "hal@example.org,,,Twin,,\n"  # 9 ambiguous title
        f"rex@example.org,,{role.id},,Rejected,\n"  # 10 rejected without a note
        f"hal@example.org,,{role.id},,Hired,\n"  # 11 a new application at a closed stage
        f"ray@example.org,,{role.id},,Rejected,Not a fit\n"  # 12 move to rejected with a reason
        f"x@example.org,{new.id},{role.id},,,\n"  # 13 id and email disagree
    )
    before = (count(Application), count(StageChange), count(AuditEvent))

    preview = preview_applications_csv(session, text)

    assert (count(Application), count(StageChange), count(AuditEvent)) == before, "a dry run"
    rows = {row.line: row for row in preview.rows}
    assert rows[2].action is RowAction.CREATE
    assert rows[2].message == "will be added to ML Engineer at Applied"
    assert rows[3].action is RowAction.MOVE and rows[3].candidate == "Moving Mo"
    assert rows[3].message == "will move from Applied to Technical screen"
    assert rows[12].action is RowAction.MOVE and rows[12].note == "Not a fit"
    expected_errors = {
        4: "Unknown candidate: no candidate has the email ghost@example.org.",
        5: "Unknown role: no role is called “No Such Role”.",
        6: "Duplicate application: New Nina and ML Engineer are also on line 2 of this file.",
        7: "Duplicate application: Dee is already in ML Engineer at Applied.",
        8: "The role Old Role is closed: only open or on-hold roles take new candidates.",
        9: "2 roles are called “Twin”: use role_id.",
        10: "Moving to Rejected needs a reason in the note column.",
        11: "Hired is not an active stage: add candidates at one, then move them.",
        13: f"Candidate #{new.id} does not have the email x@example.org.",
    }
    for line, message in expected_errors.items():
        assert rows[line].action is RowAction.ERROR and message in rows[line].errors, line
    assert any(e.startswith("Unknown stage: ML Engineer has no stage “Lunch”") for e in rows[6].errors)
    assert (preview.count(RowAction.CREATE), preview.count(RowAction.MOVE)) == (1, 2)
    assert len(preview.error_rows) == len(expected_errors)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("role,stage\nX,Applied\n", "The first line must be the header: candidate_email"),
        ("candidate_email,salary\na@example.org,1\n", "Unknown columns: salary"),
        ("candidate_email,role\n", "no rows"),
    ],
)
def test_applications_csv_file_level_errors(session, text, message):
    with pytest.raises(DomainError, match=message):
        preview_applications_csv(session, text)


def test_a_large_file_is_looked_up_in_batches_and_odd_ids_are_row_errors(session, world):
    emails = [f"nobody{n}@example.org" for n in range(600)]
    text = "candidate_email,candidate_id,role\n" + "".join(f"{e},,ML Engineer\n" for e in emails)
    text += ",²,ML Engineer\n,99999999999999,ML Engineer\nmo@example.org,,ML Engineer\n"

    rows = preview_applications_csv(session, text).rows

    assert len(rows) == 603
    assert all(row.errors[0].startswith("Unknown candidate") for row in rows[:600])
    assert rows[600].errors == ("The candidate_id “²” is not a candidate number.",)
    assert rows[601].errors == ("The candidate_id “99999999999999” is not a candidate number.",)
    assert "already in ML Engineer" in rows[602].errors[0], "one real match among many misses"
    too_many = "candidate_email\n" + "".join(f"{e}\n" for e in emails * 4)
    with pytest.raises(DomainError, match="at most 2000 rows"):
        preview_applications_csv(session, too_many)


def test_import_writes_valid_rows_through_the_pipeline_with_audit(session, world):
    role, application = world["role"], world["application"]
    text = (
        "candidate_email,stage,note\n"
        "nina@example.org,,\n"
        "mo@example.org,Rejected,Not a fit\n"
        "ghost@example.org,,\n"
    )
    created, moved, preview = import_applications_csv(session, text, actor_id=None, default_role=role)

    assert [a.candidate.name for a in created] == ["New Nina"]
    assert created[0].stage.name == "Applied"
    assert [change.to_stage.name for change in moved] == ["Rejected"]
    assert application.stage.name == "Rejected" and application.rejection_reason == "Not a fit"
    assert len(preview.error_rows) == 1
    assert len(audit_events("application.created")) == 1
    assert len(audit_events("application.rejected")) == 1
    (summary,) = audit_events("applications.imported")
    assert summary.after == {"created": 1, "moved": 1, "skipped": 1}


def test_an_edited_export_reimports_as_moves(session, world):
    role = world["role"]
    text, _ = export_applications_csv(session, actor_id=None, role=role)
    preview = preview_applications_csv(session, text)
    assert len(preview.rows) == 4
    assert all(row.action is RowAction.ERROR for row in preview.rows), "unchanged: already there"
    edited = "\r\n".join(
        line.replace(",Applied,", ",Offer,") if "mo@example.org" in line else line
        for line in text.split("\r\n")
    )
    moves = [row for row in preview_applications_csv(session, edited).rows if row.valid]
    assert [(row.candidate, row.action, row.message) for row in moves] == [
        ("Moving Mo", RowAction.MOVE, "will move from Applied to Offer")
    ]


def preview_page(client, text: str, role_id: int | str = 0):
    return client.post(
        "/hiring/applications/import/csv",
        data={"file": (io.BytesIO(text.encode()), "applications.csv"), "role_id": str(role_id)},
        content_type="multipart/form-data",
    )


def kept_text(page: str) -> str:
    found = re.search(r'<textarea[^>]*name="csv_text"[^>]*>\r?\n(.*?)</textarea>', page, re.S)
    return unescape(found.group(1))


def test_dry_run_then_confirm_rechecks_the_data(client, app, recruiter):
    with app.app_context():
        role = create_role(title="Platform Engineer")
        create_candidate(name="New Nina", emails=["nina@example.org"])
        late = create_candidate(name="Late Larry", emails=["larry@example.org"])
        get_session().commit()
        role_id, late_id = role.id, late.id
    text = "candidate_email,stage\nnina@example.org,\nlarry@example.org,Offer\nghost@example.org,\n"

    preview = preview_page(client, text, role_id)

    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "2 row(s) will add a candidate to a role" in page
    assert "Unknown candidate" in page and "Platform Engineer" in page
    assert kept_text(page) == text, "the CSV travels unchanged to the confirm step"
    with app.app_context():
        assert count(Application) == 0, "nothing is written by the preview"
        # The data changes between preview and confirm: Larry is added by someone else.
        session = get_session()
        create_application(role=session.get(JobRole, role_id), candidate=session.get(Candidate, late_id))
        get_session().commit()

    confirm = client.post(
        "/hiring/applications/import/csv/confirm", data={"csv_text": text, "role_id": str(role_id)}
    )

    assert confirm.status_code == 302 and confirm.headers["Location"].endswith(f"/roles/{role_id}/board")
    board = client.get(confirm.headers["Location"]).get_data(as_text=True)
    assert "Added 1 application(s) and moved 1; skipped 1 row(s) with problems." in board
    with app.app_context():
        stages = {a.candidate.name: a.stage.name for a in get_session().scalars(select(Application))}
        assert stages == {"New Nina": "Applied", "Late Larry": "Offer"}, "re-validated: now a move"


def test_upload_problems_are_form_errors_and_keep_the_form(client, app, recruiter):
    with app.app_context():
        role = create_role(title="Kept Role")
        get_session().commit()
        role_id = role.id
    for data, message in [
        (b"candidate_email\n\xff\xfe", "not valid UTF-8"),
        (b"\x00\x01binary" * 10, "looks like a binary file"),
        (b"candidate_email\n" + b"a" * (2 * 1024 * 1024 + 1), "text uploads are limited to 2 MB"),
    ]:
        response = client.post(
            "/hiring/applications/import/csv",
            data={"file": (io.BytesIO(data), "applications.csv"), "role_id": str(role_id)},
            content_type="multipart/form-data",
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page, message
        assert f'<option selected value="{role_id}">' in page, "the chosen role stays chosen"
    pasted = client.post(
        "/hiring/applications/import/csv", data={"text": "candidate_email,oops\nx,y\n", "role_id": "0"}
    )
    page = pasted.get_data(as_text=True)
    assert pasted.status_code == 400 and "Unknown columns: oops" in page
    assert "candidate_email,oops" in page, "the pasted text stays in the form"
    with app.app_context():
        assert count(Application) == 0


def test_confirm_without_text(client, recruiter):
    response = client.post("/hiring/applications/import/csv/confirm", data={})
    assert response.status_code == 302
    assert "The CSV text is missing" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_pages_link_to_the_csv_exchange(client, app, recruiter):
    with app.app_context():
        role = create_role()
        get_session().commit()
        role_id = role.id
    listing = client.get("/hiring/candidates?kind=prospects&q=x").get_data(as_text=True)
    assert "/hiring/candidates/export.csv?" in listing and "kind=prospects" in listing
    assert "/hiring/applications/import/csv" in listing
    board = client.get(f"/hiring/roles/{role_id}/board").get_data(as_text=True)
    assert f"/hiring/applications/export.csv?role_id={role_id}" in board
    assert f"/hiring/applications/import/csv?role_id={role_id}" in board
    upload = client.get(f"/hiring/applications/import/csv?role_id={role_id}").get_data(as_text=True)
    assert f'<option selected value="{role_id}">' in upload
