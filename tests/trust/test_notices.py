"""The AI-use notice page: versions kept with their ledger counts; hiring managers publish."""

from __future__ import annotations

from core.auth import Role
from tests.support.factories import create_test_user, sign_in
from trust.consent import AiNotice, current_notice


def test_a_hiring_manager_publishes_a_new_version_and_the_old_one_stays(app, session, client, no_csrf):
    manager = create_test_user(roles=[Role.HIRING_MANAGER], email="hm-notice@tests.example")
    session.commit()
    sign_in(client, manager.email)
    first = client.get("/trust/notices").get_data(as_text=True)
    assert "Version 1" in first and "Publish a new version" in first
    page = client.post(
        "/trust/notices",
        data={"title": "How we use AI <v2>", "body": "An embedding model and an LLM grade answers."},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Published a new version" in page
    assert "Version 2: How we use AI &lt;v2&gt;" in page and "Version 1" in page
    assert current_notice(session).version == 2
    same = client.post(
        "/trust/notices",
        data={"title": "How we use AI <v2>", "body": "An embedding model and an LLM grade answers."},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "This is the text of version 2 already." in same
    assert session.query(AiNotice).count() == 2


def test_recruiters_read_but_do_not_publish(app, session, client, no_csrf):
    recruiter = create_test_user(roles=[Role.RECRUITER], email="rec-notice@tests.example")
    session.commit()
    sign_in(client, recruiter.email)
    assert "Publish a new version" not in client.get("/trust/notices").get_data(as_text=True)
    page = client.post(
        "/trust/notices", data={"title": "x", "body": "y"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Only hiring managers publish a new notice." in page
    assert current_notice(session).version == 1
