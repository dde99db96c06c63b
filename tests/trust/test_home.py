"""The trust front page links the reports a user may open."""

from __future__ import annotations

from core.auth import Role
from tests.support.factories import create_test_user, sign_in


def test_the_front_page_links_the_reports_and_hides_impact_from_those_without_self_id_access(
    app, session, client, no_csrf
):
    manager = create_test_user(roles=[Role.HIRING_MANAGER], email="hm-trust@tests.example")
    session.commit()
    sign_in(client, manager.email)
    page = client.get("/trust/").get_data(as_text=True)
    for report in ("reliability", "calibration", "agreement"):
        assert f'href="/trust/{report}"' in page
    assert "/trust/impact" not in page  # self-identification data is for admins by default


def test_admins_see_the_adverse_impact_report_linked(app, session, admin_client):
    page = admin_client.get("/trust/").get_data(as_text=True)
    assert 'href="/trust/impact"' in page
