"""Reading transcript files: plain text, WebVTT and SubRip captions, Word documents.

Every reader returns the text that is stored as ``Transcript.body``. Captions become one paragraph
per speaker turn ("Name: what they said", consecutive cues of one speaker merged), so that the
segmenter sees the same shape as a speaker-labelled text transcript. Anything that is not
acceptable (empty, too large, binary, broken encoding, unknown format, a damaged file) raises a
DomainError that says why and that nothing was saved.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath
from xml.etree import ElementTree

from core.errors import DomainError
from core.uploads import decode_text

MAX_TRANSCRIPT_BYTES = 5 * 1024 * 1024  # of text: about a thousand pages
MAX_DOCX_BYTES = 12 * 1024 * 1024  # the file itself (the HTTP limit is 16 MB)
MAX_DOCX_XML_BYTES = 40 * 1024 * 1024  # document.xml once unzipped: refuses zip bombs
FORMATS = ("txt", "vtt", "srt", "docx")
FORMAT_LABELS = {"txt": "plain text", "vtt": "WebVTT captions", "srt": "SubRip captions", "docx": "Word"}
_EXTENSIONS = {".txt": "txt", ".text": "txt", ".vtt": "vtt", ".srt": "srt", ".docx": "docx"}
_NOTHING_SAVED = "Nothing was saved."

_TIME = r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
PAUSE_SECONDS = 2.0  # without speaker names, a pause this long between cues starts a new paragraph
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-z][^>]*>|<\d{1,2}:\d{2}[^>]*>", re.IGNORECASE)
_CUE_LABEL = re.compile(r"^\s*(?:-\s*)?([A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3})\s*:\s+(?=\S)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class TranscriptText:
    """The text to store for a transcript, and the format it was read from."""

    body: str
    source_format: str  # txt, vtt, srt, docx, paste
    source_name: str


def format_of(name: str) -> str:
    """The transcript format of a file name, by its extension; DomainError for anything else."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    shown = f"a {suffix} file" if suffix else "a file without an extension"
    raise DomainError(
        f"{name or 'The upload'} is {shown}. Transcripts can be .txt, .vtt, .srt or .docx files. "
        f"{_NOTHING_SAVED}"
    )


def read_transcript_file(data: bytes, name: str) -> TranscriptText:
    """Read an uploaded transcript file of any supported format."""
    fmt = format_of(name)
    label = name or "The upload"
    if not data:
        raise DomainError(f"{label} is empty (0 bytes). {_NOTHING_SAVED}")
    if fmt == "docx":
        body = _docx_text(data, label)
    else:
        text = _decode(data, label)
        body = {"txt": _plain, "vtt": _vtt_text, "srt": _srt_text}[fmt](text, label)
    return TranscriptText(body=_checked(body, label), source_format=fmt, source_name=name)


def read_pasted_transcript(text: str) -> TranscriptText:
    """Check a pasted transcript like an uploaded text file."""
    if "\ufffd" in (text or ""):
        raise DomainError(
            f"The pasted text holds broken characters (it is not valid UTF-8). {_NOTHING_SAVED}"
        )
    data = (text or "").encode("utf-8", "surrogatepass")
    body = _plain(_decode(data, "The pasted text"), "The pasted text") if data else ""
    return TranscriptText(body=_checked(body, "The pasted text"), source_format="paste", source_name="")


