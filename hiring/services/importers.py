"""Importers: a profile from plain text, candidates from CSV, portfolio writing.

The parsers are pure functions (text in, frozen dataclass out); the ``import_*`` services save
what they parsed through hiring.services.candidates, which validates and audits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from sqlalchemy.orm import Session

from core.errors import DomainError
from hiring.models import Candidate, CandidateDocument, CandidateSource, DocumentKind
from hiring.services.candidates import (
    add_document,
    clean_candidate_fields,
    create_candidate,
    find_candidates_by_emails,
)
from hiring.services.csv_exchange import CANDIDATE_COLUMNS, read_csv

TRANSCRIPT_TITLE = "Imported interview transcript"
PARAGRAPH_MIN_WORDS = 25  # a line this long is prose (summary, transcript), not a title or a skill
IMAGE_ARTEFACT = re.compile(r"\.(?:png|jpe?g|gif|svg|webp)\)", re.IGNORECASE)
NAME_BEFORE_IS = re.compile(r"^(?P<name>[^\s.,;:]+(?:\s+[^\s.,;:]+){0,4})\s+is\s")
# First words of job titles: a glued "CompanyTitle" is split where the title starts with one of them.
TITLE_WORDS = frozenset(
    """head chief senior sr junior jr lead principal staff data machine ml ai analytics software
    research researcher director vp vice manager engineer scientist architect consultant founder
    co-founder cofounder cto ceo cio cdo coe product associate intern team technical applied deep
    business analyst developer devops mlops full backend frontend president partner assistant
    executive postdoctoral professor lecturer student teaching member fellow specialist advisor
    owner programmer quantitative computer cloud platform solutions nlp visiting group general
    global regional sales marketing operations project program technology it""".split()
)
CSV_COLUMNS = CANDIDATE_COLUMNS


# ---------------------------------------------------------------- profile text


@dataclass(frozen=True)
class WorkEntry:
    title: str
    company: str


@dataclass(frozen=True)
class ParsedProfile:
    name: str | None
    summary: str
    work_history: tuple[WorkEntry, ...]
    skills: tuple[str, ...]
    transcript: tuple[str, ...]  # paragraphs, in order

    @property
    def transcript_text(self) -> str:
        return "\n\n".join(self.transcript)


def _is_paragraph(line: str) -> bool:
    return len(line.split()) >= PARAGRAPH_MIN_WORDS


def _strip_artefacts(line: str) -> str:
    return IMAGE_ARTEFACT.sub("", line).strip()


def guess_name(summary: str) -> str | None:
    """The words before " is " at the start of a summary ("Amith KA is a seasoned ..." -> "Amith KA")."""
    match = NAME_BEFORE_IS.match(summary)
    if not match:
        return None
    name = match.group("name")
    return name if all(word[0].isupper() for word in name.split()) else None


def split_glued(line: str) -> tuple[str, ...]:
    """Split "66 DegreesChief Data Scientist" into ("66 Degrees", "Chief Data Scientist").

    A glue point is a capital letter right after a non-space character that is not a capital
    (or is one, when the capital starts a lower-case word: "OpenAISenior"), and not after "/",
    "-", "'", "(" or "&", so "AI/ML" and "Co-Founder" stay whole. Among glue points, the
    first one whose right part starts with a usual job-title word (TITLE_WORDS) wins; otherwise
    the last one (a company name like "McKinsey" has its own capitals, earlier in the line).
    A line without a glue point is one piece.
    """
    points = [
        i
        for i in range(1, len(line))
        if line[i].isupper()
        and not line[i - 1].isspace()
        and line[i - 1] not in "/-'(&"
        and (not line[i - 1].isupper() or line[i + 1 : i + 2].islower())
    ]
    if not points:
        return (line,)
    titled = [i for i in points if line[i:].split()[0].casefold() in TITLE_WORDS]
    cut = titled[0] if titled else points[-1]
    return line[:cut].strip(), line[cut:].strip()


def parse_work_lines(lines: list[str]) -> tuple[WorkEntry, ...]:
    """Pair up titles and companies from lines of "Title", "CompanyTitle", ..., "Company".

    The first line holds the first title; each following line holds the previous job's company
    glued to the next job's title; the last line holds the last company. After splitting, the
    pieces alternate title, company, title, company, ...
    """
    pieces: list[str] = []
    for index, line in enumerate(lines):
        pieces.extend((line,) if index == 0 else split_glued(line))
    pieces = [piece for piece in pieces if piece]
    return tuple(
        WorkEntry(title=pieces[i], company=pieces[i + 1] if i + 1 < len(pieces) else "")
        for i in range(0, len(pieces), 2)
    )


def parse_profile_text(text: str) -> ParsedProfile:
    """Parse a profile: summary paragraph, work lines, skills (one per line), transcript paragraphs.

    The work block is the run of non-blank lines after the summary up to the first line carrying
    an image artefact (".png)"), or, without one, up to the first blank line if any of its lines
    has a glued company/title. Skills follow until the first long paragraph; every paragraph from
    there on is the transcript.
    """
    lines = [line.strip() for line in text.split("\n")]
    start = next((i for i, line in enumerate(lines) if line), None)
    if start is None:
        raise DomainError("The profile text is empty. Nothing was saved.")
    summary = lines[start]
    rest = lines[start + 1 :]
    transcript_at = next((i for i, line in enumerate(rest) if _is_paragraph(line)), len(rest))
    block, transcript = rest[:transcript_at], [line for line in rest[transcript_at:] if line]

    work_lines: list[str] = []
    position = next((i for i, line in enumerate(block) if line), len(block))
    leading: list[str] = []
    for line in block[position:]:
        if not line:
            break
        leading.append(line)
        if IMAGE_ARTEFACT.search(line):
            work_lines = leading
            break
    else:
        if len(leading) > 1 and any(len(split_glued(line)) == 2 for line in leading[1:]):
            work_lines = leading
    skill_lines = block[position + len(work_lines) :] if work_lines else block

    skills: list[str] = []
    for line in skill_lines:
        skill = _strip_artefacts(line)
        if (
            skill
            and any(ch.isalnum() for ch in skill)
            and skill.casefold() not in map(str.casefold, skills)
        ):
            skills.append(skill)
    return ParsedProfile(
        name=guess_name(summary),
        summary=summary,
        work_history=parse_work_lines([_strip_artefacts(line) for line in work_lines]),
        skills=tuple(skills),
        transcript=tuple(transcript),
    )


def import_profile_text(
    session: Session,
    text: str,
    *,
    actor_id: int | None,
    name: str | None = None,
    source: CandidateSource | str = CandidateSource.SOURCED,
    is_prospect: bool = False,
    source_name: str = "",
) -> Candidate:
    """Create a candidate from profile text, with its transcript as one document."""
    profile = parse_profile_text(text)
    name = (name or "").strip() or profile.name
    if not name:
        raise DomainError(
            "Could not find the candidate's name (the summary should start “Name is …”). "
            "Type the name in and import again."
        )
    candidate = create_candidate(
        session,
        actor_id=actor_id,
        allow_duplicate_email=True,
        audit_action="candidate.imported",
        name=name,
        headline=_headline(profile.work_history),
        summary=profile.summary,
        work_history=[{"title": e.title, "company": e.company} for e in profile.work_history],
        skills=list(profile.skills),
        source=source,
        is_prospect=is_prospect,
    )
    if profile.transcript:
        add_document(
            session,
            candidate,
            kind=DocumentKind.TRANSCRIPT,
            title=TRANSCRIPT_TITLE,
            body=profile.transcript_text,
            actor_id=actor_id,
            source_name=source_name,
        )
    return candidate


def _headline(jobs: tuple[WorkEntry, ...]) -> str:
    """The latest job as a headline: "Head of AI & Engineering at Chryselys"."""
    if not jobs:
        return ""
    latest = jobs[0]
    return (f"{latest.title} at {latest.company}" if latest.company else latest.title)[:300]


# ---------------------------------------------------------------- portfolio writing


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    body: str


def parse_portfolio_text(text: str, *, file_name: str = "") -> ParsedDocument:
    """Title from the first line (a heading), else from the file name; the body is the whole text."""
    body = text.strip()
    if not body:
        raise DomainError("The text is empty. Nothing was saved.")
    first = body.split("\n", 1)[0].strip().lstrip("#").strip()
    if first and len(first) <= 120 and not _is_paragraph(first):
        title = first
    elif file_name:
        title = PurePath(file_name).stem.replace("_", " ").strip() or "Portfolio writing"
    else:
        title = "Portfolio writing"
    return ParsedDocument(title=title, body=body)


def import_portfolio_text(
    session: Session,
    candidate: Candidate,
    text: str,
    *,
    actor_id: int | None,
    title: str = "",
    file_name: str = "",
) -> CandidateDocument:
    """Attach portfolio writing to a candidate; an empty ``title`` is taken from the text."""
    parsed = parse_portfolio_text(text, file_name=file_name)
    return add_document(
        session,
        candidate,
        kind=DocumentKind.PORTFOLIO,
        title=title.strip() or parsed.title,
        body=parsed.body,
        actor_id=actor_id,
        source_name=file_name,
    )


# ---------------------------------------------------------------- CSV


@dataclass(frozen=True)
class CsvRow:
    line: int
    name: str
    email: str
    fields: dict[str, Any] = field(hash=False)
    errors: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class CsvPreview:
    rows: tuple[CsvRow, ...]

    @property
    def valid_rows(self) -> tuple[CsvRow, ...]:
        return tuple(row for row in self.rows if row.valid)

    @property
    def error_rows(self) -> tuple[CsvRow, ...]:
        return tuple(row for row in self.rows if not row.valid)


def _row_fields(raw: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    fields: dict[str, Any] = {}
    errors: list[str] = []
    source = (raw.get("source") or "applied").strip().lower()
    wanted = {
        "name": raw.get("name", ""),
        "emails": raw.get("email", ""),
        "phones": raw.get("phone", ""),
        "location": raw.get("location", ""),
        "headline": raw.get("headline", ""),
        "links": (raw.get("links") or "").replace(";", " "),
        "skills": raw.get("skills", ""),
        "tags": raw.get("tags", ""),
        "source": source,
        "referrer_name": raw.get("referrer", ""),
    }
    if not wanted["name"].strip():
        errors.append("The name is missing.")
        del wanted["name"]
    for key, value in wanted.items():
        try:
            fields.update(clean_candidate_fields({key: value}))
        except DomainError as error:
            errors.append(error.message)
    if fields.get("source") == CandidateSource.REFERRAL and not fields.get("referrer_name"):
        errors.append("A referral needs the referrer's name.")
    return fields, errors


def parse_candidates_csv(text: str) -> CsvPreview:
    """Check every row of a candidates CSV (header: name,email,...,source,referrer; lists use ";")."""
    lines = read_csv(text, columns=CSV_COLUMNS, required=[("name",)], header_hint=",".join(CSV_COLUMNS))
    rows: list[CsvRow] = []
    seen_emails: dict[str, int] = {}
    for line in lines:
        fields, errors = _row_fields(line.cells)
        if line.too_many_cells:
            errors.append("The row has more cells than the header.")
        for email in fields.get("emails", []):
            if email in seen_emails:
                errors.append(f"{email} is also on line {seen_emails[email]} of this file.")
            seen_emails.setdefault(email, line.line)
        rows.append(
            CsvRow(
                line=line.line,
                name=line.cells.get("name", ""),
                email=line.cells.get("email", ""),
                fields=fields,
                errors=tuple(errors),
            )
        )
    return CsvPreview(rows=tuple(rows))


def preview_candidates_csv(session: Session, text: str) -> CsvPreview:
    """The dry run: every row's problems, including emails that already belong to a candidate."""
    preview = parse_candidates_csv(text)
    rows = []
    for row in preview.rows:
        errors = list(row.errors)
        for match in find_candidates_by_emails(session, row.fields.get("emails", [])):
            errors.append(f"An email is already on {match.name} (#{match.id}).")
        rows.append(CsvRow(row.line, row.name, row.email, row.fields, tuple(errors)))
    return CsvPreview(rows=tuple(rows))


def import_candidates_csv(
    session: Session, text: str, *, actor_id: int | None
) -> tuple[list[Candidate], CsvPreview]:
    """Create a candidate for every valid row (checked again now); return them and the preview."""
    preview = preview_candidates_csv(session, text)
    created = [
        create_candidate(session, actor_id=actor_id, audit_action="candidate.imported", **row.fields)
        for row in preview.valid_rows
    ]
    return created, preview
