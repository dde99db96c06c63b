"""The rubric library: rubrics edited as drafts and published as immutable versions, import and
export as YAML or JSON, diffs between versions, the question bank, and loading our rubric packs.

Drafts and versions always hold valid content in the ``rubrics.content`` format; a draft that
breaks the format is refused with the exact ``ContentError`` message and nothing is saved.
"""

from __future__ import annotations

import difflib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import event, func, inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.audit import record_audit
from core.db import Page, paginate
from core.errors import ConflictError, DomainError, NotFoundError
from rubrics.content import (
    KEY_PATTERN,
    ContentError,
    RubricContent,
    content_hash,
    parse_content,
    to_data,
)
from rubrics.models import Answer, Question, QuestionCategory, Rubric, RubricVersion

log = logging.getLogger(__name__)

MAX_TITLE = 300
MAX_NOTES = 4000
MAX_PROMPT = 20_000
FORMATS = ("yaml", "json")


# ---------------------------------------------------------------- content helpers


class InvalidContent(DomainError):
    """Rubric content broke the format; ``detail`` is the ContentError message (it names the place)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"The rubric is not valid: {detail}. Nothing was saved.")
        self.detail = detail


def normalise_content(data: Any) -> dict[str, Any]:
    """Validate content and return it in the stable plain form; raise InvalidContent if broken."""
    try:
        return to_data(parse_content(data))
    except ContentError as error:
        raise InvalidContent(str(error)) from None


def read_content(data: dict[str, Any]) -> RubricContent:
    """The dataclasses of stored (already valid) content, for display."""
    try:
        return parse_content(data)
    except ContentError as error:
        raise InvalidContent(str(error)) from None


class _Dumper(yaml.SafeDumper):
    """YAML with multi-line texts as literal blocks, so exports and line diffs stay readable."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def to_yaml(data: Any) -> str:
    """Render plain data as YAML in the given key order."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------- rubrics


def _clean_key(value: str, what: str) -> str:
    key = (value or "").strip()
    if not KEY_PATTERN.match(key):
        raise DomainError(
            f"The {what} key {key!r} is not valid: use lowercase letters, digits, '-' and '_' "
            "(starting with a letter or digit, at most 120 characters)."
        )
    return key


def _clean_pack(value: str | None) -> str:
    pack = (value or "").strip()
    if pack and not KEY_PATTERN.match(pack):
        raise DomainError(
            f"The pack {pack!r} is not valid: use lowercase letters, digits, '-' and '_', "
            "or leave it empty."
        )
    return pack


def _clean_title(value: str | None, what: str) -> str:
    title = " ".join((value or "").split())
    if not title:
        raise DomainError(f"Give the {what} a title.")
    if len(title) > MAX_TITLE:
        raise DomainError(f"The {what}'s title is longer than {MAX_TITLE} characters.")
    return title


def get_rubric(session: Session, rubric_id: int) -> Rubric:
    """Return the rubric or raise NotFoundError."""
    rubric = session.get(Rubric, rubric_id)
    if rubric is None:
        raise NotFoundError(f"There is no rubric #{rubric_id}.")
    return rubric


def find_rubric(session: Session, key: str) -> Rubric | None:
    return session.scalars(select(Rubric).where(Rubric.key == key)).one_or_none()


def get_version(session: Session, version_id: int) -> RubricVersion:
    """Return the published version or raise NotFoundError."""
    version = session.get(RubricVersion, version_id)
    if version is None:
        raise NotFoundError(f"There is no rubric version #{version_id}.")
    return version


def get_version_by_number(rubric: Rubric, number: int) -> RubricVersion:
    for version in rubric.versions:
        if version.number == number:
            return version
    raise NotFoundError(f"{rubric.key} has no version {number}.")


def list_rubrics(
    session: Session, *, page: int, per_page: int, pack: str = "", query: str = ""
) -> Page[Rubric]:
    """One page of rubrics by key, filtered by pack and by a search in key and title."""
    statement = select(Rubric).options(selectinload(Rubric.versions)).order_by(Rubric.key)
    if pack:
        statement = statement.where(Rubric.pack == pack)
    if query:
        pattern = f"%{_escape_like(query.lower())}%"
        statement = statement.where(
            or_(
                func.lower(Rubric.key).like(pattern, escape="\\"),
                func.lower(Rubric.title).like(pattern, escape="\\"),
            )
        )
    return paginate(session, statement, page, per_page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_packs(session: Session) -> list[str]:
    """The pack keys used by rubrics or questions, sorted."""
    rubric_packs = set(session.scalars(select(Rubric.pack).distinct()))
    question_packs = set(session.scalars(select(Question.pack).distinct()))
    return sorted(p for p in rubric_packs | question_packs if p)


def list_rubric_choices(session: Session) -> list[tuple[int, str]]:
    """(id, "key — title") of every rubric, for pickers."""
    rows = session.execute(select(Rubric.id, Rubric.key, Rubric.title).order_by(Rubric.key))
    return [(row.id, f"{row.key} — {row.title}") for row in rows]


@dataclass(frozen=True)
class LibraryOverview:
    rubrics: int
    published: int
    unpublished_changes: int
    questions: int
    questions_by_category: dict[str, int]
    packs: tuple[str, ...]


def library_overview(session: Session) -> LibraryOverview:
    """Counts for the section's home page."""
    rubrics = session.scalars(select(Rubric).options(selectinload(Rubric.versions))).all()
    rows = session.execute(select(Question.category, func.count()).group_by(Question.category))
    by_category = {category: number for category, number in rows}
    return LibraryOverview(
        rubrics=len(rubrics),
        published=sum(1 for r in rubrics if r.versions),
        unpublished_changes=sum(1 for r in rubrics if draft_state(r) != "published"),
        questions=sum(by_category.values()),
        questions_by_category={
            c.label: by_category.get(c, 0) for c in QuestionCategory if by_category.get(c)
        },
        packs=tuple(list_packs(session)),
    )


