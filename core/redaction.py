"""Redaction of personal details from free text, for anonymised review.

A blank English spaCy pipeline (``spacy.blank("en")``, no model download) tokenizes the text; token
attributes and matchers find what identifies a person or hints at protected traits:

- names: the candidate's known name parts (case-insensitive, possessives included: "Amith's"
  keeps its "'s"), and capitalised words after cues such as "my name is", "I'm", "call me";
- emails and URLs (spaCy's ``like_email`` / ``like_url``, paths after a URL included);
- phone numbers (a pattern of 9 to 15 digits with the usual separators);
- pronouns that give a gender (he, she, him, her, his, hers, himself, herself);
- ages ("32 years old", "aged 45", "age: 45", "born in 1990");
- school names ("University of X", "X University", "X College", "X Institute of Technology",
  "École …", and a short list of well-known names and acronyms).

Everything is replaced by a placeholder such as ``[name]``; a ``Redaction`` keeps each span with its
place in both texts, so pages can mark what was hidden and map positions between the two.
Over-redaction is preferred to a leak: a company called after a person loses its name too.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

KINDS = ("name", "email", "phone", "url", "pronoun", "age", "school")
PLACEHOLDERS = {kind: f"[{kind}]" for kind in KINDS}

GENDERED_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers", "himself", "herself"})
POSSESSIVE_ENDINGS = frozenset({"'s", "’s", "'", "’"})

# Capitalised words that follow "I'm" / "I am" without being a name.
_NOT_NAMES = frozenset(
    """a an the not just so also really very quite still now here there from in at on with based
    currently working going happy glad sorry sure excited interested responsible passionate
    head lead senior junior principal chief staff engineer engineering manager director vp data
    machine ml ai research researcher scientist architect developer consultant student graduate
    founder cofounder co-founder owner part fluent familiar comfortable confident experienced
    new good great okay ok fine""".split()
)
_NAME_CUES = (
    ("my", "name", "is"),
    ("my", "name", "'s"),
    ("my", "name", "’s"),
    ("name", ":"),
    ("i", "'m"),
    ("i", "’m"),
    ("i", "am"),
    ("call", "me"),
)
_NAME_CUES_ANY_CASE = frozenset({("my", "name", "is"), ("my", "name", "'s"), ("my", "name", "’s")})
_MAX_NAME_TOKENS = 3

_SCHOOL_LIST = (
    "MIT", "Caltech", "Stanford", "Harvard", "Princeton", "Yale", "Oxford", "Cambridge", "Berkeley",
    "UC Berkeley", "UCLA", "UCSD", "CMU", "Carnegie Mellon", "Georgia Tech", "ETH Zurich", "ETH Zürich",
    "EPFL", "Sorbonne", "Technion", "Tsinghua", "KAIST", "NUS", "NTU", "IISc", "BITS Pilani",
    "Imperial College", "UCL", "LSE", "Polytechnique", "Sciences Po", "INSEAD",
)  # fmt: skip
_SCHOOL_ACRONYM_PREFIXES = ("IIT", "IIIT", "NIT", "IIM")
# After "École": capitalised words, French connectors and the usual lower-case words of its names.
_FRENCH_SCHOOL_WORD = (
    r"^(?:[A-ZÉÈ][\w'’-]*|de|des|du|la|le|d'|d’|l'|l’|normale|supérieure|superieure|nationale|"
    r"centrale|polytechnique|ponts|chaussées|mines|hautes|études|commerciales|pratique)$"
)
_NOT_SCHOOL_WORDS = frozenset(
    {"the", "a", "an", "at", "from", "in", "of", "and", "my", "our", "i", "we", "to", "with"}
)

_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-]{7,20}\d(?![\w])")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR_RANGE = re.compile(r"^(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2}$")
_AGES = (
    re.compile(r"\b\d{1,2}[\s-]?(?:years?|yrs?)[\s-]?old\b", re.I),
    re.compile(r"\baged?[\s:]+\d{1,2}\b", re.I),
    re.compile(r"\bage of \d{1,2}\b", re.I),
    re.compile(r"\bborn (?:in|on) (?:[A-Z][a-z]+ )?(?:\d{1,2},? )?(?:19|20)\d{2}\b", re.I),
)
_FILE_LIKE = re.compile(
    r"^[\w-]+\.(?:js|ts|jsx|tsx|py|rs|rb|md|txt|json|ya?ml|csv|png|jpe?g|pdf)$", re.I
)
_URL_START = re.compile(r"https?://|www\.", re.I)
_URL_STOP = frozenset({")", "]", "}", ">", '"', "'", "”", "’", ",", ";"})


@dataclass(frozen=True)
class RedactedSpan:
    """One thing hidden: ``original[start:end]`` became ``text[out_start:out_end]`` (its placeholder)."""

    kind: str
    start: int
    end: int
    original: str
    out_start: int
    out_end: int

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS[self.kind]


@dataclass(frozen=True)
class Redaction:
    """A text with personal details replaced by placeholders, and what was replaced where."""

    original: str
    text: str
    spans: tuple[RedactedSpan, ...]

    @property
    def changed(self) -> bool:
        return bool(self.spans)

    def counts(self) -> dict[str, int]:
        """How many spans of each kind were hidden, in the order of KINDS (kinds with none left out)."""
        found = {kind: 0 for kind in KINDS}
        for span in self.spans:
            found[span.kind] += 1
        return {kind: count for kind, count in found.items() if count}

    def to_redacted(self, position: int, *, end: bool = False) -> int:
        """The place in ``text`` of a place in ``original``; inside a span it snaps to the
        placeholder's start, or to its end when ``end`` (so a range keeps whole placeholders)."""
        shift = 0
        for span in self.spans:
            if position < span.start or (position == span.start and end):
                break
            if position < span.end:
                return span.out_end if end else span.out_start
            shift = span.out_end - span.end
        return position + shift

    def to_original(self, position: int, *, end: bool = False) -> int:
        """The place in ``original`` of a place in ``text``; inside a placeholder it snaps to the
        span's start, or to its end when ``end`` (so a range keeps whole spans)."""
        starts = [span.out_start for span in self.spans]
        index = bisect_right(starts, position) - 1
        if index < 0:
            return position
        span = self.spans[index]
        if position == span.out_start:
            return span.start
        if position < span.out_end:
            return span.end if end else span.start
        return position - (span.out_end - span.end)


