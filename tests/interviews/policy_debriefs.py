"""Access policy of the debrief, decision, offer and comparison pages.

Per-loop pages also let the loop's panel in (interviewers with a scorecard on it, and the role's
hiring manager); the sample loop's interviewer is not the requesting user, so interviewers get 403
here: panel access is tested in test_debriefs.py.
"""

from tests.support.policy import HIRING

POLICY = {
    "interviews.debrief": HIRING,  # and the loop's panel
    "interviews.open_debrief": HIRING,  # and the loop's panel
    "interviews.vote_debrief": HIRING,  # and the loop's panel (only the panel's votes are taken)
    "interviews.reveal_debrief": HIRING,  # the service lets only the role's hiring manager/admin
    "interviews.close_debrief": HIRING,  # the service lets only the role's hiring manager/admin
    "interviews.record_decision": HIRING,  # the service lets only the role's hiring manager/admin
    "interviews.create_offer": HIRING,
    "interviews.offer": HIRING,
    "interviews.review_offer": HIRING,  # the service lets only the approver role (admins always)
    "interviews.role_comparison": HIRING,
}
