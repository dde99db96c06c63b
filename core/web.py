"""Template helpers and response headers shared by every page."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, request, url_for
from flask_login import current_user

from core.auth import may_access
from core.forms import ConfirmForm

# (label, endpoint): an item shows only to users allowed by that endpoint's access rule.
NAVIGATION = (
    ("Hiring", "hiring.index"),
    ("Interviews", "interviews.index"),
    ("Rubrics", "rubrics.index"),
    ("Matching", "matching.index"),
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