def draft_state(rubric: Rubric) -> str:
    """The draft's state: unpublished (no version yet), changed (differs from the latest), published."""
    latest = rubric.latest_version
    if latest is None:
        return "unpublished"
    return "published" if content_hash(rubric.draft) == latest.content_hash else "changed"


def _rubric_summary(rubric: Rubric) -> dict[str, Any]:
    return {"key": rubric.key, "title": rubric.title, "pack": rubric.pack}


def _flush_unique(session: Session, obj: Any, message: str) -> None:
    """Add and flush ``obj`` in a savepoint, turning a unique-constraint failure into ConflictError."""
    try:
        with session.begin_nested():
            session.add(obj)
    except IntegrityError:
        raise ConflictError(message) from None


def create_rubric(
    session: Session,
    *,
    key: str,
    title: str,
    content: dict[str, Any],
    actor_id: int | None,
    pack: str = "",
) -> Rubric:
    """Create a rubric whose draft is ``content``; nothing is published yet."""
    rubric = Rubric(
        key=_clean_key(key, "rubric"),
        title=_clean_title(title, "rubric"),
        pack=_clean_pack(pack),
        draft=normalise_content(content),
        created_by_id=actor_id,
    )
    _flush_unique(session, rubric, f"A rubric with the key {rubric.key!r} already exists.")
    record_audit(
        session,
        actor_id=actor_id,
        action="rubric.created",
        object_type="rubric",
        object_id=rubric.id,
        summary=f"Created rubric {rubric.key}",
        after={**_rubric_summary(rubric), "draft_hash": content_hash(rubric.draft)},
    )
    return rubric


def save_draft(
    session: Session,
    rubric: Rubric,
    *,
    content: dict[str, Any],
    actor_id: int | None,
    title: str | None = None,
    pack: str | None = None,
    action: str = "rubric.draft_saved",
    summary: str = "",
) -> bool:
    """Replace the draft (and optionally title and pack); published versions are never touched.

    Returns whether anything changed.
    """
    new_draft = normalise_content(content)
    new_title = rubric.title if title is None else _clean_title(title, "rubric")
    new_pack = rubric.pack if pack is None else _clean_pack(pack)
    old_hash = content_hash(rubric.draft)
    new_hash = content_hash(new_draft)
    if (old_hash, rubric.title, rubric.pack) == (new_hash, new_title, new_pack):
        return False
    before = {**_rubric_summary(rubric), "draft_hash": old_hash, "draft": rubric.draft}
    rubric.draft, rubric.title, rubric.pack = new_draft, new_title, new_pack
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action=action,
        object_type="rubric",
        object_id=rubric.id,
        summary=summary or f"Saved the draft of {rubric.key}",
        before=before,
        after={**_rubric_summary(rubric), "draft_hash": new_hash},
    )
    return True


