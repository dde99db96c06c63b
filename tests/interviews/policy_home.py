"""Access policy of the interviews home page."""

from core.auth import Role

POLICY = {
    "interviews.index": frozenset({Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER}),
}
