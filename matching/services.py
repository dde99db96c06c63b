"""Skills of candidates and roles, extracted from their rows' text fields; pure functions, no session.

Every mention names the field (and list index or document) its offsets point into, so a page can
show the verbatim span in its source as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hiring.models import Candidate, CandidateDocument, DocumentKind, JobRole
from matching.extraction import FoundSkill, SkillCount, SkillExtractor, default_extractor, skills_of

# Recruiter notes describe the candidate in someone else's words ("no Kubernetes yet"): not evidence.
SKIPPED_DOCUMENT_KINDS = frozenset({DocumentKind.NOTE})
WORK_HISTORY_KEYS = ("title", "company", "description")
CONTEXT_CHARS = 80
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SkillMention:
    found: FoundSkill
    field: str  # "headline", "summary", "skills", "work_history", "document", "must_have", ...
    index: int | None = None  # the item of a list field the offsets point into
    key: str | None = None  # the key inside that item (work history: "title", "company", ...)
    document_id: int | None = None
    before: str = ""  # up to CONTEXT_CHARS of the source text either side of the span, for display
    after: str = ""

    @property
    def name(self) -> str:
        return self.found.name


@dataclass(frozen=True)
class _Source:
    text: str
    source_kind: str
    field: str
    index: int | None = None
    key: str | None = None
    document_id: int | None = None
    listed: bool = False


def candidate_skills(
    candidate: Candidate,
    documents: Iterable[CandidateDocument] | None = None,
    extractor: SkillExtractor | None = None,
) -> list[SkillMention]:
    """Extract skills from a candidate's profile fields and documents (default: candidate.documents)."""
    docs = candidate.documents if documents is None else documents
    return _extract(_candidate_sources(candidate, docs), extractor)


def role_skills(role: JobRole, extractor: SkillExtractor | None = None) -> list[SkillMention]:
    """Extract skills from a role's must-haves, nice-to-haves, tech stack and summary."""
    return _extract(_role_sources(role), extractor)


def summarise(mentions: Iterable[SkillMention]) -> list[SkillCount]:
    """Count mentions per canonical skill, in order of first mention."""
    return skills_of(mention.found for mention in mentions)


def _extract(sources: Iterable[_Source], extractor: SkillExtractor | None) -> list[SkillMention]:
    extractor = extractor or default_extractor()
    mentions: list[SkillMention] = []
    for source in sources:
        for found in extractor.extract(source.text, source.source_kind, listed=source.listed):
            before = source.text[max(0, found.start - CONTEXT_CHARS) : found.start]
            after = source.text[found.end : found.end + CONTEXT_CHARS]
            mentions.append(
                SkillMention(
                    found,
                    source.field,
                    source.index,
                    source.key,
                    source.document_id,
                    before=_SPACES.sub(" ", before),
                    after=_SPACES.sub(" ", after),
                )
            )
    return mentions


def _candidate_sources(
    candidate: Candidate, documents: Iterable[CandidateDocument]
) -> Iterator[_Source]:
    yield _Source(candidate.headline or "", "profile", "headline")
    yield _Source(candidate.summary or "", "profile", "summary")
    yield from _list_sources(candidate.skills, "profile", "skills", listed=True)
    for index, entry in enumerate(candidate.work_history or []):
        if isinstance(entry, Mapping):
            for key in WORK_HISTORY_KEYS:
                if isinstance(entry.get(key), str):
                    yield _Source(entry[key], "profile", "work_history", index, key)
        elif isinstance(entry, str):
            yield _Source(entry, "profile", "work_history", index)
    for document in documents:
        if document.kind in SKIPPED_DOCUMENT_KINDS:
            continue
        kind = DocumentKind(document.kind).value
        yield _Source(document.title or "", kind, "document_title", document_id=document.id)
        yield _Source(document.body or "", kind, "document", document_id=document.id)


def _role_sources(role: JobRole) -> Iterator[_Source]:
    yield from _list_sources(role.must_have, "jd", "must_have")
    yield from _list_sources(role.nice_to_have, "jd", "nice_to_have")
    yield from _list_sources(role.tech_stack, "jd", "tech_stack", listed=True)
    yield _Source(role.summary or "", "jd", "summary")


def _list_sources(
    items: list[Any] | None, kind: str, field: str, *, listed: bool = False
) -> Iterator[_Source]:
    for index, item in enumerate(items or []):
        if isinstance(item, str):
            yield _Source(item, kind, field, index, listed=listed)
