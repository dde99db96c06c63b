"""Access policy of the candidate-rights pages: hiring readers; erasure by recruiters (and admins)."""

from core.auth import Role
from tests.support.policy import HIRING

POLICY = {
    "trust.candidate_rights": HIRING,
    "trust.record_consent": HIRING,
    "trust.request_erasure": HIRING,
    "trust.export_json": HIRING,
    "trust.erase": frozenset({Role.RECRUITER}),
    "trust.role_ai_consent": HIRING,
    "trust.notices": HIRING,
}
