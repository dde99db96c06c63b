"""The webhook pages: create with validation, the secret shown once, rotate, test, replay, delete."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from tests.support.factories import create_test_user, sign_in
from webhooks.models import WebhookDelivery, WebhookSubscription

EVENTS = ["candidate.created", "scores.ready"]
pytestmark = pytest.mark.usefixtures("webhook_queue")  # pings reach the queue: leave none behind


def stored(app: Flask) -> list[WebhookSubscription]:
    with app.app_context():
        return list(get_session().scalars(select(WebhookSubscription)))


def actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(
            get_session().scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.startswith("webhook."))
                .order_by(AuditEvent.id)
            )
        )


def create(admin_client, url: str = "https://hooks.example.com/loopwise", **fields):
    data = {"url": url, "events": EVENTS, "description": "ATS sync", "active": "y", **fields}
    return admin_client.post("/webhooks", data=data)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/in", "Use an http:// or https:// URL."),
        ("javascript:alert(1)", "Use an http:// or https:// URL."),
        ("hooks.example.com/in", "Use an http:// or https:// URL."),
        ("https:///no-host", "The URL needs a host name"),
        ("https://hooks.example.com:port/in", "This is not a valid URL."),
        ("https://hooks.example.com/a b", "A URL has no spaces."),
        ("https://hooks.example.com/" + "a" * 2001, "Field cannot be longer than 2000 characters."),
        ("", "This field is required."),
    ],
)
def test_a_bad_url_is_refused_with_a_clear_message(app, admin_client, url, message):
    response = create(admin_client, url)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(app) == []


def test_an_event_is_required(app, admin_client):
    response = create(admin_client, events=[])
    assert response.status_code == 422
    assert "Pick at least one event." in response.get_data(as_text=True)
    assert stored(app) == []


def test_the_secret_is_shown_once_on_creation_and_on_rotation(app, admin_client):
    response = create(admin_client)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    [subscription] = stored(app)
    assert subscription.secret.startswith("whsec_")
    assert subscription.secret in response.get_data(as_text=True)
    assert (subscription.url, subscription.events, subscription.active) == (
        "https://hooks.example.com/loopwise",
        sorted(EVENTS),
        True,
    )
    for page in ("/webhooks", f"/webhooks/{subscription.id}", f"/webhooks/{subscription.id}/edit"):
        assert subscription.secret not in admin_client.get(page).get_data(as_text=True)

    rotated = admin_client.post(f"/webhooks/{subscription.id}/rotate")
    [after] = stored(app)
    assert after.secret != subscription.secret
    assert after.secret in rotated.get_data(as_text=True)
    assert rotated.headers["Cache-Control"] == "no-store"
    assert actions(app) == ["webhook.created", "webhook.secret_rotated"]


def test_edit_switches_a_subscription_off_and_is_audited(app, admin_client):
    create(admin_client)
    [subscription] = stored(app)
    response = admin_client.post(
        f"/webhooks/{subscription.id}/edit",
        data={"url": "https://other.example.com/in", "events": ["decision.recorded"], "description": ""},
    )
    assert response.status_code == 302
    [after] = stored(app)
    assert (after.url, after.events, after.active) == (
        "https://other.example.com/in",
        ["decision.recorded"],
        False,
    )
    assert actions(app) == ["webhook.created", "webhook.updated"]

    bad = admin_client.post(
        f"/webhooks/{subscription.id}/edit", data={"url": "mailto:x@y", "events": EVENTS}
    )
    assert bad.status_code == 422 and "Use an http:// or https:// URL." in bad.get_data(as_text=True)


def test_a_test_event_shows_in_the_log_and_can_be_replayed(app, admin_client):
    create(admin_client)
    [subscription] = stored(app)
    response = admin_client.post(f"/webhooks/{subscription.id}/test", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<code>ping</code>" in page and "pending" in page
    with app.app_context():
        [ping] = get_session().scalars(select(WebhookDelivery)).all()
        assert ping.payload["event"] == "ping"

    detail = admin_client.get(f"/webhooks/deliveries/{ping.id}").get_data(as_text=True)
    assert ping.uuid in detail and "Not attempted yet" in detail
    replayed = admin_client.post(f"/webhooks/deliveries/{ping.id}/replay")
    with app.app_context():
        copies = get_session().scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert len(copies) == 2 and copies[1].replay_of_id == ping.id
    assert replayed.headers["Location"].endswith(f"/webhooks/deliveries/{copies[1].id}")
    assert actions(app) == ["webhook.created", "webhook.pinged", "webhook.delivery_replayed"]


def test_delete_removes_the_subscription_and_its_log(app, admin_client):
    create(admin_client)
    [subscription] = stored(app)
    admin_client.post(f"/webhooks/{subscription.id}/test")
    response = admin_client.post(f"/webhooks/{subscription.id}/delete")
    assert response.status_code == 302
    assert stored(app) == []
    with app.app_context():
        assert get_session().scalars(select(WebhookDelivery)).all() == []
    assert actions(app)[-1] == "webhook.deleted"


def test_candidate_text_in_a_payload_is_escaped(app, admin_client):
    from hiring.services.candidates import create_candidate

    create(admin_client)
    with app.app_context():
        session = get_session()
        create_candidate(
            session, actor_id=None, name="<script>alert(1)</script>", emails=["x@x.example"]
        )
        session.commit()
        delivery = session.scalars(select(WebhookDelivery)).one()
    page = admin_client.get(f"/webhooks/deliveries/{delivery.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text


def test_forms_need_their_csrf_token(app, admin_client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = admin_client.post(
        "/webhooks", data={"url": "https://hooks.example.com/", "events": EVENTS}
    )
    assert response.status_code == 400
    assert stored(app) == []


@pytest.mark.parametrize("role", [Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER])
def test_only_admins_reach_the_pages(app, client, no_csrf, role):
    with app.app_context():
        user = create_test_user(roles=[role])
        get_session().commit()
    sign_in(client, user.email)
    assert client.get("/webhooks").status_code == 403
    assert (
        client.post("/webhooks", data={"url": "https://h.example.com/", "events": EVENTS}).status_code
        == 403
    )
    assert stored(app) == []


def test_a_switched_off_subscription_refuses_test_events_and_replays(app, admin_client):
    create(admin_client)
    [subscription] = stored(app)
    admin_client.post(f"/webhooks/{subscription.id}/test")
    admin_client.post(
        f"/webhooks/{subscription.id}/edit", data={"url": subscription.url, "events": EVENTS}
    )
    with app.app_context():
        [ping] = get_session().scalars(select(WebhookDelivery)).all()

    page = admin_client.post(f"/webhooks/{subscription.id}/test", follow_redirects=True)
    assert "Switch the subscription on before sending it a test event." in page.get_data(as_text=True)
    page = admin_client.post(f"/webhooks/deliveries/{ping.id}/replay", follow_redirects=True)
    assert "Switch the subscription on before replaying its deliveries." in page.get_data(as_text=True)
    with app.app_context():
        assert len(get_session().scalars(select(WebhookDelivery)).all()) == 1
