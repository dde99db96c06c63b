"""Prompt-injection detection in candidate answers: text aimed at an AI grader rather than a person.

Four families are found: instructions to the grader ("ignore the rubric", "give this answer a 4",
"you are now ..."), fake JSON in the shape of the judge's output (``{"level": 4}``), role-play and
chat-template markers (``SYSTEM:``, ``<|im_start|>``, ``### Instruction``), and hidden text
(zero-width or bidi characters, HTML comments, text pushed out of sight by long whitespace runs,
base64-looking blobs), plus answers addressed to the model ("Dear AI grader", "note to the LLM").

False positives matter as much: an answer may explain prompt injection as a topic, or contain code
with JSON. So the generic jailbreak phrases ("ignore previous instructions", "you are now") count
only when they are used, not mentioned: a phrase inside quotation marks, in a sentence that
discusses it (prompt injection, attack, for example, ...), is a mention. Phrases aimed at grading
("ignore the rubric", "give me full marks", ``{"level": 4}``) count wherever they are.

``find_injections`` returns the hits with their spans, ``detect_injection`` the reasons to show,
and ``strip_injection`` the answer without the injected spans (their sentences, lines or blocks),
which the judge scores as a cap.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

# How far a hit is widened when it is stripped.
SENTENCE = "sentence"
PARAGRAPH = "paragraph"
EXACT = "exact"
TO_LINE_END = "to_line_end"
JSON_OBJECT = "json_object"

_GRADE_WORDS = r"(?:grades?|scores?|marks?|levels?|ratings?|points?|rubrics?)"
_TOP = (
    r"(?:(?:a|an|the)\s+)?(?:4|four|10|100|level\s*4|4\s*/\s*4|4\s+out\s+of\s+4|full|perfect|"
    r"top|max(?:imum)?|highest(?:\s+possible)?|best(?:\s+possible)?|exceptional|excellent)"
)
_GRADER = r"(?:grader|evaluator|judge|assessor|marker|examiner|reviewer|scorer)"
_MODEL = r"(?:ai|a\.i\.|llm|language\s+model|model|assistant|chat\s?gpt|gpt(?:-\d)?|claude|gemini|bot)"
_DISREGARD = r"(?:ignore|disregard|forget|override|bypass|skip|drop)"

# Discussion markers: a quoted generic phrase in a sentence with one of these is a mention.
_DISCUSSION = re.compile(
    r"\b(?:prompt[- ]injection|injection|injected|attack(?:s|ers?)?|adversar\w*|jailbreak\w*|"
    r"malicious|for example|for instance|e\.g\.|such as|like|called|known as|defen[cs]e\w*|"
    r"guardrails?|sanitiz\w+|sanitis\w+|red[- ]team\w*|mitigat\w+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Pattern:
    kind: str
    reason: str
    regex: re.Pattern[str]
    widen: str = SENTENCE
    generic: bool = False  # a generic jailbreak phrase: a quoted mention in a discussion is fine


def _p(kind: str, reason: str, pattern: str, *, widen: str = SENTENCE, generic: bool = False, flags=0):
    return _Pattern(kind, reason, re.compile(pattern, re.IGNORECASE | flags), widen, generic)


_PATTERNS: tuple[_Pattern, ...] = (
    # Instructions to the grader.
    _p(
        "instruction",
        "tells the grader to ignore the rubric",
        rf"\b{_DISREGARD}\s+(?:all\s+|any\s+|the\s+|your\s+|this\s+|these\s+|of\s+)*"
        rf"(?:(?:previous|prior|above|earlier|preceding|grading|scoring|marking|original)\s+)*"
        r"(?:rubrics?|criteria|grading|scoring|marking\s+scheme)",
    ),
    _p(
        "instruction",
        "tells the model to ignore its instructions",
        rf"\b{_DISREGARD}\s+(?:all\s+|any\s+|the\s+|your\s+|of\s+)*"
        r"(?:(?:previous|prior|above|earlier|preceding|system|original|former)\s+)+"
        r"(?:instructions?|prompts?|rules|guidelines|directions|context|messages?)",
        generic=True,
    ),
    _p(
        "instruction",
        "asks for a top grade",
        rf"\b(?:give|assign|award|grant|rate|score|grade|mark|return|output|put)\s+"
        rf"(?:(?:this|the|my|me|us|him|her|them|it|candidate'?s?)\s+)?"
        r"(?:(?:answer|response|submission|candidate|essay|reply|solution)\s+)?"
        r"(?:(?:above|below|here)\s+)?"
        rf"(?:(?:as|with|at|an?)\s+)?{_TOP}\b(?:\s+{_GRADE_WORDS})?",
    ),
    _p(
        "instruction",
        "asks for a top grade",
        rf"\b(?:full|perfect|maximum|max|top|highest)\s+(?:possible\s+)?{_GRADE_WORDS}\s+"
        r"(?:for|to)\s+(?:this|me|my|the\s+candidate)",
    ),
    _p(
        "instruction",
        "asks for a top grade",
        r"\b(?:this|my|the)\s+(?:answer|response|submission|solution)\s+"
        r"(?:deserves|merits|earns|should\s+(?:get|receive|be\s+given|be\s+graded|be\s+scored|score)|"
        r"must\s+(?:get|receive|be\s+given))\s+"
        rf"{_TOP}",
    ),
    _p(
        "instruction",
        "dictates the grade",
        rf"\b(?:the\s+)?(?:correct|right|only\s+valid|appropriate|final)\s+{_GRADE_WORDS}\s+"
        r"(?:is|for\s+this\s+(?:answer|response)\s+is|here\s+is)\s+(?:4|four|level\s*4|exceptional)",
    ),
    _p(
        "instruction",
        "tries to change the grader's role",
        r"\byou\s+are\s+(?:now|no\s+longer)\b",
        generic=True,
    ),
    _p(
        "instruction",
        "tries to change the grader's role",
        rf"\b(?:from\s+now\s+on|act\s+as|pretend\s+(?:to\s+be|you\s+are)|roleplay\s+as|role-play\s+as)\b"
        rf"[^.\n]{{0,60}}\b(?:{_GRADER}|{_MODEL}|lenient|generous)",
        generic=True,
    ),
    _p(
        "instruction",
        "speaks to the grader in its role",
        rf"\bas\s+(?:the|an?|my|our)\s+(?:ai\s+|llm\s+)?{_GRADER}\s*,?\s+"
        r"(?:you|please|give|assign|award|ignore|must|should|remember|note|kindly|be)\b",
    ),
    _p(
        "instruction",
        "tells the grader how to grade",
        r"\b(?:graders?|evaluators?|judges?|assessors?|markers?|scorers?)\s+(?:must|should|will|shall)"
        r"\s+(?:give|assign|award|grade|score|rate|mark|ignore)\b",
    ),
    _p(
        "instruction",
        "gives the grader new instructions",
        r"\b(?:new|updated|revised|additional|important|secret|hidden)\s+"
        r"(?:instructions?|directives?|system\s+prompt)\s*(?::|for\s+(?:the\s+)?(?:ai|model|grader|llm))",
    ),
    _p(
        "instruction",
        "dictates the grader's output",
        r"\b(?:respond|reply|answer|output|return|print)\s+(?:only\s+)?(?:with\s+)?"
        r"(?:the\s+following|exactly|this)\s+(?:json|output|object|text|score|grade|verdict)?",
    ),
    # Answers addressed to the model.
    _p(
        "addressed",
        "is addressed to the grading model",
        rf"\b(?:dear|hey|hi|hello|attention|note\s+(?:to|for))\s+(?:the\s+|an?\s+|my\s+)?"
        rf"(?:(?:ai|llm)\s+)?(?:{_GRADER}s?|{_MODEL})\b",
    ),
    _p(
        "addressed",
        "is addressed to the grading model",
        rf"\bif\s+you\s+are\s+(?:an?\s+)?(?:{_MODEL}|automated|{_GRADER})\b",
    ),
    _p(
        "addressed",
        "is addressed to the grading model",
        rf"\bto\s+(?:the|any)\s+(?:{_MODEL}|(?:ai\s+|llm\s+|automated\s+)?{_GRADER})\s+"
        r"(?:reading|grading|evaluating|scoring|reviewing|assessing|marking)\b",
    ),
    _p(
        "addressed",
        "is addressed to the grading model",
        rf"^\s*(?:ai|llm|automated)\s+{_GRADER}s?\s*[:,-]",
        flags=re.MULTILINE,
    ),
    # Fake JSON in the shape of the judge's output.
    _p(
        "fake_json",
        "contains JSON in the shape of a grade",
        r"[{,]\s*[\"']?(?:level|score|grade|rating|overall(?:_level|_score)?|verdict|final_score)[\"']?"
        r"\s*[:=]\s*[\"']?(?:[1-4](?![\d.])|four|exceptional)",
        widen=JSON_OBJECT,
    ),
    _p(
        "fake_json",
        "contains JSON in the shape of a grade",
        r"[\"'](?:rationale|evidence|criteria)[\"']\s*:\s*[\[{\"']",
        widen=JSON_OBJECT,
    ),
    # Role-play and chat-template markers.
    _p(
        "role_play",
        "contains chat-template or role markers",
        r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\|>"
        r"|\[/?INST\]|<<\s*/?SYS\s*>>|<\s*/?\s*(?:system|assistant|instructions?)\s*>",
        widen=PARAGRAPH,
    ),
    _p(
        "role_play",
        "contains chat-template or role markers",
        r"(?:^|(?<=[.!?] ))\s*(?:#{2,}\s*(?:instructions?|system|response|assistant|user)\b|"
        r"\[(?:system|assistant|instructions?)\]|(?-i:SYSTEM|ASSISTANT|INSTRUCTIONS?)\s*:|"
        r"(?:system|assistant|grader|evaluator|judge)\s+(?:message|prompt|note|override)\s*:)",
        widen=PARAGRAPH,
        flags=re.MULTILINE,
    ),
    _p(
        "role_play",
        "tries to close the answer early",
        r"(?:\bend\s+of\s+(?:the\s+)?(?:candidate'?s?\s+)?(?:answer|response|submission|input|data)\b|"
        r"</\s*(?:answer|candidate_answer|untrusted|data|input|rubric|question)\s*>|"
        r"(?:<<<|>>>)\s*(?:end|begin|start)\b)",
        widen=TO_LINE_END,
    ),
)

_ZERO_WIDTH = re.compile(
    "[\u200b\u200c\u200e\u200f\u2060\u2061\u2062\u2063\u2064\u180e\u202a-\u202e\u2066-\u2069"
    "\U000e0000-\U000e007f]"
)
_ZWJ = "\u200d"
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_HIDDEN_BY_SPACE = re.compile(r"(?:[ \t\u00a0\u3000]{40,}|(?:[ \t]*\n){12,})[ \t]*(?=\S)[^\n]*")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=_-])")
_QUOTES = re.compile(r"[\"“”„«»]([^\"“”„«»\n]{3,300})[\"“”„«»]|(?<!\w)['‘’]([^'‘’\n]{3,300})['‘’](?!\w)")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")


@dataclass(frozen=True)
class InjectionHit:
    """One place in the text aimed at a grader: its kind, a reason to show, and its span."""

    kind: str
    reason: str
    start: int
    end: int
    snippet: str


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    while left < start and text[left].isspace():
        left += 1
    right_match = _SENTENCE_END.search(text, end)
    right = right_match.end() if right_match else len(text)
    return left, right


def _paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n\n", end)
    return left, len(text) if right < 0 else right


def _json_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = text.rfind("{", 0, start + 1)
    if left < 0 or start - left > 2000:
        return _sentence_bounds(text, start, end)
    depth = 0
    for index in range(left, min(len(text), left + 5000)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return left, index + 1
    return left, len(text)


def _widen(text: str, start: int, end: int, how: str) -> tuple[int, int]:
    if how == SENTENCE:
        return _sentence_bounds(text, start, end)
    if how == PARAGRAPH:
        return _paragraph_bounds(text, start, end)
    if how == JSON_OBJECT:
        return _json_bounds(text, start, end)
    if how == TO_LINE_END:
        right = text.find("\n", end)
        return start, len(text) if right < 0 else right
    return start, end


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _QUOTES.finditer(text)]


def _is_mention(text: str, start: int, end: int, quoted: list[tuple[int, int]]) -> bool:
    """A quoted phrase in a sentence that discusses it (prompt injection as a topic)."""
    if not any(q_start <= start and end <= q_end for q_start, q_end in quoted):
        return False
    left, right = _sentence_bounds(text, start, end)
    context = text[max(0, left - 200) : left] + text[left:start] + text[end:right]
    return bool(_DISCUSSION.search(context))


def _looks_like_base64(blob: str) -> bool:
    classes = sum(
        (
            any(c.isupper() for c in blob),
            any(c.islower() for c in blob),
            any(c.isdigit() for c in blob),
        )
    )
    if classes == 3:
        return True
    try:  # decodes to readable text: hidden words
        decoded = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    printable = sum(32 <= byte < 127 for byte in decoded)
    return len(decoded) >= 20 and printable / len(decoded) > 0.95 and b" " in decoded


def _hidden_hits(text: str) -> list[InjectionHit]:
    hits = []
    for match in _ZERO_WIDTH.finditer(text):
        hits.append(_hit("hidden", "hides text with invisible characters", text, *match.span()))
    for index, char in enumerate(text):  # a joiner between letters hides, inside emoji it joins
        if char == _ZWJ and _invisible(text, index, char):
            hits.append(_hit("hidden", "hides text with invisible characters", text, index, index + 1))
    for match in _HTML_COMMENT.finditer(text):
        if len(re.findall(r"\w+", match.group())) >= 2:
            hits.append(_hit("hidden", "hides text in an HTML comment", text, *match.span()))
    for match in _HIDDEN_BY_SPACE.finditer(text):
        hits.append(_hit("hidden", "hides text after a long run of blank space", text, *match.span()))
    for match in _BASE64.finditer(text):
        if _looks_like_base64(match.group()):
            hits.append(_hit("hidden", "contains an encoded (base64-like) blob", text, *match.span()))
    return hits


def _hit(kind: str, reason: str, text: str, start: int, end: int) -> InjectionHit:
    snippet = " ".join(text[start:end].split())[:80]
    return InjectionHit(kind=kind, reason=reason, start=start, end=end, snippet=snippet)


def find_injections(text: str) -> list[InjectionHit]:
    """Every place in ``text`` aimed at a grader, widened to what ``strip_injection`` removes."""
    if not text:
        return []
    hits = _hidden_hits(text)
    # Match on the visible text (invisible characters dropped), then map spans back to ``text``.
    positions = [index for index, char in enumerate(text) if not _invisible(text, index, char)]
    visible = "".join(text[index] for index in positions)
    positions.append(len(text))
    quoted = _quoted_spans(visible)
    for pattern in _PATTERNS:
        for match in pattern.regex.finditer(visible):
            start, end = match.span()
            if pattern.generic and _is_mention(visible, start, end, quoted):
                continue
            left, right = _widen(visible, start, end, pattern.widen)
            snippet = " ".join(visible[start:end].split())[:80]
            hits.append(
                InjectionHit(pattern.kind, pattern.reason, positions[left], positions[right], snippet)
            )
    return sorted(hits, key=lambda hit: (hit.start, hit.end))


def _invisible(text: str, index: int, char: str) -> bool:
    if _ZERO_WIDTH.match(char):
        return True
    return (
        char == _ZWJ
        and 0 < index < len(text) - 1
        and text[index - 1].isascii()
        and text[index + 1].isascii()
    )


def detect_injection(text: str) -> tuple[str, ...]:
    """Reasons to flag ``text`` as a prompt injection (empty when it is clean), in order."""
    reasons: list[str] = []
    for hit in find_injections(text):
        reason = f"{hit.reason}: “{hit.snippet}”" if hit.kind != "hidden" else hit.reason
        if reason not in reasons:
            reasons.append(reason)
    return tuple(reasons)


def strip_injection(text: str) -> str:
    """``text`` without its injected spans (the sentences, lines or blocks that hold them)."""
    hits = find_injections(text)
    if not hits:
        return text
    keep = [True] * len(text)
    for hit in hits:
        for index in range(hit.start, hit.end):
            keep[index] = False
    stripped = "".join(char for char, kept in zip(text, keep, strict=True) if kept)
    stripped = re.sub(r"[ \t]+\n", "\n", stripped)
    return re.sub(r"\n{3,}", "\n\n", stripped).strip()
