"""Demo data for a first look: one user per role, then each section's own demo loader."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy.orm import Session

from core.auth import Role, create_user, find_user_by_email
from core.db import get_session

# A loader adds its section's demo data (idempotently) and returns lines to print.
DemoLoader = Callable[[Session], list[str]]

# Well-known passwords: the demo is for a local trial, never for a shared deployment.
DEMO_USERS = (
    ("Ada Admin", "admin@example.com", Role.ADMIN),
    ("Hana Hiring-Manager", "manager@example.com", Role.HIRING_MANAGER),
    ("Rui Recruiter", "recruiter@example.com", Role.RECRUITER),
    ("Ines Interviewer", "interviewer@example.com", Role.INTERVIEWER),
)


def demo_password(role: Role) -> str:
    return f"demo-{role.value.replace('_', '-')}-password"


def register_demo_loader(app: Flask, loader: DemoLoader) -> None:
    """Let a section add its demo data after the demo users exist (called by the app factory)."""
    app.extensions.setdefault("demo_loaders", []).append(loader)


def load_demo() -> list[str]:
    """Create whatever demo data is missing and return the lines to print."""
    session = get_session()
    lines = ["Demo accounts (local trial only):"]
    for name, email, role in DEMO_USERS:
        if find_user_by_email(session, email) is None:
            create_user(session, email=email, name=name, roles=[role], password=demo_password(role))
        lines.append(f"  {role.label:<15} {email:<26} password: {demo_password(role)}")
    session.commit()
    for loader in current_app.extensions.get("demo_loaders", []):
        lines.extend(loader(session))
        session.commit()
    return lines
