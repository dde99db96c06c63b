"""Access policy of the interviews home page and its reminders."""

from core.auth import Role

POLICY = {
    "interviews.index": frozenset({Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER}),
    "interviews.read_reminders": frozenset({Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER}),
}
