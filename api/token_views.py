"""The personal API tokens page: list, create (the secret is shown once) and revoke."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from api.forms import TokenForm
from api.tokens import (
    create_api_token,
    get_any_token,
    get_user_token,
    list_all_tokens,
    list_user_tokens,
    revoke_api_token,
    token_state,
)
from core.auth import Role, require_login, require_role
from core.db import get_session, utcnow
from core.errors import DomainError
from core.forms import ConfirmForm
from core.web import attempt

bp = Blueprint("api_tokens", __name__, url_prefix="/api/tokens")


def _token_form() -> TokenForm:
    form = TokenForm()
    form.roles.choices = [SelectChoice(role.value, role.label) for role in sorted(current_user.roles)]
    return form


def _render(form: TokenForm, secret: str | None = None, status: int = 200):
    tokens = list_user_tokens(get_session(), current_user.id)
    page = render_template(
        "api/tokens.html",
        form=form,
        tokens=tokens,
        token_state=token_state,
        secret=secret,
        confirm_form=ConfirmForm(),
    )
    return page, status, {"Cache-Control": "no-store"}


@bp.route("", methods=["GET", "POST"])
@require_login
def tokens():
    """List your API tokens and create one; its secret is shown on this response only."""
    form = _token_form()
    if not form.validate_on_submit():
        return _render(form, status=422 if form.errors else 200)
    days = int(form.expires_in_days.data)
    session = get_session()
    try:
        issued = create_api_token(
            session,
            current_user,
            name=form.name.data,
            roles=[Role(value) for value in form.roles.data],
            expires_at=utcnow() + timedelta(days=days) if days else None,
        )
    except DomainError as error:
        session.rollback()
        form.name.errors = [*form.name.errors, error.message]
        return _render(form, status=422)
    session.commit()
    return _render(_token_form_blank(), secret=issued.secret, status=201)


def _token_form_blank() -> TokenForm:
    form = TokenForm(formdata=None)
    form.roles.choices = [SelectChoice(role.value, role.label) for role in sorted(current_user.roles)]
    return form


@bp.post("/<token>/revoke")
@require_login
def revoke_token(token: str):
    """Revoke one of your tokens (by its prefix); it stops working at once."""
    session = get_session()
    api_token = get_user_token(session, current_user.id, token)
    if ConfirmForm().validate_on_submit():
        attempt(
            session,
            lambda: revoke_api_token(session, api_token, actor_id=current_user.id),
            f"The token “{api_token.name}” is revoked.",
        )
    return redirect(url_for("api_tokens.tokens"))


@bp.get("/all")
@require_role(Role.ADMIN)
def all_tokens():
    """Every user's tokens, for administrators: who holds which roles through the API."""
    page = list_all_tokens(
        get_session(),
        page=request.args.get("page", 1, type=int) or 1,
        per_page=current_app.config["PER_PAGE"],
    )
    return render_template(
        "api/all_tokens.html", page=page, token_state=token_state, confirm_form=ConfirmForm()
    )


@bp.post("/all/<token>/revoke")
@require_role(Role.ADMIN)
def revoke_any_token(token: str):
    """Revoke another user's token, e.g. when it leaked or its owner left; audited."""
    session = get_session()
    api_token = get_any_token(session, token)
    if ConfirmForm().validate_on_submit():
        attempt(
            session,
            lambda: revoke_api_token(session, api_token, actor_id=current_user.id),
            f"{api_token.user.email}'s token “{api_token.name}” is revoked.",
        )
    return redirect(url_for("api_tokens.all_tokens", page=request.args.get("page", 1, type=int)))
