"""The reliability and calibration pages: who may read them, empty states, figures, filters, charts."""

from __future__ import annotations

import re

import pytest

from core.auth import Role
from core.db import get_session
from tests.support.factories import create_test_user, sign_in
from tests.trust.test_reliability_report import panel_loops

PAGES = ("/trust/reliability", "/trust/calibration")


def signed_in(app, client, role: Role):
    with app.app_context():
        user = create_test_user(roles=[role])
        get_session().commit()
    sign_in(client, user.email)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_interviewers_are_refused(app, client, no_csrf, path):
    assert signed_in(app, client, Role.INTERVIEWER).get(path).status_code == 403


@pytest.mark.parametrize("role", [Role.HIRING_MANAGER, Role.RECRUITER])
def test_hiring_roles_see_both_pages_empty(app, client, no_csrf, role):
    signed_in(app, client, role)
    for path in PAGES:
        page = client.get(path).get_data(as_text=True)
        assert "No submitted scorecards yet." in page
        assert "<svg" not in page


def test_reliability_page_shows_figures_charts_and_counts(app, admin_client):
    with app.app_context():
        panel_loops([1, 2, 3, 4, 2, 3], {"Ana Agree": 0, "Ben Agree": 0})
        get_session().commit()
    response = admin_client.get("/trust/reliability")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('role="img"') == 2  # a chart per section
    assert "<strong>1.00</strong>" in page
    assert "6 candidates rated by all of Ana Agree, Ben Agree" in page
    assert "style=" not in page and "<script>" not in page  # the CSP allows neither


def test_reliability_page_says_not_enough_data(app, admin_client):
    with app.app_context():
        panel_loops([1, 2, 3], {"Ana": 0, "Ben": 1})
        get_session().commit()
    page = admin_client.get("/trust/reliability").get_data(as_text=True)
    assert "not enough data (n = 3 candidates)" in page
    assert "Not enough data for any figure yet" in page
    assert not re.search(r"<strong>-?\d\.\d\d</strong>", page)


def test_calibration_page_shows_leniency_and_warnings(app, admin_client):
    with app.app_context():
        role, _users, _loops = panel_loops([2, 3, 2, 3, 2], {"Lenient Lea": 1, "Even Eva": 0})
        panel_loops([2, 3], {"New Nia": 0, "New Noa": 0})
        role_id = role.id
        get_session().commit()
    page = admin_client.get("/trust/calibration").get_data(as_text=True)
    assert "Lenient Lea: +1.00" in page  # the dot plot's tooltip
    assert "<strong>-1.00</strong>" in page  # Eva, against Lea
    assert "Small sample: 4 scorecards" in page
    assert "not enough data (n = 2 co-rated candidates)" in page
    only_role = admin_client.get(f"/trust/calibration?role_id={role_id}").get_data(as_text=True)
    assert "Lenient Lea" in only_role and "New Nia" not in only_role


def test_a_backwards_date_range_is_refused_with_a_message(app, admin_client):
    response = admin_client.get("/trust/reliability?since=2026-05-01&until=2026-04-01")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The end date comes before the start date." in page


def test_the_pages_link_to_each_other_keeping_the_filters(app, admin_client):
    page = admin_client.get("/trust/reliability?since=2026-01-01").get_data(as_text=True)
    assert 'href="/trust/calibration?since=2026-01-01"' in page
