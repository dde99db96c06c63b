"""Voluntary self-identification: the categories a candidate may state (EEO-1 style, as used in
NYC Local Law 144 bias audits), stored apart from the candidate's profile and readable only by the
roles named in the SELF_ID_ROLES setting (admin by default).

No hiring, interviews or rubrics page imports this module, so interviewers and scorers never see
the data. Every read and write is audited without the values.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.audit import record_audit
from core.auth import Role
from core.db import Base, str_enum, utcnow
from core.errors import DomainError
from hiring.models import Candidate

log = logging.getLogger(__name__)

DECLINED = "declined"
DECLINED_LABEL = "Declined to answer"
NOT_RECORDED = "not_recorded"
NOT_RECORDED_LABEL = "Not recorded"
DEFAULT_SELF_ID_ROLES = "admin"
# Interviewers score candidates: they may never read self-identification, whatever the setting says.
NEVER_READERS = frozenset({Role.INTERVIEWER})


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    DECLINED = DECLINED


class RaceEthnicity(enum.StrEnum):
    """The EEO-1 race/ethnicity categories."""

    HISPANIC_LATINO = "hispanic_latino"
    WHITE = "white"
    BLACK = "black"
    NATIVE_HAWAIIAN_PACIFIC = "native_hawaiian_pacific"
    ASIAN = "asian"
    NATIVE_AMERICAN_ALASKA = "native_american_alaska"
    TWO_OR_MORE = "two_or_more"
    DECLINED = DECLINED


class AgeBand(enum.StrEnum):
    UNDER_30 = "under_30"
    FROM_30_TO_39 = "30_39"
    FROM_40_TO_49 = "40_49"
    FROM_50 = "50_plus"
    DECLINED = DECLINED


class Disability(enum.StrEnum):
    YES = "yes"
    NO = "no"
    DECLINED = DECLINED


class Veteran(enum.StrEnum):
    PROTECTED = "protected"
    NOT_PROTECTED = "not_protected"
    DECLINED = DECLINED


class SelfIdSource(enum.StrEnum):
    CANDIDATE_FORM = "candidate_form"  # the candidate filled in the voluntary form
    RECRUITER = "recruiter"  # entered by staff on the candidate's behalf, from what they stated

    @property
    def label(self) -> str:
        return {"candidate_form": "Candidate's own form", "recruiter": "Recorded on their behalf"}[
            self.value
        ]


@dataclass(frozen=True)
class Category:
    key: str  # the column of SelfIdentification, or a combination for intersectional groups
    label: str
    options: tuple[tuple[str, str], ...]  # (value, label), "Declined to answer" last


def _category(key: str, label: str, kind: type[enum.StrEnum], labels: Mapping[str, str]) -> Category:
    return Category(key, label, tuple((member.value, labels[member.value]) for member in kind))


CATEGORIES: dict[str, Category] = {
    category.key: category
    for category in (
        _category(
            "gender",
            "Sex / gender",
            Gender,
            {"female": "Female", "male": "Male", "non_binary": "Non-binary or another gender"}
            | {DECLINED: DECLINED_LABEL},
        ),
        _category(
            "race_ethnicity",
            "Race / ethnicity",
            RaceEthnicity,
            {
                "hispanic_latino": "Hispanic or Latino",
                "white": "White",
                "black": "Black or African American",
                "native_hawaiian_pacific": "Native Hawaiian or Other Pacific Islander",
                "asian": "Asian",
                "native_american_alaska": "American Indian or Alaska Native",
                "two_or_more": "Two or more races",
                DECLINED: DECLINED_LABEL,
            },
        ),
        _category(
            "age_band",
            "Age band",
            AgeBand,
            {"under_30": "Under 30", "30_39": "30 to 39", "40_49": "40 to 49", "50_plus": "50 and over"}
            | {DECLINED: DECLINED_LABEL},
        ),
        _category(
            "disability",
            "Disability",
            Disability,
            {"yes": "Has a disability", "no": "No disability", DECLINED: DECLINED_LABEL},
        ),
        _category(
            "veteran",
            "Veteran status",
            Veteran,
            {"protected": "Protected veteran", "not_protected": "Not a protected veteran"}
            | {DECLINED: DECLINED_LABEL},
        ),
    )
}
STORED_CATEGORIES = tuple(CATEGORIES)
# Intersectional groups (sex × race/ethnicity), as Local Law 144 bias audits report them.
INTERSECTION = "gender_race"
INTERSECTION_LABEL = "Sex / gender × race / ethnicity"


class SelfIdentification(Base):
    """What a candidate chose to state about themselves; None: the question was not answered."""

    __tablename__ = "self_identifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), unique=True
    )
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender, 32))
    race_ethnicity: Mapped[RaceEthnicity | None] = mapped_column(str_enum(RaceEthnicity, 32))
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand, 32))
    disability: Mapped[Disability | None] = mapped_column(str_enum(Disability, 32))
    veteran: Mapped[Veteran | None] = mapped_column(str_enum(Veteran, 32))
    source: Mapped[SelfIdSource] = mapped_column(str_enum(SelfIdSource, 32))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# ---------------------------------------------------------------- who may read it


def self_id_roles(config: Mapping[str, Any]) -> frozenset[Role]:
    """The roles named by SELF_ID_ROLES (comma-separated); unknown names and interviewers are ignored."""
    raw = config.get("SELF_ID_ROLES") or DEFAULT_SELF_ID_ROLES
    names = [name.strip() for name in str(raw).split(",") if name.strip()]
    roles = set()
    for name in names:
        try:
            role = Role(name)
        except ValueError:
            log.warning("SELF_ID_ROLES names an unknown role %r: ignored", name)
            continue
        if role in NEVER_READERS:
            log.warning("SELF_ID_ROLES names %r, who may never read self-identification: ignored", name)
            continue
        roles.add(role)
    return frozenset(roles)


def may_read_self_id(user: Any, config: Mapping[str, Any]) -> bool:
    """Whether the user holds one of the SELF_ID_ROLES themselves (admin does not imply the others)."""
    return bool(user.is_authenticated and user.roles & self_id_roles(config))


def ensure_may_read_self_id(user: Any, config: Mapping[str, Any]) -> None:
    if not may_read_self_id(user, config):
        abort(403)


# ---------------------------------------------------------------- services


def get_self_id(session: Session, candidate_id: int) -> SelfIdentification | None:
    return session.scalar(
        select(SelfIdentification).where(SelfIdentification.candidate_id == candidate_id)
    )


def _parse(values: Mapping[str, str | None]) -> dict[str, enum.StrEnum | None]:
    unknown = set(values) - set(STORED_CATEGORIES)
    if unknown:
        raise DomainError(f"Unknown self-identification categories: {', '.join(sorted(unknown))}.")
    kinds = {c.name: c.type.enum_class for c in SelfIdentification.__table__.columns if c.name in values}
    parsed: dict[str, enum.StrEnum | None] = {}
    for key, value in values.items():
        if not value:
            parsed[key] = None
            continue
        try:
            parsed[key] = kinds[key](value)
        except ValueError:
            raise DomainError(f"Choose one of the listed answers for {CATEGORIES[key].label}.") from None
    return parsed


def save_self_id(
    session: Session,
    candidate: Candidate,
    values: Mapping[str, str | None],
    *,
    source: SelfIdSource,
    actor_id: int | None,
) -> SelfIdentification:
    """Record or replace a candidate's answers (empty: not answered); audited without the values."""
    parsed = _parse(values)
    record = get_self_id(session, candidate.id)
    created = record is None
    if record is None:
        record = SelfIdentification(candidate_id=candidate.id, source=source, recorded_by_id=actor_id)
        session.add(record)
    for key, value in parsed.items():
        setattr(record, key, value)
    record.source = source
    record.recorded_by_id = actor_id
    record.recorded_at = utcnow()
    session.flush()
    verb = "recorded" if created else "updated"
    record_audit(
        session,
        actor_id=actor_id,
        action=f"self_id.{verb}",
        object_type="candidate",
        object_id=candidate.id,
        summary=f"Self-identification of candidate #{candidate.id} {verb}",
        after={"source": source.value},
    )
    return record


