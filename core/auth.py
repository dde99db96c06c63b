"""Accounts: users with roles, password sign-in with a rate limit, invitations, route access rules."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.audit import record_audit
from core.db import Base, Page, get_or_raise, get_session, paginate, str_enum, utcnow
from core.errors import ConflictError, DomainError

MIN_PASSWORD_LENGTH = 12
PASSWORD_METHOD = "scrypt"


class Role(enum.StrEnum):
    ADMIN = "admin"
    HIRING_MANAGER = "hiring_manager"
    RECRUITER = "recruiter"
    INTERVIEWER = "interviewer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.role_grants)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of inactive users
        return self.active

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def has_any_role(self, roles: Iterable[Role]) -> bool:
        return Role.ADMIN in self.roles or bool(self.roles & set(roles))


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(
        str_enum(Role, 32),
        primary_key=True,
    )
    user: Mapped[User] = relationship(back_populates="role_grants")


class LoginAttempt(Base):
    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Anonymous(AnonymousUserMixin):
    roles: frozenset[Role] = frozenset()

    def has_any_role(self, roles: Iterable[Role]) -> bool:
        return False


# ---------------------------------------------------------------- services


class LoginThrottled(DomainError):
    status_code = 429


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    return generate_password_hash(password, method=PASSWORD_METHOD)


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    roles: Iterable[Role],
    password: str | None = None,
    actor_id: int | None = None,
) -> User:
    """Create a user; without a password the user must accept an invitation to sign in."""
    roles = sorted(set(roles))
    if not roles:
        raise DomainError("Give the user at least one role.")
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        role_grants=[UserRole(role=role) for role in roles],
    )
    try:
        # Add inside the savepoint: begin_nested() flushes what is pending before it starts.
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise ConflictError(f"A user with the email {user.email} already exists.") from None
    record_audit(
        session,
        actor_id=actor_id,
        action="user.invited" if password is None else "user.created",
        object_type="user",
        object_id=user.id,
        summary=f"{user.email} with roles {', '.join(roles)}",
        after={"email": user.email, "name": user.name, "roles": [r.value for r in roles]},
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    return get_or_raise(session, User, user_id, "No such user.")


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def list_users(session: Session, *, page: int, per_page: int) -> Page[User]:
    return paginate(session, select(User).order_by(User.name, User.id), page, per_page)


def set_user_roles(session: Session, user: User, roles: Iterable[Role], *, actor_id: int) -> None:
    """Replace a user's roles; an admin cannot remove their own admin role."""
    new_roles = set(roles)
    if not new_roles:
        raise DomainError("Give the user at least one role.")
    if user.id == actor_id and Role.ADMIN in user.roles and Role.ADMIN not in new_roles:
        raise DomainError("You cannot remove your own admin role.")
    before = sorted(r.value for r in user.roles)
    user.role_grants = [UserRole(role=role) for role in sorted(new_roles)]
    after = sorted(r.value for r in new_roles)
    if before != after:
        record_audit(
            session,
            actor_id=actor_id,
            action="user.roles_changed",
            object_type="user",
            object_id=user.id,
            summary=f"{user.email}: {', '.join(after)}",
            before={"roles": before},
            after={"roles": after},
        )


def set_user_active(session: Session, user: User, active: bool, *, actor_id: int) -> None:
    """Disable or re-enable a user; a disabled user is signed out and cannot sign in."""
    if user.id == actor_id and not active:
        raise DomainError("You cannot disable your own account.")
    if user.active == active:
        return
    user.active = active
    record_audit(
        session,
        actor_id=actor_id,
        action="user.enabled" if active else "user.disabled",
        object_type="user",
        object_id=user.id,
        summary=user.email,
        before={"active": not active},
        after={"active": active},
    )


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    window: timedelta


def authenticate(
    session: Session, email: str, password: str, *, remote_addr: str | None, policy: LoginPolicy
) -> User | None:
    """Check a password, refusing while too many recent attempts for this email have failed."""
    email = normalise_email(email)
    since = utcnow() - policy.window
    failures = session.scalar(
        select(func.count()).where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.created_at >= since,
        )
    )
    if failures >= policy.max_failures:
        minutes = max(1, int(policy.window.total_seconds() // 60))
        raise LoginThrottled(
            f"Too many failed sign-in attempts for {email}. Wait {minutes} minutes and try again, "
            "or ask an admin to check your account."
        )
    user = find_user_by_email(session, email)
    valid = (
        user is not None
        and user.active
        and user.password_hash is not None
        and check_password_hash(user.password_hash, password)
    )
    session.add(LoginAttempt(email=email, remote_addr=remote_addr, succeeded=valid))
    if not valid:
        return None
    user.last_login_at = utcnow()
    record_audit(
        session,
        actor_id=user.id,
        action="user.signed_in",
        object_type="user",
        object_id=user.id,
        summary=user.email,
    )
    return user


def _invite_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="loopwise-invite")


def make_invite_token(user: User, secret_key: str) -> str:
    """A link token that stops working once the user has set a password."""
    return _invite_serializer(secret_key).dumps({"user_id": user.id, "password_set": user.has_password})


def accept_invite(session: Session, token: str, password: str, *, secret_key: str, max_age: int) -> User:
    """Set the invited user's password from a valid, unused invitation token."""
    try:
        payload = _invite_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError("This invitation has expired. Ask an admin for a new one.") from None
    except BadSignature:
        raise DomainError("This invitation link is not valid.") from None
    user = session.get(User, payload["user_id"])
    if user is None or not user.active or user.has_password or payload["password_set"]:
        raise DomainError("This invitation was already used or the account is disabled.")
    user.password_hash = hash_password(password)
    record_audit(
        session,
        actor_id=user.id,
        action="user.password_set",
        object_type="user",
        object_id=user.id,
        summary=f"{user.email} accepted the invitation",
    )
    return user


# ---------------------------------------------------------------- access rules

PUBLIC = "public"
SIGNED_IN = "signed_in"
View = TypeVar("View", bound=Callable[..., Any])


def public(view: View) -> View:
    """Allow anyone, signed in or not."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def require_login(view: View) -> View:
    """Allow any signed-in user."""
    view.access_rule = SIGNED_IN  # type: ignore[attr-defined]
    return view


def require_role(*roles: Role) -> Callable[[View], View]:
    """Allow signed-in users holding one of ``roles`` (admins hold every role)."""

    def decorate(view: View) -> View:
        view.access_rule = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return decorate


def may_access(user: Any, rule: Any) -> bool:
    """Whether ``user`` satisfies an access rule set by the decorators above."""
    if rule == PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    return rule == SIGNED_IN or user.has_any_role(rule)


def _enforce_access_rules(login_manager: LoginManager) -> Callable[[], Any]:
    def check() -> Any:
        if request.endpoint is None:
            return None  # 404 is handled by routing
        view = current_app.view_functions[request.endpoint]
        rule = getattr(view, "access_rule", None)
        if request.endpoint == "static":
            rule = PUBLIC
        if rule is None:
            # Deny by default: a route without an access rule is a bug, never an open door.
            current_app.logger.error("Route %s has no access rule", request.endpoint)
            abort(403)
        if rule != PUBLIC and not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not may_access(current_user, rule):
            abort(403)
        return None

    return check


def init_app(app: Flask) -> None:
    login_manager = LoginManager()
    login_manager.login_view = "core.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = get_session().get(User, int(user_id))
        return user if user is not None and user.active else None

    login_manager.init_app(app)
    app.before_request(_enforce_access_rules(login_manager))
