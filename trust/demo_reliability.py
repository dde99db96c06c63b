"""Reliability demo: past candidates of the Data Scientist role, each interviewed by panels of two or
three interviewers per round, so that the reliability and calibration reports have co-rated
candidates to work on. The interviews demo puts one interviewer on each round, which leaves almost
nothing to compare.

Two extra demo interviewers rate with a lean, as real panels do: Oskar Lind rates about half a level
above his colleagues (and writes short notes, late), Greta Stahl about half a level below (promptly).
Theo Theory often records "No decision". Everything goes through the services (candidates, pipeline,
loops, scorecards, debriefs, decisions); only the timestamps are back-dated, as the hiring demo does,
so the loops lie in the past. Safe to run again: it does nothing once its first candidate exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import User, find_user_by_email
from core.db import utcnow
from hiring.models import Application, CandidateSource, JobRole, RoleStatus
from hiring.services import candidates, pipeline
from interviews.demo import demo_interviewer
from interviews.models import DecisionOutcome, InterviewLoop, Recommendation, RoundKind, Vote
from interviews.services import debriefs, decisions, loops, scorecards
from interviews.services.loops import round_end
from trust.calibration import calibration_report
from trust.reliability import ReportFilters, reliability_report, submitted_cards

ROLE_TEMPLATE = "data-scientist"
EMAIL_DOMAIN = "past.loopwise.example"
PAST_CANDIDATES = (  # name, headline, overall strength on the 1-4 scale
    ("Signe Halvorsen", "Data scientist, marketplace pricing", 3.4),
    ("Tomasz Wierzbicki", "Analytics engineer moving into data science", 2.3),
    ("Leilani Kahale", "Product data scientist, consumer apps", 3.0),
    ("Adebayo Ogunleye", "Statistician, clinical trials", 2.7),
    ("Mireille Fontaine", "Data scientist, growth and retention", 3.7),
    ("Kofi Asante", "BI analyst, SQL and dashboards", 1.9),
    ("Inés Calderón", "Econometrician, demand forecasting", 2.9),
    ("Rafael Duarte", "Junior data scientist, experimentation platform", 2.1),
    ("Hyun-woo Park", "Data scientist, search ranking", 3.2),
)


@dataclass(frozen=True)
class Rater:
    lean: float  # added to every rating before rounding
    turnaround_hours: tuple[float, float]  # submission delay after the interview, range
    no_decision: float  # chance of recording "No decision"
    short_notes: float  # chance of a one- or two-word note


EXTRA_RATERS = (("Oskar Lind", "oskar@example.com"), ("Greta Stahl", "greta@example.com"))
RATERS = {
    "interviewer@example.com": Rater(0.0, (10, 26), 0.0, 0.0),
    "theo@example.com": Rater(0.1, (20, 50), 0.35, 0.0),
    "cora@example.com": Rater(-0.1, (4, 12), 0.0, 0.05),
    "oskar@example.com": Rater(0.6, (40, 80), 0.0, 0.4),
    "greta@example.com": Rater(-0.6, (1, 5), 0.05, 0.0),
}
# Who sits on each round (by position) besides the occasional third interviewer.
ROUND_PAIRS = {
    1: ("greta@example.com", "theo@example.com"),
    2: ("cora@example.com", "oskar@example.com"),
    3: ("oskar@example.com", "greta@example.com"),
    4: ("interviewer@example.com", "oskar@example.com"),
}

NOTES = {
    1: (
        "Could not set up the problem; guessed at the method and did not check the result.",
        "Mixed up the definitions when asked to explain them, and gave no example of their own.",
    ),
    2: (
        "Knew the standard approach but could not say when it breaks or what to check first.",
        "Got to an answer with hints; the reasoning about the data stayed vague and unquantified.",
    ),
    3: (
        "Sound approach, explained the assumptions and checked them against a project they ran.",
        "Clear and correct; named the main pitfall and how they had handled it with real numbers.",
    ),
    4: (
        "Compared two designs with their costs, sized the effect and caught a flaw in the setup.",
        "Went past the question: proposed a better metric and showed how to validate it quickly.",
    ),
}
HOLD_RATIONALE = "Strong loop, but the headcount went to an earlier candidate; keep warm for later."
NO_HIRE_RATIONALE = "Below the bar in statistics and experimentation, which the role needs most."
SHORT_NOTES = ("Good.", "Fine answer.", "Weak.", "Strong.", "OK")
TAKEAWAYS = {
    1: "Well below the bar for this round.",
    2: "Below the bar; would need a lot of support here.",
    3: "At the bar for this round.",
    4: "Clearly above the bar; would raise the team's level.",
}


def _leaning(mean: float) -> Recommendation:
    """The recommendation a mean rating points to (never "No decision")."""
    if mean >= 3.5:
        return Recommendation.STRONG_YES
    if mean >= 2.75:
        return Recommendation.YES
    if mean >= 1.75:
        return Recommendation.NO
    return Recommendation.STRONG_NO


def _recommendation(mean: float, rater: Rater, rng: random.Random) -> Recommendation:
    return Recommendation.NO_DECISION if rng.random() < rater.no_decision else _leaning(mean)


def _rate(strength: float, offset: float, rater: Rater, rng: random.Random) -> int:
    return max(1, min(4, round(strength + offset + rater.lean + rng.gauss(0, 0.45))))


def _past_loop(
    session: Session,
    application: Application,
    strength: float,
    days_ago: int,
    users: dict[str, User],
    manager: User,
    rng: random.Random,
) -> InterviewLoop:
    """Run the role's loop for one past candidate: panels, ratings, votes and a decision."""
    loop = loops.start_loop(session, application, actor_id=manager.id)
    start = (utcnow() - timedelta(days=days_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
    offsets: dict[str, float] = {}  # the candidate is stronger in some competencies than others
    for index, round_ in enumerate(loop.rounds):
        loops.schedule_round(
            session,
            round_,
            scheduled_at=start + timedelta(hours=2 * index if index < 3 else 22 + 2 * index),
            duration_minutes=round_.duration_minutes,
            location="Video call (link in the invitation)",
            actor_id=manager.id,
        )
        pair = ROUND_PAIRS.get(round_.position)
        if pair is None or round_.kind is RoundKind.SCREEN:
            continue  # the screen keeps its one interviewer
        panel = [users[email] for email in pair]
        if rng.random() < 0.4:
            others = [email for email in RATERS if email not in pair]
            panel.append(users[rng.choice(others)])
        loops.assign_interviewers(session, round_, [user.id for user in panel], actor_id=manager.id)
    means: dict[int, list[float]] = {}
    for round_ in loop.rounds:
        for card in round_.scorecards:
            rater = RATERS.get(card.interviewer.email, RATERS["interviewer@example.com"])
            ratings = {}
            for key in round_.competencies:
                offset = offsets.setdefault(key, rng.gauss(0, 0.4))
                rating = _rate(strength, offset, rater, rng)
                short = rng.random() < rater.short_notes
                note = rng.choice(SHORT_NOTES) if short else rng.choice(NOTES[rating])
                ratings[key] = {"rating": rating, "note": note}
            mean = sum(entry["rating"] for entry in ratings.values()) / max(1, len(ratings))
            scorecards.save_scorecard(
                session,
                card,
                ratings=ratings,
                takeaways=TAKEAWAYS[max(1, min(4, round(mean)))],
                recommendation=_recommendation(mean, rater, rng),
                submit=True,
                actor_id=card.interviewer_id,
            )
            # Back-dated like the rest of the demo: submitted some hours after the interview ended.
            card.submitted_at = round_end(round_) + timedelta(hours=rng.uniform(*rater.turnaround_hours))
            means.setdefault(card.interviewer_id, []).append(mean)
    session.flush()
    for member in debriefs.panel_members(loop):
        own = means.get(member.id)
        vote = Vote(_leaning(sum(own) / len(own) if own else strength).value)
        debriefs.cast_vote(session, loop.debrief, member, vote, "", actor_id=member.id)
    hold = strength >= 3.3
    decisions.record_decision(
        session,
        loop,
        outcome=DecisionOutcome.HOLD if hold else DecisionOutcome.NO_HIRE,
        rationale=HOLD_RATIONALE if hold else NO_HIRE_RATIONALE,
        actor_id=manager.id,
    )
    return loop


def load_reliability_demo(session: Session) -> list[str]:
    """Add past Data Scientist candidates interviewed by panels; return lines to print."""
    if candidates.find_candidates_by_emails(session, [_email(PAST_CANDIDATES[0][0])]):
        return ["Reliability demo data already present."]
    manager = find_user_by_email(session, "manager@example.com")
    recruiter = find_user_by_email(session, "recruiter@example.com")
    role = session.scalar(
        select(JobRole)
        .where(JobRole.template_key == ROLE_TEMPLATE, JobRole.status == RoleStatus.OPEN)
        .order_by(JobRole.id)
    )
    if None in (manager, recruiter, role) or loops.published_loop(session, role.id) is None:
        return ["Reliability demo skipped: it needs the hiring and interviews demo data first."]
    users = {email: demo_interviewer(session, name, email) for name, email in EXTRA_RATERS}
    for email in RATERS:
        users.setdefault(email, find_user_by_email(session, email))
    if any(user is None for user in users.values()):
        return ["Reliability demo skipped: the interviews demo's interviewers are missing."]

    rng = random.Random(11)
    onsite = next(stage for stage in role.stages if stage.name == "Onsite loop")
    for index, (name, headline, strength) in enumerate(PAST_CANDIDATES):
        candidate = candidates.create_candidate(
            session,
            actor_id=recruiter.id,
            name=name,
            emails=[_email(name)],
            headline=headline,
            source=CandidateSource.APPLIED if index % 3 else CandidateSource.REFERRAL,
            referrer_name="" if index % 3 else "Hana Hiring-Manager",
        )
        application = pipeline.add_application(
            session, candidate=candidate, role=role, stage=onsite, actor_id=recruiter.id
        )
        days_ago = 95 - index * 9
        entered = utcnow() - timedelta(days=days_ago + 12)
        application.created_at = application.stage_entered_at = entered
        for change in application.history:
            change.created_at = entered
        _past_loop(session, application, strength, days_ago, users, manager, rng)
    session.flush()
    count = len(PAST_CANDIDATES)
    return [f"Reliability demo: {count} past {role.title} candidates interviewed by panels."]


def _email(name: str) -> str:
    return f"{name.split()[0].lower().encode('ascii', 'ignore').decode()}@{EMAIL_DOMAIN}"


def summary_lines(session: Session) -> list[str]:
    """The figures the reports show on the demo data (for the closing note)."""
    cards = submitted_cards(session, ReportFilters())
    report = reliability_report(cards)
    lines = []
    for what, rows in (("round", report.rounds), ("competency", report.competencies)):
        for row in rows:
            parts = []
            for name, e in (("alpha", row.alpha), ("ICC(2,1)", row.icc)):
                if e.shown:
                    parts.append(
                        f"{name} {e.value:.2f} [{e.low:.2f}, {e.high:.2f}] (n = {e.n_units} candidates, "
                        f"{e.n_raters} raters, {e.n_ratings} ratings)"
                    )
                else:
                    parts.append(f"{name}: {e.note}")
            lines.append(f"  {row.role_title} · {what} {row.label}: " + "; ".join(parts))
    for row in calibration_report(cards).interviewers:
        lean = row.leniency
        lean_text = (
            f"leniency {lean.value:+.2f} [{lean.low:+.2f}, {lean.high:+.2f}] (n = {lean.n_candidates})"
            if lean.shown
            else f"leniency: {lean.note}"
        )
        turnaround = "—" if row.turnaround_hours is None else f"{row.turnaround_hours:.1f} h"
        lines.append(
            f"  {row.name}: {row.n_scorecards} scorecards, ratings 1-4 {list(row.distribution)}, "
            f"{lean_text}, "
            f"No decision {row.no_decision.count}/{row.no_decision.total}, "
            f"evidence {row.evidence.count}/{row.evidence.total}, turnaround {turnaround}"
        )
    return lines
