"""Template helpers and response headers shared by every page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from core.auth import may_access
from core.errors import DomainError
from core.forms import ConfirmForm

# (label, endpoint): an item shows only to users allowed by that endpoint's access rule.
NAVIGATION = (
    ("Hiring", "hiring.index"),
    ("Interviews", "interviews.index"),
    ("Rubrics", "rubrics.index"),
    ("Matching", "matching.index"),
    ("Trust", "trust.index"),
    ("API", "api_tokens.tokens"),
    ("Webhooks", "webhooks.subscriptions"),
    ("Users", "core.users"),
    ("Audit log", "core.audit_log"),
    ("Jobs", "core.jobs_admin"),
)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def navigation_for(user: Any) -> list[dict[str, Any]]:
    items = []
    for label, endpoint in NAVIGATION:
        rule = getattr(current_app.view_functions[endpoint], "access_rule", None)
        if rule is not None and may_access(user, rule):
            url = url_for(endpoint)
            items.append({"label": label, "url": url, "active": request.path.startswith(url)})
    return items


def _set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_layout() -> dict[str, Any]:
        return {
            "navigation": navigation_for(current_user) if current_user.is_authenticated else [],
            "logout_form": ConfirmForm(formdata=None) if current_user.is_authenticated else None,
        }

    app.after_request(_set_security_headers)


def attempt(session: Session, change: Callable[[], Any], success: str) -> bool:
    """Run one service call: commit and flash ``success``, or roll back and flash the refusal."""
    try:
        change()
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return False
    session.commit()
    flash(success, "success")
    return True


def flash_form_errors(form: FlaskForm) -> None:
    """Flash each validation error of a form posted from a page that does not re-render it."""
    for field_name, errors in form.errors.items():
        label = getattr(getattr(form, field_name, None), "label", None)
        for error in errors:
            flash(f"{label.text}: {error}" if label and label.text else str(error), "error")
