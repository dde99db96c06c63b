"""Webhook pages (admins only): subscriptions, secrets shown once, the delivery log and replay."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import Role, require_role
from core.db import get_session
from core.errors import DomainError
from core.forms import ConfirmForm
from core.web import attempt
from webhooks.events import EVENTS
from webhooks.forms import SubscriptionForm
from webhooks.models import DeliveryStatus
from webhooks.services import (
    create_subscription,
    delete_subscription,
    get_delivery,
    get_subscription,
    list_deliveries,
    list_subscriptions,
    replay_delivery,
    rotate_secret,
    send_test_event,
    update_subscription,
)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
NO_STORE = {"Cache-Control": "no-store"}


def _render_list(form: SubscriptionForm, *, secret=None, subscription=None, status: int = 200):
    page = render_template(
        "webhooks/subscriptions.html",
        form=form,
        subscriptions=list_subscriptions(get_session()),
        events=EVENTS,
        secret=secret,
        new_subscription=subscription,
        confirm_form=ConfirmForm(),
    )
    return page, status, NO_STORE


@bp.route("", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def subscriptions():
    """List webhook subscriptions and create one; its secret is shown on this response only."""
    form = SubscriptionForm()
    if not form.validate_on_submit():
        return _render_list(form, status=422 if form.errors else 200)
    session = get_session()
    issued = create_subscription(
        session,
        url=form.url.data,
        events=form.events.data,
        description=form.description.data or "",
        active=form.active.data,
        actor_id=current_user.id,
    )
    session.commit()
    blank = SubscriptionForm(formdata=None)
    return _render_list(blank, secret=issued.secret, subscription=issued.subscription, status=201)


@bp.route("/<int:subscription_id>/edit", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_subscription(subscription_id: int):
    """Change a subscription's URL, events, description or active switch."""
    session = get_session()
    subscription = get_subscription(session, subscription_id)
    form = SubscriptionForm(obj=subscription)
    if form.validate_on_submit() and attempt(
        session,
        lambda: update_subscription(
            session,
            subscription,
            url=form.url.data,
            events=form.events.data,
            description=form.description.data or "",
            active=form.active.data,
            actor_id=current_user.id,
        ),
        "The webhook is saved.",
    ):
        return redirect(url_for("webhooks.deliveries", subscription_id=subscription.id))
    status = 422 if form.errors else 200
    return render_template("webhooks/edit.html", form=form, subscription=subscription), status


@bp.post("/<int:subscription_id>/rotate")
@require_role(Role.ADMIN)
def rotate_subscription_secret(subscription_id: int):
    """Replace the signing secret; the new one is shown on this response only."""
    session = get_session()
    subscription = get_subscription(session, subscription_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("webhooks.deliveries", subscription_id=subscription.id))
    issued = rotate_secret(session, subscription, actor_id=current_user.id)
    session.commit()
    page = render_template("webhooks/secret.html", subscription=subscription, secret=issued.secret)
    return page, 200, NO_STORE


@bp.post("/<int:subscription_id>/delete")
@require_role(Role.ADMIN)
def delete_webhook(subscription_id: int):
    """Delete a subscription and its delivery log."""
    session = get_session()
    subscription = get_subscription(session, subscription_id)
    url = subscription.url
    if ConfirmForm().validate_on_submit():
        attempt(
            session,
            lambda: delete_subscription(session, subscription, actor_id=current_user.id),
            f"The webhook to {url} is deleted.",
        )
    return redirect(url_for("webhooks.subscriptions"))


@bp.post("/<int:subscription_id>/test")
@require_role(Role.ADMIN)
def send_test(subscription_id: int):
    """Queue a signed test event (ping) to the endpoint."""
    session = get_session()
    subscription = get_subscription(session, subscription_id)
    if ConfirmForm().validate_on_submit():
        attempt(
            session,
            lambda: send_test_event(session, subscription, actor_id=current_user.id),
            "A test event is queued; its outcome appears below.",
        )
    return redirect(url_for("webhooks.deliveries", subscription_id=subscription.id))


@bp.get("/<int:subscription_id>")
@require_role(Role.ADMIN)
def deliveries(subscription_id: int):
    """Show a subscription and its deliveries, newest first."""
    session = get_session()
    subscription = get_subscription(session, subscription_id)
    status = request.args.get("status") or None
    page = list_deliveries(
        session,
        subscription,
        page=request.args.get("page", 1, type=int) or 1,
        per_page=current_app.config["PER_PAGE"],
        status=status,
    )
    return render_template(
        "webhooks/deliveries.html",
        subscription=subscription,
        page=page,
        status=status,
        statuses=list(DeliveryStatus),
        events=EVENTS,
        confirm_form=ConfirmForm(),
    )


@bp.get("/deliveries/<int:delivery_id>")
@require_role(Role.ADMIN)
def delivery(delivery_id: int):
    """Show one delivery: its payload and every attempt."""
    row = get_delivery(get_session(), delivery_id)
    # Readable text for people (the sent body escapes non-ASCII); the template escapes it for HTML.
    payload = json.dumps(row.payload, indent=2, sort_keys=True, ensure_ascii=False)
    return render_template(
        "webhooks/delivery.html", delivery=row, payload=payload, confirm_form=ConfirmForm()
    )


@bp.post("/deliveries/<int:delivery_id>/replay")
@require_role(Role.ADMIN)
def replay(delivery_id: int):
    """Send a delivery's event again as a new delivery."""
    session = get_session()
    original = get_delivery(session, delivery_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("webhooks.delivery", delivery_id=original.id))
    try:
        replayed = replay_delivery(session, original, actor_id=current_user.id)
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("webhooks.delivery", delivery_id=original.id))
    session.commit()
    flash("The event is queued again as a new delivery.", "success")
    return redirect(url_for("webhooks.delivery", delivery_id=replayed.id))
