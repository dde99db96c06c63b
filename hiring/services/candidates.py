"""Candidates: validated profiles, search, documents; every change is audited."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.db import Page, escape_like, get_or_raise, paginate, utcnow
from core.errors import ConflictError, DomainError, NotFoundError
from hiring.models import Candidate, CandidateDocument, CandidateSource, ConsentStatus, DocumentKind

EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ().\-/]+(\s*(x|ext\.?)\s*[0-9]+)?$", re.IGNORECASE)
WORK_SEPARATORS = (" — ", " – ", " | ", " - ")
LIST_SPLIT = re.compile(r"[\n,;]")

# Text fields and their column sizes: longer input is refused with a clear message.
TEXT_LIMITS = {"name": 200, "location": 200, "headline": 300, "source_detail": 200, "referrer_name": 200}
# Domain (without "www.") -> label shown next to a link.
LINK_KINDS = {
    "github.com": "GitHub",
    "gitlab.com": "GitLab",
    "linkedin.com": "LinkedIn",
    "twitter.com": "X (Twitter)",
    "x.com": "X (Twitter)",
    "medium.com": "Medium",
    "substack.com": "Substack",
    "kaggle.com": "Kaggle",
    "huggingface.co": "Hugging Face",
    "scholar.google.com": "Google Scholar",
    "arxiv.org": "arXiv",
    "stackoverflow.com": "Stack Overflow",
    "youtube.com": "YouTube",
    "dev.to": "DEV",
    "hashnode.dev": "Hashnode",
}


class DuplicateEmailError(ConflictError):
    """An email of the candidate already belongs to other candidates; ``matches`` names them."""

    def __init__(self, matches: list[Candidate]) -> None:
        names = ", ".join(f"{c.name} (#{c.id})" for c in matches)
        super().__init__(f"This email already belongs to {names}. Tick “save anyway” if it is not them.")
        self.matches = matches


# ---------------------------------------------------------------- pure cleaners


def split_list(value: str | Iterable[str] | None) -> list[str]:
    """Items from text separated by newlines, commas or semicolons (or from a list), stripped."""
    if value is None:
        return []
    items = LIST_SPLIT.split(value) if isinstance(value, str) else list(value)
    return [str(item).strip() for item in items if str(item).strip()]


def clean_emails(values: str | Iterable[str] | None) -> list[str]:
    """Validate and lower-case emails; an invalid or repeated email is a DomainError."""
    emails: list[str] = []
    for raw in split_list(values):
        email = raw.lower()
        if len(email) > 254 or not EMAIL_PATTERN.match(email):
            raise DomainError(f"“{raw}” is not a valid email address.")
        if email in emails:
            raise DomainError(f"The email {email} is listed twice.")
        emails.append(email)
    return emails


def clean_phones(values: str | Iterable[str] | None) -> list[str]:
    phones: list[str] = []
    for raw in split_list(values):
        digits = re.sub(r"\D", "", raw)
        if not PHONE_PATTERN.match(raw) or not 5 <= len(digits) <= 20:
            raise DomainError(f"“{raw}” is not a phone number (digits, spaces, + - ( ) only).")
        if raw not in phones:
            phones.append(raw)
    return phones


def clean_links(values: str | Iterable[str] | None) -> list[str]:
    """Validate http(s) URLs with a host; repeated links (after normalising) are dropped."""
    links: list[str] = []
    keys: set[str] = set()
    for raw in split_list(values.split() if isinstance(values, str) else values):
        parts = urlsplit(raw)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in raw:
            raise DomainError(
                f"“{raw[:200]}” is not a web link; links must start with http:// or https://."
            )
        if len(raw) > 500:
            raise DomainError("Links are limited to 500 characters.")
        if link_key(raw) not in keys:
            keys.add(link_key(raw))
            links.append(raw)
    return links


def link_key(url: str) -> str:
    """A link normalised for comparison: no scheme, no "www.", lower-case host, no trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{port}{parts.path.rstrip('/')}{query}"


