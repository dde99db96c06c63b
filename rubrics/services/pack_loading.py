"""Loading the rubric packs written by Loopwise into the database, idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.audit import record_audit
from core.errors import DomainError
from rubrics.content import (
    ContentError,
    content_hash,
)
from rubrics.services.library import (
    create_rubric,
    find_rubric,
    normalise_content,
    publish_rubric,
    save_draft,
)
from rubrics.services.questions import create_question, find_question


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
