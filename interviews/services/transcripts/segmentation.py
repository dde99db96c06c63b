"""Cutting a transcript into the candidate's answers, each with verbatim offsets into the body.

Two shapes are recognised:

- Speaker-labelled ("Interviewer: …", "Candidate: …", "Q:/A:", or people's names, also with a
  timestamp, inline or on a line of their own). The candidate is the speaker labelled as such,
  the one whose name matches the candidate's, or else the one who speaks most. Each run of the
  candidate's turns is one answer; an interviewer's short acknowledgement ("Right.") does not end
  it. The interviewer's words before an answer are kept as its spoken question, which helps the
  alignment.
- Unlabelled paragraphs, like an answer-per-paragraph transcript imported with a profile. A leading
  profile header is skipped: short lines (job titles, a skills list) and a biography written in the
  third person. Every paragraph after that is an answer, except a short line ending in "?", which is
  taken as the interviewer's question for the next answer.

Hard-wrapped prose (a paragraph broken into lines of similar length) is joined back into one
paragraph. ``body[segment.start:segment.end] == segment.text`` always holds.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

PARAGRAPH_WORDS = 25  # a line this long is prose, not a title or a skill
MIN_ANSWER_WORDS = 12  # shorter candidate turns ("Yes, I can hear you.") are small talk
BACKCHANNEL_WORDS = 8  # an interviewer turn this short without "?" does not end the answer
QUESTION_WORDS = 40  # an unlabelled line ending in "?" shorter than this is a question

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_TIMESTAMP = r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?"
_NAME = r"[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}"
_INLINE_LABEL = re.compile(
    rf"^(?:{_TIMESTAMP}\s*[-–]?\s*)?(?P<label>{_NAME})\s*(?:{_TIMESTAMP}\s*)?:\s+(?=\S)"
)
_LABEL_LINE = re.compile(rf"^(?:{_TIMESTAMP}\s*)?(?P<label>{_NAME})\s*(?:{_TIMESTAMP})?\s*:?$")
_FIRST_SECOND_PERSON = frozenset(
    "i i'm i've i'd i'll me my mine myself we we're we've our us you you're your yours".split()
)
_THIRD_PERSON = frozenset("he she his her him hers they their them".split())

CANDIDATE_LABELS = frozenset({"candidate", "interviewee", "applicant", "a", "answer", "respondent"})
INTERVIEWER_LABELS = frozenset(
    {"interviewer", "q", "question", "host", "recruiter", "panel", "panelist", "moderator"}
)
NOT_SPEAKERS = frozenset({"note", "notes", "example", "edit", "update", "step", "summary", "tip"})


@dataclass(frozen=True)
class Segment:
    """One answer of the candidate: ``text == body[start:end]``."""

    index: int
    start: int
    end: int
    text: str
    speaker: str = ""  # "" for an unlabelled transcript
    spoken_question: str = ""  # what the interviewer said before the answer, when known

    @property
    def words(self) -> int:
        return len(_WORD.findall(self.text))


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


@dataclass
class _Turn:
    speaker: str
    start: int
    end: int


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _lines(body: str) -> list[_Line | None]:
    """Every line of the body, stripped, with offsets; None for a blank line."""
    lines: list[_Line | None] = []
    position = 0
    for raw in body.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = position + (len(raw) - len(raw.lstrip()))
            lines.append(_Line(start, start + len(stripped), stripped))
        else:
            lines.append(None)
        position += len(raw) + 1
    return lines


def segment_transcript(body: str, *, candidate_name: str = "") -> list[Segment]:
    """The candidate's answers in a transcript, in order."""
    lines = _lines(body)
    labelled = _labelled_turns(body, lines)
    if labelled is not None:
        segments = _labelled_answers(body, labelled, candidate_name)
    else:
        segments = _paragraph_answers(body, _units(body, lines))
    return [
        Segment(i, s.start, s.end, s.text, s.speaker, s.spoken_question) for i, s in enumerate(segments)
    ]


# ---------------------------------------------------------------- labelled transcripts


def _speaker_key(label: str) -> str:
    return " ".join(label.casefold().split())


def _labelled_turns(body: str, lines: list[_Line | None]) -> list[_Turn] | None:
    """Speaker turns when the body is speaker-labelled, else None."""
    marks: list[tuple[int, str, int]] = []  # (line number, label, where the speech starts)
    for number, line in enumerate(lines):
        if line is None:
            continue
        inline = _INLINE_LABEL.match(line.text)
        alone = _LABEL_LINE.match(line.text)
        if inline and _speaker_key(inline.group("label")) not in NOT_SPEAKERS:
            marks.append((number, inline.group("label"), line.start + inline.end()))
        elif alone and word_count(line.text) <= 6:
            marks.append((number, alone.group("label"), -1))  # the speech starts on the next line
    counts = Counter(_speaker_key(label) for _, label, _ in marks)
    recurring = {key for key, count in counts.items() if count >= 2}
    if len(recurring) < 2 and not (len(counts) >= 2 and all(k in _KNOWN_LABELS for k in counts)):
        return None
    speakers = recurring | {k for k in counts if k in _KNOWN_LABELS}
    marks = [m for m in marks if _speaker_key(m[1]) in speakers]
    if len(marks) < 2:
        return None
    content_lines = [line for line in lines if line is not None and word_count(line.text) >= 3]
    if len(marks) * 4 < len(content_lines):
        return None  # a few "Name:" lines in prose do not make a labelled transcript
    turns: list[_Turn] = []
    for position, (number, label, speech_start) in enumerate(marks):
        next_number = marks[position + 1][0] if position + 1 < len(marks) else len(lines)
        spoken = [line for line in lines[number + 1 : next_number] if line is not None]
        start = speech_start if speech_start >= 0 else (spoken[0].start if spoken else -1)
        end = spoken[-1].end if spoken else (lines[number].end if speech_start >= 0 else -1)
        if start < 0 or end <= start:
            continue
        turns.append(_Turn(_speaker_key(label), start, end))
    return turns


