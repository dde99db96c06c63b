"""An iCalendar (RFC 5545) file for one scheduled round, so interviewers can add it to any calendar."""

from __future__ import annotations

from datetime import datetime

from core.db import as_utc, utcnow
from core.errors import DomainError
from interviews.models import InterviewRound
from interviews.services.loops import round_end

PRODUCT_ID = "-//Loopwise//Interview rounds//EN"
UID_DOMAIN = "loopwise"
MAX_LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold a content line into lines of at most 75 octets, never splitting a UTF-8 character;
    each continuation starts with one space (RFC 5545 3.1)."""
    parts, current, size = [], [], 0
    for char in line:
        octets = len(char.encode("utf-8"))
        limit = MAX_LINE_OCTETS if not parts else MAX_LINE_OCTETS - 1  # the leading space counts
        if size + octets > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _stamp(value: datetime) -> str:
    return as_utc(value).strftime("%Y%m%dT%H%M%SZ")


def round_ics(
    round_: InterviewRound,
    kit_url: str = "",
    *,
    now: datetime | None = None,
    candidate_label: str | None = None,
) -> str:
    """The round as a VCALENDAR with one VEVENT in UTC, with CRLF line endings; the candidate is
    called ``candidate_label`` when given (a pseudonym under anonymised review)."""
    if round_.scheduled_at is None:
        raise DomainError("This round has no date yet; schedule it before downloading it.")
    loop = round_.loop
    candidate = candidate_label or loop.application.candidate.name
    role = loop.application.role.title
    interviewers = ", ".join(card.interviewer.name for card in round_.scorecards) or "nobody yet"
    description = [
        f"{round_.kind.label} round ({round_.duration_minutes} minutes) with {candidate} for {role}.",
        f"Interviewers: {interviewers}.",
    ]
    if kit_url:
        description.append(f"Interview kit: {kit_url}")
    properties = [
        ("UID", f"interview-round-{round_.id}@{UID_DOMAIN}"),
        ("DTSTAMP", _stamp(now or utcnow())),
        ("DTSTART", _stamp(round_.scheduled_at)),
        ("DTEND", _stamp(round_end(round_))),
        ("SUMMARY", escape_text(f"{round_.title}: {candidate} ({role})")),
    ]
    if round_.location:
        properties.append(("LOCATION", escape_text(round_.location)))
    properties.append(("DESCRIPTION", escape_text("\n".join(description))))
    if kit_url:
        properties.append(("URL", kit_url))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        *(f"{name}:{value}" for name, value in properties),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold_line(line) + "\r\n" for line in lines)
