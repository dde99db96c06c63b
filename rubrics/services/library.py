"""The rubric library: rubrics edited as drafts and published as immutable versions, import and
export as YAML or JSON, diffs between versions, the question bank, and loading our rubric packs.

Drafts and versions always hold valid content in the ``rubrics.content`` format; a draft that
breaks the format is refused with the exact ``ContentError`` message and nothing is saved.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import yaml
from flask import current_app
from sqlalchemy import event, func, inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.audit import record_audit
from core.db import Page, escape_like, get_or_raise, paginate
from core.errors import ConflictError, DomainError, NotFoundError
from rubrics import golden
from rubrics.content import (
    KEY_PATTERN,
    ContentError,
    RubricContent,
    content_hash,
    parse_content,
    to_data,
)
from rubrics.models import Question, QuestionCategory, Rubric, RubricVersion

log = logging.getLogger(__name__)

MAX_TITLE = 300
MAX_NOTES = 4000
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


def clean_key(value: str, what: str) -> str:
    key = (value or "").strip()
    if not KEY_PATTERN.match(key):
        raise DomainError(
            f"The {what} key {key!r} is not valid: use lowercase letters, digits, '-' and '_' "
            "(starting with a letter or digit, at most 120 characters)."
        )
    return key


def clean_pack(value: str | None) -> str:
    pack = (value or "").strip()
    if pack and not KEY_PATTERN.match(pack):
        raise DomainError(
            f"The pack {pack!r} is not valid: use lowercase letters, digits, '-' and '_', "
            "or leave it empty."
        )
    return pack


def clean_title(value: str | None, what: str) -> str:
    title = " ".join((value or "").split())
    if not title:
        raise DomainError(f"Give the {what} a title.")
    if len(title) > MAX_TITLE:
        raise DomainError(f"The {what}'s title is longer than {MAX_TITLE} characters.")
    return title


def get_rubric(session: Session, rubric_id: int) -> Rubric:
    """Return the rubric or raise NotFoundError."""
    return get_or_raise(session, Rubric, rubric_id, f"There is no rubric #{rubric_id}.")


def find_rubric(session: Session, key: str) -> Rubric | None:
    return session.scalars(select(Rubric).where(Rubric.key == key)).one_or_none()


def get_version(session: Session, version_id: int) -> RubricVersion:
    """Return the published version or raise NotFoundError."""
    return get_or_raise(session, RubricVersion, version_id, f"There is no rubric version #{version_id}.")


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
        pattern = f"%{escape_like(query.lower())}%"
        statement = statement.where(
            or_(
                func.lower(Rubric.key).like(pattern, escape="\\"),
                func.lower(Rubric.title).like(pattern, escape="\\"),
            )
        )
    return paginate(session, statement, page, per_page)


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


def flush_unique(session: Session, obj: Any, message: str) -> None:
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
        key=clean_key(key, "rubric"),
        title=clean_title(title, "rubric"),
        pack=clean_pack(pack),
        draft=normalise_content(content),
        created_by_id=actor_id,
    )
    flush_unique(session, rubric, f"A rubric with the key {rubric.key!r} already exists.")
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
    new_title = rubric.title if title is None else clean_title(title, "rubric")
    new_pack = rubric.pack if pack is None else clean_pack(pack)
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
    """Publish the draft as the next immutable version (refused when it equals the latest, or when
    the release gate finds it agrees less with the rubric's golden set than the current version)."""
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
    gate = golden.check_rubric_release(
        session, rubric, content, actor_id=actor_id, config=current_app.config
    )  # raises GateRefused, with the figures, when the draft agrees less with the golden set
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
    gate.version_id = version.id
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
            "gate": golden.gate_record(gate),
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
        key=clean_key(data["key"], "rubric"),
        title=clean_title(title, "rubric"),
        pack=clean_pack(data.get("pack")),
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
