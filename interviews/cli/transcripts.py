"""`flask interviews score-transcript PATH --loop TEMPLATE_SLUG [--judge/--no-judge]`.

The last line printed is one JSON object (a stable contract):

    {"answers": [{"index", "excerpt", "question_id", "question", "alignment",
                  "embedding": {"level", "evidence"}, "judge": {...} | null, "overall", "flags"}],
     "seconds": ...}

``index`` counts answers from 0 in transcript order; ``excerpt`` is the first 80 characters of the
answer; ``question_id`` is the question's key in the rubric packs (null when the answer matches no
question); ``alignment`` the alignment confidence (0-1); levels are 1-4; ``overall`` the combined
level. Progress goes to stderr. Everything runs in memory from the shipped template and rubric
packs: the database need not hold anything.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from core.errors import DomainError

JUDGE_HELP = (
    "Also grade each answer with the LLM judge. Default: on when an endpoint is configured "
    "(OPENAI_BASE_URL and LOOPWISE_JUDGE_MODEL), off otherwise. --judge without an endpoint says so "
    'on stderr and reports "judge": null; the embedding match is always reported.'
)


def _say(message: str) -> None:
    click.echo(message, err=True)


@click.command("score-transcript")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--loop",
    "template_slug",
    required=True,
    metavar="TEMPLATE_SLUG",
    help="A shipped loop template (interviews/loop_templates), e.g. ml-engineer-onsite.",
)
@click.option("--judge/--no-judge", "use_judge", default=None, help=JUDGE_HELP)
@with_appcontext
def score_transcript(path: Path, template_slug: str, use_judge: bool | None) -> None:
    """Score a transcript file (.txt, .vtt, .srt, .docx) against a loop template's questions.

    Finds the candidate's answers, aligns each to a question of the template (embedding similarity
    and question order), scores it with that question's rubric, and prints one JSON object as the
    last line.
    """
    started = time.perf_counter()
    from interviews.library import find_template
    from interviews.services.transcripts.alignment import QuestionTarget, align_answers
    from interviews.services.transcripts.formats import read_transcript_file
    from interviews.services.transcripts.segmentation import segment_transcript
    from rubrics.content import ContentError
    from rubrics.packs import load_all_packs

    try:
        text = read_transcript_file(path.read_bytes(), path.name)
        template = find_template(template_slug)
        questions = {q.key: q for pack in load_all_packs() for q in pack.questions}
    except DomainError as error:
        raise click.ClickException(error.message) from None
    except (LookupError, ContentError) as error:
        raise click.ClickException(str(error)) from None
    segments = segment_transcript(text.body)
    if not segments:
        raise click.ClickException(
            "No answers were found: the file needs paragraphs of the candidate's speech or "
            "speaker-labelled turns."
        )
    keys = [key for spec in template.rounds for key in spec.questions]
    rounds = [number for number, spec in enumerate(template.rounds) for _ in spec.questions]
    targets = [
        QuestionTarget(
            key=key,
            title=questions[key].title,
            prompt=questions[key].prompt,
            reference_answer=questions[key].rubric.get("reference_answer", ""),
            round_index=number,
        )
        for key, number in zip(keys, rounds, strict=True)
    ]
    _say(f"{len(segments)} answers found in {path.name}; loading the embedding model")

    from core.embeddings import get_model
    from rubrics.scoring.embedding import EmbeddingScorer

    embedding = EmbeddingScorer(get_model())  # in-memory cache: alignment and scoring share it
    alignments = align_answers(
        [s.text for s in segments],
        targets,
        embedding.encode,
        spoken_questions=[s.spoken_question for s in segments],
    )
    judge = _judge(use_judge)
    answers = _score(segments, alignments, questions, embedding, judge)
    click.echo(json.dumps({"answers": answers, "seconds": round(time.perf_counter() - started, 2)}))


def _judge(use_judge: bool | None):
    from rubrics.scoring.judge import judge_unavailable_reason, make_judge_scorer

    reason = judge_unavailable_reason(current_app.config)
    if use_judge is None:
        use_judge = reason is None
    if not use_judge:
        return None
    if reason is not None:
        _say(f'--judge: {reason} Reporting the embedding match only ("judge": null).')
        return None
    judge, reason = make_judge_scorer(current_app.config)
    if judge is None:
        _say(f"--judge: {reason} Reporting the embedding match only.")
    return judge


def _score(segments, alignments, questions, embedding, judge) -> list[dict]:
    from interviews.services.transcripts.results import cli_entry
    from rubrics.content import parse_content
    from rubrics.scoring.combine import combine

    aligned = [(s, a) for s, a in zip(segments, alignments, strict=True) if a.key is not None]
    contents = {a.key: parse_content(questions[a.key].rubric) for _, a in aligned}
    _say(f"Scoring {len(aligned)} aligned answers with the embedding match")
    results = embedding.score_many(
        [(s.text, contents[a.key]) for s, a in aligned],
        questions=[questions[a.key].prompt for _, a in aligned],
    )
    embedded = {s.index: result for (s, _), result in zip(aligned, results, strict=True)}
    entries = []
    for segment, alignment in zip(segments, alignments, strict=True):
        key = alignment.key
        judged = combined = None
        if key is not None:
            if judge is not None:
                _say(f"LLM judge: answer {segment.index} ({key})")
                judged = judge.score(segment.text, contents[key], question=questions[key].prompt)
            combined = combine(contents[key], embedded[segment.index], judged)
        entries.append(
            cli_entry(
                index=segment.index,
                answer=segment.text,
                question_key=key,
                question_title=questions[key].title if key else None,
                confidence=alignment.confidence,
                embedding=embedded.get(segment.index),
                judge=judged,
                combined=combined,
            )
        )
    return entries
