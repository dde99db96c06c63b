"""Loop templates written by us: one YAML file per template in ``interviews/loop_templates/``.

    slug: ml-engineer-onsite              # unique; the CLI's --loop value
    title: ML engineer onsite
    family: ml-engineer                   # the JD template (hiring/data/jd_templates.yaml) it suits
    description: Who the loop is for and what it finds out.
    competencies:
      - key: ml-fundamentals
        title: ML fundamentals
        description: What a strong candidate shows.
        must_haves: ["Strong Python and PyTorch"]   # JD must-have lines this competency assesses
    rounds:
      - kind: ml_theory                   # an interviews.models.RoundKind value
        title: ML theory
        duration_minutes: 60
        competencies: [ml-fundamentals]   # focus attributes: keys from the list above
        questions: [ml-loss-backprop]     # question keys from rubrics/packs, asked in this order

Loading validates everything (question keys included) and never touches the database; copying a
template into the database is the job of the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from interviews.models import RoundKind
from rubrics.content import ContentError
from rubrics.packs import load_all_packs, require_key, require_text

TEMPLATES_FOLDER = Path(__file__).resolve().parent / "loop_templates"
_TEMPLATE_FIELDS = {"slug", "title", "family", "description", "competencies", "rounds"}
_COMPETENCY_FIELDS = {"key", "title", "description", "must_haves"}
_ROUND_FIELDS = {"kind", "title", "duration_minutes", "competencies", "questions"}


@dataclass(frozen=True)
class CompetencySpec:
    key: str
    title: str
    description: str
    must_haves: tuple[str, ...]


@dataclass(frozen=True)
class RoundSpec:
    kind: RoundKind
    title: str
    duration_minutes: int
    competencies: tuple[str, ...]
    questions: tuple[str, ...]  # question keys


@dataclass(frozen=True)
class TemplateSpec:
    slug: str
    title: str
    family: str
    description: str
    competencies: tuple[CompetencySpec, ...]
    rounds: tuple[RoundSpec, ...]

    def competencies_data(self) -> list[dict[str, Any]]:
        """The competencies in the shape of ``LoopTemplate.competencies``."""
        return [
            {
                "key": c.key,
                "title": c.title,
                "description": c.description,
                "must_haves": list(c.must_haves),
            }
            for c in self.competencies
        ]


def _mapping(raw: Any, fields: set[str], where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ContentError(f"{where} must be a mapping")
    unknown = set(raw) - fields
    if unknown:
        raise ContentError(f"{where}: unknown fields {sorted(unknown)}")
    return raw


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(f"{where} must be a list of non-empty texts")
    return tuple(v.strip() for v in value)


def _competency(raw: Any, where: str) -> CompetencySpec:
    raw = _mapping(raw, _COMPETENCY_FIELDS, where)
    key = require_key(raw.get("key"), f"{where}: key")
    return CompetencySpec(
        key=key,
        title=require_text(raw.get("title"), f"{where} ({key}): title"),
        description=require_text(
            raw.get("description"), f"{where} ({key}): description", required=False
        ),
        must_haves=_strings(raw.get("must_haves"), f"{where} ({key}): must_haves"),
    )


def _round(raw: Any, where: str, competencies: set[str], questions: set[str]) -> RoundSpec:
    raw = _mapping(raw, _ROUND_FIELDS, where)
    try:
        kind = RoundKind(raw.get("kind"))
    except ValueError:
        allowed = ", ".join(k.value for k in RoundKind)
        raise ContentError(f"{where}: kind must be one of {allowed}") from None
    duration = raw.get("duration_minutes", 45)
    if not isinstance(duration, int) or not 5 <= duration <= 480:
        raise ContentError(f"{where}: duration_minutes must be a whole number from 5 to 480")
    focus = _strings(raw.get("competencies"), f"{where}: competencies")
    unknown = sorted(set(focus) - competencies)
    if unknown:
        raise ContentError(f"{where}: competencies {unknown} are not defined by the template")
    asked = _strings(raw.get("questions"), f"{where}: questions")
    missing = sorted(set(asked) - questions)
    if missing:
        raise ContentError(f"{where}: questions {missing} are not in any rubric pack")
    return RoundSpec(
        kind=kind,
        title=require_text(raw.get("title"), f"{where}: title"),
        duration_minutes=duration,
        competencies=focus,
        questions=asked,
    )


def load_template(path: Path, question_keys: set[str] | None = None) -> TemplateSpec:
    """Read and validate one template file; ContentError names the file and the part at fault."""
    if question_keys is None:
        question_keys = {q.key for pack in load_all_packs() for q in pack.questions}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: not valid YAML: {error}") from None
    data = _mapping(data, _TEMPLATE_FIELDS, path.name)
    slug = require_key(data.get("slug"), f"{path.name}: slug")
    raw_competencies = data.get("competencies")
    if not isinstance(raw_competencies, list) or not raw_competencies:
        raise ContentError(f"{path.name}: competencies must be a non-empty list")
    competencies = tuple(
        _competency(raw, f"{path.name}: competencies[{i}]") for i, raw in enumerate(raw_competencies, 1)
    )
    keys = [c.key for c in competencies]
    if len(set(keys)) != len(keys):
        raise ContentError(f"{path.name}: competency keys must be unique")
    raw_rounds = data.get("rounds")
    if not isinstance(raw_rounds, list) or not raw_rounds:
        raise ContentError(f"{path.name}: rounds must be a non-empty list")
    rounds = tuple(
        _round(raw, f"{path.name}: rounds[{i}]", set(keys), question_keys)
        for i, raw in enumerate(raw_rounds, 1)
    )
    return TemplateSpec(
        slug=slug,
        title=require_text(data.get("title"), f"{path.name}: title"),
        family=require_text(data.get("family"), f"{path.name}: family", required=False),
        description=require_text(data.get("description"), f"{path.name}: description", required=False),
        competencies=competencies,
        rounds=rounds,
    )


def load_all_templates(folder: Path | None = None) -> list[TemplateSpec]:
    """Every shipped template, in file-name order; slugs must be unique."""
    question_keys = {q.key for pack in load_all_packs() for q in pack.questions}
    templates: list[TemplateSpec] = []
    for path in sorted((folder or TEMPLATES_FOLDER).glob("*.yaml")):
        template = load_template(path, question_keys)
        if any(t.slug == template.slug for t in templates):
            raise ContentError(f"{path.name}: slug {template.slug!r} is used by another template")
        templates.append(template)
    return templates


def find_template(slug: str, folder: Path | None = None) -> TemplateSpec:
    """The shipped template with this slug; LookupError lists the known slugs."""
    templates = load_all_templates(folder)
    for template in templates:
        if template.slug == slug:
            return template
    raise LookupError(f"No loop template {slug!r}; known: {', '.join(t.slug for t in templates)}")
