"""Access policy of the adverse-impact pages: admin only under the default SELF_ID_ROLES; hiring
managers and recruiters are refused unless the setting names them (tests/trust/test_impact_views.py)."""

from tests.support.policy import ADMIN_ONLY

POLICY = {
    "trust.impact": ADMIN_ONLY,
    "trust.impact_csv": ADMIN_ONLY,
    "trust.impact_method": ADMIN_ONLY,
    "trust.candidate_self_id": ADMIN_ONLY,
    "trust.erase_self_id": ADMIN_ONLY,
}