def link_kind(url: str) -> str:
    """A label for a link from its domain: "GitHub", "LinkedIn", ... or "Website"."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    for domain, label in LINK_KINDS.items():
        if host == domain or host.endswith("." + domain):
            return label
    return "Blog" if host.startswith("blog.") or "blog" in host.split(".")[0] else "Website"


def clean_labels(values: str | Iterable[str] | None, *, what: str) -> list[str]:
    """Skills or tags: stripped, at most 100 characters, deduplicated case-insensitively."""
    labels: list[str] = []
    seen: set[str] = set()
    for label in split_list(values):
        if len(label) > 100:
            raise DomainError(f"The {what} “{label[:40]}…” is too long (100 characters at most).")
        if label.casefold() not in seen:
            seen.add(label.casefold())
            labels.append(label)
    return labels


def parse_work_history(values: str | Iterable[Any] | None) -> list[dict[str, str]]:
    """Work history from lines "Title — Company" (or dicts); the last separator splits a line."""
    entries: list[dict[str, str]] = []
    items = values.split("\n") if isinstance(values, str) else list(values or [])
    for item in items:
        if isinstance(item, Mapping):
            title, company = str(item.get("title", "")).strip(), str(item.get("company", "")).strip()
        else:
            title, company = _split_work_line(str(item).strip())
        if len(title) > 200 or len(company) > 200:
            raise DomainError("A work history title or company is too long (200 characters at most).")
        if title or company:
            entries.append({"title": title, "company": company})
    return entries


def _split_work_line(line: str) -> tuple[str, str]:
    for separator in WORK_SEPARATORS:
        if separator in line:
            title, _, company = line.rpartition(separator)
            return title.strip(), company.strip()
    return line, ""


def format_work_history(entries: Iterable[Mapping[str, str]]) -> str:
    return "\n".join(
        f"{e.get('title', '')} — {e['company']}" if e.get("company") else e.get("title", "")
        for e in entries
    )


def _text(value: Any, name: str) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_LIMITS.get(name, 100_000):
        raise DomainError(f"The {name.replace('_', ' ')} is limited to {TEXT_LIMITS[name]} characters.")
    return value


def _date(value: Any) -> date | None:
    if value is not None and not isinstance(value, date):
        raise DomainError("Dates must be given as dates.")
    return value


CLEANERS: dict[str, Callable[[Any], Any]] = {
    **{name: partial(_text, name=name) for name in (*TEXT_LIMITS, "summary")},
    "emails": clean_emails,
    "phones": clean_phones,
    "links": clean_links,
    "skills": partial(clean_labels, what="skill"),
    "tags": partial(clean_labels, what="tag"),
    "work_history": parse_work_history,
    "source": lambda value: _enum_value(CandidateSource, value, "source"),
    "consent_status": lambda value: _enum_value(ConsentStatus, value, "consent status"),
    "is_prospect": bool,
    "not_looking_until": _date,
    "next_reengage_on": _date,
}


def clean_candidate_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise candidate fields; raise DomainError on the first bad one."""
    unknown = set(fields) - set(CLEANERS)
    if unknown:
        raise DomainError(f"Unknown candidate fields: {', '.join(sorted(unknown))}.")
    cleaned = {name: CLEANERS[name](value) for name, value in fields.items()}
    if "name" in cleaned and not cleaned["name"]:
        raise DomainError("Give the candidate a name.")
    return cleaned


def _enum_value(kind: Any, value: Any, what: str) -> Any:
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise DomainError(f"Unknown {what} “{value}”; choose one of: {choices}.") from None


def _check_source(fields: Mapping[str, Any], candidate: Candidate | None = None) -> None:
    """A referral names its referrer (checked on the values the candidate will have)."""
    source = fields.get("source", candidate.source if candidate else CandidateSource.APPLIED)
    referrer = fields.get("referrer_name", candidate.referrer_name if candidate else "")
    if source == CandidateSource.REFERRAL and not referrer:
        raise DomainError("Name the person who referred this candidate.")


