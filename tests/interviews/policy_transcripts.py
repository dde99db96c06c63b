"""Access policy of the transcript pages. The sample rows are not assigned to the requesting user,
so interviewers get 403 here; the loop's panel and the round's interviewers are tested in
test_transcript_views.py."""

from tests.support.policy import HIRING

POLICY = {
    "interviews.round_transcripts": HIRING,  # and the loop's panel
    "interviews.upload_transcript": HIRING,  # and the round's interviewers
    "interviews.import_transcript": HIRING,  # and the round's interviewers
    "interviews.transcript_detail": HIRING,  # and the loop's panel (AI scores as visibility allows)
    "interviews.transcript_status": HIRING,  # and the loop's panel
    "interviews.align_transcript": HIRING,  # and the round's interviewers
    "interviews.score_transcript": HIRING,  # and the round's interviewers
    "interviews.delete_transcript": HIRING,  # and the round's interviewers
}
