"""50 panelists vote at once, each from its own thread on its own connection, against the configured
database (PostgreSQL in CI through LOOPWISE_DATABASE_URL; the SQLite file locally): no vote is lost,
no one votes twice, the last vote reveals them all, and nothing fails with an unexpected error.

The usual per-test rollback cannot work here: the threads must see each other's committed rows. The
fixture commits its own rows and deletes them afterwards.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, delete, event, func, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from core.audit import AuditEvent
from core.auth import Role, User
from core.db import _configure_sqlite_connection, get_database, get_session
from core.errors import ConflictError
from hiring.models import Application, Candidate, JobRole
from interviews.models import Debrief, DebriefVote, InterviewLoop, LoopTemplate, Vote
from interviews.services import debriefs
from tests.support.factories import create_test_user
from tests.support.hiring_factories import create_application, create_role
from tests.support.interview_factories import create_interview_loop, create_loop_template

PANEL_SIZE = 50
SQLITE_RETRIES = 200  # SQLite lets one writer in at a time; PostgreSQL must never need a retry


@dataclass(frozen=True)
class Rows:
    user_ids: list[int]
    debrief_ids: list[int]  # two debriefs: one for single votes, one for double attempts
    loop_ids: list[int]
    application_ids: list[int]
    candidate_ids: list[int]
    template_id: int
    role_id: int


@pytest.fixture
def committed_panel(app: Flask) -> Iterator[Rows]:
    """A role whose two loops share a 50-member panel (the hiring manager among them), both
    debriefs open: committed for real, and removed after the test."""
    with app.app_context():
        session = get_session()
        users = [create_test_user(roles=[Role.INTERVIEWER], password=None) for _ in range(PANEL_SIZE)]
        role = create_role(hiring_manager_id=users[0].id)
        template = create_loop_template(role=role)
        half = PANEL_SIZE // 2
        loops = []
        for _ in range(2):
            loop = create_interview_loop(
                application=create_application(role=role, stage_name="Onsite loop"),
                template=template,
                interviewers=[users[:half], users[half:]],
            )
            debriefs.open_debrief(session, loop, actor_id=users[0].id, early_reason="Load test")
            loops.append(loop)
        session.commit()
        rows = Rows(
            user_ids=[user.id for user in users],
            debrief_ids=[loop.debrief.id for loop in loops],
            loop_ids=[loop.id for loop in loops],
            application_ids=[loop.application_id for loop in loops],
            candidate_ids=[loop.application.candidate_id for loop in loops],
            template_id=template.id,
            role_id=role.id,
        )
    try:
        yield rows
    finally:
        with app.app_context(), get_database().engine.begin() as connection:
            remove(connection, rows)


def remove(connection, rows: Rows) -> None:
    """Delete the test's rows (children go with their parents through ON DELETE CASCADE)."""
    audit_filter = or_(
        AuditEvent.actor_id.in_(rows.user_ids),
        (AuditEvent.object_type == "user") & AuditEvent.object_id.in_([str(i) for i in rows.user_ids]),
        (AuditEvent.object_type == "debrief")
        & AuditEvent.object_id.in_([str(i) for i in rows.debrief_ids]),
    )
    connection.execute(delete(AuditEvent).where(audit_filter))
    connection.execute(delete(InterviewLoop).where(InterviewLoop.id.in_(rows.loop_ids)))
    connection.execute(delete(LoopTemplate).where(LoopTemplate.id == rows.template_id))
    connection.execute(delete(Application).where(Application.id.in_(rows.application_ids)))
    connection.execute(delete(JobRole).where(JobRole.id == rows.role_id))
    connection.execute(delete(Candidate).where(Candidate.id.in_(rows.candidate_ids)))
    connection.execute(delete(User).where(User.id.in_(rows.user_ids)))


def connection_per_session_engine(url: str) -> Engine:
    """An engine configured like the app's, but opening a fresh connection for every session."""
    if not url.startswith("sqlite"):
        return create_engine(url, poolclass=NullPool)
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(engine, "connect", _configure_sqlite_connection)
    # SQLite admits one writer at a time: take the write lock when the unit of work starts, so
    # that the threads queue on the busy timeout instead of failing on a stale read snapshot.
    event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    return engine


