"""Access policy of the role pages (interviewer access to panel roles is tested in test_roles.py)."""

from core.auth import Role
from tests.support.policy import HIRING, PUBLIC

POLICY = {
    "hiring.roles": HIRING,
    "hiring.new_role": HIRING,
    "hiring.role_templates": HIRING,
    "hiring.new_role_from_template": HIRING,
    "hiring.role_detail": HIRING,  # and interviewers on the role's panel
    "hiring.edit_role": HIRING,
    "hiring.change_role_status": HIRING,
    "hiring.role_jd_markdown": HIRING,  # and interviewers on the role's panel
    "hiring.role_panel": frozenset({Role.HIRING_MANAGER}),
    "hiring.role_stages": HIRING,
    "hiring.add_role_stage": HIRING,
    "hiring.rename_role_stage": HIRING,
    "hiring.move_role_stage": HIRING,
    "hiring.remove_role_stage": HIRING,
    "hiring.draft_role_jd": HIRING,
    "hiring.career_page": PUBLIC,
}
