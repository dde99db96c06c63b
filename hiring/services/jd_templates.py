"""The structured job description (its fields, their limits and validation) and our JD templates.

The templates live as data in hiring/data/jd_templates.yaml; they are read and validated on first
use, never at import time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.errors import DomainError, NotFoundError

TEMPLATES_FILE = Path(__file__).resolve().parents[1] / "data" / "jd_templates.yaml"

# Display order of the JD's sections, and their labels.
JD_FIELD_LABELS: dict[str, str] = {
    "summary": "Summary",
    "use_cases": "What the team works on",
    "must_have": "Must-have skills",
    "nice_to_have": "Nice-to-have skills",
    "tech_stack": "Tech stack",
    "day_to_day": "Day to day",
    "interview_process": "Interview process & timeline",
    "links": "Links to the team's work",
}
JD_FIELDS = tuple(JD_FIELD_LABELS)
JD_TEXT_FIELDS = ("summary", "use_cases", "day_to_day", "interview_process")
JD_LIST_FIELDS = ("must_have", "nice_to_have", "tech_stack", "links")

MAX_TEXT_LENGTH = 4000
MAX_LIST_ITEMS = 30
MAX_ITEM_LENGTH = 300
MAX_LINK_LENGTH = 500
TEMPLATE_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_WEB_LINK = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def is_web_link(value: str) -> bool:
    """Whether ``value`` is an http(s) URL (the only kind of link a JD may show)."""
    return bool(_WEB_LINK.match(value))


def split_lines(value: str | Sequence[str] | None) -> list[str]:
    """One item per non-blank line (or per list element), bullets stripped, duplicates dropped."""
    if value is None:
        return []
    lines = value.splitlines() if isinstance(value, str) else list(value)
    items: list[str] = []
    for line in lines:
        if not isinstance(line, str):
            raise DomainError("List items must be text.")
        item = _BULLET.sub("", line).strip()
        if item and item not in items:
            items.append(item)
    return items


def clean_jd_field(name: str, value: Any) -> str | list[str]:
    """Return a JD field's value, normalised, or raise DomainError saying what is wrong with it."""
    label = JD_FIELD_LABELS[name]
    if name in JD_TEXT_FIELDS:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise DomainError(f"{label} must be text.")
        text = value.replace("\r\n", "\n").strip()
        if len(text) > MAX_TEXT_LENGTH:
            raise DomainError(
                f"{label} is {len(text)} characters long; keep it under {MAX_TEXT_LENGTH}."
            )
        return text
    if not (value is None or isinstance(value, str | list | tuple)):
        raise DomainError(f"{label} must be a list, one item per line.")
    items = split_lines(value)
    if len(items) > MAX_LIST_ITEMS:
        raise DomainError(f"{label} has {len(items)} items; keep it to {MAX_LIST_ITEMS} at most.")
    limit = MAX_LINK_LENGTH if name == "links" else MAX_ITEM_LENGTH
    for item in items:
        if len(item) > limit:
            raise DomainError(f"{label}: “{item[:40]}…” is longer than {limit} characters.")
        if name == "links" and not is_web_link(item):
            raise DomainError(f"{label}: “{item[:80]}” is not a web address starting with https://.")
    return items


def clean_jd(data: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise the JD fields present in ``data`` (other keys are refused)."""
    unknown = set(data) - set(JD_FIELDS)
    if unknown:
        raise DomainError(f"Unknown job description fields: {', '.join(sorted(unknown))}.")
    return {name: clean_jd_field(name, value) for name, value in data.items()}


# ---------------------------------------------------------------- templates


class TemplateError(ValueError):
    """The templates file is malformed (a bug in our data, reported with the template's key)."""


@dataclass(frozen=True)
class JDTemplate:
    key: str
    title: str
    description: str
    loop_name: str
    summary: str
    use_cases: str
    must_have: tuple[str, ...]
    nice_to_have: tuple[str, ...]
    tech_stack: tuple[str, ...]
    day_to_day: str
    interview_process: str
    links: tuple[str, ...]

    def jd(self) -> dict[str, Any]:
        """The template's JD fields as plain data (lists as lists)."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name in JD_FIELDS
            for value in [getattr(self, name)]
        }

    def role_fields(self) -> dict[str, Any]:
        """The fields a role created from this template starts with."""
        return {"title": self.title, "loop_name": self.loop_name, **self.jd()}


_META_FIELDS = ("title", "description", "loop_name")


def parse_templates(text: str, *, source: str = "templates") -> dict[str, JDTemplate]:
    """Parse and validate templates from YAML text: every field present, within our limits."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise TemplateError(f"{source} is not valid YAML: {error}") from None
    if not isinstance(data, dict) or not data:
        raise TemplateError(f"{source} must map template keys to templates.")
    templates: dict[str, JDTemplate] = {}
    for key, body in data.items():
        where = f"{source}: template {key!r}"
        if not isinstance(key, str) or not TEMPLATE_KEY.match(key) or len(key) > 60:
            raise TemplateError(f"{where}: keys are lowercase words joined by hyphens.")
        if not isinstance(body, dict):
            raise TemplateError(f"{where} must be a mapping of fields.")
        expected = {*_META_FIELDS, *JD_FIELDS}
        missing, extra = expected - set(body), set(body) - expected
        if missing or extra:
            raise TemplateError(
                f"{where}: missing {sorted(missing) or 'nothing'}, unknown {sorted(extra) or 'nothing'}."
            )
        for name in _META_FIELDS:
            if not isinstance(body[name], str) or not body[name].strip() or len(body[name]) > 200:
                raise TemplateError(f"{where}: {name} must be text of 1 to 200 characters.")
        try:
            jd = clean_jd({name: body[name] for name in JD_FIELDS})
        except DomainError as error:
            raise TemplateError(f"{where}: {error.message}") from None
        empty = [name for name in JD_FIELDS if name != "links" and not jd[name]]
        if empty:
            raise TemplateError(f"{where}: {', '.join(empty)} must not be empty.")
        templates[key] = JDTemplate(
            key=key,
            **{name: body[name].strip() for name in _META_FIELDS},
            **{name: tuple(v) if isinstance(v, list) else v for name, v in jd.items()},
        )
    return templates


@functools.cache
def _load_default_templates() -> dict[str, JDTemplate]:
    return parse_templates(TEMPLATES_FILE.read_text(encoding="utf-8"), source=TEMPLATES_FILE.name)


def list_templates() -> list[JDTemplate]:
    """Our JD templates, in the order of the templates file."""
    return list(_load_default_templates().values())


def get_template(key: str) -> JDTemplate:
    """The template called ``key``, or NotFoundError."""
    try:
        return _load_default_templates()[key]
    except KeyError:
        raise NotFoundError(f"There is no JD template called “{key}”.") from None
