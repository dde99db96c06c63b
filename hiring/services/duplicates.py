"""Possible duplicate candidates, and merging one into another with an exact undo.

A pair is a possible duplicate when the two share an email (normalised), or when their names are
similar (case, accents and punctuation aside: difflib ratio >= 0.85, or the same words in another
order) and they share a link (scheme, "www.", host case and a trailing slash aside).
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.auth import User
from core.db import Page, get_or_raise, paginate, utcnow
from core.errors import DomainError
from hiring.models import (
    Application,
    Candidate,
    CandidateDocument,
    CandidateMerge,
    ConsentStatus,
    TalentPool,
    Touchpoint,
)
from hiring.services.candidates import (
    LINK_KINDS,
    find_candidates_by_emails,
    json_text_contains,
    link_key,
)

NAME_RATIO = 0.85
LIST_FIELDS = ("emails", "phones", "links", "skills", "tags", "work_history")
FILL_FIELDS = ("location", "headline", "summary", "not_looking_until", "next_reengage_on")
SNAPSHOT_VERSION = 1


# ---------------------------------------------------------------- detection


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    emails: tuple[str, ...]
    links: tuple[str, ...]

    @classmethod
    def of(cls, candidate: Candidate) -> Person:
        return cls(candidate.id, candidate.name, tuple(candidate.emails), tuple(candidate.links))


def normalise_name(name: str) -> str:
    """Lower case, no accents, punctuation as spaces: "José  O'Neil" -> "jose o neil"."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain.casefold()).split())


def names_similar(first: str, second: str) -> bool:
    a, b = normalise_name(first), normalise_name(second)
    if not a or not b:
        return False
    return (
        sorted(a.split()) == sorted(b.split())
        or difflib.SequenceMatcher(None, a, b).ratio() >= NAME_RATIO
    )


def _link_keys(links: Iterable[str]) -> set[str]:
    """Keys of links; a bare platform link ("https://github.com") says nothing about who it is."""
    return {key for key in map(link_key, links) if "/" in key or key not in LINK_KINDS}


def duplicate_reasons(first: Person, second: Person) -> tuple[str, ...]:
    """Why two people may be the same one (empty when they look distinct)."""
    reasons = [
        f"same email {email}"
        for email in sorted({e.lower() for e in first.emails} & {e.lower() for e in second.emails})
    ]
    shared_links = sorted(_link_keys(first.links) & _link_keys(second.links))
    if shared_links and names_similar(first.name, second.name):
        reasons.append(f"similar names and the same link {shared_links[0]}")
    return tuple(reasons)


@dataclass(frozen=True)
class DuplicatePair:
    first: Candidate
    second: Candidate
    reasons: tuple[str, ...]


def find_duplicate_pairs(session: Session) -> list[DuplicatePair]:
    """Every possible duplicate pair among candidates not merged away, oldest pairs first."""
    rows = session.execute(
        select(Candidate.id, Candidate.name, Candidate.emails, Candidate.links).where(
            Candidate.merged_into_id.is_(None)
        )
    ).all()
    people = {row.id: Person(row.id, row.name, tuple(row.emails), tuple(row.links)) for row in rows}
    groups: dict[str, set[int]] = defaultdict(set)
    for person in people.values():
        for email in person.emails:
            groups["email:" + email.lower()].add(person.id)
        for key in _link_keys(person.links):
            groups["link:" + key].add(person.id)
    pairs = {pair for ids in groups.values() for pair in itertools.combinations(sorted(ids), 2)}
    found = []
    for first_id, second_id in sorted(pairs):
        reasons = duplicate_reasons(people[first_id], people[second_id])
        if reasons:
            found.append((first_id, second_id, reasons))
    loaded = {
        c.id: c
        for c in session.scalars(
            select(Candidate).where(Candidate.id.in_({i for pair in found for i in pair[:2]}))
        )
    }
    return [DuplicatePair(loaded[a], loaded[b], reasons) for a, b, reasons in found]


def list_duplicate_pairs(session: Session, *, page: int, per_page: int) -> Page[DuplicatePair]:
    pairs = find_duplicate_pairs(session)
    page = max(1, page)
    return Page(pairs[(page - 1) * per_page : page * per_page], page, per_page, len(pairs))


def duplicates_of(session: Session, candidate: Candidate) -> list[tuple[Candidate, tuple[str, ...]]]:
    """Candidates that may be the same person as ``candidate``, with the reasons."""
    if candidate.merged_into_id is not None:
        return []
    others = {
        c.id: c for c in find_candidates_by_emails(session, candidate.emails, exclude_id=candidate.id)
    }
    keys = _link_keys(candidate.links)
    if keys:
        statement = select(Candidate).where(
            Candidate.merged_into_id.is_(None),
            Candidate.id != candidate.id,
            or_(*(json_text_contains(Candidate.links, key) for key in keys)),
        )
        others.update((c.id, c) for c in session.scalars(statement))
    me = Person.of(candidate)
    found = [(other, duplicate_reasons(me, Person.of(other))) for other in others.values()]
    return sorted(((c, r) for c, r in found if r), key=lambda pair: pair[0].id)