# ---------------------------------------------------------------- queries


def get_candidate(session: Session, candidate_id: int) -> Candidate:
    return get_or_raise(session, Candidate, candidate_id, "No such candidate.")


def json_text_contains(column: Any, needle: str, *, exact_item: bool = False) -> Any:
    """A LIKE on the JSON text of a list column (portable across SQLite and PostgreSQL)."""
    encoded = json.dumps(needle.lower())
    encoded = encoded if exact_item else encoded[1:-1]
    return func.lower(cast(column, String)).like(f"%{escape_like(encoded)}%", escape="\\")


def find_candidates_by_emails(
    session: Session, emails: Iterable[str], *, exclude_id: int | None = None
) -> list[Candidate]:
    """Candidates (not merged away) that have any of ``emails``."""
    wanted = {email.lower() for email in emails}
    if not wanted:
        return []
    statement = select(Candidate).where(
        Candidate.merged_into_id.is_(None),
        or_(*(json_text_contains(Candidate.emails, e, exact_item=True) for e in wanted)),
    )
    if exclude_id is not None:
        statement = statement.where(Candidate.id != exclude_id)
    found = session.scalars(statement.order_by(Candidate.id)).all()
    return [c for c in found if wanted & {e.lower() for e in c.emails}]


def list_candidates(
    session: Session,
    *,
    page: int,
    per_page: int,
    query: str = "",
    prospects: bool | None = None,
    tag: str = "",
) -> Page[Candidate]:
    """Search candidates by name, email, tag or skill; merged-away candidates never show."""
    statement = select(Candidate).where(Candidate.merged_into_id.is_(None))
    query = query.strip()
    if query:
        statement = statement.where(
            or_(
                func.lower(Candidate.name).like(f"%{escape_like(query.lower())}%", escape="\\"),
                json_text_contains(Candidate.emails, query),
                json_text_contains(Candidate.tags, query),
                json_text_contains(Candidate.skills, query),
            )
        )
    if tag.strip():
        statement = statement.where(json_text_contains(Candidate.tags, tag.strip(), exact_item=True))
    if prospects is not None:
        statement = statement.where(Candidate.is_prospect.is_(prospects))
    statement = statement.order_by(Candidate.created_at.desc(), Candidate.id.desc())
    return paginate(session, statement, page, per_page)


# ---------------------------------------------------------------- changes


def _audit_view(candidate: Candidate, names: Iterable[str]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    return {name: plain(getattr(candidate, name)) for name in sorted(names)}


def create_candidate(
    session: Session,
    *,
    actor_id: int | None,
    allow_duplicate_email: bool = False,
    audit_action: str = "candidate.created",
    **fields: Any,
) -> Candidate:
    """Create a candidate; an email already on another candidate needs ``allow_duplicate_email``."""
    cleaned = clean_candidate_fields(fields)
    if not cleaned.get("name"):
        raise DomainError("Give the candidate a name.")
    if not allow_duplicate_email:
        matches = find_candidates_by_emails(session, cleaned.get("emails", []))
        if matches:
            raise DuplicateEmailError(matches)
    _check_source(cleaned)
    candidate = Candidate(created_by_id=actor_id, **cleaned)
    if candidate.consent_status not in (None, ConsentStatus.UNKNOWN):
        candidate.consent_updated_at = utcnow()
    session.add(candidate)
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action=audit_action,
        object_type="candidate",
        object_id=candidate.id,
        summary=candidate.name,
        after=_audit_view(candidate, cleaned),
    )
    return candidate