def delete_self_id(session: Session, candidate: Candidate, *, actor_id: int | None) -> None:
    """Erase a candidate's self-identification (they may withdraw it at any time); audited."""
    record = get_self_id(session, candidate.id)
    if record is None:
        raise DomainError("There is no self-identification to erase for this candidate.")
    session.delete(record)
    record_audit(
        session,
        actor_id=actor_id,
        action="self_id.erased",
        object_type="candidate",
        object_id=candidate.id,
        summary=f"Self-identification of candidate #{candidate.id} erased",
    )


def group_of(record: SelfIdentification | None, category: str) -> str:
    """The candidate's group value in ``category``: a stored value, DECLINED or NOT_RECORDED."""
    if category == INTERSECTION:
        parts = [group_of(record, "gender"), group_of(record, "race_ethnicity")]
        if NOT_RECORDED in parts:
            return NOT_RECORDED
        if DECLINED in parts:
            return DECLINED
        return "|".join(parts)
    value = getattr(record, category, None) if record is not None else None
    return NOT_RECORDED if value is None else str(value)


def category_keys() -> tuple[str, ...]:
    return (*STORED_CATEGORIES, INTERSECTION)


def category_label(category: str) -> str:
    return INTERSECTION_LABEL if category == INTERSECTION else CATEGORIES[category].label


def group_label(category: str, group: str) -> str:
    if group == NOT_RECORDED:
        return NOT_RECORDED_LABEL
    if group == DECLINED:
        return DECLINED_LABEL
    if category == INTERSECTION:
        gender, race = group.split("|")
        return f"{group_label('gender', gender)} · {group_label('race_ethnicity', race)}"
    return dict(CATEGORIES[category].options)[group]


def group_order(category: str) -> list[str]:
    """Every group of a category in display order, the declined and not-recorded groups last."""
    if category == INTERSECTION:
        genders = [v for v, _l in CATEGORIES["gender"].options if v != DECLINED]
        races = [v for v, _l in CATEGORIES["race_ethnicity"].options if v != DECLINED]
        groups = [f"{g}|{r}" for g in genders for r in races]
    else:
        groups = [v for v, _l in CATEGORIES[category].options if v != DECLINED]
    return [*groups, DECLINED, NOT_RECORDED]
