"""Access policy of the passive-candidate CRM pages."""

from tests.support.policy import HIRING

POLICY = {
    "hiring.prospects": HIRING,
    "hiring.due_prospects": HIRING,
    "hiring.prospect_detail": HIRING,
    "hiring.add_touchpoint": HIRING,
    "hiring.delete_touchpoint": HIRING,
    "hiring.set_reengagement": HIRING,
    "hiring.convert_prospect": HIRING,
    "hiring.add_to_pool": HIRING,
    "hiring.remove_from_pool": HIRING,
    "hiring.pools": HIRING,
    "hiring.pool_detail": HIRING,
    "hiring.rename_pool": HIRING,
    "hiring.delete_pool": HIRING,
    "hiring.add_pool_member": HIRING,
}
