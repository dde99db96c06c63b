"""Overdue-scorecard reminders: always in-app (a ScorecardReminder row), by email when SMTP is set.

An overdue scorecard is a draft whose due time has passed on a loop that still runs. Each gets at
most one reminder per 24 hours, so running this again (by cron, the rq job or the button) is safe.
``SMTP_URL`` is ``smtp://user:password@host:port`` (STARTTLS when the server offers it, and required
before sending a password) or ``smtps://...`` (TLS from the start).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.db import as_utc, utcnow
from hiring.services.anonymised import candidate_label
from interviews.models import (
    InterviewLoop,
    InterviewRound,
    Scorecard,
    ScorecardReminder,
    ScorecardStatus,
)
from interviews.services.loops import OPEN_STATUSES

log = logging.getLogger(__name__)

REMIND_EVERY = timedelta(hours=24)
SMTP_TIMEOUT_SECONDS = 15


class MailError(Exception):
    """Email could not be sent; the reminder is kept in-app with this message."""


# ---------------------------------------------------------------- finding overdue scorecards


def list_overdue_scorecards(session: Session, now: datetime | None = None) -> list[Scorecard]:
    """Draft scorecards past their due time on loops that are still running, most overdue first."""
    now = now or utcnow()
    statement = (
        select(Scorecard)
        .join(InterviewRound, InterviewRound.id == Scorecard.round_id)
        .join(InterviewLoop, InterviewLoop.id == InterviewRound.loop_id)
        .where(
            Scorecard.status == ScorecardStatus.DRAFT,
            Scorecard.due_at.is_not(None),
            Scorecard.due_at < now,
            InterviewLoop.status.in_(OPEN_STATUSES),
        )
        .order_by(Scorecard.due_at, Scorecard.id)
    )
    return list(session.scalars(statement))


def reminded_recently(session: Session, scorecard: Scorecard, now: datetime) -> bool:
    last = session.scalar(
        select(func.max(ScorecardReminder.created_at)).where(
            ScorecardReminder.scorecard_id == scorecard.id
        )
    )
    return last is not None and as_utc(last) > now - REMIND_EVERY


def reminder_text(scorecard: Scorecard, link: str, now: datetime) -> str:
    round_ = scorecard.round
    application = round_.loop.application
    hours = int((now - as_utc(scorecard.due_at)).total_seconds() // 3600)
    late = f"{hours} hour{'s' if hours != 1 else ''}" if hours < 48 else f"{hours // 24} days"
    return (
        f"Your scorecard for the {round_.title} round with "
        f"{candidate_label(scorecard.interviewer, application)} "
        f"({application.role.title}) was due {as_utc(scorecard.due_at):%Y-%m-%d %H:%M} UTC, "
        f"{late} ago. Please submit it: {link}"
    )


# ---------------------------------------------------------------- email


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    ssl: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpSettings:
    """Read smtp:// or smtps:// URLs; anything else is a configuration error (MailError)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError("SMTP_URL must look like smtp://user:password@host:port or smtps://...")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise MailError("SMTP_URL has an invalid port.") from None
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        ssl=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class Mailer:
    """One SMTP connection for a batch of reminders, opened on first use."""

    def __init__(self, url: str, sender: str) -> None:
        self.url, self.sender = url, sender
        self.connection: smtplib.SMTP | None = None
        self.failure: str | None = None

    def _connect(self) -> smtplib.SMTP:
        settings = parse_smtp_url(self.url)
        context = ssl.create_default_context()
        try:
            if settings.ssl:
                connection = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
                )
            else:
                connection = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS)
                connection.ehlo()
                if connection.has_extn("starttls"):
                    connection.starttls(context=context)
                    connection.ehlo()
                elif settings.username:
                    connection.quit()
                    raise MailError(
                        "The SMTP server does not offer STARTTLS; the password was not sent."
                    )
            if settings.username:
                connection.login(settings.username, settings.password or "")
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"Could not connect to the SMTP server: {error}") from None
        return connection

    def send(self, to: str, subject: str, body: str) -> None:
        if self.failure:  # the server was unreachable for an earlier reminder of this batch
            raise MailError(self.failure)
        if self.connection is None:
            try:
                self.connection = self._connect()
            except MailError as error:
                self.failure = str(error)
                raise
        message = EmailMessage()
        message["From"], message["To"] = self.sender, to
        message["Subject"] = " ".join(subject.split())  # no line breaks in a header
        message.set_content(body)
        try:
            self.connection.send_message(message)
        except (OSError, smtplib.SMTPException, ValueError) as error:
            raise MailError(f"The SMTP server refused the email: {error}") from None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.connection = None


