"""Access policy of the API token page and the API (checked by tests/core/test_access.py).

The /api/v1 routes ignore the session cookie: for the cookie layer their rule is PUBLIC, and the
API's own token check refuses them without a valid bearer token. tests/api/test_api_access.py
checks every /api/v1 route for no token, a cookie only and a token of each role.
"""

from tests.support.policy import ADMIN_ONLY, PUBLIC, SIGNED_IN

POLICY = {
    "api_tokens.tokens": SIGNED_IN,
    "api_tokens.revoke_token": SIGNED_IN,
    "api_tokens.all_tokens": ADMIN_ONLY,
    "api_tokens.revoke_any_token": ADMIN_ONLY,
    "api_v1.openapi_document": PUBLIC,
    "api_v1.list_roles": PUBLIC,
    "api_v1.get_role": PUBLIC,
    "api_v1.list_candidates": PUBLIC,
    "api_v1.get_candidate": PUBLIC,
    "api_v1.create_candidate": PUBLIC,
    "api_v1.list_applications": PUBLIC,
    "api_v1.move_application": PUBLIC,
    "api_v1.list_loops": PUBLIC,
    "api_v1.get_loop": PUBLIC,
    "api_v1.list_loop_scorecards": PUBLIC,
    "api_v1.get_scorecard": PUBLIC,
    "api_v1.save_scorecard": PUBLIC,
    "api_v1.list_round_transcripts": PUBLIC,
    "api_v1.create_transcript": PUBLIC,
    "api_v1.get_transcript": PUBLIC,
    "api_v1.start_scoring": PUBLIC,
    "api_v1.get_transcript_scores": PUBLIC,
    "api_v1.get_debrief": PUBLIC,
    "api_v1.cast_vote": PUBLIC,
    "api_v1.reveal_votes": PUBLIC,
    "api_v1.list_decisions": PUBLIC,
    "api_v1.record_decision": PUBLIC,
}
