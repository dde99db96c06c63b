"""The adverse-impact pages through the client: the report with its charts, the CSV and the method
note, the self-identification form (CSRF, save, erase); who may read them, and the audit of reads."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_candidate, create_role
from tests.trust.test_impact_report import person, walk
from trust.self_id import SelfIdSource, get_self_id, save_self_id


def actions(prefix: str) -> list[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
    return list(get_session().scalars(statement))


def make_funnel(app) -> int:
    with app.app_context():
        session = get_session()
        role = create_role(title="Impact test role")
        for index in range(6):
            walk(
                role,
                person(session, "female"),
                ["Applied", "Recruiter screen" if index < 2 else "Rejected"],
            )
            walk(
                role,
                person(session, "male"),
                ["Applied", "Recruiter screen" if index < 5 else "Rejected"],
            )
        walk(role, person(session, "declined"), ["Applied", "Rejected"])
        session.commit()
        return role.id


def test_report_shows_rates_flags_and_a_chart_and_is_audited(app, admin_client):
    role_id = make_funnel(app)
    response = admin_client.get(f"/trust/impact?role_id={role_id}&category=gender")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Impact test role" in html and "<svg" in html and "style=" not in html
    assert "33%" in html and "83%" in html  # women 2 of 6, men 5 of 6
    assert "0.40" in html and "below four fifths" in html  # 0.333 / 0.833
    assert "4/5 of the highest rate: 67%" in html
    assert "not enough data (n = 1)" in html  # the one who declined
    with app.app_context():
        event = actions("impact.report_viewed")[-1]
        assert event.after == {
            "role_id": role_id,
            "date_from": None,
            "date_to": None,
            "category": "gender",
        }
        assert "female" not in f"{event.summary} {event.after}"


def test_bad_filters_fall_back_with_a_message(app, admin_client):
    response = admin_client.get("/trust/impact?date_from=2026-03-01&date_to=2026-01-01")
    assert response.status_code == 200
    assert "The start of the date range is after its end." in response.get_data(as_text=True)
    response = admin_client.get("/trust/impact?category=religion")
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)


def test_csv_and_method_note_are_exported_and_audited(app, admin_client):
    role_id = make_funnel(app)
    response = admin_client.get(f"/trust/impact.csv?role_id={role_id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["category"] for row in rows} == {
        "gender",
        "race_ethnicity",
        "age_band",
        "disability",
        "veteran",
        "gender_race",
    }
    female = next(r for r in rows if r["category"] == "gender" and r["group"] == "female")
    assert (female["decided"], female["selected"], female["impact_ratio"]) == ("6", "2", "0.4")
    one = admin_client.get(f"/trust/impact.csv?role_id={role_id}&category=veteran")
    assert {row["category"] for row in csv.DictReader(io.StringIO(one.get_data(as_text=True)))} == {
        "veteran"
    }
    note = admin_client.get(f"/trust/impact/method?role_id={role_id}")
    text = note.get_data(as_text=True)
    assert note.status_code == 200 and note.mimetype == "text/markdown"
    assert "four-fifths" in text and "Fisher" in text and "Impact test role" in text
    assert "Applications in scope: 13" in text and "candidate_form: 13" in text
    with app.app_context():
        assert len(actions("impact.exported")) == 2 and len(actions("impact.method_viewed")) == 1


def test_only_the_configured_roles_get_in(app, client, no_csrf, monkeypatch):
    with app.app_context():
        manager = create_test_user(roles=[Role.HIRING_MANAGER])
        interviewer = create_test_user(roles=[Role.INTERVIEWER])
        candidate = create_candidate()
        get_session().commit()
    urls = [
        "/trust/impact",
        "/trust/impact.csv",
        "/trust/impact/method",
        f"/trust/candidates/{candidate.id}/self-id",
    ]
    sign_in(client, manager.email)
    assert [client.get(url).status_code for url in urls] == [403] * 4
    monkeypatch.setitem(app.config, "SELF_ID_ROLES", "hiring_manager,interviewer")
    assert [client.get(url).status_code for url in urls] == [200] * 4
    client.post("/logout")
    sign_in(client, interviewer.email)
    assert [client.get(url).status_code for url in urls] == [403] * 4


def test_self_id_form_needs_csrf_then_saves_and_erases(app, client, monkeypatch):
    with app.app_context():
        admin = create_test_user(roles=[Role.ADMIN])
        candidate = create_candidate()
        get_session().commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    sign_in(client, admin.email)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/trust/candidates/{candidate.id}/self-id"
    page = client.get(url).get_data(as_text=True)
    assert 'name="csrf_token"' in page and "Declined to answer" in page
    answers = {"gender": "female", "race_ethnicity": "declined", "age_band": "", "disability": "no"}
    answers |= {"veteran": "", "source": "candidate_form"}
    assert client.post(url, data=answers).status_code == 400  # no CSRF token
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(url, data=answers | {"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        record = get_self_id(get_session(), candidate.id)
        assert (record.gender, record.race_ethnicity, record.age_band) == ("female", "declined", None)
        assert record.source is SelfIdSource.CANDIDATE_FORM and record.recorded_by_id == admin.id
    page = client.get(url).get_data(as_text=True)
    assert '<option selected value="female">' in page
    response = client.post(f"{url}/erase", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert get_self_id(get_session(), candidate.id) is None
        assert [e.action for e in actions("self_id.")] == [
            "self_id.viewed",
            "self_id.recorded",
            "self_id.viewed",
            "self_id.erased",
        ]


def test_empty_report_says_so(app, admin_client):
    with app.app_context():
        role = create_role(title="Empty role")
        save_self_id(
            get_session(),
            create_candidate(),
            {"gender": "male"},
            source=SelfIdSource.RECRUITER,
            actor_id=None,
        )
        get_session().commit()
    html = admin_client.get(f"/trust/impact?role_id={role.id}").get_data(as_text=True)
    assert "No application in scope has reached a stage yet." in html
    assert "no decision in scope was taken after an AI score existed" in html