def publish_rubric(
    session: Session, rubric: Rubric, *, actor_id: int | None, notes: str = ""
) -> RubricVersion:
    """Publish the draft as the next immutable version (refused when it equals the latest)."""
    content = normalise_content(rubric.draft)
    digest = content_hash(content)
    latest = rubric.latest_version
    if latest is not None and latest.content_hash == digest:
        raise ConflictError(
            f"The draft is the same as version {latest.number}: there is nothing new to publish. "
            "Edit the draft first."
        )
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise DomainError(f"The release notes are longer than {MAX_NOTES} characters.")
    last = session.scalar(
        select(func.max(RubricVersion.number)).where(RubricVersion.rubric_id == rubric.id)
    )
    version = RubricVersion(
        number=(last or 0) + 1,
        content=content,
        content_hash=digest,
        notes=notes,
        published_by_id=actor_id,
    )
    try:
        with session.begin_nested():
            rubric.versions.append(version)
            session.add(version)
    except IntegrityError:
        raise ConflictError(
            f"Someone else published {rubric.key} at the same moment. Reload the page and try again."
        ) from None
    record_audit(
        session,
        actor_id=actor_id,
        action="rubric.published",
        object_type="rubric",
        object_id=rubric.id,
        summary=f"Published {version.label}",
        after={
            "version_id": version.id,
            "number": version.number,
            "content_hash": digest,
            "notes": notes,
        },
    )
    return version


def draft_from_version(session: Session, version: RubricVersion, *, actor_id: int | None) -> bool:
    """Copy a published version into its rubric's draft (the versions stay as they are)."""
    rubric = version.rubric
    return save_draft(
        session,
        rubric,
        content=version.content,
        actor_id=actor_id,
        action="rubric.draft_from_version",
        summary=f"Started the draft of {rubric.key} from version {version.number}",
    )


@event.listens_for(RubricVersion, "before_update")
def _refuse_version_update(mapper: Any, _connection: Any, version: RubricVersion) -> None:
    """Published versions are immutable: any UPDATE of one is refused before it reaches the database."""
    state = inspect(version)
    if not any(state.attrs[name].history.has_changes() for name in mapper.columns.keys()):
        return
    raise ConflictError(
        f"Version {version.number} is published and can never change; edit the draft and publish "
        "a new version instead."
    )


# ---------------------------------------------------------------- import and export


@dataclass(frozen=True)
class RubricDocument:
    """A rubric as exchanged in a file: identity and content."""

    key: str
    title: str
    pack: str
    content: dict[str, Any]


def export_rubric(rubric: Rubric, version: RubricVersion | None, fmt: str) -> tuple[str, str]:
    """The text and file name of a version (or of the draft, when ``version`` is None)."""
    if fmt not in FORMATS:
        raise DomainError(f"Export as yaml or json, not {fmt!r}.")
    content = normalise_content(version.content if version else rubric.draft)
    document: dict[str, Any] = {
        "key": rubric.key,
        "title": rubric.title,
        "pack": rubric.pack,
        "version": version.number if version else "draft",
        "content": content,
    }
    suffix = f"v{version.number}" if version else "draft"
    name = f"{rubric.key}-{suffix}.{fmt}"
    if fmt == "json":
        return to_json(document), name
    return to_yaml(document), name


