"""Access rules of API views: token authentication instead of the session cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, request
from sqlalchemy.exc import OperationalError

from api.errors import ApiError
from api.tokens import TokenPrincipal, TokenRefused, authenticate_bearer
from core.auth import PUBLIC, Role
from core.db import get_session

ANY_TOKEN = "any_token"
View = Callable[..., Any]


def token_required(*roles: Role) -> Callable[[View], View]:
    """Allow requests with a valid API token whose roles include one of ``roles`` (any if none).

    The cookie-based rule is PUBLIC on purpose: cookies are ignored here, and the API's own check
    (check_token_access) refuses every request without a valid token."""

    def decorate(view: View) -> View:
        view.access_rule = PUBLIC  # type: ignore[attr-defined]
        view.api_rule = frozenset(roles) if roles else ANY_TOKEN  # type: ignore[attr-defined]
        return view

    return decorate


def open_document(view: View) -> View:
    """Allow anyone, without a token (the OpenAPI document describes shapes, never data)."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    view.api_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def check_token_access() -> None:
    """Before every API view: authenticate the bearer token and apply the view's api_rule."""
    view = current_app.view_functions[request.endpoint]
    rule = getattr(view, "api_rule", None)
    if rule is None:  # deny by default, as core.auth does for pages
        raise ApiError(403, "forbidden", "This API route declares no access rule.")
    if rule == PUBLIC:
        return
    session = get_session()
    try:
        principal = authenticate_bearer(session, request.headers.get("Authorization"))
    except TokenRefused as refused:
        raise ApiError(401, "unauthenticated", refused.message) from None
    try:
        session.commit()  # last_used_at, its own small unit of work
    except OperationalError as error:
        # SQLite refuses to turn this request's read into a write when another process wrote
        # meanwhile ("database is locked"); the timestamp is bookkeeping, the request goes on.
        if "database is locked" not in str(error):
            raise
        session.rollback()
    if not principal.roles:
        raise ApiError(403, "forbidden", "This token's roles are no longer held by its user.")
    if rule != ANY_TOKEN and not principal.has_any_role(rule):
        raise ApiError(403, "forbidden", "This token's roles do not allow this request.")
    g.api_principal = principal


def current_principal() -> TokenPrincipal:
    return g.api_principal