def name_parts(names: Iterable[str]) -> frozenset[str]:
    """The lower-cased parts of people's names worth matching (two letters or more)."""
    parts = set()
    for name in names:
        for part in re.split(r"[\s\-.,'’_]+", name or ""):
            if len(part) >= 2 and not part.isdigit():
                parts.add(part.lower())
    return frozenset(parts)


@functools.lru_cache(maxsize=1)
def _pipeline() -> tuple[Any, Any, Any]:
    """The tokenizer and the matchers, built once per process on first use."""
    import spacy
    from spacy.matcher import Matcher, PhraseMatcher

    nlp = spacy.blank("en")
    names = Matcher(nlp.vocab)
    for cue in _NAME_CUES:
        if cue in _NAME_CUES_ANY_CASE:
            capitalised = {"IS_TITLE": True}
        else:
            capitalised = {"IS_TITLE": True, "LOWER": {"NOT_IN": sorted(_NOT_NAMES)}}
        pattern = [{"LOWER": word} for word in cue] + [capitalised]
        names.add(f"cue-{len(cue)}-{'_'.join(cue)}", [pattern])
    schools = Matcher(nlp.vocab)
    title = {"IS_TITLE": True, "LOWER": {"NOT_IN": sorted(_NOT_SCHOOL_WORDS)}}
    titled_or_upper = {
        "LOWER": {"NOT_IN": sorted(_NOT_SCHOOL_WORDS)},
        "IS_ALPHA": True,
        "IS_LOWER": False,
    }
    schools.add(
        "school",
        [
            [{"LOWER": "university"}, {"LOWER": "of"}, titled_or_upper, {**titled_or_upper, "OP": "*"}],
            [
                titled_or_upper,
                {**titled_or_upper, "OP": "*"},
                {"LOWER": {"IN": ["university", "college"]}},
            ],
            [
                titled_or_upper,
                {**titled_or_upper, "OP": "*"},
                {"LOWER": "institute"},
                {"LOWER": "of"},
                title,
                {**title, "OP": "*"},
            ],
            [{"LOWER": {"IN": ["école", "ecole"]}}, {"TEXT": {"REGEX": _FRENCH_SCHOOL_WORD}, "OP": "+"}],
            [{"ORTH": {"IN": list(_SCHOOL_ACRONYM_PREFIXES)}}, {**title, "OP": "?"}],
        ],
        greedy="LONGEST",
    )
    listed = PhraseMatcher(nlp.vocab, attr="ORTH")
    listed.add("listed-school", [nlp.make_doc(name) for name in _SCHOOL_LIST])
    return nlp, names, (schools, listed)


def _url_end(doc: Any, index: int) -> int:
    """The character end of a URL that starts at token ``index``, over the path tokens after it."""
    token = doc[index]
    end = token.idx + len(token.text)
    while not token.whitespace_ and token.i + 1 < len(doc):
        following = doc[token.i + 1]
        if following.text in _URL_STOP or following.is_space:
            break
        if following.text in {".", "!", "?"} and (following.whitespace_ or following.i + 1 == len(doc)):
            break
        token = following
        end = token.idx + len(token.text)
    return end