# ---------------------------------------------------------------- merge plan


def _item_key(field: str, item: Any) -> Any:
    if field == "links":
        return link_key(item)
    if field == "phones":
        return re.sub(r"\D", "", item)
    if field == "work_history":
        return (str(item.get("title", "")).casefold(), str(item.get("company", "")).casefold())
    return str(item).casefold()


def _union(field: str, first: list[Any], second: list[Any]) -> list[Any]:
    merged, keys = list(first), {_item_key(field, item) for item in first}
    for item in second:
        if _item_key(field, item) not in keys:
            keys.add(_item_key(field, item))
            merged.append(item)
    return merged


def merged_fields(primary: Candidate, duplicate: Candidate) -> dict[str, tuple[Any, Any]]:
    """The primary's fields that the merge changes: name -> (before, after)."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name in LIST_FIELDS:
        before = list(getattr(primary, name))
        after = _union(name, before, list(getattr(duplicate, name)))
        if after != before:
            changes[name] = (before, after)
    for name in FILL_FIELDS:
        if not getattr(primary, name) and getattr(duplicate, name):
            changes[name] = (getattr(primary, name), getattr(duplicate, name))
    if (
        primary.consent_status == ConsentStatus.UNKNOWN
        and duplicate.consent_status != ConsentStatus.UNKNOWN
    ):
        changes["consent_status"] = (primary.consent_status, duplicate.consent_status)
        changes["consent_updated_at"] = (primary.consent_updated_at, duplicate.consent_updated_at)
    return changes


@dataclass(frozen=True)
class MergePlan:
    primary: Candidate
    duplicate: Candidate
    changes: dict[str, tuple[Any, Any]]
    documents: tuple[CandidateDocument, ...]
    touchpoints: tuple[Touchpoint, ...]
    applications_moved: tuple[Application, ...]
    applications_kept: tuple[Application, ...]  # roles the primary already applied to
    pools_moved: tuple[TalentPool, ...]
    pools_shared: tuple[TalentPool, ...]  # pools the primary is already in


def plan_merge(primary: Candidate, duplicate: Candidate) -> MergePlan:
    """What merging ``duplicate`` into ``primary`` would do; refuse merges that make no sense."""
    if primary.id == duplicate.id:
        raise DomainError("A candidate cannot be merged into itself. Pick another candidate.")
    if duplicate.merged_into_id is not None:
        raise DomainError(
            f"{duplicate.name} (#{duplicate.id}) was already merged into another candidate."
        )
    if primary.merged_into_id is not None:
        raise DomainError(
            f"{primary.name} (#{primary.id}) was merged into another candidate; "
            "merge into that one instead."
        )
    primary_roles = {application.role_id for application in primary.applications}
    primary_pools = {pool.id for pool in primary.pools}
    return MergePlan(
        primary=primary,
        duplicate=duplicate,
        changes=merged_fields(primary, duplicate),
        documents=tuple(duplicate.documents),
        touchpoints=tuple(duplicate.touchpoints),
        applications_moved=tuple(a for a in duplicate.applications if a.role_id not in primary_roles),
        applications_kept=tuple(a for a in duplicate.applications if a.role_id in primary_roles),
        pools_moved=tuple(p for p in duplicate.pools if p.id not in primary_pools),
        pools_shared=tuple(p for p in duplicate.pools if p.id in primary_pools),
    )


# ---------------------------------------------------------------- snapshot values


def _dump(value: Any) -> Any:
    """A JSON value; datetimes as naive UTC ISO text, so SQLite and PostgreSQL compare alike."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value.value if isinstance(value, ConsentStatus) else value


def _load(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in ("consent_updated_at", "updated_at"):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if name in ("not_looking_until", "next_reengage_on"):
        return date.fromisoformat(value)
    return ConsentStatus(value) if name == "consent_status" else value


# ---------------------------------------------------------------- merge and undo


def merge_candidates(
    session: Session, primary: Candidate, duplicate: Candidate, *, actor_id: int | None
) -> CandidateMerge:
    """Merge ``duplicate`` into ``primary``, recording everything needed to undo it exactly."""
    plan = plan_merge(primary, duplicate)
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "primary_before": {name: _dump(before) for name, (before, _) in plan.changes.items()},
        "primary_after": {name: _dump(after) for name, (_, after) in plan.changes.items()},
        "primary_updated_at": _dump(primary.updated_at),
        "duplicate_updated_at": _dump(duplicate.updated_at),
        "documents": [d.id for d in plan.documents],
        "touchpoints": [t.id for t in plan.touchpoints],
        "applications": [a.id for a in plan.applications_moved],
        "applications_kept": [a.id for a in plan.applications_kept],
        "pools": [p.id for p in plan.pools_moved],
        "pools_shared": [p.id for p in plan.pools_shared],
    }
    for name, (_, after) in plan.changes.items():
        setattr(primary, name, after)
    for document in plan.documents:
        document.candidate = primary
    for touchpoint in plan.touchpoints:
        touchpoint.candidate = primary
    for application in plan.applications_moved:
        application.candidate = primary
    for pool in plan.pools_moved + plan.pools_shared:
        duplicate.pools.remove(pool)
    primary.pools.extend(plan.pools_moved)
    duplicate.merged_into_id = primary.id
    merge = CandidateMerge(
        primary_id=primary.id, duplicate_id=duplicate.id, snapshot=snapshot, actor_id=actor_id
    )
    session.add(merge)
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="candidate.merged",
        object_type="candidate",
        object_id=primary.id,
        summary=f"{duplicate.name} (#{duplicate.id}) merged into {primary.name} (#{primary.id})",
        before=snapshot["primary_before"],
        after={"merge_id": merge.id, **snapshot["primary_after"], **_moved_counts(snapshot)},
    )
    return merge