def update_candidate(
    session: Session,
    candidate: Candidate,
    *,
    actor_id: int | None,
    allow_duplicate_email: bool = False,
    **fields: Any,
) -> list[str]:
    """Change a candidate's fields; return the names of those that changed."""
    if candidate.merged_into_id is not None:
        raise DomainError(f"{candidate.name} was merged into another candidate; edit that one instead.")
    cleaned = clean_candidate_fields(fields)
    _check_source(cleaned, candidate)
    changed = [name for name, value in cleaned.items() if getattr(candidate, name) != value]
    new_emails = set(cleaned.get("emails", [])) - set(candidate.emails)
    if new_emails and not allow_duplicate_email:
        matches = find_candidates_by_emails(session, new_emails, exclude_id=candidate.id)
        if matches:
            raise DuplicateEmailError(matches)
    if not changed:
        return []
    before = _audit_view(candidate, changed)
    for name in changed:
        setattr(candidate, name, cleaned[name])
    if "consent_status" in changed:
        candidate.consent_updated_at = utcnow()
    record_audit(
        session,
        actor_id=actor_id,
        action="candidate.updated",
        object_type="candidate",
        object_id=candidate.id,
        summary=f"{candidate.name}: {', '.join(changed)}",
        before=before,
        after=_audit_view(candidate, changed),
    )
    return changed


def add_document(
    session: Session,
    candidate: Candidate,
    *,
    kind: DocumentKind,
    title: str,
    body: str,
    actor_id: int | None,
    source_name: str = "",
) -> CandidateDocument:
    """Attach a text document (transcript, portfolio writing, resume, note) to a candidate."""
    title, body = title.strip(), body.strip()
    if not body:
        raise DomainError("The document is empty. Nothing was saved.")
    if not title:
        raise DomainError("Give the document a title.")
    if len(title) > 300:
        raise DomainError("Document titles are limited to 300 characters.")
    if candidate.merged_into_id is not None:
        raise DomainError(f"{candidate.name} was merged into another candidate; add it there instead.")
    document = CandidateDocument(
        candidate=candidate, kind=kind, title=title, body=body, source_name=source_name.strip()[:300]
    )
    session.add(document)
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="candidate.document_added",
        object_type="candidate",
        object_id=candidate.id,
        summary=f"{candidate.name}: {kind.value} “{title}”",
        after={"document_id": document.id, "kind": kind.value, "title": title, "chars": len(body)},
    )
    return document


def add_portfolio_document(
    session: Session,
    candidate: Candidate,
    *,
    title: str,
    body: str,
    actor_id: int | None,
    source_name: str = "",
) -> CandidateDocument:
    """Attach portfolio writing (a blog post, an essay, a self-introduction) to a candidate."""
    return add_document(
        session,
        candidate,
        kind=DocumentKind.PORTFOLIO,
        title=title,
        body=body,
        actor_id=actor_id,
        source_name=source_name,
    )


def remove_document(
    session: Session, candidate: Candidate, document_id: int, *, actor_id: int | None
) -> str:
    """Delete one of the candidate's documents; return its title."""
    document = session.get(CandidateDocument, document_id)
    if document is None or document.candidate_id != candidate.id:
        raise NotFoundError("That document does not belong to this candidate (it may be gone already).")
    title, kind = document.title, document.kind
    try:
        with session.begin_nested():
            session.delete(document)
            session.flush()
    except IntegrityError:
        raise ConflictError(
            f"“{title}” is used elsewhere (e.g. by interview scoring) and stays."
        ) from None
    record_audit(
        session,
        actor_id=actor_id,
        action="candidate.document_removed",
        object_type="candidate",
        object_id=candidate.id,
        summary=f"{candidate.name}: {kind.value} “{title}”",
        before={"document_id": document_id, "kind": kind.value, "title": title},
    )
    return title


@dataclass(frozen=True)
class LabelledLink:
    kind: str
    url: str


def labelled_links(candidate: Candidate) -> list[LabelledLink]:
    return [LabelledLink(link_kind(url), url) for url in candidate.links]
