"""Editing a role's loop: its settings and competencies (with the JD must-haves they assess).

Every edit is audited. A published loop stays editable; when an edit leaves its coverage with errors
it goes back to draft, and the returned message says why. Loop instances already running copied
their rounds when they started, so no edit changes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.audit import record_audit
from core.auth import Role, User
from core.errors import DomainError
from interviews.models import BlindMode, LoopTemplate, TemplateStatus, TieBreak
from interviews.services.coverage import coverage_report, normalise_line
from interviews.services.templates import template_data
from rubrics.content import KEY_PATTERN

MAX_TITLE = 200
MAX_DESCRIPTION = 1000
MAX_NOTES = 2000
MAX_COMPETENCIES = 12


@dataclass(frozen=True)
class LoopEdit:
    """What an edit did, in words; ``unpublished`` when it sent a published loop back to draft."""

    message: str
    unpublished: bool = False


def ensure_editable(template: LoopTemplate) -> None:
    """Refuse edits of library templates and archived loops."""
    if template.role_id is None:
        raise DomainError(
            "Library templates ship with Loopwise and are not edited here: start a role's loop from one "
            "and edit that."
        )
    if template.status == TemplateStatus.ARCHIVED:
        raise DomainError("This loop is archived and can no longer be edited.")


def finish_edit(
    session: Session,
    template: LoopTemplate,
    *,
    actor_id: int | None,
    action: str,
    message: str,
    before: dict[str, Any],
) -> LoopEdit:
    """Audit an edit; send a published loop whose coverage now has errors back to draft."""
    session.flush()
    after = template_data(template)
    record_audit(
        session,
        actor_id=actor_id,
        action=action,
        object_type="loop_template",
        object_id=template.id,
        summary=f"{template.title}: {message}",
        before=before,
        after=after,
    )
    if template.status != TemplateStatus.PUBLISHED:
        return LoopEdit(message)
    report = coverage_report(template)
    if not report.errors:
        return LoopEdit(message)
    template.status = TemplateStatus.DRAFT
    record_audit(
        session,
        actor_id=actor_id,
        action="loop.unpublished",
        object_type="loop_template",
        object_id=template.id,
        summary=f"{template.title} went back to draft: its coverage has errors after an edit",
        before={"status": TemplateStatus.PUBLISHED.value},
        after={"status": TemplateStatus.DRAFT.value, "errors": list(report.errors)},
    )
    return LoopEdit(
        f"{message} The loop went back to draft because its coverage now has errors: "
        f"{' '.join(report.errors)} Fix them and publish it again; running loops are not affected.",
        unpublished=True,
    )


def clean_text(value: str | None, label: str, limit: int, *, required: bool = False) -> str:
    """Trimmed text within ``limit`` characters (and not empty when required)."""
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise DomainError(f"Give the {label} a value.")
    if len(text) > limit:
        raise DomainError(f"The {label} is longer than {limit} characters.")
    return text


def panel_member(template: LoopTemplate, user_id: int, what: str) -> User:
    """The user of the role's panel with this id; anyone else is refused as ``what``."""
    for user in template.role.interviewers:
        if user.id == user_id:
            return user
    raise DomainError(
        f"Only interviewers on the role's panel can be the {what}: add them to the panel first."
    )


# ---------------------------------------------------------------- settings


def update_loop_settings(
    session: Session,
    template: LoopTemplate,
    *,
    blind_mode: BlindMode | str,
    tie_break: TieBreak | str,
    bar_raiser_id: int | None,
    offer_approver_role: Role | str,
    actor_id: int | None,
) -> LoopEdit:
    """Set the loop's blind mode, tie-break rule, bar raiser and offer approver role."""
    ensure_editable(template)
    try:
        blind_mode, tie_break = BlindMode(blind_mode), TieBreak(tie_break)
        approver = Role(offer_approver_role)
    except ValueError:
        raise DomainError(
            "Pick a blind mode, a tie-break rule and an approver role from the lists."
        ) from None
    if bar_raiser_id is not None:
        panel_member(template, bar_raiser_id, "bar raiser")
    elif tie_break == TieBreak.BAR_RAISER_VETO:
        raise DomainError("The bar-raiser veto needs a bar raiser: choose one from the role's panel.")
    before = {
        "blind_mode": template.blind_mode.value,
        "tie_break": template.tie_break.value,
        "bar_raiser_id": template.bar_raiser_id,
        "offer_approver_role": template.offer_approver_role,
    }
    after = {
        "blind_mode": blind_mode.value,
        "tie_break": tie_break.value,
        "bar_raiser_id": bar_raiser_id,
        "offer_approver_role": approver.value,
    }
    if before == after:
        return LoopEdit("Nothing changed in the settings.")
    template.blind_mode, template.tie_break = blind_mode, tie_break
    template.bar_raiser_id, template.offer_approver_role = bar_raiser_id, approver.value
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="loop.settings_changed",
        object_type="loop_template",
        object_id=template.id,
        summary=f"{template.title}: settings saved",
        before=before,
        after=after,
    )
    return LoopEdit("Settings saved.")


