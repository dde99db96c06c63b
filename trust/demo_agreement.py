"""Agreement demo: a golden set, the release gate at work, and enough transcripts for the report.

1. Twelve answers to the backpropagation question, graded 0-5 by us, become the golden set of the
   pack rubric ``ml-loss-backprop`` and of a small demo rubric ``gate-demo-backprop``, whose
   versions show the gate: v1 (the reference answer only), v2 (with the pack's criteria and
   exemplars: passed, with figures), and a draft whose targets were swapped for a cake recipe
   (refused, with figures; it stays as the draft).
2. The seed loop is the only scored transcript of the interviews demo (15 rating–AI pairs). Loops
   whose scorecards are in but have no transcript get one, read by the real segmenter, aligner and
   both scorers: the candidate's answers are exemplar answers of the packs at levels around the
   candidate's mean rating (demo data; real transcripts are what the report is for).

Safe to run again: each step is skipped once done.
"""

from __future__ import annotations

import copy
import random
from statistics import fmean

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import find_user_by_email
from interviews.models import InterviewLoop, ScorecardStatus, Transcript
from interviews.services.debriefs.evidence import rating_of
from interviews.services.transcripts import scoring as transcript_scoring
from interviews.services.transcripts.formats import TranscriptText
from rubrics import golden
from rubrics.jobs import build_embedding_scorer, build_judge_scorer
from rubrics.models import Question
from rubrics.services import library
from trust.agreement import agreement_report

PACK_RUBRIC = "ml-loss-backprop"
DEMO_RUBRIC = "gate-demo-backprop"
SOURCE_NAME = "loopwise-demo-backprop-golden.csv"
EXTRA_TRANSCRIPTS = 3
QUESTION = (
    "Walk me through how a neural network learns from its data: what the loss function does, how "
    "backpropagation computes the gradients, and how you would pick a loss for a new task."
)
GRADED = (
    (
        "The forward pass computes the prediction and the loss, cross-entropy for a classifier. "
        "Backpropagation then applies the chain rule from the loss backwards, layer by layer: "
        "each layer multiplies the incoming gradient by its local derivative, so one backward "
        "pass gives the gradient of every weight. Adam or SGD then moves each weight against its "
        "gradient, scaled by the learning rate. For a new task I pick the loss from the data: "
        "focal loss or class weights when classes are imbalanced, Huber when targets have "
        "outliers. In deep stacks I watch for vanishing gradients.",
        5,
    ),
    (
        "You compute the loss, then use the chain rule to push the gradient back through each "
        "layer until you have the derivative of the loss with respect to every weight, reusing "
        "the activations from the forward pass. Gradient descent then takes a small step against "
        "it. For regression I would start with mean squared error and switch to Huber if outliers"
        " dominate.",
        5,
    ),
    (
        "Backpropagation is the chain rule applied from the loss back through the layers. The "
        "activations stored during the forward pass are reused to get each layer's gradient, and "
        "the optimiser, usually Adam, updates the weights. The loss depends on the task: cross-"
        "entropy for classification, squared error for regression.",
        4,
    ),
    (
        "The network predicts, the loss measures the error, and the gradients of the loss are "
        "sent back through the layers with the chain rule so every weight gets its own gradient. "
        "Then the weights are updated with gradient descent. I'd use cross-entropy for most "
        "classification problems.",
        4,
    ),
    (
        "Gradients flow from the loss to the weights through the chain rule: each layer passes "
        "back the gradient of its output times its local derivative. With those gradients the "
        "optimiser takes a step. Picking the loss, I look at what the metric we care about "
        "rewards.",
        4,
    ),
    (
        "After the forward pass you get a loss. Backprop works out how much each weight "
        "contributed to the loss, going backwards from the output layer, and then the optimiser "
        "changes the weights. I think it uses derivatives for that. Usually I keep the default "
        "loss of the library.",
        3,
    ),
    (
        "It computes gradients of the loss and the weights get updated with gradient descent so "
        "that the loss goes down over the epochs. The framework does the maths with autograd, I "
        "have not needed the details.",
        2,
    ),
    (
        "The loss tells you how wrong the model is and then backpropagation uses gradients "
        "somehow to make the model better. I usually just use Adam and it works.",
        2,
    ),
    (
        "The model gets better with more training data and more epochs. You keep training until "
        "the accuracy on the validation set stops improving, then you stop.",
        1,
    ),
    (
        "I think backpropagation is when you feed the outputs back in as the inputs for the next "
        "round, like a feedback loop, until the predictions stop changing.",
        1,
    ),
    (
        "Backpropagation is when the data goes backwards into the database so the model can read "
        "it again on the next pass.",
        0,
    ),
    (
        "Honestly the framework takes care of it. You call fit, the weights get adjusted inside, "
        "and I check the accuracy after every epoch.",
        0,
    ),
)
CAKE = (
    "Whisk the eggs with sugar, fold in the flour and bake the sponge at 180 degrees for twenty minutes."
)