class Voting:
    """Casts votes through the service, each attempt in its own session, one unit of work each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.retries = 0
        self.lock = threading.Lock()

    def attempt(self, debrief_id: int, voter_id: int, vote: Vote, gate: threading.Barrier) -> str:
        gate.wait()
        for _ in range(SQLITE_RETRIES):
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    debrief = session.get(Debrief, debrief_id)
                    voter = session.get(User, voter_id)
                    debriefs.cast_vote(session, debrief, voter, vote, "", actor_id=voter_id)
                    session.commit()
                    return "cast"
                except ConflictError as refusal:
                    session.rollback()
                    return f"refused: {refusal.message}"
                except OperationalError as error:
                    session.rollback()
                    if not (self.sqlite and "locked" in str(error)):
                        return f"error: {error}"
                with self.lock:
                    self.retries += 1
            time.sleep(0.01)
        return "error: still locked after retries"


def stored_votes(engine: Engine, debrief_id: int) -> tuple[list[int], bool]:
    with Session(engine) as session:
        voters = list(
            session.scalars(select(DebriefVote.voter_id).where(DebriefVote.debrief_id == debrief_id))
        )
        revealed = session.get(Debrief, debrief_id).revealed_at is not None
    return voters, revealed


def test_fifty_concurrent_voters_lose_no_vote_and_cast_no_double(app, committed_panel):
    engine = connection_per_session_engine(app.config["DATABASE_URL"])
    voting = Voting(engine)
    rows = committed_panel
    options = list(Vote)
    try:
        # Fifty panelists at once, one vote each.
        gate = threading.Barrier(PANEL_SIZE, timeout=120)
        first = rows.debrief_ids[0]
        with ThreadPoolExecutor(max_workers=PANEL_SIZE) as pool:
            futures = [
                pool.submit(voting.attempt, first, user_id, options[n % 4], gate)
                for n, user_id in enumerate(rows.user_ids)
            ]
            outcomes = [future.result() for future in futures]
        assert outcomes == ["cast"] * PANEL_SIZE, Counter(outcomes)
        voters, revealed = stored_votes(engine, first)
        assert sorted(voters) == sorted(rows.user_ids) and revealed

        # Everyone twice, both attempts at the same moment (paired threads): one vote each survives.
        second = rows.debrief_ids[1]
        gates = {user_id: threading.Barrier(2, timeout=120) for user_id in rows.user_ids}
        jobs = [
            (user_id, options[(n + twin) % 4])
            for n, user_id in enumerate(rows.user_ids)
            for twin in (0, 1)
        ]
        with ThreadPoolExecutor(max_workers=PANEL_SIZE) as pool:
            futures = [
                (user_id, pool.submit(voting.attempt, second, user_id, vote, gates[user_id]))
                for user_id, vote in jobs
            ]
            doubles = [(user_id, future.result()) for user_id, future in futures]
        errors = [outcome for _, outcome in doubles if outcome.startswith("error")]
        assert not errors, errors[:3]
        per_voter = Counter(user_id for user_id, outcome in doubles if outcome == "cast")
        assert per_voter == Counter(rows.user_ids)  # exactly one accepted attempt per member
        refusals = [outcome for _, outcome in doubles if outcome.startswith("refused")]
        assert len(refusals) == PANEL_SIZE
        assert all("already voted" in r or "were revealed" in r for r in refusals), set(refusals)
        voters, revealed = stored_votes(engine, second)
        assert len(voters) == PANEL_SIZE and len(set(voters)) == PANEL_SIZE and revealed

        with Session(engine) as session:
            reveals = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.action == "debrief.votes_revealed",
                    AuditEvent.object_id.in_([str(i) for i in rows.debrief_ids]),
                )
            )
        assert reveals == 2  # each debrief revealed exactly once, by its last vote
        if not voting.sqlite:
            assert voting.retries == 0
    finally:
        engine.dispose()
