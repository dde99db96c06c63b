"""Skill extraction with spaCy: a blank English tokenizer and matchers built from the taxonomy.

Names and aliases are matched case-insensitively (PhraseMatcher on LOWER); `exact` forms are matched
as written (ORTH) and, for ambiguous skills ("Go", "R"), only in a skills context: next to another
skill in a list, or next to a word such as "language" or "programming". A few forms the tokenizer
splits awkwardly ("C#", "scikit learn", "CI/CD") also get token patterns. Overlaps keep the longest
span. Offsets are character offsets into the text given, so every hit can be shown as evidence.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import compile_suffix_regex, filter_spans

if TYPE_CHECKING:
    from matching.taxonomy import Skill, Taxonomy

MAX_TEXT_CHARS = 5_000_000  # longer texts are refused: no CV, JD or transcript is that long
CHUNK_CHARS = 100_000  # texts are tokenized in chunks of about this size, cut at line breaks

# Tokens that may stand between two items of a skills list ("Python, Go and Rust", "GCP/AWS").
_LIST_SEPARATORS = frozenset(", / & and or ; | ( ) [ ] - + • · * : as well".split())
# Words that make a capitalised ambiguous form ("Go", "R") a skill when they stand right before it.
_CONTEXT_BEFORE = frozenset(
    {"in", "using", "with", "languages", "language", "skills", "stack", "like", "including", "incl"}
)
# ... or right after it.
_CONTEXT_AFTER = frozenset(
    {
        "language", "languages", "programming", "lang", "developer", "developers", "engineer",
        "engineers", "code", "coding", "script", "scripts", "scripting", "package", "packages",
        "library", "libraries", "module", "modules", "services", "microservices", "backend",
        "runtime", "studio", "shiny", "routines", "goroutines",
    }
)  # fmt: skip

# Token patterns for forms the tokenizer splits or spells in several ways; keyed by a form that the
# taxonomy's lookup resolves to a canonical skill (skipped when the taxonomy lacks it).
_TOKEN_PATTERNS: dict[str, list[list[dict[str, Any]]]] = {
    "scikit-learn": [
        [{"LOWER": "scikit"}, {"ORTH": {"IN": ["-", "_"]}, "OP": "?"}, {"LOWER": "learn"}],
        [{"LOWER": {"IN": ["sklearn", "scikitlearn", "scikit_learn"]}}],
    ],
    "C++": [[{"LOWER": {"IN": ["c++", "cpp"]}}]],
    "C#": [[{"ORTH": {"IN": ["C", "c"]}, "SPACY": False}, {"ORTH": "#"}], [{"LOWER": "csharp"}]],
    "F#": [[{"ORTH": "F", "SPACY": False}, {"ORTH": "#"}]],
    ".NET": [[{"LOWER": {"IN": [".net", "dotnet"]}}]],
    "VB.NET": [[{"LOWER": "vb.net"}], [{"LOWER": "vb", "SPACY": False}, {"LOWER": ".net"}]],
    "Node.js": [
        [{"LOWER": {"IN": ["node.js", "nodejs"]}}],
        [{"LOWER": "node"}, {"LOWER": {"IN": ["js", ".js"]}}],
    ],
    "CI/CD": [
        [
            {"LOWER": "ci", "SPACY": False},
            {"ORTH": {"IN": ["/", "-", "&"]}, "SPACY": False},
            {"LOWER": "cd"},
        ],
        [{"LOWER": "cicd"}],
    ],
    "Power BI": [
        [{"LOWER": "power", "SPACY": False}, {"ORTH": "-", "SPACY": False}, {"LOWER": "bi"}],
        [{"LOWER": "powerbi"}],
    ],
    "Kubernetes": [[{"LOWER": "k8s"}]],
    "Go": [[{"LOWER": "golang"}]],
    "PySpark": [[{"LOWER": "pyspark"}]],
}


class ExtractionError(ValueError):
    """The text cannot be searched for skills (too long, not text)."""


@dataclass(frozen=True)
class FoundSkill:
    name: str  # canonical name from the taxonomy
    category: str  # category key
    start: int  # character offsets into the text searched
    end: int
    text: str  # the verbatim span, text[start:end]
    source_kind: str  # "profile", "jd", "transcript", "portfolio", ...


class SkillCount(NamedTuple):
    name: str
    category: str
    count: int
    first: FoundSkill


@dataclass(frozen=True)
class _Hit:
    skill: int  # index into the extractor's skills
    span: Span
    needs_context: bool


def _normal(form: str) -> str:
    return " ".join(form.lower().split())


def _variants(form: str) -> set[str]:
    """Return the form with its hyphen/space variants ("scikit-learn", "scikit learn", "scikitlearn")."""
    forms = {form}
    if "-" in form:
        forms |= {form.replace("-", " "), form.replace("-", "")}
    if " " in form and len(form.split()) <= 3:
        forms.add(form.replace(" ", "-"))
    return forms


class SkillExtractor:
    """Find the skills of one taxonomy in texts; build once and reuse (building takes a moment)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.nlp = spacy.blank("en")
        self.nlp.max_length = 2 * CHUNK_CHARS
        # Split the full stop off a lone capital ("done in R.") which spaCy keeps for initials.
        suffixes = [*self.nlp.Defaults.suffixes, r"(?<=^[A-Z])\."]
        self.nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
        self._skills: list[Skill] = list(taxonomy.skills)
        self._index = {skill.name: i for i, skill in enumerate(self._skills)}
        # Normalised forms per skill, to refuse a match that only holds across odd spacing ("C #").
        self._lower_forms: list[set[str]] = [set() for _ in self._skills]
        self._exact_forms: list[set[str]] = [set() for _ in self._skills]
        self._lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._exact = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self._tokens = Matcher(self.nlp.vocab)
        self._build()

    def _build(self) -> None:
        lower_patterns: list[tuple[int, str]] = []
        exact_patterns: list[tuple[int, str]] = []
        for i, skill in enumerate(self._skills):
            exact = {_normal(form) for form in skill.exact}
            for form in skill.loose_forms:
                for variant in _variants(form):
                    key = _normal(variant)
                    if not key or key in exact or key in self._lower_forms[i]:
                        continue
                    owner = self.taxonomy.lookup(variant)
                    if owner is not None and owner.name != skill.name:
                        continue  # a variant that is another skill's name stays that skill's
                    self._lower_forms[i].add(key)
                    lower_patterns.append((i, variant))
            for form in skill.exact:
                self._exact_forms[i].add(" ".join(form.split()))
                exact_patterns.append((i, form))
        for matcher, patterns in ((self._lower, lower_patterns), (self._exact, exact_patterns)):
            docs = self.nlp.tokenizer.pipe(form for _, form in patterns)
            by_skill: dict[int, list[Doc]] = {}
            for (i, _), doc in zip(patterns, docs, strict=True):
                by_skill.setdefault(i, []).append(doc)
            for i, skill_docs in by_skill.items():
                matcher.add(str(i), skill_docs)
        for form, patterns in _TOKEN_PATTERNS.items():
            skill = self.taxonomy.lookup(form)
            if skill is not None:
                self._tokens.add(str(self._index[skill.name]), patterns)

    def extract(self, text: str, source_kind: str, *, listed: bool = False) -> list[FoundSkill]:
        """Return the skills found in the text, in text order, each with its verbatim span.

        ``listed`` says the text is itself a skills list (a profile's skills, a JD's tech stack):
        ambiguous forms such as "Go" then count without further context.
        """
        if not isinstance(text, str):
            raise ExtractionError(f"Expected text to search for skills, got {type(text).__name__}.")
        if len(text) > MAX_TEXT_CHARS:
            raise ExtractionError(
                f"The text is too long to search for skills ({len(text):,} characters; "
                f"the limit is {MAX_TEXT_CHARS:,})."
            )
        if not text.strip():
            return []
        chunks = list(_chunks(text, CHUNK_CHARS))
        found: list[FoundSkill] = []
        docs = self.nlp.tokenizer.pipe(chunk for _, chunk in chunks)
        for (offset, _), doc in zip(chunks, docs, strict=True):
            for skill_index, span in self._find(doc, listed):
                skill = self._skills[skill_index]
                start, end = offset + span.start_char, offset + span.end_char
                found.append(
                    FoundSkill(skill.name, skill.category, start, end, text[start:end], source_kind)
                )
        return found

    def _find(self, doc: Doc, listed: bool) -> list[tuple[int, Span]]:
        hits: list[_Hit] = []
        for matcher, exact in ((self._lower, False), (self._exact, True)):
            for match_id, start, end in matcher(doc):
                i = int(self.nlp.vocab.strings[match_id])
                span = doc[start:end]
                if not self._well_spaced(i, span, exact):
                    continue
                hits.append(_Hit(i, span, exact and self._skills[i].ambiguous and not listed))
        for match_id, start, end in self._tokens(doc):
            hits.append(_Hit(int(self.nlp.vocab.strings[match_id]), doc[start:end], False))
        accepted = [hit for hit in hits if not hit.needs_context]
        pending = [hit for hit in hits if hit.needs_context]
        while pending:
            ends = {hit.span.end for hit in accepted}
            starts = {hit.span.start for hit in accepted}
            now = [hit for hit in pending if _in_context(doc, hit.span, starts, ends)]
            if not now:
                break
            accepted += now
            pending = [hit for hit in pending if hit not in now]
        labelled = []
        for hit in accepted:
            span = Span(doc, hit.span.start, hit.span.end, label=str(hit.skill))
            labelled.append(span)
        return [(int(span.label_), span) for span in filter_spans(labelled)]

    def _well_spaced(self, skill: int, span: Span, exact: bool) -> bool:
        """Refuse a multi-token match whose spacing no form has ("C #" for "C#")."""
        if not any(token.whitespace_ for token in span[:-1]):
            return True
        if exact:
            return " ".join(span.text.split()) in self._exact_forms[skill]
        return _normal(span.text) in self._lower_forms[skill]


