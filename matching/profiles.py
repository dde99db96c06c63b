"""What matching reads off a role and a candidate: requirements, skills, passages and seniority.

A requirement is one must-have or nice-to-have line of the JD with the skills it names, grouped:
skills joined by "or" or "/" in one run ("PyTorch or JAX"), or given as examples of the one before
("a data warehouse such as Snowflake", "IaC (Terraform)"), form one group that any of them satisfies;
otherwise every skill is a group of its own ("Python and PyTorch": two groups). Lines naming no skill
("clear written communication") are left to the semantic part of the score.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hiring.models import Candidate, CandidateDocument, DocumentKind, JobRole
from matching.extraction import SkillExtractor
from matching.seniority import DEFAULT_LEVEL, highest_level, stated_years, title_level
from matching.services import SkillMention, candidate_skills, role_skills
from matching.taxonomy import Taxonomy, default_taxonomy
from rubrics.scoring.text import split_sentences, words

# Only what the candidate wrote about themselves counts for the semantic part: interview
# transcripts are evidence for interviews, notes are someone else's words.
PASSAGE_DOCUMENT_KINDS = frozenset({DocumentKind.PORTFOLIO, DocumentKind.RESUME})
PASSAGE_WORDS = 60  # consecutive sentences are joined into passages of about this many words
MAX_PASSAGES = 300  # a 5 MB profile is matched on its first passages, not all of them
_RUN_GAP = re.compile(r"^[\s,;/()&]*(?:(?:and|or|the|such as|e\.g\.|eg|like)[\s,;/()&]*)*$", re.I)
_OR_GAP = re.compile(r"/|\(|\bor\b|such as|e\.g\.|\blike\b", re.I)  # "or", and examples


@dataclass(frozen=True)
class Requirement:
    field: str  # "must_have", "nice_to_have" or "tech_stack"
    index: int
    text: str
    groups: tuple[tuple[str, ...], ...]  # each group is met by any one of its skills

    @staticmethod
    def label(group: tuple[str, ...]) -> str:
        return " or ".join(group)


@dataclass(frozen=True)
class Passage:
    text: str
    field: str  # "headline", "summary", "work_history", "document", or a JD field
    index: int | None = None
    document_id: int | None = None


@dataclass(frozen=True)
class RoleProfile:
    role_id: int
    must_have: tuple[Requirement, ...]
    nice_to_have: tuple[Requirement, ...]
    passages: tuple[Passage, ...]
    level: int
    years: float | None


@dataclass(frozen=True)
class CandidateProfile:
    candidate_id: int
    skills: Mapping[str, SkillMention]  # skill or broader skill -> the first mention that shows it
    passages: tuple[Passage, ...]
    level: int | None
    years: float | None

    @property
    def content_hash(self) -> str:
        return passages_hash(self.passages)


def passages_hash(passages: Iterable[Passage]) -> str:
    """sha256 of the passages' texts: the key a stored profile vector is checked against."""
    digest = hashlib.sha256()
    for passage in passages:
        digest.update(passage.text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def skill_groups(text: str, mentions: Iterable[SkillMention]) -> tuple[tuple[str, ...], ...]:
    """Group the skills found in one JD line (see the module docstring)."""
    ordered = sorted(mentions, key=lambda mention: mention.found.start)
    runs: list[tuple[list[str], bool]] = []  # (skills, joined by "or")
    previous_end = None
    for mention in ordered:
        gap = text[previous_end : mention.found.start] if previous_end is not None else None
        if gap is not None and _RUN_GAP.match(gap):
            skills, is_or = runs[-1]
            runs[-1] = (skills + [mention.name], is_or or bool(_OR_GAP.search(gap)))
        else:
            runs.append(([mention.name], False))
        previous_end = mention.found.end
    groups: list[tuple[str, ...]] = []
    for skills, is_or in runs:
        unique = tuple(dict.fromkeys(skills))
        for group in [unique] if is_or else [(skill,) for skill in unique]:
            if group not in groups:
                groups.append(group)
    return tuple(groups)


def role_profile(role: JobRole, extractor: SkillExtractor | None = None) -> RoleProfile:
    mentions = role_skills(role, extractor)
    by_line: dict[tuple[str, int], list[SkillMention]] = {}
    for mention in mentions:
        if mention.field in ("must_have", "nice_to_have", "tech_stack") and mention.index is not None:
            by_line.setdefault((mention.field, mention.index), []).append(mention)

    def requirements(field: str, items: list | None) -> list[Requirement]:
        found = []
        for index, item in enumerate(items or []):
            groups = skill_groups(item, by_line.get((field, index), [])) if isinstance(item, str) else ()
            if groups:
                found.append(Requirement(field, index, item, groups))
        return found

    must = requirements("must_have", role.must_have)
    must_groups = {group for requirement in must for group in requirement.groups}
    nice = []
    for requirement in requirements("nice_to_have", role.nice_to_have) + requirements(
        "tech_stack", role.tech_stack
    ):
        groups = tuple(group for group in requirement.groups if group not in must_groups)
        if groups:
            nice.append(Requirement(requirement.field, requirement.index, requirement.text, groups))
    jd_texts = [role.summary or "", *(str(item) for item in role.must_have or [])]
    return RoleProfile(
        role_id=role.id,
        must_have=tuple(must),
        nice_to_have=tuple(nice),
        passages=tuple(_role_passages(role)),
        level=title_level(role.title) or DEFAULT_LEVEL,
        years=stated_years(jd_texts, smallest=True),
    )


def candidate_profile(
    candidate: Candidate,
    documents: Iterable[CandidateDocument] | None = None,
    extractor: SkillExtractor | None = None,
    taxonomy: Taxonomy | None = None,
) -> CandidateProfile:
    taxonomy = taxonomy or default_taxonomy()
    docs = list(candidate.documents if documents is None else documents)
    skills: dict[str, SkillMention] = {}
    for mention in candidate_skills(candidate, docs, extractor):
        for name in (mention.name, *taxonomy.ancestors(mention.name)):
            skills.setdefault(name, mention)
    titles = [candidate.headline or ""] + [
        entry.get("title", "") for entry in candidate.work_history or [] if isinstance(entry, Mapping)
    ]
    return CandidateProfile(
        candidate_id=candidate.id,
        skills=skills,
        passages=tuple(_candidate_passages(candidate, docs)),
        level=highest_level(title for title in titles if title),
        years=stated_years([candidate.headline or "", candidate.summary or ""]),
    )


def _role_passages(role: JobRole) -> Iterable[Passage]:
    for field in ("summary", "use_cases", "day_to_day"):
        yield from chunk(getattr(role, field) or "", field)
    for field in ("must_have", "nice_to_have"):
        for index, item in enumerate(getattr(role, field) or []):
            if isinstance(item, str) and item.strip():
                yield Passage(item.strip(), field, index)


def _candidate_passages(candidate: Candidate, documents: list[CandidateDocument]) -> list[Passage]:
    passages: list[Passage] = []
    if candidate.headline.strip():
        passages.append(Passage(candidate.headline.strip(), "headline"))
    passages.extend(chunk(candidate.summary or "", "summary"))
    for index, entry in enumerate(candidate.work_history or []):
        if isinstance(entry, Mapping):
            line = ", ".join(str(entry[key]) for key in ("title", "company") if entry.get(key))
            if line:
                passages.append(Passage(line, "work_history", index))
    for document in sorted(documents, key=lambda doc: doc.id or 0):
        if document.kind in PASSAGE_DOCUMENT_KINDS:
            passages.extend(chunk(document.body or "", "document", document_id=document.id))
        if len(passages) >= MAX_PASSAGES:
            break
    return passages[:MAX_PASSAGES]


def chunk(text: str, field: str, *, document_id: int | None = None) -> list[Passage]:
    """Join consecutive sentences of a text into passages of about PASSAGE_WORDS words."""
    passages: list[Passage] = []
    current: list[str] = []
    count = 0
    for sentence in split_sentences(text):
        size = len(words(sentence.text))
        if current and count + size > PASSAGE_WORDS:
            passages.append(Passage(" ".join(current), field, document_id=document_id))
            current, count = [], 0
        current.append(sentence.text)
        count += size
        if len(passages) >= MAX_PASSAGES:
            return passages
    if current:
        passages.append(Passage(" ".join(current), field, document_id=document_id))
    return passages
