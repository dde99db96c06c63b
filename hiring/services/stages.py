"""The default pipeline stages every new role starts with (each role then owns its copy)."""

from __future__ import annotations

from hiring.models import RoleStage, StageKind

DEFAULT_STAGES: tuple[tuple[str, StageKind], ...] = (
    ("Lead", StageKind.ACTIVE),
    ("Contacted", StageKind.ACTIVE),
    ("Applied", StageKind.ACTIVE),
    ("Recruiter screen", StageKind.ACTIVE),
    ("Technical screen", StageKind.ACTIVE),
    ("Onsite loop", StageKind.ACTIVE),
    ("Debrief", StageKind.ACTIVE),
    ("Offer", StageKind.ACTIVE),
    ("Hired", StageKind.HIRED),
    ("Rejected", StageKind.REJECTED),
    ("Withdrawn", StageKind.WITHDRAWN),
)


def build_default_stages() -> list[RoleStage]:
    """Fresh stage rows for a new role, in funnel order, terminal stages last."""
    return [
        RoleStage(name=name, position=index, kind=kind)
        for index, (name, kind) in enumerate(DEFAULT_STAGES)
    ]
