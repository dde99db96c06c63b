"""Access policy of the pipeline pages (interviewers on a role's panel may read its board and
applications: the matrix's sample roles have no panel, so that case is tested in test_pipeline.py)."""

from tests.support.policy import HIRING

POLICY = {
    "hiring.board": HIRING,
    "hiring.add_application": HIRING,
    "hiring.bulk_move": HIRING,
    "hiring.application_detail": HIRING,
    "hiring.move_application": HIRING,
}