def golden_csv_text() -> str:
    """The demo golden set in the format of ``flask rubrics evaluate``."""
    lines = ["question_id,question,reference_answer,answer,score,max_score"]
    for answer, score in GRADED:
        lines.append(f'{PACK_RUBRIC},"{QUESTION}",,"{answer}",{score},5')
    return "\n".join(lines) + "\n"


def _reference_only(content: dict) -> dict:
    """The pack rubric without exemplars: the demo rubric's second version."""
    data = copy.deepcopy(content)
    for criterion in data["criteria"]:
        for level in criterion["levels"].values():
            level["exemplars"] = []
    return data


def _cake(content: dict) -> dict:
    """The pack rubric with its targets swapped for a cake recipe: the draft the gate refuses."""
    data = copy.deepcopy(content)
    data["reference_answer"] = CAKE
    for criterion in data["criteria"]:
        for level in criterion["levels"].values():
            level["exemplars"] = ["Preheat the oven and grease the tin before pouring in the batter."]
    return data


def _golden_demo(session: Session, actor_id: int | None) -> list[str]:
    pack = library.find_rubric(session, PACK_RUBRIC)
    if pack is None or pack.latest_version is None:
        return [f"Agreement demo: the {PACK_RUBRIC} rubric is missing; load the rubric packs first."]
    lines = []
    text = golden_csv_text()
    if not golden.golden_answers(session, pack.id):
        golden.import_golden_set(session, pack, text, filename=SOURCE_NAME, actor_id=actor_id)
        lines.append(f"  Golden set of {PACK_RUBRIC}: {len(GRADED)} graded answers.")
    if library.find_rubric(session, DEMO_RUBRIC) is not None:
        return lines
    content = pack.latest_version.content
    rubric = library.create_rubric(
        session,
        key=DEMO_RUBRIC,
        title="Backpropagation (release-gate demo)",
        pack="demo",
        content=content,
        actor_id=actor_id,
    )
    golden.import_golden_set(session, rubric, text, filename=SOURCE_NAME, actor_id=actor_id)
    library.publish_rubric(session, rubric, actor_id=actor_id, notes="As in the ml-theory pack.")
    library.save_draft(session, rubric, content=_reference_only(content), actor_id=actor_id)
    version = library.publish_rubric(
        session,
        rubric,
        actor_id=actor_id,
        notes="Exemplars left out: on the golden set they pulled the levels of weak answers up.",
    )
    lines.append(f"  {DEMO_RUBRIC} v2: {golden.gate_run_for_version(session, version.id).message}")
    library.save_draft(session, rubric, content=_cake(content), actor_id=actor_id)
    try:
        library.publish_rubric(session, rubric, actor_id=actor_id, notes="Targets swapped by mistake.")
    except golden.GateRefused as refused:
        lines.append(f"  {DEMO_RUBRIC} draft: {refused.message}")
    return lines


# ---------------------------------------------------------------- more scored transcripts


