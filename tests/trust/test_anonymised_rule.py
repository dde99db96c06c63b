"""An answer recorded before its role was anonymised is kept from the LLM judge until the transcript
is scored again (which records a redacted copy)."""

from __future__ import annotations

from interviews.services.transcripts import scoring
from rubrics.jobs import build_embedding_scorer
from rubrics.models import Answer
from rubrics.services.judge_permission import judge_permission
from tests.interviews.test_anonymised_review import TRANSCRIPT, anonymised_loop
from tests.interviews.test_transcripts_job import stored_transcript
from tests.support.factories import create_test_user
from trust.anonymised import JUDGE_REFUSAL


def _answers(session, transcript) -> list[Answer]:
    session.refresh(transcript)
    return [session.get(Answer, row.answer_id) for row in transcript.answers if row.answer_id]


def test_an_answer_recorded_before_anonymising_is_kept_from_the_judge_until_rescored(app, session):
    loop = anonymised_loop(session, create_test_user(name="Ana Rule"), anonymised=False)
    transcript = stored_transcript(session, loop, body=TRANSCRIPT)
    scorer = build_embedding_scorer(session)
    scoring.score_transcript(session, transcript, embedding_scorer=scorer)
    before = _answers(session, transcript)
    assert any("Priya" in answer.text for answer in before)
    assert all(judge_permission(session, answer) == (True, None) for answer in before)

    loop.application.role.anonymised_review = True
    session.flush()
    leaking = next(answer for answer in before if "Priya" in answer.text)
    assert judge_permission(session, leaking) == (False, JUDGE_REFUSAL)

    scoring.score_transcript(session, transcript, embedding_scorer=scorer)
    after = _answers(session, transcript)
    assert after and all("Priya" not in answer.text for answer in after)
    assert all(judge_permission(session, answer) == (True, None) for answer in after)
