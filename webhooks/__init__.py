"""Signed webhooks: subscriptions per event, deliveries as rq jobs, a delivery log with replay."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the webhook pages and the audit-trail listener that turns changes into events."""
    from webhooks.cli import webhooks_group
    from webhooks.delivery import register_outbox_hooks, requeue_at_worker_start
    from webhooks.events import register_event_hooks
    from webhooks.views import bp

    app.register_blueprint(bp)
    register_event_hooks(app)
    register_outbox_hooks(app)
    app.cli.add_command(webhooks_group)
    # `flask worker` runs these before it starts listening (core.jobs), like its own lost-run sweep.
    app.extensions["jobs"]["on_worker_start"].append(requeue_at_worker_start)