# ---------------------------------------------------------------- sending


def send_overdue_reminders(
    session: Session,
    *,
    config: Mapping[str, Any],
    link_for: Callable[[Scorecard], str],
    actor_id: int | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Remind the interviewers of overdue scorecards (in-app, and by email when SMTP is configured);
    return a summary. A dry run lists what would be sent and changes nothing."""
    now = now or utcnow()
    overdue = list_overdue_scorecards(session, now)
    email = bool(config.get("SMTP_URL"))
    mailer = Mailer(config["SMTP_URL"], config["MAIL_FROM"]) if email and not dry_run else None
    summary: dict[str, Any] = {
        "overdue": len(overdue),
        "reminded": 0,
        "skipped_recent": 0,
        "emailed": 0,
        "email_errors": 0,
        "dry_run": dry_run,
        "email": email,
        "scorecards": [],
    }
    try:
        for card in overdue:
            recent = reminded_recently(session, card, now)
            summary["scorecards"].append(
                {
                    "scorecard_id": card.id,
                    "interviewer": card.interviewer.email,
                    "round": card.round.title,
                    "candidate": candidate_label(card.interviewer, card.round.loop.application),
                    "due_at": as_utc(card.due_at).isoformat(),
                    "reminded_recently": recent,
                }
            )
            if recent:
                summary["skipped_recent"] += 1
                continue
            if dry_run:
                continue
            reminder = _remind(session, card, link_for(card), now, mailer)
            summary["reminded"] += 1
            summary["emailed"] += reminder.emailed
            summary["email_errors"] += bool(reminder.email_error)
    finally:
        if mailer is not None:
            mailer.close()
    if summary["reminded"]:
        record_audit(
            session,
            actor_id=actor_id,
            action="scorecards.reminded",
            object_type="scorecard",
            object_id=None,
            summary=f"{summary['reminded']} overdue scorecard reminder(s), {summary['emailed']} emailed"
            + (f", {summary['email_errors']} email error(s)" if summary["email_errors"] else ""),
            after={k: summary[k] for k in ("overdue", "reminded", "emailed", "email_errors")},
        )
    return summary


def _remind(
    session: Session, card: Scorecard, link: str, now: datetime, mailer: Mailer | None
) -> ScorecardReminder:
    reminder = ScorecardReminder(
        scorecard=card,
        recipient_id=card.interviewer_id,
        message=reminder_text(card, link, now),
        created_at=now,
    )
    session.add(reminder)
    if mailer is not None:
        subject = (
            f"Scorecard overdue: {card.round.title} with "
            f"{candidate_label(card.interviewer, card.round.loop.application)}"
        )
        try:
            mailer.send(card.interviewer.email, subject, reminder.message)
            reminder.emailed = True
        except MailError as error:
            log.warning("Reminder email for scorecard %s failed: %s", card.id, error)
            reminder.email_error = str(error)[:2000]
    session.flush()
    return reminder


# ---------------------------------------------------------------- in-app


def list_unread_reminders(session: Session, user_id: int) -> list[ScorecardReminder]:
    """The user's unread reminders about scorecards they still owe, newest first."""
    statement = (
        select(ScorecardReminder)
        .join(Scorecard, Scorecard.id == ScorecardReminder.scorecard_id)
        .where(
            ScorecardReminder.recipient_id == user_id,
            ScorecardReminder.read_at.is_(None),
            Scorecard.status == ScorecardStatus.DRAFT,
        )
        .order_by(ScorecardReminder.created_at.desc(), ScorecardReminder.id.desc())
    )
    return list(session.scalars(statement))


def mark_reminders_read(session: Session, user_id: int, reminder_id: int | None = None) -> int:
    """Mark one of the user's reminders (or all of them) as read; return how many changed."""
    statement = (
        update(ScorecardReminder)
        .where(ScorecardReminder.recipient_id == user_id, ScorecardReminder.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if reminder_id is not None:
        statement = statement.where(ScorecardReminder.id == reminder_id)
    return session.execute(statement).rowcount or 0
