"""Bulk-load a production-sized hiring database for bench.production: users, roles with their
stages, panels and published loops, candidates with a resume, applications spread over the
stages, interview loops with rounds and submitted scorecards, debriefs with votes, decisions.

Rows go in through SQLAlchemy Core ``executemany`` in batches with ids assigned here (the
database is fresh), so 10k candidates / 1k roles / 50k scorecards load in about a minute; the
sequences are moved past the ids at the end. Only the library loop templates and their rubric
packs go through the services (a handful of rows), so the role loops copy real templates and the
kit shows real questions. Field values follow tests/support/*factories* and the demo loaders.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from core.auth import PASSWORD_METHOD, Role, User, UserRole
from core.db import utcnow
from hiring.demo_people import APPLICANTS
from hiring.models import (
    Application,
    Candidate,
    CandidateDocument,
    CandidateSource,
    ConsentStatus,
    DocumentKind,
    JobRole,
    RoleStage,
    RoleStatus,
    StageChange,
    role_interviewers,
)
from hiring.services.jd_templates import list_templates
from hiring.services.stages import DEFAULT_STAGES
from interviews.demo import NOTES, TAKEAWAYS, recommendation_for
from interviews.models import (
    BlindMode,
    Debrief,
    DebriefVote,
    Decision,
    DecisionOutcome,
    InterviewLoop,
    InterviewRound,
    LoopRound,
    LoopStatus,
    LoopTemplate,
    Scorecard,
    ScorecardStatus,
    TemplateStatus,
    TieBreak,
    Vote,
    round_interviewers,
)
from interviews.services import templates as loop_templates

PASSWORD = "bench-password-not-secret"
BATCH = 5_000
MANAGERS, RECRUITERS, INTERVIEWERS, PANEL_SIZE = 20, 10, 200, 6
# The benchmark signs in as the first manager (board, debrief) and the first interviewer (kit).
MANAGER_EMAIL = "manager01@bench.example"
INTERVIEWER_EMAIL = "interviewer001@bench.example"

# Where applications sit, as weights over DEFAULT_STAGES (Lead … Withdrawn).
STAGE_WEIGHTS = {
    "Lead": 4,
    "Contacted": 4,
    "Applied": 25,
    "Recruiter screen": 10,
    "Technical screen": 8,
    "Onsite loop": 8,
    "Debrief": 5,
    "Offer": 2,
    "Hired": 3,
    "Rejected": 28,
    "Withdrawn": 3,
}
LOOP_STAGES = ("Onsite loop", "Debrief", "Offer", "Hired")
REJECTION_REASONS = (
    "Not enough depth in model evaluation for this level.",
    "Stronger candidates further along; kept for future roles.",
    "Salary expectations above the band.",
    "Declined the onsite loop.",
)
FIRST_NAMES = (
    "Aiko Bruno Chioma Dmitri Elena Farah Gustav Hannah Ines Jonas Kwame Lucia Mateo Nadia Omar "
    "Priya Quentin Rosa Sami Tanvi Umar Vera Wei Ximena Yusuf Zara Amara Bilal Carmen Deniz"
).split()
LAST_NAMES = (
    "Tanaka Ferreira Okafor Volkov Garcia Haddad Lindqvist Schmidt Moreau Novak Mensah Rossi Silva "
    "Khan Dubois Costa Ahmed Kowalski Nguyen Larsen Ibrahim Petrov Chen Herrera Yilmaz Osei Patel"
).split()
TEAMS = ("Search", "Ads ranking", "Assistant", "Platform", "Risk", "Growth", "Vision", "Speech")
CITIES = ("Berlin", "Lisbon", "London", "Remote (EU)", "Toronto", "Singapore", "Madrid", "Warsaw")


@dataclass
class Counts:
    users: int = 0
    roles: int = 0
    stages: int = 0
    candidates: int = 0
    applications: int = 0
    loops: int = 0
    rounds: int = 0
    scorecards: int = 0
    debriefs: int = 0
    votes: int = 0
    decisions: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class Loader:
    """Builds rows in memory with ids assigned from each table's current maximum, then inserts them."""

    def __init__(self, session: Session, rng: random.Random) -> None:
        self.session = session
        self.rng = rng
        self.next_ids: dict[str, int] = {}
        self.now = utcnow()

    def new_id(self, table: Table) -> int:
        if table.name not in self.next_ids:
            current = self.session.scalar(select(func.max(table.c.id))) or 0
            self.next_ids[table.name] = current + 1
        value = self.next_ids[table.name]
        self.next_ids[table.name] = value + 1
        return value

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), BATCH):
            self.session.execute(table.insert(), rows[start : start + BATCH])

    def fix_sequences(self) -> None:
        """Move each table's id sequence past the ids assigned here (PostgreSQL only)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for name in self.next_ids:
            self.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                )
            )

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)


def load(session: Session, *, candidates: int, roles: int, scorecards: int, seed: int = 8) -> Counts:
    """Fill an empty, migrated database; the caller commits."""
    started = datetime.now()
    loader = Loader(session, random.Random(seed))
    counts = Counts()
    users = _users(loader, counts)
    session.flush()
    report = loop_templates.sync_library_templates(session, actor_id=users["managers"][0])
    counts.extra["library"] = report.summary
    library = {
        t.family: t
        for t in session.scalars(
            select(LoopTemplate)
            .where(LoopTemplate.role_id.is_(None))
            .order_by(LoopTemplate.slug.desc())  # "ml-engineer-onsite" before "ml-engineer-loop"
        )
    }
    role_rows = _roles(loader, counts, roles, users, library)
    candidate_ids = _candidates(loader, counts, candidates)
    applications = _applications(loader, counts, role_rows, candidate_ids)
    _loops(loader, counts, role_rows, applications, users, scorecards)
    loader.fix_sequences()
    counts.seconds = (datetime.now() - started).total_seconds()
    return counts


def _users(loader: Loader, counts: Counts) -> dict[str, list[int]]:
    password_hash = generate_password_hash(PASSWORD, method=PASSWORD_METHOD)  # one scrypt, shared
    people = (
        [("admin@bench.example", "Bench Admin", Role.ADMIN)]
        + [
            (f"manager{i:02d}@bench.example", f"Manager {i:02d}", Role.HIRING_MANAGER)
            for i in range(1, MANAGERS + 1)
        ]
        + [
            (f"recruiter{i:02d}@bench.example", f"Recruiter {i:02d}", Role.RECRUITER)
            for i in range(1, RECRUITERS + 1)
        ]
        + [
            (
                f"interviewer{i:03d}@bench.example",
                f"{FIRST_NAMES[i % 30]} Interviewer {i:03d}",
                Role.INTERVIEWER,
            )
            for i in range(1, INTERVIEWERS + 1)
        ]
    )
    user_rows, grant_rows = [], []
    groups: dict[str, list[int]] = {"managers": [], "recruiters": [], "interviewers": []}
    group_of = {
        Role.HIRING_MANAGER: "managers",
        Role.RECRUITER: "recruiters",
        Role.INTERVIEWER: "interviewers",
    }
    for email, name, role in people:
        user_id = loader.new_id(User.__table__)
        user_rows.append(
            {
                "id": user_id,
                "email": email,
                "name": name,
                "password_hash": password_hash,
                "active": True,
                "created_at": loader.ago(400),
            }
        )
        grant_rows.append({"user_id": user_id, "role": role})
        if role in group_of:
            groups[group_of[role]].append(user_id)
    loader.insert(User.__table__, user_rows)
    loader.insert(UserRole.__table__, grant_rows)
    counts.users = len(user_rows)
    return groups


@dataclass
class RoleRow:
    id: int
    manager_id: int
    panel: list[int]
    stages: dict[str, int]
    template_id: int
    rounds: list[dict[str, Any]]  # the role loop's rounds (with "interviewers")
    competencies: list[str]


def _roles(loader, counts, number, users, library) -> list[RoleRow]:
    rng = loader.rng
    jd = {template.key: template for template in list_templates()}
    families = [key for key in jd if key in library]
    role_rows, stage_rows, panel_rows, template_rows, round_rows, assignment_rows = (
        [],
        [],
        [],
        [],
        [],
        [],
    )
    result = []
    interviewers = users["interviewers"]
    for index in range(number):
        family = families[index % len(families)]
        fields = jd[family].role_fields()
        role_id = loader.new_id(JobRole.__table__)
        manager_id = users["managers"][index % len(users["managers"])]
        team = TEAMS[index % len(TEAMS)]
        status = (
            RoleStatus.OPEN if index % 10 < 8 else (RoleStatus.ON_HOLD, RoleStatus.FILLED)[index % 2]
        )
        opened = loader.ago(30 + rng.random() * 300)
        role_rows.append(
            {
                **fields,
                "id": role_id,
                "title": f"{fields['title']}, {team} #{index + 1}",
                "team": team,
                "location": CITIES[index % len(CITIES)],
                "status": status,
                "headcount": 1 + index % 3,
                "hiring_manager_id": manager_id,
                "recruiter_id": users["recruiters"][index % len(users["recruiters"])],
                "template_key": family,
                "anonymised_review": False,
                "jd_is_llm_draft": False,
                "created_at": opened,
                "updated_at": opened,
                "opened_at": opened,
            }
        )
        stages = {}
        for position, (name, kind) in enumerate(DEFAULT_STAGES):
            stage_id = loader.new_id(RoleStage.__table__)
            stage_rows.append(
                {"id": stage_id, "role_id": role_id, "name": name, "position": position, "kind": kind}
            )
            stages[name] = stage_id
        # Interviewer 001 (the one the benchmark signs in as) sits on every tenth panel.
        panel = list(
            dict.fromkeys(
                ([interviewers[0]] if index % 10 == 0 else [])
                + [interviewers[(index * 7 + k * 31) % len(interviewers)] for k in range(PANEL_SIZE)]
            )
        )[:PANEL_SIZE]
        panel_rows += [{"role_id": role_id, "user_id": user_id} for user_id in panel]
        source = library[family]
        template_id = loader.new_id(LoopTemplate.__table__)
        template_rows.append(
            {
                "id": template_id,
                "slug": f"role-{role_id}-loop",
                "title": source.title,
                "description": source.description,
                "family": family,
                "role_id": role_id,
                "status": TemplateStatus.PUBLISHED,
                "competencies": source.competencies,
                "blind_mode": (
                    BlindMode.AFTER_OWN_SUBMISSION,
                    BlindMode.AFTER_OWN_SUBMISSION,
                    BlindMode.NEVER,
                    BlindMode.ALWAYS,
                )[index % 4],
                "tie_break": TieBreak.HIRING_MANAGER if index % 3 else TieBreak.BAR_RAISER_VETO,
                "bar_raiser_id": panel[-1],
                "offer_approver_role": "admin",
                "created_by_id": manager_id,
                "created_at": opened,
                "updated_at": opened,
                "published_at": opened,
                "published_by_id": manager_id,
            }
        )
        rounds = []
        for position, source_round in enumerate(source.rounds):
            round_id = loader.new_id(LoopRound.__table__)
            # Mostly one interviewer a round; pairs (a shadow) on every other role's first rounds.
            pair = index % 2 == 0 and position < 2
            chosen = [panel[(position + k * 3) % len(panel)] for k in range(2 if pair else 1)]
            round_rows.append(
                {
                    "id": round_id,
                    "template_id": template_id,
                    "position": position,
                    "kind": source_round.kind,
                    "title": source_round.title,
                    "duration_minutes": source_round.duration_minutes,
                    "competencies": source_round.competencies,
                    "question_ids": source_round.question_ids,
                    "notes": source_round.notes,
                }
            )
            assignment_rows += [{"round_id": round_id, "user_id": user_id} for user_id in chosen]
            rounds.append({**round_rows[-1], "template_round_id": round_id, "interviewers": chosen})
        competencies = [c["key"] for c in source.competencies]
        result.append(RoleRow(role_id, manager_id, panel, stages, template_id, rounds, competencies))
    loader.insert(JobRole.__table__, role_rows)
    loader.insert(RoleStage.__table__, stage_rows)
    loader.insert(role_interviewers, panel_rows)
    loader.insert(LoopTemplate.__table__, template_rows)
    loader.insert(LoopRound.__table__, round_rows)
    loader.insert(round_interviewers, assignment_rows)
    counts.roles, counts.stages = len(role_rows), len(stage_rows)
    return result


def _candidates(loader, counts, number) -> list[int]:
    rng = loader.rng
    rows, documents, ids = [], [], []
    sources = list(CandidateSource)
    for index in range(number):
        candidate_id = loader.new_id(Candidate.__table__)
        name = f"{FIRST_NAMES[index % 30]} {LAST_NAMES[(index // 30) % 27]} {index:05d}"
        _, headline, city, skills, _ = APPLICANTS[index % len(APPLICANTS)]
        created = loader.ago(rng.random() * 365)
        slug = name.lower().replace(" ", ".")
        rows.append(
            {
                "id": candidate_id,
                "name": name,
                "emails": [f"{slug}@example.org"],
                "phones": [],
                "location": city,
                "links": [f"https://github.com/{slug.replace('.', '-')}"],
                "headline": headline,
                "summary": f"{headline}. Shipped models to production at two companies.",
                "work_history": [{"title": headline.split(",")[0], "company": f"Company {index % 97}"}],
                "skills": list(skills),
                "tags": [],
                "source": sources[index % len(sources)],
                "source_detail": "",
                "referrer_name": "",
                "consent_status": ConsentStatus.CONSENTED,
                "consent_updated_at": created,
                "is_prospect": index % 10 == 9,
                "created_at": created,
                "updated_at": created,
            }
        )
        documents.append(
            {
                "id": loader.new_id(CandidateDocument.__table__),
                "candidate_id": candidate_id,
                "kind": DocumentKind.RESUME,
                "title": f"Resume of {name}",
                "source_name": f"{slug}.pdf",
                "body": f"{name}\n{headline}\n{city}\n\nSkills: {', '.join(skills)}.\n"
                + "Experience. " * 40,
                "created_at": created,
            }
        )
        ids.append(candidate_id)
    loader.insert(Candidate.__table__, rows)
    loader.insert(CandidateDocument.__table__, documents)
    counts.candidates = len(rows)
    return ids


def role_sizes(roles: int) -> list[int]:
    """Applications per role, largest first: a long tail, a few requisitions with ~1,500."""
    return [max(4, int(1_500 / (rank + 1) ** 0.7)) for rank in range(roles)]


def _applications(loader, counts, role_rows, candidate_ids) -> list[tuple[RoleRow, int, str, datetime]]:
    rng = loader.rng
    names, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    rows, changes, result = [], [], []
    for role, size in zip(role_rows, role_sizes(len(role_rows)), strict=True):
        for candidate_id in rng.sample(candidate_ids, min(size, len(candidate_ids))):
            stage = rng.choices(names, weights)[0]
            created = loader.ago(5 + rng.random() * 200)
            entered = created + (loader.now - created) * rng.random() * 0.8
            application_id = loader.new_id(Application.__table__)
            rows.append(
                {
                    "id": application_id,
                    "candidate_id": candidate_id,
                    "role_id": role.id,
                    "stage_id": role.stages[stage],
                    "created_at": created,
                    "stage_entered_at": entered,
                    "rejection_reason": rng.choice(REJECTION_REASONS) if stage == "Rejected" else "",
                }
            )
            changes.append(
                {
                    "id": loader.new_id(StageChange.__table__),
                    "application_id": application_id,
                    "from_stage_id": None,
                    "to_stage_id": role.stages["Applied"],
                    "actor_id": role.manager_id,
                    "reason": "",
                    "created_at": created,
                }
            )
            if stage != "Applied":
                changes.append(
                    {
                        "id": loader.new_id(StageChange.__table__),
                        "application_id": application_id,
                        "from_stage_id": role.stages["Applied"],
                        "to_stage_id": role.stages[stage],
                        "actor_id": role.manager_id,
                        "reason": rows[-1]["rejection_reason"],
                        "created_at": entered,
                    }
                )
            result.append((role, application_id, stage, entered))
    loader.insert(Application.__table__, rows)
    loader.insert(StageChange.__table__, changes)
    counts.applications = len(rows)
    return result


def _loops(loader, counts, role_rows, applications, users, target_scorecards) -> None:
    """Loops for applications that reached the onsite (and some rejected after it) until the
    scorecards reach the target: past rounds submitted with ratings, debriefs with votes."""
    rng = loader.rng
    eligible = [a for a in applications if a[2] in LOOP_STAGES]
    eligible += [a for a in applications if a[2] == "Rejected" and rng.random() < 0.5]
    rng.shuffle(eligible)
    tables: dict[str, list[dict[str, Any]]] = {
        name: [] for name in ("loops", "rounds", "cards", "debriefs", "votes", "decisions")
    }
    total_cards = 0
    for role, application_id, stage, entered in eligible:
        if total_cards >= target_scorecards:
            break
        loop_id = loader.new_id(InterviewLoop.__table__)
        started = entered - timedelta(days=3 + rng.random() * 20)
        decided = stage in ("Offer", "Hired", "Rejected")
        status = (
            LoopStatus.DECIDED
            if decided
            else (LoopStatus.DEBRIEF if stage == "Debrief" else LoopStatus.SCHEDULED)
        )
        tables["loops"].append(
            {
                "id": loop_id,
                "application_id": application_id,
                "template_id": role.template_id,
                "status": status,
                "created_by_id": role.manager_id,
                "created_at": started,
            }
        )
        strength = rng.choice((1, 2, 2, 3, 3, 3, 4)) if stage != "Rejected" else rng.choice((1, 2, 2, 3))
        all_submitted, means = True, {}
        for position, plan in enumerate(role.rounds):
            round_id = loader.new_id(InterviewRound.__table__)
            when = started + timedelta(days=position // 2, hours=2 * (position % 2))
            if stage == "Onsite loop":  # a loop in progress: the later rounds are still ahead
                when = loader.now + timedelta(days=position - 2)
            tables["rounds"].append(
                {
                    "id": round_id,
                    "loop_id": loop_id,
                    "template_round_id": plan["template_round_id"],
                    "position": position,
                    "kind": plan["kind"],
                    "title": plan["title"],
                    "duration_minutes": plan["duration_minutes"],
                    "competencies": plan["competencies"],
                    "question_ids": plan["question_ids"],
                    "scheduled_at": when,
                    "location": "Video call (link in the invitation)",
                }
            )
            due = when + timedelta(minutes=plan["duration_minutes"], hours=24)
            for interviewer_id in plan["interviewers"]:
                submitted = when < loader.now - timedelta(hours=2)
                ratings = {}
                for key in plan["competencies"]:
                    rating = max(1, min(4, strength + rng.choice((-1, 0, 0, 1))))
                    ratings[key] = {"rating": rating, "note": NOTES[rating]}
                mean = sum(r["rating"] for r in ratings.values()) / max(1, len(ratings))
                means.setdefault(interviewer_id, []).append(mean)
                all_submitted &= submitted
                tables["cards"].append(
                    {
                        "id": loader.new_id(Scorecard.__table__),
                        "round_id": round_id,
                        "interviewer_id": interviewer_id,
                        "status": ScorecardStatus.SUBMITTED if submitted else ScorecardStatus.DRAFT,
                        "ratings": ratings if submitted else {},
                        "takeaways": TAKEAWAYS[round(mean)] if submitted else "",
                        "recommendation": recommendation_for(mean) if submitted else None,
                        "due_at": due,
                        "submitted_at": due - timedelta(hours=20) if submitted else None,
                        "created_at": started,
                        "updated_at": due - timedelta(hours=20) if submitted else started,
                    }
                )
                total_cards += 1
        if stage == "Onsite loop" or not all_submitted:
            continue
        opened = entered - timedelta(hours=6)
        debrief_id = loader.new_id(Debrief.__table__)
        voters = {
            **{user_id: sum(m) / len(m) for user_id, m in means.items()},
            role.manager_id: strength,
        }
        revealed = decided or rng.random() < 0.5
        tables["debriefs"].append(
            {
                "id": debrief_id,
                "loop_id": loop_id,
                "opened_at": opened,
                "opened_by_id": role.manager_id,
                "opened_early": False,
                "early_reason": "",
                "revealed_at": opened + timedelta(hours=2) if revealed else None,
                "revealed_by_id": role.manager_id if revealed else None,
                "closed_at": opened + timedelta(hours=3) if decided else None,
            }
        )
        for number, (voter_id, mean) in enumerate(voters.items()):
            if not revealed and number == len(voters) - 1:
                break  # one vote still missing: sealed
            vote = Vote(recommendation_for(mean).value)
            tables["votes"].append(
                {
                    "id": loader.new_id(DebriefVote.__table__),
                    "debrief_id": debrief_id,
                    "voter_id": voter_id,
                    "vote": vote,
                    "comment": "" if number % 2 else "Evidence in my scorecard.",
                    "cast_at": opened + timedelta(minutes=10 * number),
                }
            )
        if decided:
            tables["decisions"].append(
                {
                    "id": loader.new_id(Decision.__table__),
                    "loop_id": loop_id,
                    "outcome": DecisionOutcome.NO_HIRE if stage == "Rejected" else DecisionOutcome.HIRE,
                    "rationale": "The panel's evidence, weighed against the role's must-haves.",
                    "tie_break": "",
                    "decided_by_id": role.manager_id,
                    "supersedes_id": None,
                    "supersede_reason": "",
                    "created_at": opened + timedelta(hours=3),
                }
            )
    for table, key in (
        (InterviewLoop.__table__, "loops"),
        (InterviewRound.__table__, "rounds"),
        (Scorecard.__table__, "cards"),
        (Debrief.__table__, "debriefs"),
        (DebriefVote.__table__, "votes"),
        (Decision.__table__, "decisions"),
    ):
        loader.insert(table, tables[key])
    counts.loops, counts.rounds, counts.scorecards = (
        len(tables["loops"]),
        len(tables["rounds"]),
        total_cards,
    )
    counts.debriefs, counts.votes, counts.decisions = (
        len(tables["debriefs"]),
        len(tables["votes"]),
        len(tables["decisions"]),
    )