def parse_rubric_document(text: str, *, filename: str = "") -> RubricDocument:
    """Read a YAML or JSON rubric file (as exported) into a RubricDocument with valid content."""
    is_json = filename.lower().endswith(".json") or (
        not filename.lower().endswith((".yaml", ".yml")) and text.lstrip().startswith("{")
    )
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise DomainError(
                f"The file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}. "
                "Nothing was saved."
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(error, "problem", None) or "unreadable"
            raise DomainError(
                f"The file is not valid YAML: {problem}{where}. Nothing was saved."
            ) from None
    if not isinstance(data, dict) or not isinstance(data.get("content"), dict):
        raise DomainError(
            "The file must be a mapping with key, title, pack and content (as exported). "
            "Nothing was saved."
        )
    unknown = set(data) - {"key", "title", "pack", "version", "content"}
    if unknown:
        raise DomainError(f"The file has unknown fields {sorted(unknown)}. Nothing was saved.")
    if not isinstance(data.get("key"), str):
        raise DomainError("The file has no key (the rubric's identifier). Nothing was saved.")
    content = normalise_content(data["content"])
    title = data.get("title") or content["title"]
    if not isinstance(title, str) or not isinstance(data.get("pack") or "", str):
        raise DomainError("The file's title and pack must be text. Nothing was saved.")
    return RubricDocument(
        key=_clean_key(data["key"], "rubric"),
        title=_clean_title(title, "rubric"),
        pack=_clean_pack(data.get("pack")),
        content=content,
    )


@dataclass(frozen=True)
class ImportResult:
    rubric: Rubric
    created: bool
    changed: bool


def import_rubric(session: Session, text: str, *, filename: str, actor_id: int | None) -> ImportResult:
    """Create a rubric from a file, or replace the draft of the rubric with the file's key."""
    document = parse_rubric_document(text, filename=filename)
    rubric = find_rubric(session, document.key)
    if rubric is None:
        rubric = create_rubric(
            session,
            key=document.key,
            title=document.title,
            pack=document.pack,
            content=document.content,
            actor_id=actor_id,
        )
        changed = True
        created = True
    else:
        changed = save_draft(
            session,
            rubric,
            content=document.content,
            title=document.title,
            pack=document.pack,
            actor_id=actor_id,
            action="rubric.imported",
            summary=f"Imported {filename or 'a file'} into the draft of {rubric.key}",
        )
        created = False
    if created:
        record_audit(
            session,
            actor_id=actor_id,
            action="rubric.imported",
            object_type="rubric",
            object_id=rubric.id,
            summary=f"Imported {filename or 'a file'} as the new rubric {rubric.key}",
            after={"file": filename, "draft_hash": content_hash(rubric.draft)},
        )
    return ImportResult(rubric=rubric, created=created, changed=changed)


# ---------------------------------------------------------------- diff


@dataclass(frozen=True)
class LevelChange:
    level: int
    descriptor: tuple[str, str] | None  # (before, after) when it changed
    exemplars_added: tuple[str, ...]
    exemplars_removed: tuple[str, ...]


@dataclass(frozen=True)
class CriterionChange:
    key: str  # the key in b
    title: str  # the title in b
    renamed_from: str | None  # the key in a, when the key changed
    title_change: tuple[str, str] | None
    weight_change: tuple[float, float] | None
    levels: tuple[LevelChange, ...]


@dataclass(frozen=True)
class CriterionRef:
    key: str
    title: str
    weight: float


@dataclass(frozen=True)
class ContentDiff:
    title_change: tuple[str, str] | None
    reference_change: tuple[str, str] | None
    added: tuple[CriterionRef, ...]
    removed: tuple[CriterionRef, ...]
    changed: tuple[CriterionChange, ...]  # renamed or edited criteria
    order_changed: bool
    lines: tuple[str, ...] = field(default=())  # unified diff of the YAML renderings

    @property
    def is_empty(self) -> bool:
        return not (
            self.title_change
            or self.reference_change
            or self.added
            or self.removed
            or self.changed
            or self.order_changed
        )

    @property
    def renamed(self) -> tuple[CriterionChange, ...]:
        return tuple(c for c in self.changed if c.renamed_from)


def _criterion_text(criterion: Any) -> str:
    parts = [criterion.title]
    for number in sorted(criterion.levels):
        level = criterion.levels[number]
        parts.append(level.descriptor)
        parts.extend(level.exemplars)
    return "\n".join(parts)


def _level_changes(old: Any, new: Any) -> tuple[LevelChange, ...]:
    changes = []
    for number in sorted(new.levels):
        a, b = old.levels[number], new.levels[number]
        descriptor = (a.descriptor, b.descriptor) if a.descriptor != b.descriptor else None
        added = tuple(e for e in b.exemplars if e not in a.exemplars)
        removed = tuple(e for e in a.exemplars if e not in b.exemplars)
        if descriptor or added or removed:
            changes.append(LevelChange(number, descriptor, added, removed))
    return tuple(changes)


def _criterion_change(old: Any, new: Any) -> CriterionChange | None:
    change = CriterionChange(
        key=new.key,
        title=new.title,
        renamed_from=old.key if old.key != new.key else None,
        title_change=(old.title, new.title) if old.title != new.title else None,
        weight_change=(old.weight, new.weight) if old.weight != new.weight else None,
        levels=_level_changes(old, new),
    )
    if change.renamed_from or change.title_change or change.weight_change or change.levels:
        return change
    return None


RENAME_SIMILARITY = 0.6


def diff_contents(
    a: dict[str, Any], b: dict[str, Any], *, labels: tuple[str, str] = ("a", "b")
) -> ContentDiff:
    """Compare two rubric contents: criteria added, removed, renamed (a new key for a criterion
    whose text is mostly the same), weight, title, descriptor and exemplar changes per level, and a
    line diff of the YAML renderings."""
    old, new = parse_content(a), parse_content(b)
    old_by_key = {c.key: c for c in old.criteria}
    new_by_key = {c.key: c for c in new.criteria}
    only_old = [c for c in old.criteria if c.key not in new_by_key]
    only_new = [c for c in new.criteria if c.key not in old_by_key]

    # Pair criteria whose key changed but whose text stayed mostly the same: renames.
    candidates = sorted(
        (
            (difflib.SequenceMatcher(None, _criterion_text(o), _criterion_text(n)).ratio(), i, j)
            for i, o in enumerate(only_old)
            for j, n in enumerate(only_new)
        ),
        reverse=True,
    )
    renames: dict[str, Any] = {}  # new key -> old criterion
    used_old: set[int] = set()
    for ratio, i, j in candidates:
        if ratio < RENAME_SIMILARITY:
            break
        if i in used_old or only_new[j].key in renames:
            continue
        used_old.add(i)
        renames[only_new[j].key] = only_old[i]

    changed = []
    for criterion in new.criteria:
        previous = old_by_key.get(criterion.key) or renames.get(criterion.key)
        if previous is not None:
            change = _criterion_change(previous, criterion)
            if change:
                changed.append(change)
    added = tuple(CriterionRef(c.key, c.title, c.weight) for c in only_new if c.key not in renames)
    removed = tuple(
        CriterionRef(c.key, c.title, c.weight) for i, c in enumerate(only_old) if i not in used_old
    )
    renamed_old = {c.key for c in renames.values()}
    kept_old = [c.key for c in old.criteria if c.key in new_by_key or c.key in renamed_old]
    old_to_new = {o.key: n for n, o in renames.items()}
    kept_new = [c.key for c in new.criteria if c.key in old_by_key or c.key in renames]
    order_changed = [old_to_new.get(k, k) for k in kept_old] != kept_new

    lines = difflib.unified_diff(
        to_yaml(to_data(old)).splitlines(),
        to_yaml(to_data(new)).splitlines(),
        fromfile=labels[0],
        tofile=labels[1],
        lineterm="",
    )
    return ContentDiff(
        title_change=(old.title, new.title) if old.title != new.title else None,
        reference_change=(old.reference_answer, new.reference_answer)
        if old.reference_answer != new.reference_answer
        else None,
        added=added,
        removed=removed,
        changed=tuple(changed),
        order_changed=order_changed,
        lines=tuple(lines),
    )


# ---------------------------------------------------------------- questions


def get_question(session: Session, question_id: int) -> Question:
    """Return the question or raise NotFoundError."""
    question = session.get(Question, question_id)
    if question is None:
        raise NotFoundError(f"There is no question #{question_id}.")
    return question


def find_question(session: Session, key: str) -> Question | None:
    return session.scalars(select(Question).where(Question.key == key)).one_or_none()


def list_questions(
    session: Session,
    *,
    page: int,
    per_page: int,
    category: QuestionCategory | None = None,
    pack: str = "",
    query: str = "",
) -> Page[Question]:
    """One page of questions by category and key, filtered by category, pack and a search."""
    statement = (
        select(Question)
        .options(selectinload(Question.rubric).selectinload(Rubric.versions))
        .order_by(Question.category, Question.key)
    )
    if category:
        statement = statement.where(Question.category == category)
    if pack:
        statement = statement.where(Question.pack == pack)
    if query:
        pattern = f"%{_escape_like(query.lower())}%"
        statement = statement.where(
            or_(
                func.lower(Question.key).like(pattern, escape="\\"),
                func.lower(Question.title).like(pattern, escape="\\"),
                func.lower(Question.prompt).like(pattern, escape="\\"),
            )
        )
    return paginate(session, statement, page, per_page)


def _question_fields(
    session: Session,
    *,
    key: str,
    category: QuestionCategory | str,
    title: str,
    prompt: str,
    rubric_id: int,
    pack: str,
) -> dict[str, Any]:
    try:
        category = QuestionCategory(category)
    except ValueError:
        raise DomainError(f"Unknown question category {category!r}.") from None
    prompt = (prompt or "").strip()
    if not prompt:
        raise DomainError("Write the question's prompt: what the interviewer asks.")
    if len(prompt) > MAX_PROMPT:
        raise DomainError(f"The prompt is longer than {MAX_PROMPT} characters.")
    return {
        "key": _clean_key(key, "question"),
        "category": category,
        "title": _clean_title(title, "question"),
        "prompt": prompt,
        "rubric": get_rubric(session, rubric_id),
        "pack": _clean_pack(pack),
    }


def _question_summary(question: Question) -> dict[str, Any]:
    return {
        "key": question.key,
        "category": question.category.value,
        "pack": question.pack,
        "title": question.title,
        "prompt": question.prompt,
        "rubric": question.rubric.key,
    }


def create_question(
    session: Session,
    *,
    key: str,
    category: QuestionCategory | str,
    title: str,
    prompt: str,
    rubric_id: int,
    actor_id: int | None,
    pack: str = "",
) -> Question:
    """Add a question to the bank, scored with the given rubric."""
    fields = _question_fields(
        session, key=key, category=category, title=title, prompt=prompt, rubric_id=rubric_id, pack=pack
    )
    question = Question(**fields)
    _flush_unique(session, question, f"A question with the key {question.key!r} already exists.")
    record_audit(
        session,
        actor_id=actor_id,
        action="question.created",
        object_type="question",
        object_id=question.id,
        summary=f"Created question {question.key}",
        after=_question_summary(question),
    )
    return question


def update_question(
    session: Session,
    question: Question,
    *,
    key: str,
    category: QuestionCategory | str,
    title: str,
    prompt: str,
    rubric_id: int,
    actor_id: int | None,
    pack: str = "",
) -> bool:
    """Edit a question; returns whether anything changed."""
    fields = _question_fields(
        session, key=key, category=category, title=title, prompt=prompt, rubric_id=rubric_id, pack=pack
    )
    before = _question_summary(question)
    if all(getattr(question, name) == value for name, value in fields.items()):
        return False
    for name, value in fields.items():
        setattr(question, name, value)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ConflictError(f"A question with the key {fields['key']!r} already exists.") from None
    record_audit(
        session,
        actor_id=actor_id,
        action="question.updated",
        object_type="question",
        object_id=question.id,
        summary=f"Edited question {question.key}",
        before=before,
        after=_question_summary(question),
    )
    return True


def delete_question(session: Session, question: Question, *, actor_id: int | None) -> None:
    """Delete a question that nothing refers to (no answers, no interview kits)."""
    answers = session.scalar(select(func.count()).where(Answer.question_id == question.id)) or 0
    if answers:
        raise ConflictError(
            f"“{question.title}” has {answers} answer{'s' if answers != 1 else ''} recorded against it, "
            "so it cannot be deleted: the scores must keep their question. Nothing was deleted."
        )
    before = _question_summary(question)
    question_id = question.id
    try:
        with session.begin_nested():
            session.delete(question)
    except IntegrityError:
        raise ConflictError(
            f"“{question.title}” is still used (for example in an interview kit), so it cannot be "
            "deleted. Nothing was deleted."
        ) from None
    record_audit(
        session,
        actor_id=actor_id,
        action="question.deleted",
        object_type="question",
        object_id=question_id,
        summary=f"Deleted question {before['key']}",
        before=before,
    )


# ---------------------------------------------------------------- packs


@dataclass(frozen=True)
class PackLoadReport:
    """What loading the packs did; keys are question (and rubric) keys."""

    packs: tuple[str, ...]
    rubrics_created: tuple[str, ...]
    questions_created: tuple[str, ...]
    changed: tuple[
        str, ...
    ]  # the pack differs from the latest version: in the draft, review and publish
    unchanged: tuple[str, ...]

    @property
    def summary(self) -> str:
        parts = [
            f"{len(self.packs)} pack{'s' if len(self.packs) != 1 else ''}",
            f"{len(self.rubrics_created)} rubrics created and published",
            f"{len(self.questions_created)} questions added",
            f"{len(self.unchanged)} already up to date",
        ]
        text = ", ".join(parts) + "."
        if self.changed:
            text += (
                f" {len(self.changed)} changed in the pack ({', '.join(self.changed)}): "
                "the new content is in their drafts, review and publish."
            )
        return text


def load_packs(
    session: Session, *, actor_id: int | None, packs: Sequence[Any] | None = None
) -> PackLoadReport:
    """Put our rubric packs into the bank: idempotent; a changed pack rubric goes into the draft,
    never straight into a new version."""
    if packs is None:
        from rubrics.packs import load_all_packs

        try:
            packs = load_all_packs()
        except ContentError as error:
            raise DomainError(f"The rubric packs are broken: {error}. Nothing was loaded.") from None
    created, questions, changed, unchanged = [], [], [], []
    for pack in packs:
        for item in pack.questions:
            state = _load_pack_rubric(session, pack.key, item, actor_id=actor_id)
            {"created": created, "changed": changed, "unchanged": unchanged}[state].append(item.key)
            if find_question(session, item.key) is None:
                create_question(
                    session,
                    key=item.key,
                    category=item.category,
                    title=item.title,
                    prompt=item.prompt,
                    rubric_id=find_rubric(session, item.key).id,
                    pack=pack.key,
                    actor_id=actor_id,
                )
                questions.append(item.key)
    report = PackLoadReport(
        packs=tuple(p.key for p in packs),
        rubrics_created=tuple(created),
        questions_created=tuple(questions),
        changed=tuple(changed),
        unchanged=tuple(unchanged),
    )
    record_audit(
        session,
        actor_id=actor_id,
        action="rubric_packs.loaded",
        object_type="rubric_pack",
        object_id=None,
        summary=f"Loaded the rubric packs: {report.summary}"[:500],
        after={
            "packs": list(report.packs),
            "rubrics_created": list(report.rubrics_created),
            "questions_created": list(report.questions_created),
            "changed": list(report.changed),
        },
    )
    return report


def _load_pack_rubric(session: Session, pack_key: str, item: Any, *, actor_id: int | None) -> str:
    """Create and publish the rubric of one pack question, or stage a change in its draft."""
    content = normalise_content(item.rubric)
    digest = content_hash(content)
    rubric = find_rubric(session, item.key)
    if rubric is None:
        rubric = create_rubric(
            session, key=item.key, title=item.title, pack=pack_key, content=content, actor_id=actor_id
        )
        publish_rubric(
            session, rubric, actor_id=actor_id, notes=f"From the {pack_key} pack written by Loopwise."
        )
        return "created"
    latest = rubric.latest_version
    if latest is not None and latest.content_hash == digest:
        return "unchanged"
    if content_hash(rubric.draft) != digest:
        save_draft(
            session,
            rubric,
            content=content,
            actor_id=actor_id,
            action="rubric.draft_saved",
            summary=f"The {pack_key} pack changed {rubric.key}: the new content is in the draft",
        )
    return "changed"
