"""Access policy of the loop pages. The sample loop's interviewer is not the requesting user, so
interviewers get 403 on per-loop pages here; their access as panel members is tested in
test_loops_run.py, test_scorecards.py, test_blind.py and test_ics.py."""

from tests.support.policy import HIRING

POLICY = {
    "interviews.loop_detail": HIRING,  # and interviewers on the loop
    "interviews.application_loop": HIRING,
    "interviews.start_loop": HIRING,
    "interviews.cancel_loop": HIRING,
    "interviews.schedule_round": HIRING,
    "interviews.assign_round": HIRING,
    "interviews.round_ics": HIRING,  # and the round's interviewers
    "interviews.kit": HIRING,  # and the round's interviewers
    "interviews.scorecard": HIRING,  # and interviewers on the loop (their own scorecard)
    "interviews.scorecard_export": HIRING,  # and interviewers on the loop (what visibility allows)
    "interviews.run_reminders": HIRING,
}
