"""Our skill taxonomy: canonical skills with categories, aliases and broader skills, stored as YAML.

The taxonomy lives in matching/data/skills.yaml. It is read and fully validated on first use, never at
import time: a load either returns a whole Taxonomy or raises TaxonomyError naming the file, the skill
and the problem.

Forms. A skill's name and its ``aliases`` are matched case-insensitively and are unique across the
file (a name counts as an alias of itself). ``exact`` forms are matched case-sensitively only ("Go",
"R", "TF"); an exact form may repeat the skill's own name as written (the name is then matched only
as written), but never an alias. ``ambiguous`` marks a skill whose exact forms are common words or
letters, which an extractor should accept only in a skills context.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SKILLS_FILE = Path(__file__).resolve().parent / "data" / "skills.yaml"

MAX_FILE_BYTES = 2_000_000
MAX_SKILLS = 10_000
MAX_FORM_LENGTH = 80
MAX_FORMS_PER_SKILL = 40
_TOP_FIELDS = {"version", "categories", "skills"}
_SKILL_FIELDS = {"name", "category", "aliases", "broader", "ambiguous", "exact"}
_CATEGORY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class TaxonomyError(ValueError):
    """The taxonomy file is malformed; the message names the file, the skill and the problem."""


@dataclass(frozen=True)
class Skill:
    name: str
    key: str
    category: str
    category_label: str
    aliases: tuple[str, ...] = ()
    broader: str | None = None
    ambiguous: bool = False
    exact: tuple[str, ...] = ()

    @property
    def loose_forms(self) -> tuple[str, ...]:
        """The forms matched in any case: the aliases, and the name unless it is an exact form."""
        return self.aliases if self.name in self.exact else (self.name, *self.aliases)


@dataclass(frozen=True)
class Taxonomy:
    skills: tuple[Skill, ...]
    categories: dict[str, str]
    _by_name: dict[str, Skill] = field(init=False, repr=False, compare=False)
    _by_form: dict[str, Skill] = field(init=False, repr=False, compare=False)
    _by_exact: dict[str, Skill] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_form = {form.casefold(): s for s in self.skills for form in (s.name, *s.aliases)}
        object.__setattr__(self, "_by_name", {s.name.casefold(): s for s in self.skills})
        object.__setattr__(self, "_by_form", by_form)
        object.__setattr__(self, "_by_exact", {form: s for s in self.skills for form in s.exact})

    def __len__(self) -> int:
        return len(self.skills)

    def by_name(self, name: str) -> Skill:
        """The skill whose canonical name is ``name`` (any case), or KeyError."""
        try:
            return self._by_name[name.casefold()]
        except KeyError:
            raise KeyError(f"There is no skill called “{name}” in the taxonomy.") from None

    def lookup(self, form: str) -> Skill | None:
        """The skill a form stands for: a name or alias in any case, or an exact form as written."""
        text = " ".join(form.split())
        return self._by_form.get(text.casefold()) or self._by_exact.get(text)

    def ancestors(self, name: str) -> tuple[str, ...]:
        """The names of the broader skills of ``name``, nearest first."""
        chain: list[str] = []
        skill = self.by_name(name)
        while skill.broader is not None:
            chain.append(skill.broader)
            skill = self.by_name(skill.broader)
        return tuple(chain)

    def in_category(self, category: str) -> tuple[Skill, ...]:
        """The skills of one category, in file order."""
        return tuple(skill for skill in self.skills if skill.category == category)


def skill_key(name: str) -> str:
    """A URL-safe slug of a skill name ("C++" → "cpp", "C#" → "csharp", "Node.js" → "node-js")."""
    text = name.casefold().replace("++", "pp").replace("#", "sharp").replace("+", "plus")
    return re.sub(r"[^a-z0-9]+", "-", text.replace("&", " and ")).strip("-")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key repeated within one mapping (YAML keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)  # refuses unhashable keys itself
        if len(mapping) < len(node.value):
            keys = [self.construct_object(key_node) for key_node, _ in node.value]
            twice = next(key for key in keys if keys.count(key) > 1)
            raise yaml.constructor.ConstructorError(
                None, None, f"key {twice!r} appears twice", node.start_mark
            )
        return mapping


def _text(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str):
        raise TaxonomyError(f"{where}: {field} must be text, not {value!r} (quote it in the YAML).")
    text = " ".join(value.split())
    if not text:
        raise TaxonomyError(f"{where}: {field} must not be empty.")
    if len(text) > MAX_FORM_LENGTH:
        raise TaxonomyError(
            f"{where}: {field} “{text[:40]}…” is longer than {MAX_FORM_LENGTH} characters."
        )
    return text


def _texts(value: Any, where: str, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise TaxonomyError(f"{where}: {field} must be a list.")
    if len(value) > MAX_FORMS_PER_SKILL:
        raise TaxonomyError(
            f"{where}: {field} has {len(value)} entries; keep it to {MAX_FORMS_PER_SKILL}."
        )
    return tuple(_text(item, where, field) for item in value)


def _parse_categories(data: Any, source: str) -> dict[str, str]:
    if not isinstance(data, dict) or not data:
        raise TaxonomyError(f"{source}: categories must map category keys to labels.")
    categories: dict[str, str] = {}
    for key, label in data.items():
        if not isinstance(key, str) or not _CATEGORY_KEY.match(key):
            raise TaxonomyError(
                f"{source}: category key {key!r} must be lowercase letters, digits and _."
            )
        categories[key] = _text(label, f"{source}: category {key!r}", "label")
    return categories


def _parse_skill(entry: Any, index: int, categories: dict[str, str], source: str) -> Skill:
    where = f"{source}: skill #{index}"
    if not isinstance(entry, dict):
        raise TaxonomyError(f"{where} must be a mapping with at least a name and a category.")
    if "name" in entry:
        where = f"{source}: skill “{_text(entry['name'], where, 'name')}”"
    missing = sorted({"name", "category"} - set(entry))
    unknown = sorted(map(str, set(entry) - _SKILL_FIELDS))
    if missing or unknown:
        raise TaxonomyError(f"{where}: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}.")
    name = _text(entry["name"], where, "name")
    category = entry["category"]
    if not isinstance(category, str) or category not in categories:
        raise TaxonomyError(f"{where}: unknown category {category!r}; add it under categories.")
    ambiguous = entry.get("ambiguous", False)
    if not isinstance(ambiguous, bool):
        raise TaxonomyError(f"{where}: ambiguous must be true or false.")
    exact = _texts(entry.get("exact"), where, "exact")
    if ambiguous and not exact:
        raise TaxonomyError(f"{where}: an ambiguous skill lists its case-sensitive forms under exact.")
    aliases: list[str] = []
    for alias in _texts(entry.get("aliases"), where, "aliases"):
        if alias.casefold() not in {name.casefold(), *(a.casefold() for a in aliases)}:
            aliases.append(alias)
    broader = entry.get("broader")
    return Skill(
        name=name,
        key=skill_key(name),
        category=category,
        category_label=categories[category],
        aliases=tuple(aliases),
        broader=None if broader is None else _text(broader, where, "broader"),
        ambiguous=ambiguous,
        exact=tuple(dict.fromkeys(exact)),
    )


def _check_forms(skills: list[Skill], source: str) -> None:
    owners: dict[str, Skill] = {}
    keys: dict[str, Skill] = {}
    for skill in skills:
        for form in (skill.name, *skill.aliases):
            other = owners.setdefault(form.casefold(), skill)
            if other is skill:
                continue
            if other.name == skill.name:
                raise TaxonomyError(f"{source}: skill “{skill.name}” is listed twice.")
            raise TaxonomyError(
                f"{source}: “{form}” is both skill “{other.name}” and skill “{skill.name}” "
                "(names and aliases are unique, in any case)."
            )
        other = keys.setdefault(skill.key, skill)
        if other is not skill:
            raise TaxonomyError(
                f"{source}: skills “{other.name}” and “{skill.name}” share the key {skill.key!r}."
            )
    loose = {form.casefold(): skill for skill in skills for form in skill.loose_forms}
    exact_owners: dict[str, Skill] = {}
    for skill in skills:
        for form in skill.exact:
            if form.casefold() in loose:
                raise TaxonomyError(
                    f"{source}: skill “{skill.name}”: exact form “{form}” clashes with skill "
                    f"“{loose[form.casefold()].name}”, which matches “{form}” in any case."
                )
            other = exact_owners.setdefault(form.casefold(), skill)
            if other is not skill:
                raise TaxonomyError(
                    f"{source}: exact form “{form}” is listed by both “{other.name}” and “{skill.name}”."
                )


def _check_broader(skills: list[Skill], source: str) -> None:
    by_name = {skill.name: skill for skill in skills}
    for skill in skills:
        if skill.broader is not None and skill.broader not in by_name:
            raise TaxonomyError(
                f"{source}: skill “{skill.name}”: broader skill “{skill.broader}” is not a skill's name."
            )
    done: set[str] = set()
    for skill in skills:
        path: list[str] = []
        current: Skill | None = skill
        while current is not None and current.name not in done:
            if current.name in path:
                cycle = [*path[path.index(current.name) :], current.name]
                raise TaxonomyError(f"{source}: broader skills form a cycle: {' → '.join(cycle)}.")
            path.append(current.name)
            current = by_name.get(current.broader) if current.broader else None
        done.update(path)


def parse_taxonomy(text: str, *, source: str = "taxonomy") -> Taxonomy:
    """Parse and validate a taxonomy from YAML text, or raise TaxonomyError."""
    if len(text) > MAX_FILE_BYTES:
        raise TaxonomyError(
            f"{source} is {len(text):,} characters long; the limit is {MAX_FILE_BYTES:,}."
        )
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: builds plain data only
    except yaml.YAMLError as error:
        raise TaxonomyError(f"{source} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise TaxonomyError(f"{source} must be a mapping with version, categories and skills.")
    unknown = set(data) - _TOP_FIELDS
    if unknown or "skills" not in data or "categories" not in data:
        raise TaxonomyError(
            f"{source} has the fields {sorted(map(str, data))}; expected {sorted(_TOP_FIELDS)}."
        )
    if data.get("version") != 1:
        raise TaxonomyError(f"{source}: version {data.get('version')!r} is not supported (expected 1).")
    categories = _parse_categories(data["categories"], source)
    entries = data["skills"]
    if not isinstance(entries, list) or not entries:
        raise TaxonomyError(f"{source}: skills must be a non-empty list.")
    if len(entries) > MAX_SKILLS:
        raise TaxonomyError(f"{source} has {len(entries)} skills; the limit is {MAX_SKILLS}.")
    skills = [_parse_skill(entry, i, categories, source) for i, entry in enumerate(entries, 1)]
    _check_forms(skills, source)
    _check_broader(skills, source)
    return Taxonomy(skills=tuple(skills), categories=categories)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (default: matching/data/skills.yaml), or raise TaxonomyError."""
    path = SKILLS_FILE if path is None else Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TaxonomyError(f"{path.name} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}.")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TaxonomyError(f"{path.name} cannot be read: {error}") from None
    return parse_taxonomy(text, source=path.name)


@functools.lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The shipped taxonomy, loaded once per process."""
    return load_taxonomy()