def _is_url(text: str) -> bool:
    return not _FILE_LIKE.match(text)


def _token_spans(doc: Any, parts: frozenset[str]) -> list[tuple[int, int, str]]:
    """Names, emails, URLs and pronouns found token by token."""
    spans = []
    for token in doc:
        lower = token.lower_
        start = token.idx
        if token.like_email:
            spans.append((start, start + len(token.text), "email"))
        elif token.like_url and _is_url(token.text):
            match = _URL_START.search(token.text)
            offset = match.start() if match else 0
            spans.append((start + offset, _url_end(doc, token.i), "url"))
        elif lower in parts or (lower.endswith(("'s", "’s")) and lower[:-2] in parts):
            end = start + len(token.text)
            if lower not in parts:  # "Amith's" in one token: keep the "'s" readable
                end -= 2
            spans.append((start, end, "name"))
        elif lower in GENDERED_PRONOUNS:
            spans.append((start, start + len(token.text), "pronoun"))
    return spans


def _cue_names(doc: Any, matcher: Any) -> list[tuple[int, int, str]]:
    spans = []
    for match_id, start, _end in matcher(doc):
        label = doc.vocab.strings[match_id]
        cue_length = int(label.split("-")[1])
        first = start + cue_length
        last = first
        while (
            last + 1 < len(doc)
            and last + 1 - first < _MAX_NAME_TOKENS
            and doc[last + 1].is_title
            and doc[last + 1].lower_ not in _NOT_NAMES
            and doc[last].whitespace_  # "Amith-" or "Amith," ends the name
        ):
            last += 1
        spans.append((doc[first].idx, doc[last].idx + len(doc[last].text), "name"))
    return spans


def _school_spans(doc: Any, matchers: Any) -> list[tuple[int, int, str]]:
    from spacy.util import filter_spans

    patterns, listed = matchers
    found = [doc[start:end] for _, start, end in patterns(doc)]
    found += [doc[start:end] for _, start, end in listed(doc)]
    return [(span.start_char, span.end_char, "school") for span in filter_spans(found)]


def _regex_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in _PHONE.finditer(text):
        digits = sum(char.isdigit() for char in match.group())
        candidate = match.group().strip()
        if 9 <= digits <= 15 and not _ISO_DATE.match(candidate) and not _YEAR_RANGE.match(candidate):
            spans.append((match.start(), match.end(), "phone"))
    for pattern in _AGES:
        spans += [(match.start(), match.end(), "age") for match in pattern.finditer(text)]
    return spans


_PRIORITY = {kind: rank for rank, kind in enumerate(("email", "url", "phone", "age", "school", "name"))}


def _resolve(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Non-overlapping spans, longest first (emails and URLs win ties), in text order."""
    ranked = sorted(spans, key=lambda s: (-(s[1] - s[0]), _PRIORITY.get(s[2], 9), s[0]))
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in ranked:
        if start < end and all(end <= a or start >= b for a, b, _ in kept):
            kept.append((start, end, kind))
    return sorted(kept)


def redact(text: str, *, known_names: Iterable[str] = ()) -> Redaction:
    """``text`` with personal details replaced by placeholders; ``known_names`` are the full names
    of the person (and anyone else) whose name parts must go wherever they appear."""
    text = text or ""
    if not text.strip():
        return Redaction(text, text, ())
    nlp, names, schools = _pipeline()
    doc = nlp.make_doc(text)
    found = _token_spans(doc, name_parts(known_names))
    found += _cue_names(doc, names)
    found += _school_spans(doc, schools)
    found += _regex_spans(text)
    pieces: list[str] = []
    spans: list[RedactedSpan] = []
    cursor = out = 0
    for start, end, kind in _resolve(found):
        pieces.append(text[cursor:start])
        out += start - cursor
        placeholder = PLACEHOLDERS[kind]
        pieces.append(placeholder)
        spans.append(RedactedSpan(kind, start, end, text[start:end], out, out + len(placeholder)))
        out += len(placeholder)
        cursor = end
    pieces.append(text[cursor:])
    return Redaction(text, "".join(pieces), tuple(spans))


def redact_label(text: str, *, known_names: Iterable[str] = ()) -> str:
    """A short label (a file name, a title) with the name parts hidden even inside words joined by
    underscores or dots ("amith_ka_interview.txt"), then redacted as any text."""
    label = text or ""
    for part in sorted(name_parts(known_names), key=len, reverse=True):
        label = re.sub(rf"(?<![^\W_]){re.escape(part)}(?![^\W_])", "[name]", label, flags=re.I)
    return redact(label, known_names=known_names).text
