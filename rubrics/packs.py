"""Rubric packs written by us: one YAML file per pack in ``rubrics/packs/``.

    pack: ml-theory
    title: ML theory
    description: What the pack covers and for which roles.
    questions:
      - key: ml-loss-backprop          # unique across all packs; becomes the rubric key
        category: ml_theory            # a rubrics.models.QuestionCategory value
        title: Loss functions and backpropagation
        prompt: What the interviewer asks, in one to three sentences.
        rubric: {title: ..., reference_answer: ..., criteria: [...]}   # the rubrics.content format

Loading validates everything and never touches the database; putting packs into the question bank
is the job of the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rubrics.content import KEY_PATTERN, ContentError, parse_content
from rubrics.models import QuestionCategory

PACKS_FOLDER = Path(__file__).resolve().parent / "packs"
_PACK_FIELDS = {"pack", "title", "description", "questions"}
_QUESTION_FIELDS = {"key", "category", "title", "prompt", "rubric"}


@dataclass(frozen=True)
class PackQuestion:
    key: str
    category: QuestionCategory
    title: str
    prompt: str
    rubric: dict[str, Any]  # rubric content, already checked by rubrics.content.parse_content


@dataclass(frozen=True)
class Pack:
    key: str
    title: str
    description: str
    questions: tuple[PackQuestion, ...]


def list_pack_files(folder: Path | None = None) -> list[Path]:
    """The pack files, sorted by name."""
    return sorted((folder or PACKS_FOLDER).glob("*.yaml"))


def require_text(value: Any, where: str, *, required: bool = True) -> str:
    """Stripped text; ContentError names ``where`` when it is missing (or not text)."""
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ContentError(f"{where} must be non-empty text")
    return value.strip()


def require_key(value: Any, where: str) -> str:
    """A key (KEY_PATTERN); ContentError names ``where`` otherwise."""
    if not isinstance(value, str) or not KEY_PATTERN.match(value):
        raise ContentError(f"{where} must match {KEY_PATTERN.pattern}")
    return value


def _question(raw: Any, where: str) -> PackQuestion:
    if not isinstance(raw, dict):
        raise ContentError(f"{where} must be a mapping")
    key = require_key(raw.get("key"), f"{where}: key")
    where = f"{where} ({key})"
    unknown = set(raw) - _QUESTION_FIELDS
    if unknown:
        raise ContentError(f"{where}: unknown fields {sorted(unknown)}")
    try:
        category = QuestionCategory(raw.get("category"))
    except ValueError:
        allowed = ", ".join(c.value for c in QuestionCategory)
        raise ContentError(f"{where}: category must be one of {allowed}") from None
    try:
        parse_content(raw.get("rubric"))
    except ContentError as error:
        raise ContentError(f"{where}: rubric: {error}") from None
    return PackQuestion(
        key=key,
        category=category,
        title=require_text(raw.get("title"), f"{where}: title"),
        prompt=require_text(raw.get("prompt"), f"{where}: prompt"),
        rubric=raw["rubric"],
    )


def load_pack(path: Path) -> Pack:
    """Read and validate one pack file; ContentError names the file and the question."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: a pack must be a mapping with pack, title and questions")
    unknown = set(data) - _PACK_FIELDS
    if unknown:
        raise ContentError(f"{path.name}: unknown fields {sorted(unknown)}")
    key = require_key(data.get("pack"), f"{path.name}: pack")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise ContentError(f"{path.name}: questions must be a non-empty list")
    questions: list[PackQuestion] = []
    for index, raw in enumerate(raw_questions, start=1):
        question = _question(raw, f"{path.name}: questions[{index}]")
        if any(q.key == question.key for q in questions):
            raise ContentError(f"{path.name}: question key {question.key!r} is used twice")
        questions.append(question)
    return Pack(
        key=key,
        title=require_text(data.get("title"), f"{path.name}: title"),
        description=require_text(data.get("description"), f"{path.name}: description"),
        questions=tuple(questions),
    )


def load_all_packs(folder: Path | None = None) -> list[Pack]:
    """Every pack, in file-name order; pack keys and question keys must be unique across packs."""
    packs: list[Pack] = []
    owners: dict[str, str] = {}
    for path in list_pack_files(folder):
        pack = load_pack(path)
        if any(p.key == pack.key for p in packs):
            raise ContentError(f"{path.name}: pack key {pack.key!r} is used by another pack file")
        for question in pack.questions:
            if question.key in owners:
                raise ContentError(
                    f"{path.name}: question key {question.key!r} is already used in pack "
                    f"{owners[question.key]!r}"
                )
            owners[question.key] = pack.key
        packs.append(pack)
    return packs