def _exemplar(content: dict, level: int) -> str | None:
    """An exemplar answer of the rubric's heaviest criterion at the level, or the nearest level."""
    criterion = max(content["criteria"], key=lambda c: c["weight"])
    levels = criterion["levels"]
    for candidate in sorted((1, 2, 3, 4), key=lambda n: (abs(n - level), n)):
        exemplars = (levels.get(candidate) or levels.get(str(candidate)) or {}).get("exemplars") or []
        if exemplars:
            return exemplars[0]
    return None


def _loops_to_transcribe(session: Session) -> list[tuple[InterviewLoop, float]]:
    """Loops with every scorecard of a round submitted and no transcript, with their mean rating."""
    transcribed = set(session.scalars(select(Transcript.round_id)))
    found = []
    for loop in session.scalars(select(InterviewLoop).order_by(InterviewLoop.id)):
        if any(r.id in transcribed for r in loop.rounds):
            continue
        ratings = [
            rating
            for round_ in loop.rounds
            for card in round_.scorecards
            if card.status is ScorecardStatus.SUBMITTED
            for key in round_.competencies
            if (rating := rating_of(card, key)[0]) is not None
        ]
        if ratings:
            found.append((loop, fmean(ratings)))
    return found


def _transcript_body(session: Session, loop: InterviewLoop, strength: float, rng: random.Random) -> str:
    name = loop.application.candidate.name
    turns = []
    for round_ in loop.rounds:
        for question_id in round_.question_ids:
            question = session.get(Question, question_id)
            if question is None or question.rubric.latest_version is None:
                continue
            level = max(1, min(4, round(strength) + rng.choice((-1, 0, 0, 1))))
            answer = _exemplar(question.rubric.latest_version.content, level)
            if answer:
                turns.append(f"Interviewer: {question.prompt}\n\n{name}: {answer}")
    return "\n\n".join(turns)


def _more_transcripts(session: Session, actor_id: int | None) -> list[str]:
    if _demo_transcripts_done(session):
        return []
    candidates = _loops_to_transcribe(session)[:EXTRA_TRANSCRIPTS]
    if not candidates:
        return []
    rng = random.Random(11)
    embedding = build_embedding_scorer(session)
    judge = build_judge_scorer(current_app.config)[0]
    encode = transcript_scoring.embedding_encoder(session)
    lines = []
    for loop, strength in candidates:
        body = _transcript_body(session, loop, strength, rng)
        if not body:
            continue
        text = TranscriptText(body=body, source_format="paste", source_name="demo-onsite-notes.txt")
        transcript = transcript_scoring.create_transcript(
            session, loop.rounds[0], text, actor_id=actor_id, encode=encode
        )
        summary = transcript_scoring.score_transcript(
            session, transcript, embedding_scorer=embedding, judge_scorer=judge, actor_id=actor_id
        )
        lines.append(
            f"  Transcript for {loop.application.candidate.name}: {len(transcript.answers)} answers, "
            f"{summary['answers_scored']} scored."
        )
    return lines


def _demo_transcripts_done(session: Session) -> bool:
    return (
        session.scalar(
            select(Transcript.id).where(Transcript.source_name == "demo-onsite-notes.txt").limit(1)
        )
        is not None
    )


def load_agreement_demo(session: Session) -> list[str]:
    """Add the golden sets, the gate's demo runs and transcripts for the agreement report."""
    manager = find_user_by_email(session, "manager@example.com")
    actor_id = manager.id if manager else None
    lines = ["Agreement demo:"]
    lines += _golden_demo(session, actor_id)
    lines += _more_transcripts(session, actor_id)
    report = agreement_report(session)
    for scorer in report.overall.scorers:
        if scorer.n == 0:
            continue
        figures = f"κw {scorer.kappa}, ρ {scorer.spearman}" if scorer.enough else scorer.not_enough_text
        lines.append(f"  Agreement, all competencies, {scorer.label}: n = {scorer.n}, {figures}.")
    return lines