# ---------------------------------------------------------------- competencies


def _competency(template: LoopTemplate, key: str) -> dict[str, Any]:
    for competency in template.competencies:
        if competency["key"] == key:
            return competency
    raise DomainError("That competency is not part of this loop (any more). Reload the page.")


def _must_haves(template: LoopTemplate, lines: Sequence[str], current: Sequence[str]) -> list[str]:
    """Keep only lines of the role's JD (or already mapped ones), in the JD's order."""
    allowed = {normalise_line(line): line for line in [*template.role.must_have, *current]}
    chosen = []
    for line in lines:
        known = allowed.get(normalise_line(line))
        if known is None:
            raise DomainError(f"“{line[:80]}” is not a must-have of the role's JD.")
        if known not in chosen:
            chosen.append(known)
    return chosen


def _new_key(template: LoopTemplate, title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "competency"
    taken = {c["key"] for c in template.competencies}
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    if not KEY_PATTERN.match(key):
        key = f"competency-{len(taken) + 1}"
    return key


def add_loop_competency(
    session: Session,
    template: LoopTemplate,
    *,
    title: str,
    description: str = "",
    must_haves: Sequence[str] = (),
    actor_id: int | None,
) -> LoopEdit:
    """Add a competency (focus attribute) and the JD must-haves it assesses."""
    ensure_editable(template)
    if len(template.competencies) >= MAX_COMPETENCIES:
        raise DomainError(f"A loop has at most {MAX_COMPETENCIES} competencies.")
    title = clean_text(title, "competency's title", MAX_TITLE, required=True)
    if any(c["title"].casefold() == title.casefold() for c in template.competencies):
        raise DomainError(f"The loop already has a competency called “{title}”.")
    before = template_data(template)
    competency = {
        "key": _new_key(template, title),
        "title": title,
        "description": clean_text(description, "description", MAX_DESCRIPTION),
        "must_haves": _must_haves(template, must_haves, ()),
    }
    template.competencies = [*template.competencies, competency]
    return finish_edit(
        session,
        template,
        actor_id=actor_id,
        action="loop.competency_added",
        message=f"Competency “{title}” added: assess it in at least two rounds.",
        before=before,
    )


def update_loop_competency(
    session: Session,
    template: LoopTemplate,
    key: str,
    *,
    title: str,
    description: str = "",
    must_haves: Sequence[str] = (),
    actor_id: int | None,
) -> LoopEdit:
    """Rename a competency, or change its description and the must-haves it assesses."""
    ensure_editable(template)
    current = _competency(template, key)
    title = clean_text(title, "competency's title", MAX_TITLE, required=True)
    if any(c["title"].casefold() == title.casefold() and c["key"] != key for c in template.competencies):
        raise DomainError(f"The loop already has a competency called “{title}”.")
    changed = {
        "key": key,
        "title": title,
        "description": clean_text(description, "description", MAX_DESCRIPTION),
        "must_haves": _must_haves(template, must_haves, current.get("must_haves") or ()),
    }
    if changed == current:
        return LoopEdit(f"Nothing changed in “{title}”.")
    before = template_data(template)
    template.competencies = [changed if c["key"] == key else c for c in template.competencies]
    return finish_edit(
        session,
        template,
        actor_id=actor_id,
        action="loop.competency_updated",
        message=f"Competency “{title}” saved.",
        before=before,
    )


def remove_loop_competency(
    session: Session, template: LoopTemplate, key: str, *, actor_id: int | None
) -> LoopEdit:
    """Remove a competency, and take it off every round that assessed it."""
    ensure_editable(template)
    competency = _competency(template, key)
    before = template_data(template)
    template.competencies = [c for c in template.competencies if c["key"] != key]
    for loop_round in template.rounds:
        if key in loop_round.competencies:
            loop_round.competencies = [k for k in loop_round.competencies if k != key]
    return finish_edit(
        session,
        template,
        actor_id=actor_id,
        action="loop.competency_removed",
        message=f"Competency “{competency['title']}” removed from the loop and its rounds.",
        before=before,
    )