_KNOWN_LABELS = CANDIDATE_LABELS | INTERVIEWER_LABELS


def _candidate_speaker(body: str, turns: list[_Turn], candidate_name: str) -> str:
    speakers = {turn.speaker for turn in turns}
    for speaker in speakers:
        if speaker in CANDIDATE_LABELS:
            return speaker
    name_parts = {part for part in _speaker_key(candidate_name).split() if len(part) > 1}
    for speaker in speakers:
        if name_parts & set(speaker.split()):
            return speaker
    words: Counter[str] = Counter()
    for turn in turns:
        if turn.speaker not in INTERVIEWER_LABELS:
            words[turn.speaker] += word_count(body[turn.start : turn.end])
    return words.most_common(1)[0][0] if words else ""


def _labelled_answers(body: str, turns: list[_Turn], candidate_name: str) -> list[Segment]:
    candidate = _candidate_speaker(body, turns, candidate_name)
    answers: list[Segment] = []
    question: list[str] = []
    open_answer: _Turn | None = None
    open_question = ""

    def close() -> None:
        nonlocal open_answer
        if open_answer is not None:
            text = body[open_answer.start : open_answer.end]
            if word_count(text) >= MIN_ANSWER_WORDS:
                answers.append(
                    Segment(
                        len(answers), open_answer.start, open_answer.end, text, candidate, open_question
                    )
                )
        open_answer = None

    interrupted = False  # the interviewer acknowledged ("Right.") in the middle of the answer
    for turn in turns:
        text = body[turn.start : turn.end]
        if turn.speaker == candidate:
            if open_answer is not None and interrupted and word_count(text) < BACKCHANNEL_WORDS:
                close()  # "Thank you!" after "Thanks, that's all": small talk, not more answer
                continue
            if open_answer is None:
                open_answer = _Turn(candidate, turn.start, turn.end)
                open_question = " ".join(question)
                question = []
            else:
                open_answer.end = turn.end
            interrupted = False
            continue
        backchannel = word_count(text) < BACKCHANNEL_WORDS and "?" not in text
        if open_answer is not None and backchannel:
            interrupted = True
            continue
        close()
        interrupted = False
        if not backchannel:
            question.append(" ".join(text.split()))
    close()
    return answers


# ---------------------------------------------------------------- unlabelled paragraphs


def _units(body: str, lines: list[_Line | None]) -> list[_Line]:
    """Paragraphs: long lines on their own; runs of short lines joined when they are wrapped prose."""
    units: list[_Line] = []
    run: list[_Line] = []

    def flush() -> None:
        if not run:
            return
        words = sum(word_count(line.text) for line in run)
        mean_length = sum(len(line.text) for line in run) / len(run)
        if len(run) > 1 and words >= PARAGRAPH_WORDS and mean_length >= 30:
            units.append(_Line(run[0].start, run[-1].end, body[run[0].start : run[-1].end]))
        else:
            units.extend(run)
        run.clear()

    for line in lines:
        if line is None:
            flush()
        elif word_count(line.text) >= PARAGRAPH_WORDS:
            flush()
            units.append(line)
        else:
            run.append(line)
    flush()
    return units


def _is_personal(text: str) -> bool:
    return any(word.casefold() in _FIRST_SECOND_PERSON for word in _WORD.findall(text))


def _is_biography(text: str) -> bool:
    """A paragraph about someone in the third person (a profile summary), not spoken by them."""
    words = _WORD.findall(text)
    if _is_personal(text):
        return False
    third = sum(word.casefold() in _THIRD_PERSON for word in words)
    names = Counter(
        word.split("'")[0].split("’")[0] for word in words[1:] if word[:1].isupper() and len(word) > 2
    )
    subject = words[0] if words else ""
    return third >= 2 or names.get(subject, 0) >= 2 or any(count >= 3 for count in names.values())


def _is_question(unit: _Line) -> bool:
    return unit.text.rstrip().endswith("?") and word_count(unit.text) < QUESTION_WORDS


def _paragraph_answers(body: str, units: list[_Line]) -> list[Segment]:
    first = next(
        (
            i
            for i, unit in enumerate(units)
            if (word_count(unit.text) >= PARAGRAPH_WORDS and not _is_biography(unit.text))
            or _is_question(unit)
        ),
        len(units),
    )
    answers: list[Segment] = []
    question = ""
    for unit in units[first:]:
        if _is_question(unit):
            question = " ".join(f"{question} {unit.text}".split())
            continue
        if word_count(unit.text) < MIN_ANSWER_WORDS:
            continue
        answers.append(Segment(len(answers), unit.start, unit.end, unit.text, "", question))
        question = ""
    return answers
