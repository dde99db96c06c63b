"""Access policy of the CSV exchange pages (checked by tests/core/test_access.py).

Exports are bulk copies of personal data: hiring roles only, never interviewers.
"""

from tests.support.policy import HIRING

POLICY = {
    "hiring.export_candidates_csv": HIRING,
    "hiring.export_applications_csv": HIRING,
    "hiring.import_applications_csv": HIRING,
    "hiring.confirm_applications_csv": HIRING,
}