def _in_context(doc: Doc, span: Span, starts: set[int], ends: set[int]) -> bool:
    """Say whether an ambiguous form stands in a skills list or next to a skills word."""
    before = _neighbour(doc, span.start - 1, -1)
    after = _neighbour(doc, span.end, 1)
    if before is not None and (before + 1 in ends or doc[before].lower_ in _CONTEXT_BEFORE):
        return True
    if after is not None and (after in starts or doc[after].lower_ in _CONTEXT_AFTER):
        return True
    return False


def _neighbour(doc: Doc, index: int, step: int) -> int | None:
    """Return the nearest token index in direction `step` that is not a list separator or space."""
    skipped = 0
    while 0 <= index < len(doc):
        token = doc[index]
        if not (token.is_space or token.lower_ in _LIST_SEPARATORS):
            return index
        skipped += 1
        if skipped > 3:
            return None
        index += step
    return None


def _chunks(text: str, size: int) -> Iterator[tuple[int, str]]:
    """Yield (offset, chunk) pieces of at most `size` characters, cut at a line break when possible."""
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = text.rfind("\n", start, end)
            if cut <= start:
                cut = max(text.rfind(" ", start, end), text.rfind("\t", start, end))
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        start = end


def skills_of(found: Iterable[FoundSkill]) -> list[SkillCount]:
    """Aggregate found skills per canonical name, in order of first appearance."""
    counts: dict[str, int] = {}
    first: dict[str, FoundSkill] = {}
    for hit in found:
        counts[hit.name] = counts.get(hit.name, 0) + 1
        first.setdefault(hit.name, hit)
    return [SkillCount(name, first[name].category, counts[name], first[name]) for name in counts]


@functools.lru_cache(maxsize=1)
def default_extractor() -> SkillExtractor:
    """Return the extractor for the shipped taxonomy, built on first use."""
    from matching.taxonomy import default_taxonomy

    return SkillExtractor(default_taxonomy())
