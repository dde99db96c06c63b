"""Access policy of the candidate pages (checked by tests/core/test_access.py).

candidate_detail is also open to interviewers on the panel of a role the candidate applied to;
the matrix's sample candidate is on no panel, so it is HIRING here: see test_candidates.py.
"""

from tests.support.policy import HIRING

POLICY = {
    "hiring.candidates": HIRING,
    "hiring.new_candidate": HIRING,
    "hiring.edit_candidate": HIRING,
    "hiring.candidate_detail": HIRING,
    "hiring.add_candidate_document": HIRING,
    "hiring.remove_candidate_document": HIRING,
    "hiring.import_candidate_profile": HIRING,
    "hiring.import_candidates_csv": HIRING,
    "hiring.confirm_candidates_csv": HIRING,
    "hiring.candidate_duplicates": HIRING,
    "hiring.merge_candidate": HIRING,
    "hiring.candidate_merges": HIRING,
    "hiring.candidate_merge": HIRING,
    "hiring.undo_candidate_merge": HIRING,
}