def _moved_counts(snapshot: dict[str, Any]) -> dict[str, int]:
    return {
        f"{name}_moved": len(snapshot[name])
        for name in ("documents", "touchpoints", "applications", "pools")
    }


def undo_merge(session: Session, merge: CandidateMerge, *, actor_id: int | None) -> list[str]:
    """Undo a merge; return the primary's fields left alone because they were edited since."""
    snapshot, primary, duplicate = merge.snapshot or {}, merge.primary, merge.duplicate
    if merge.undone_at is not None:
        raise DomainError(f"This merge was already undone on {merge.undone_at:%Y-%m-%d %H:%M} UTC.")
    if snapshot.get("version") != SNAPSHOT_VERSION:
        raise DomainError("This merge record holds no undo information, so it cannot be undone.")
    if primary.merged_into_id is not None:
        raise DomainError(
            f"{primary.name} (#{primary.id}) has since been merged into another candidate "
            f"(#{primary.merged_into_id}); undo that merge first."
        )
    if duplicate.merged_into_id != primary.id:
        raise DomainError(f"{duplicate.name} (#{duplicate.id}) is no longer merged into {primary.name}.")
    kept = [
        name
        for name, after in snapshot["primary_after"].items()
        if _dump(getattr(primary, name)) != after
    ]
    for name, before in snapshot["primary_before"].items():
        if name not in kept:
            setattr(primary, name, _load(name, before))
    _move_back(session, snapshot, primary, duplicate)
    duplicate.merged_into_id = None
    duplicate.updated_at = _load("updated_at", snapshot["duplicate_updated_at"])
    if snapshot["primary_before"] and not kept:
        primary.updated_at = _load("updated_at", snapshot["primary_updated_at"])
    merge.undone_at = utcnow()
    merge.undone_by_id = actor_id
    record_audit(
        session,
        actor_id=actor_id,
        action="candidate.merge_undone",
        object_type="candidate",
        object_id=primary.id,
        summary=f"{duplicate.name} (#{duplicate.id}) split from {primary.name} (#{primary.id}) again",
        before=snapshot["primary_after"],
        after={"merge_id": merge.id, "restored": snapshot["primary_before"], "kept_edits": kept},
    )
    return kept


def _move_back(
    session: Session, snapshot: dict[str, Any], primary: Candidate, duplicate: Candidate
) -> None:
    for model, key in (
        (CandidateDocument, "documents"),
        (Touchpoint, "touchpoints"),
        (Application, "applications"),
    ):
        if snapshot[key]:
            for row in session.scalars(select(model).where(model.id.in_(snapshot[key]))):
                if row.candidate_id == primary.id:
                    row.candidate = duplicate
    pools = {
        p.id: p
        for p in session.scalars(
            select(TalentPool).where(TalentPool.id.in_(snapshot["pools"] + snapshot["pools_shared"]))
        )
    }
    for pool_id in snapshot["pools"]:
        if pool_id in pools and pools[pool_id] in primary.pools:
            primary.pools.remove(pools[pool_id])
    for pool_id in snapshot["pools"] + snapshot["pools_shared"]:
        if pool_id in pools and pools[pool_id] not in duplicate.pools:
            duplicate.pools.append(pools[pool_id])


def get_merge(session: Session, merge_id: int) -> CandidateMerge:
    return get_or_raise(session, CandidateMerge, merge_id, "No such merge.")


def merge_actor_names(session: Session, merges: Iterable[CandidateMerge]) -> dict[int, str]:
    """The names of the users who made ``merges``, by id."""
    ids = {merge.actor_id for merge in merges if merge.actor_id is not None}
    return (
        {row.id: row.name for row in session.execute(select(User.id, User.name).where(User.id.in_(ids)))}
        if ids
        else {}
    )


def list_merges(
    session: Session, *, page: int, per_page: int, candidate_id: int | None = None
) -> Page[Any]:
    """Merges, newest first; with ``candidate_id``, those where it was the primary or the duplicate."""
    statement = select(CandidateMerge).order_by(
        CandidateMerge.created_at.desc(), CandidateMerge.id.desc()
    )
    if candidate_id is not None:
        statement = statement.where(
            or_(CandidateMerge.primary_id == candidate_id, CandidateMerge.duplicate_id == candidate_id)
        )
    return paginate(session, statement, page, per_page)