def _decode(data: bytes, label: str) -> str:
    text = decode_text(data, name=label, max_bytes=MAX_TRANSCRIPT_BYTES)
    # decode_text looks for NUL bytes near the start; other control characters also mean binary.
    controls = len(_CONTROL.findall(text[:65536]))
    if controls > max(8, len(text[:65536]) // 200):
        raise DomainError(f"{label} looks like a binary file, not text. {_NOTHING_SAVED}")
    return text


def _checked(body: str, label: str) -> str:
    body = _CONTROL.sub("", body).strip()
    if not body:
        raise DomainError(f"{label} holds no text. {_NOTHING_SAVED}")
    if len(body.encode("utf-8")) > MAX_TRANSCRIPT_BYTES:
        raise DomainError(
            f"{label} holds more than {MAX_TRANSCRIPT_BYTES // 1_048_576} MB of text; transcripts are "
            f"limited to that. {_NOTHING_SAVED}"
        )
    return body


def _plain(text: str, label: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\t", " ").split("\n"))


# ---------------------------------------------------------------- captions


@dataclass(frozen=True)
class _Cue:
    speaker: str
    text: str
    start: float = 0.0
    end: float = 0.0


def _seconds(hours: str | None, minutes: str, seconds: str, fraction: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction.ljust(3, "0")) / 1000


def _timed_cue(timing: str, lines: list[str]) -> _Cue | None:
    cue = _cue_from_lines(lines)
    match = _TIMING.match(timing)
    if cue is None or match is None:
        return cue
    values = match.groups()
    return _Cue(cue.speaker, cue.text, _seconds(*values[:4]), _seconds(*values[4:]))


def _cue_from_lines(lines: list[str]) -> _Cue | None:
    """One caption cue's text lines → speaker (from <v Name> or a "Name:" prefix) and plain text."""
    speaker = ""
    parts = []
    for line in lines:
        voice = _VOICE.search(line)
        if voice and not speaker:
            speaker = voice.group(1).strip()
        parts.append(_TAG.sub("", line).strip())
    text = " ".join(part for part in parts if part)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ")
    if not speaker:
        label = _CUE_LABEL.match(text)
        if label:
            speaker, text = label.group(1), text[label.end() :]
    text = " ".join(text.split())
    return _Cue(speaker, text) if text else None


def _merge_cues(cues: list[_Cue]) -> str:
    """Consecutive cues of one speaker become one paragraph, "Speaker: text" when the speaker is known.

    Captions without any speaker names are cut into paragraphs at pauses and after questions.
    """
    named = any(cue.speaker for cue in cues)
    turns: list[list[str]] = []
    speakers: list[str] = []
    previous: _Cue | None = None
    for cue in cues:
        if named:
            same = turns and (cue.speaker == speakers[-1] or not cue.speaker)
        else:
            same = bool(turns) and not (
                cue.start - previous.end >= PAUSE_SECONDS or previous.text.endswith("?")
            )
        previous = cue
        if same:
            turns[-1].append(cue.text)
        else:
            turns.append([cue.text])
            speakers.append(cue.speaker)
    paragraphs = []
    for speaker, texts in zip(speakers, turns, strict=True):
        text = " ".join(texts)
        paragraphs.append(f"{speaker}: {text}" if speaker else text)
    return "\n\n".join(paragraphs)


def _cue_blocks(text: str) -> list[list[str]]:
    return [block.split("\n") for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def _vtt_text(text: str, label: str) -> str:
    if not text.lstrip().startswith("WEBVTT"):
        raise DomainError(
            f"{label} is not a WebVTT file: it must start with “WEBVTT”. Save the captions as .vtt "
            f"again, or as .txt if they are plain text. {_NOTHING_SAVED}"
        )
    cues = []
    for lines in _cue_blocks(text)[1:]:
        timing = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if timing is None:
            continue  # NOTE, STYLE and REGION blocks carry no speech
        cue = _timed_cue(lines[timing], lines[timing + 1 :])
        if cue:
            cues.append(cue)
    if not cues:
        raise DomainError(f"{label} holds no caption cues with text. {_NOTHING_SAVED}")
    return _merge_cues(cues)


def _srt_text(text: str, label: str) -> str:
    cues = []
    for lines in _cue_blocks(text):
        timing = next((i for i, line in enumerate(lines[:3]) if _TIMING.match(line)), None)
        if timing is None:
            continue
        cue = _timed_cue(lines[timing], lines[timing + 1 :])
        if cue:
            cues.append(cue)
    if not cues:
        raise DomainError(
            f"{label} is not a SubRip file: no numbered cues with “00:00:01,000 --> 00:00:04,000” "
            f"timings were found. {_NOTHING_SAVED}"
        )
    return _merge_cues(cues)


# ---------------------------------------------------------------- Word


def _docx_text(data: bytes, label: str) -> str:
    """The paragraphs of a .docx (read with zipfile and ElementTree: no extra dependency)."""
    if len(data) > MAX_DOCX_BYTES:
        raise DomainError(
            f"{label} is {len(data) / 1_048_576:.1f} MB; Word transcripts are limited to "
            f"{MAX_DOCX_BYTES // 1_048_576} MB. {_NOTHING_SAVED}"
        )
    damaged = f"{label} is not a readable .docx file (it may be damaged, or another format renamed). "
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML_BYTES:
                raise DomainError(f"{label} unpacks to too much text. {_NOTHING_SAVED}")
            xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, EOFError, ValueError, RuntimeError):
        raise DomainError(damaged + _NOTHING_SAVED) from None
    if b"<!DOCTYPE" in xml[:4096] or b"<!ENTITY" in xml:
        raise DomainError(damaged + _NOTHING_SAVED)
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        raise DomainError(damaged + _NOTHING_SAVED) from None
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        pieces = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                pieces.append(node.text)
            elif node.tag == f"{_W}tab":
                pieces.append(" ")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                pieces.append("\n")
        paragraphs.append("".join(pieces).rstrip())
    return "\n".join(paragraphs)
