"""Human–AI agreement: the join of scorecard ratings with each AI scorer's levels, the figures, the
"not enough data" rule, and the report page, on the real database."""

from __future__ import annotations

import pytest
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score

from core.auth import Role
from interviews.models import RoundKind, ScorecardStatus, Transcript, TranscriptAnswer
from rubrics.models import ScoreOverride, ScoreStatus
from tests.support import interview_factories, rubric_factories
from tests.support.factories import create_test_user, sign_in
from trust import agreement
from trust.agreement import MIN_PAIRS, nearest_level, weighted_kappa

# Per loop: the ML theory interviewer's ml-depth and engineering ratings, the coding interviewer's
# engineering rating, the embedding level on the theory and coding answers, and the judge's (None:
# the judge was unavailable on that answer).
LOOPS = [
    # ml, eng, eng2, emb_theory, emb_code, judge_theory, judge_code
    (4, 3, 4, 3.8, 3.6, 4.0, 3.0),
    (3, 3, 3, 3.1, 2.9, 3.0, 3.0),
    (2, 2, 1, 2.2, 1.4, 2.0, None),
    (1, 2, 2, 1.6, 2.2, 1.0, 2.0),
    (4, 4, 3, 3.4, 3.2, 4.0, 3.0),
    (3, 2, 3, 2.6, 2.8, 3.0, 3.0),
    (2, 3, 2, 2.4, 2.5, 2.0, 2.0),
    (1, 1, 1, 1.2, 1.0, 2.0, 1.0),
    (3, 4, 4, 2.9, 3.7, 3.0, 4.0),
    (4, 3, 3, 3.5, 3.0, 4.0, None),
    (2, 1, 2, 1.9, 2.1, 2.0, 2.0),
]


@pytest.fixture
def questions(session):
    theory = rubric_factories.create_question(title="Backpropagation")
    code = rubric_factories.create_question(title="Debug a training loop")
    return theory, code


def make_loop(session, questions, row, number: int, *, submit: bool = True):
    ml, eng, eng2, emb_theory, emb_code, judge_theory, judge_code = row
    theory, code = questions
    template = interview_factories.create_loop_template(
        rounds=[
            (RoundKind.ML_THEORY, "ML theory", ["ml-depth", "engineering"]),
            (RoundKind.CODING, "Coding", ["engineering"]),
        ],
        question_ids=[[theory.id], [code.id]],
    )
    first, second = create_test_user(), create_test_user()
    loop = interview_factories.create_interview_loop(template=template, interviewers=[[first], [second]])
    theory_round, code_round = loop.rounds
    for card, ratings in (
        (theory_round.scorecards[0], {"ml-depth": ml, "engineering": eng}),
        (code_round.scorecards[0], {"engineering": eng2}),
    ):
        card.ratings = {key: {"rating": value, "note": "Evidence."} for key, value in ratings.items()}
        card.status = ScorecardStatus.SUBMITTED if submit else ScorecardStatus.DRAFT
    # One transcript of the whole onsite, kept on the first round: the coding answer still counts
    # under the coding round, which asks its question.
    transcript = Transcript(round=theory_round, body="...", source_name="onsite.txt")
    session.add(transcript)
    for index, (question, embedding_level, judge_level) in enumerate(
        ((theory, emb_theory, judge_theory), (code, emb_code, judge_code))
    ):
        answer = rubric_factories.create_answer(question=question, text=f"Answer {number}-{index}.")
        rubric_factories.create_score(answer=answer, scorer="embedding", level=embedding_level)
        if judge_level is None:
            rubric_factories.create_score(
                answer=answer, scorer="judge", level=None, status=ScoreStatus.UNAVAILABLE
            )
        else:
            rubric_factories.create_score(answer=answer, scorer="judge", level=judge_level)
        transcript.answers.append(
            TranscriptAnswer(
                index=index,
                start=0,
                end=1,
                text=answer.text,
                question_id=question.id,
                answer_id=answer.id,
            )
        )
    session.flush()
    return loop


def kappa(human, ai) -> float:
    rounded = [nearest_level(level) for level in ai]
    return round(cohen_kappa_score(human, rounded, weights="quadratic", labels=[1, 2, 3, 4]), 3)


