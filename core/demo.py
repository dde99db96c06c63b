"""Demo data for a first look: one user per role (later sections add their own data)."""

from __future__ import annotations

from core.auth import Role, create_user, find_user_by_email
from core.db import get_session

# Well-known passwords: the demo is for a local trial, never for a shared deployment.
DEMO_USERS = (
    ("Ada Admin", "admin@example.com", Role.ADMIN),
    ("Hana Hiring-Manager", "manager@example.com", Role.HIRING_MANAGER),
    ("Rui Recruiter", "recruiter@example.com", Role.RECRUITER),
    ("Ines Interviewer", "interviewer@example.com", Role.INTERVIEWER),
)


def demo_password(role: Role) -> str:
    return f"demo-{role.value.replace('_', '-')}-password"


def load_demo() -> list[str]:
    """Create whatever demo data is missing and return the lines to print."""
    session = get_session()
    lines = ["Demo accounts (local trial only):"]
    for name, email, role in DEMO_USERS:
        if find_user_by_email(session, email) is None:
            create_user(session, email=email, name=name, roles=[role], password=demo_password(role))
        lines.append(f"  {role.label:<15} {email:<26} password: {demo_password(role)}")
    session.commit()
    return lines
