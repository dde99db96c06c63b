"""Personal API tokens: issue (the secret is shown once), revoke, and authenticate a bearer token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import ApiToken
from core.audit import record_audit
from core.auth import Role, User
from core.db import Page, as_utc, paginate, utcnow
from core.errors import DomainError, NotFoundError

TOKEN_KIND = "lw"
MAX_NAME_LENGTH = 100
# Refresh last_used_at at most this often, so that reads do not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(DomainError):
    """The bearer token is missing, malformed, unknown, revoked or expired, or its user is disabled."""

    status_code = 401


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole bearer value; never stored, shown once


@dataclass(frozen=True)
class TokenPrincipal:
    """Who calls the API: the token's user with the token's roles that the user still holds.

    It answers like a signed-in user, so hiring.services.access works on it unchanged."""

    user: User
    token: ApiToken
    roles: frozenset[Role]
    is_authenticated: bool = True

    @property
    def id(self) -> int:
        return self.user.id

    def has_any_role(self, roles: Iterable[Role]) -> bool:
        return Role.ADMIN in self.roles or bool(self.roles & set(roles))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(
    session: Session,
    user: User,
    *,
    name: str,
    roles: Iterable[Role],
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Issue a token for ``user`` limited to ``roles`` (a subset of theirs); audited."""
    name = name.strip()
    if not name:
        raise DomainError("Give the token a name, e.g. the script that will use it.")
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(f"Token names are limited to {MAX_NAME_LENGTH} characters.")
    scopes = sorted({Role(role) for role in roles})
    if not scopes:
        raise DomainError("Give the token at least one of your roles.")
    if not set(scopes) <= user.roles:
        raise DomainError("A token can only carry roles that you hold.")
    if expires_at is not None and expires_at <= utcnow():
        raise DomainError("The expiry must be in the future.")
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        scopes=[role.value for role in scopes],
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    record_audit(
        session,
        actor_id=user.id,
        action="api_token.created",
        object_type="api_token",
        object_id=token.id,
        summary=f"{user.email}: “{name}” ({prefix}) with roles {', '.join(scopes)}",
        after={
            "name": name,
            "prefix": prefix,
            "scopes": token.scopes,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return IssuedToken(token=token, secret=f"{TOKEN_KIND}_{prefix}_{secret}")


def list_user_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included."""
    statement = select(ApiToken).where(ApiToken.user_id == user_id)
    return list(session.scalars(statement.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def list_all_tokens(session: Session, *, page: int, per_page: int) -> Page[ApiToken]:
    """Every user's tokens for administrators: never-revoked first, then newest first."""
    statement = select(ApiToken).order_by(
        ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()
    )
    return paginate(session, statement, page, per_page)


def get_any_token(session: Session, prefix: str) -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None:
        raise NotFoundError("There is no token with that prefix.")
    return token


def get_user_token(session: Session, user_id: int, prefix: str) -> ApiToken:
    token = session.scalar(
        select(ApiToken).where(ApiToken.prefix == prefix, ApiToken.user_id == user_id)
    )
    if token is None:
        raise NotFoundError("You have no token with that prefix.")
    return token


def revoke_api_token(session: Session, token: ApiToken, *, actor_id: int) -> None:
    """Revoke a token for good (its owner, or an administrator); refused from the next request on.

    Audited with the actor, so the owner can see that an administrator revoked it."""
    if token.revoked_at is not None:
        raise DomainError(f"The token “{token.name}” is already revoked.")
    token.revoked_at = utcnow()
    record_audit(
        session,
        actor_id=actor_id,
        action="api_token.revoked",
        object_type="api_token",
        object_id=token.id,
        summary=f"{token.user.email}: “{token.name}” ({token.prefix})",
        before={"revoked_at": None},
        after={"revoked_at": token.revoked_at.isoformat()},
    )


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """ "active", "revoked" or "expired"."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and as_utc(token.expires_at) <= now:
        return "expired"
    return "active"


def authenticate_bearer(session: Session, authorization: str | None) -> TokenPrincipal:
    """Resolve an ``Authorization: Bearer lw_<prefix>_<secret>`` header, or raise TokenRefused."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise TokenRefused("Send a personal API token: Authorization: Bearer lw_<prefix>_<secret>.")
    kind, _, rest = value.strip().partition("_")
    prefix, _, secret = rest.partition("_")
    # Prefixes are hex: anything else (a NUL, which PostgreSQL refuses in text) is never looked up.
    well_formed = prefix.isascii() and prefix.isalnum() and len(prefix) <= 32
    if kind != TOKEN_KIND or not well_formed or not secret:
        raise TokenRefused("That is not a Loopwise API token.")
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        raise TokenRefused("Unknown API token.")
    now = utcnow()
    state = token_state(token, now)
    if state != "active":
        raise TokenRefused(f"This API token is {state}. Create a new one on the API tokens page.")
    if not token.user.active:
        raise TokenRefused("The account of this API token is disabled.")
    if token.last_used_at is None or now - as_utc(token.last_used_at) >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    roles = frozenset(Role(value) for value in token.scopes) & token.user.roles
    return TokenPrincipal(user=token.user, token=token, roles=roles)
