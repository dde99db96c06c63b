"""Access policy of the loop template pages.

The role loop page also admits the interviewers on the role's panel (a per-object check: the sample
role has nobody on its panel, so interviewers get 403 here); see tests/interviews/test_loop_templates.py.
"""

from core.auth import Role
from tests.support.policy import HIRING

EDITORS = frozenset({Role.HIRING_MANAGER})

POLICY = {
    "interviews.templates": HIRING,
    "interviews.template_detail": HIRING,
    "interviews.sync_loop_templates": EDITORS,
    "interviews.role_loop": HIRING,  # and interviewers on the role's panel
    "interviews.copy_loop_template": EDITORS,
    "interviews.save_loop_settings": EDITORS,
    "interviews.add_loop_competency": EDITORS,
    "interviews.update_loop_competency": EDITORS,
    "interviews.remove_loop_competency": EDITORS,
    "interviews.add_loop_round": EDITORS,
    "interviews.update_loop_round": EDITORS,
    "interviews.move_loop_round": EDITORS,
    "interviews.remove_loop_round": EDITORS,
    "interviews.publish_loop": EDITORS,
}
