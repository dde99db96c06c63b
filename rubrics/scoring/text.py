"""Text helpers shared by the scorers: sentence splitting with offsets, normalisation, word counts."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace,
# or at a line break. Long unpunctuated stretches (speech transcripts) are cut into windows.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\s*\n\s*")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_SPACES = re.compile(r"\s+")
MAX_SENTENCE_WORDS = 48
WINDOW_WORDS = 32


@dataclass(frozen=True)
class Sentence:
    """A sentence of a text: its exact characters and where they start."""

    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def normalise(text: str) -> str:
    """NFKC, collapsed whitespace, case-folded: the key under which two sentences count as the same."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def words(text: str) -> list[str]:
    """The words of a text (letters/digits, with inner hyphens and apostrophes)."""
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(words(text))


def _windows(text: str, start: int) -> list[Sentence]:
    """Cut an over-long sentence into verbatim windows of about WINDOW_WORDS words."""
    matches = list(_WORD.finditer(text))
    if len(matches) <= MAX_SENTENCE_WORDS:
        return [Sentence(text, start)]
    pieces = []
    for first in range(0, len(matches), WINDOW_WORDS):
        chunk = matches[first : first + WINDOW_WORDS]
        if first and len(chunk) < WINDOW_WORDS // 4:  # a short tail joins the previous window
            last = pieces.pop()
            begin, finish = last.start - start, chunk[-1].end()
        else:
            begin, finish = chunk[0].start(), chunk[-1].end()
        if first + WINDOW_WORDS >= len(matches):
            finish = len(text.rstrip())
        pieces.append(Sentence(text[begin:finish], start + begin))
    return pieces


def split_sentences(text: str) -> list[Sentence]:
    """Split text into sentences that are verbatim substrings of it (``text[s.start:s.end] == s.text``).

    Pieces without a single word (stray punctuation, bullets) are dropped.
    """
    return list(_split_sentences(text))


@lru_cache(maxsize=4096)  # a rubric's reference and exemplars are split once, not once per answer
def _split_sentences(text: str) -> tuple[Sentence, ...]:
    sentences: list[Sentence] = []
    position = 0
    for match in [*_BOUNDARY.finditer(text), None]:
        end = match.start() if match else len(text)
        if match and match.group(0) and not match.group(0)[0].isspace():
            end = match.start() + len(match.group(0).rstrip())  # keep closing quotes/brackets
        piece = text[position:end]
        stripped = piece.strip()
        if stripped and _WORD.search(stripped):
            offset = position + (len(piece) - len(piece.lstrip()))
            sentences.extend(_windows(stripped, offset))
        if match:
            position = match.end()
    return tuple(sentences)


# A small English stop-word list: function words that carry no subject matter.
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either else etc
    few for from further get gets got had has have having he her here hers herself him himself his
    how i if in into is it its itself just let like may me might more most must my myself no nor
    not now of off on once one only or other our ours ourselves out over own same shall she should
    so some such than that the their theirs them themselves then there these they this those
    through thus to too under until up upon us use used uses using very via was we were what when
    where which while who whom why will with would yes yet you your yours yourself yourselves""".split()
)


def stem(word: str) -> str:
    """A light suffix stripper (plural and verb endings), enough to match 'layers' with 'layer'."""
    word = word.casefold()
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@lru_cache(maxsize=4096)
def content_words(text: str) -> frozenset[str]:
    """The stemmed content words of a text (stop words and one-letter words left out)."""
    return frozenset(stem(w) for w in words(text) if len(w) > 1 and w.casefold() not in STOP_WORDS)