def test_ratings_pair_with_each_scorers_levels_on_the_rounds_answers(session, questions):
    for number, row in enumerate(LOOPS):
        make_loop(session, questions, row, number)
    make_loop(session, questions, LOOPS[0], 99, submit=False)  # draft scorecards never count

    report = agreement.agreement_report(session)
    blocks = {block.row.competency: block for block in report.competencies}
    ml = blocks["ml-depth"].row
    embedding, judge = ml.scorers
    human = [row[0] for row in LOOPS]
    assert embedding.n == len(LOOPS) and embedding.kappa == kappa(human, [row[3] for row in LOOPS])
    assert embedding.spearman == round(spearmanr(human, [row[3] for row in LOOPS])[0], 3)
    assert judge.n == len(LOOPS) and judge.kappa == kappa(human, [row[5] for row in LOOPS])

    # Engineering is rated in both rounds: theory ratings pair with the theory answer, coding
    # ratings with the coding answer (the judge is missing where it was unavailable).
    eng = blocks["engineering"].row
    assert eng.scorers[0].n == 2 * len(LOOPS)
    human = [row[1] for row in LOOPS] + [row[2] for row in LOOPS]
    assert eng.scorers[0].kappa == kappa(human, [row[3] for row in LOOPS] + [row[4] for row in LOOPS])
    judged = [(row[2], row[6]) for row in LOOPS if row[6] is not None]
    assert eng.scorers[1].n == len(LOOPS) + len(judged)
    theory, code = questions
    by_rubric = {row.rubric: row for row in blocks["engineering"].rubrics}
    assert by_rubric[theory.rubric.key].scorers[0].n == len(LOOPS)
    coding = by_rubric[code.rubric.key].scorers[1]
    assert coding.n == len(judged) < MIN_PAIRS and coding.kappa is None
    assert coding.not_enough_text == f"not enough data (n = {len(judged)})"

    assert report.overall.scorers[0].n == 3 * len(LOOPS)
    assert report.loops == len(LOOPS) + 1 and report.scorecards == 2 * len(LOOPS)
    assert {row.rubric for row in report.rubrics} == {q.rubric.key for q in questions}


def test_a_persons_override_and_the_latest_verdict(session, questions):
    loop = make_loop(session, questions, LOOPS[0], 1)
    answer = loop.rounds[0].transcripts[0].answers[0].answer
    score = answer.scores[0]
    score.overrides.append(ScoreOverride(level=1.0, reason="Too generous.", criterion=None))
    session.flush()
    assert agreement.scorer_levels(answer) == {"embedding": 3.8, "judge": 4.0}  # the scorer's own
    rubric_factories.create_score(
        answer=answer,
        scorer="embedding",
        level=None,
        status=ScoreStatus.INSUFFICIENT_EVIDENCE,
        model="other-model",
    )
    assert agreement.scorer_levels(answer)["embedding"] == 1.0  # no evidence counts as level 1


def test_small_samples_say_not_enough_data(session, questions):
    for number, row in enumerate(LOOPS[:3]):
        make_loop(session, questions, row, number)
    row = agreement.agreement_report(session).overall
    assert all(s.n < MIN_PAIRS and s.kappa is None and s.spearman is None for s in row.scorers)
    assert row.scorers[0].not_enough_text == "not enough data (n = 9)"


def test_the_figures():
    assert [nearest_level(x) for x in (0.2, 1.49, 1.5, 2.5, 3.51, 4.7)] == [1, 1, 2, 3, 4, 4]
    assert weighted_kappa([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    assert weighted_kappa([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    assert weighted_kappa([3, 3, 3], [3.1, 2.9, 3.0]) is None  # one level on both sides: undefined
    assert weighted_kappa([1, 2, 3, 4, 2], [1.2, 2.4, 2.6, 3.9, 1.6]) == pytest.approx(
        cohen_kappa_score([1, 2, 3, 4, 2], [1, 2, 3, 4, 2], weights="quadratic"), abs=1e-3
    )


def test_the_page_shows_figures_and_dots(app, client, no_csrf, session, questions):
    for number, row in enumerate(LOOPS):
        make_loop(session, questions, row, number)
    manager = create_test_user(roles=[Role.RECRUITER], email="agreement@tests.example")
    session.commit()
    sign_in(client, manager.email)
    body = client.get("/trust/agreement").get_data(as_text=True)
    report = agreement.agreement_report(session)
    ml = next(b.row for b in report.competencies if b.row.competency == "ml-depth")
    assert "Human–AI agreement" in body and "ML depth" in body
    assert f"{ml.scorers[0].kappa:.2f}" in body and "<circle" in body
    assert "not enough data (n = " in body  # the coding rubric's judge row
    assert 'style="' not in body and "<script>" not in body  # the CSP forbids inline ones


def test_the_page_without_data(client, no_csrf, session):
    manager = create_test_user(roles=[Role.HIRING_MANAGER], email="empty-agreement@tests.example")
    session.commit()
    sign_in(client, manager.email)
    body = client.get("/trust/agreement").get_data(as_text=True)
    assert "No pairs yet" in body
