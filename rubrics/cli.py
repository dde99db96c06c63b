"""Commands: `flask rubrics evaluate DATA.csv --scorer {embedding,judge,combined} [--out PRED.csv]`.

The last line printed by ``evaluate`` is one JSON object (a stable contract):
{"n", "pearson", "spearman", "qwk", "rmse", "scorer", "model", "seconds"}; everything before it
(which calibration was used, progress) goes to stderr.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from rubrics.evaluation import (
    JUDGE_NOT_CONFIGURED,
    SCORERS,
    EvaluationError,
    Item,
    choose_calibration,
    embedding_predictions,
    evaluate,
    read_rows,
    sample_rows,
    split_rows,
    write_predictions,
)

log = logging.getLogger(__name__)

rubrics_group = AppGroup(
    "rubrics", help="Rubrics and scoring: evaluate the scorers against human grades."
)


def _embedding_scorer(items: Sequence[Item]):
    from core.embeddings import get_model
    from rubrics.scoring.embedding import EmbeddingScorer, load_calibration, read_calibration_file

    name, why = choose_calibration((item.question for item in items), read_calibration_file())
    click.echo(f"calibration: {why}", err=True)
    return EmbeddingScorer(get_model(), calibration=load_calibration(name))


def _judge_scorer() -> Any:
    config = current_app.config
    if not config.get("OPENAI_BASE_URL") or not config.get("JUDGE_MODEL"):
        raise click.ClickException(JUDGE_NOT_CONFIGURED)
    from rubrics.scoring.judge import JudgeScorer, make_judge_client

    client, reason = make_judge_client(config)
    if client is None:
        raise click.ClickException(f"{JUDGE_NOT_CONFIGURED} ({reason})")
    return JudgeScorer(client, config["JUDGE_MODEL"])


def _judge_results(judge: Any, items: Sequence[Item]) -> list[Any]:
    from rubrics.scoring.adhoc import adhoc_content

    results = []
    with click.progressbar(items, label="judge", file=click.get_text_stream("stderr")) as bar:
        for item in bar:
            content = adhoc_content(item.question, item.reference_answer)
            results.append(judge.score(item.answer, content, question=item.question))
    return results


@rubrics_group.command("evaluate")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--scorer", "scorer_name", type=click.Choice(SCORERS), default="embedding", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write rows + `predicted`.")
@click.option("--limit", type=click.IntRange(min=1), help="Score a deterministic sample of N rows.")
@click.option(
    "--sample-seed", type=int, default=0, show_default=True, help="Seed of the --limit sample."
)
def evaluate_command(
    data: str, scorer_name: str, out: str | None, limit: int | None, sample_seed: int
) -> None:
    """Score every answer of DATA.csv (never reading its human score) and print agreement as JSON."""
    try:
        fieldnames, rows = read_rows(data)
        dataset = split_rows(fieldnames, sample_rows(rows, limit, sample_seed))
    except EvaluationError as error:
        raise click.ClickException(str(error)) from None
    judge = _judge_scorer() if scorer_name in ("judge", "combined") else None
    try:
        embedding = _embedding_scorer(dataset.items) if scorer_name != "judge" else None
    except EvaluationError as error:
        raise click.ClickException(str(error)) from None

    def predict(items: Sequence[Item]) -> list[Any]:
        embedded = embedding_predictions(embedding, items) if embedding is not None else None
        if judge is None:
            return embedded
        judged = _judge_results(judge, items)
        if embedded is None:
            return judged
        from rubrics.scoring.adhoc import adhoc_content
        from rubrics.scoring.combine import combine

        return [
            combine(adhoc_content(item.question, item.reference_answer), e, j)
            for item, e, j in zip(items, embedded, judged, strict=True)
        ]

    model = {
        "embedding": embedding.model_name if embedding else "",
        "judge": judge.model_name if judge else "",
    }
    label = {
        "embedding": model["embedding"],
        "judge": model["judge"],
        "combined": f"{model['embedding']}+{model['judge']}",
    }[scorer_name]
    result = evaluate(dataset, predict, scorer=scorer_name, model=label)
    if out:
        write_predictions(out, dataset, result.predicted)
        click.echo(f"predictions written to {out}", err=True)
    click.echo(json.dumps(result.summary))


@rubrics_group.command("import-golden")
@click.argument("rubric_key")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
def import_golden_command(rubric_key: str, data: str) -> None:
    """Replace the golden set of RUBRIC_KEY with the graded answers of DATA.csv (evaluate format)."""
    from pathlib import Path

    from core.db import get_session
    from core.errors import DomainError
    from core.uploads import decode_text
    from rubrics import golden
    from rubrics.services.library import find_rubric

    session = get_session()
    rubric = find_rubric(session, rubric_key)
    if rubric is None:
        raise click.ClickException(f"There is no rubric {rubric_key!r}.")
    path = Path(data)
    try:
        text = decode_text(path.read_bytes(), name=path.name, max_bytes=golden.MAX_GOLDEN_BYTES)
        answers = golden.import_golden_set(session, rubric, text, filename=path.name, actor_id=None)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    session.commit()
    click.echo(json.dumps({"rubric": rubric.key, "answers": len(answers), "file": path.name}))


@rubrics_group.command("gate-judge")
@click.option("--model", "model_name", required=True, help="The candidate judge model.")
@click.option(
    "--prompt-version", default=None, help="The candidate judge prompt version (default: the current)."
)
@click.option(
    "--rubric", "rubric_keys", multiple=True, help="Only these rubrics' golden sets (repeatable)."
)
def gate_judge_command(
    model_name: str, prompt_version: str | None, rubric_keys: tuple[str, ...]
) -> None:
    """Compare a judge model (or prompt) with the configured judge on the golden sets.

    Prints the gate run as JSON and exits with status 1 when agreement drops by more than
    LOOPWISE_GATE_MARGIN (QWK or Spearman).
    """
    from core.db import get_session
    from core.errors import DomainError
    from rubrics import golden
    from rubrics.scoring.judge import PROMPT_VERSION, make_judge_scorer

    if prompt_version not in (None, PROMPT_VERSION):
        raise click.ClickException(
            f"Unknown judge prompt version {prompt_version!r}: this release ships {PROMPT_VERSION} only "
            "(rubrics/scoring/prompts/)."
        )
    config = current_app.config
    if not config.get("OPENAI_BASE_URL"):
        raise click.ClickException(JUDGE_NOT_CONFIGURED)
    current = None
    if config.get("JUDGE_MODEL"):
        current, reason = make_judge_scorer(config)
        if current is None:
            raise click.ClickException(f"{JUDGE_NOT_CONFIGURED} ({reason})")
    candidate, reason = make_judge_scorer({**config, "JUDGE_MODEL": model_name})
    if candidate is None:
        raise click.ClickException(f"{JUDGE_NOT_CONFIGURED} ({reason})")
    session = get_session()
    try:
        run = golden.check_judge_release(
            session, current=current, candidate=candidate, config=config, rubric_keys=rubric_keys
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    session.commit()
    click.echo(run.message, err=True)
    click.echo(json.dumps(golden.gate_record(run)))
    if run.outcome is golden.GateOutcome.REFUSED:
        raise SystemExit(1)
