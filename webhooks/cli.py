"""`flask webhooks list | requeue | prune`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from core.db import get_session
from webhooks.delivery import requeue_lost_deliveries
from webhooks.models import WebhookDelivery
from webhooks.services import list_subscriptions, prune_deliveries

webhooks_group = AppGroup("webhooks", help="Webhook subscriptions and deliveries.")


@webhooks_group.command("list")
@with_appcontext
def list_command() -> None:
    """List subscriptions with their delivery counts per status."""
    session = get_session()
    counts: dict[tuple[int, str], int] = {
        (subscription_id, status.value): count
        for subscription_id, status, count in session.execute(
            select(WebhookDelivery.subscription_id, WebhookDelivery.status, func.count()).group_by(
                WebhookDelivery.subscription_id, WebhookDelivery.status
            )
        )
    }
    subscriptions = list_subscriptions(session)
    if not subscriptions:
        click.echo("No webhook subscriptions.")
    for subscription in subscriptions:
        tally = ", ".join(
            f"{counts.get((subscription.id, status), 0)} {status}"
            for status in ("pending", "delivered", "failed")
        )
        state = "active" if subscription.active else "off"
        click.echo(
            f"{subscription.id}\t{state}\t{subscription.url}\t{','.join(subscription.events)}\t{tally}"
        )


@webhooks_group.command("requeue")
@with_appcontext
def requeue_command() -> None:
    """Queue again pending deliveries that rq lost (Redis was down or a worker was killed)."""
    count = requeue_lost_deliveries(get_session(), current_app._get_current_object())
    click.echo(f"Queued {count} lost webhook deliver{'y' if count == 1 else 'ies'} again.")


@webhooks_group.command("prune")
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True)
@with_appcontext
def prune_command(days: int) -> None:
    """Delete delivered and failed deliveries older than DAYS (pending ones are kept)."""
    session = get_session()
    count = prune_deliveries(session, days=days)
    session.commit()
    click.echo(f"Deleted {count} webhook deliver{'y' if count == 1 else 'ies'} older than {days} days.")
