"""Access policy of the matching pages (interviewers on a role's panel are refused: not a reader)."""

from tests.support.policy import HIRING

POLICY = {
    "matching.index": HIRING,
    "matching.candidate_skill_list": HIRING,
    "matching.role_skill_list": HIRING,
    "matching.role_ranking": HIRING,
    "matching.update_weights": HIRING,
}
