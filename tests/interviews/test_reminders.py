"""Overdue-scorecard reminders: which cards are overdue, in-app reminders at most daily, email over
a real SMTP conversation with a local sink, errors recorded without failing, the CLI, the rq job
and the home page's reminders."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_string, policy

import pytest
from rq import Queue
from sqlalchemy import select

from core import jobs
from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session, utcnow
from core.jobs import JobRun, JobStatus, enqueue_after_commit
from interviews.jobs.reminders import remind_overdue_scorecards, scorecard_link
from interviews.models import ScorecardReminder, ScorecardStatus
from interviews.services import loops
from interviews.services.reminders import list_overdue_scorecards, send_overdue_reminders
from tests.interviews.test_loops_run import signed_in, started_loop
from tests.support.factories import create_test_user, sign_in

# ---------------------------------------------------------------- a local SMTP sink


@dataclass
class Envelope:
    sender: str
    recipients: list[str]
    data: str


@dataclass
class SinkState:
    messages: list[Envelope] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550
    commands: list[str] = field(default_factory=list)


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA (dot-stuffed), RSET, NOOP, QUIT."""

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        state: SinkState = self.server.state  # type: ignore[attr-defined]
        self.reply("220 sink.test ESMTP ready")
        sender, recipients, lines, in_data = "", [], [], False
        while raw := self.rfile.readline():
            line = raw.decode("utf-8").rstrip("\r\n")
            if in_data:
                if line == ".":
                    state.messages.append(Envelope(sender, recipients, "\r\n".join(lines)))
                    sender, recipients, lines, in_data = "", [], [], False
                    self.reply("250 2.0.0 queued")
                else:
                    lines.append(line[1:] if line.startswith(".") else line)
                continue
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            state.commands.append(verb)
            if verb == "EHLO":
                self.reply("250-sink.test greets you")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 sink.test")
            elif verb == "MAIL":
                sender = argument.partition(":")[2].split()[0].strip("<>")
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                address = argument.partition(":")[2].split()[0].strip("<>")
                if address in state.refuse:
                    self.reply("550 5.1.1 no such mailbox")
                else:
                    recipients.append(address)
                    self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                in_data = True
                self.reply("354 end with <CRLF>.<CRLF>")
            elif verb == "RSET":
                sender, recipients, lines = "", [], []
                self.reply("250 ok")
            elif verb == "NOOP":
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 5.5.2 not implemented")


class SinkServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def sink() -> Iterator[tuple[str, SinkState]]:
    server = SinkServer(("127.0.0.1", 0), SmtpHandler)
    server.state = SinkState()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", server.state  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- data


def overdue_loop(session, *interviewers, days_ago: int = 3):
    """A loop whose first round happened ``days_ago`` days ago, with the given interviewers."""
    loop = started_loop(interviewers=[list(interviewers)])
    loops.schedule_round(
        session,
        loop.rounds[0],
        scheduled_at=utcnow() - timedelta(days=days_ago),
        duration_minutes=60,
        location="",
        actor_id=None,
    )
    session.flush()
    return loop


def config(smtp_url=None):
    return {"SMTP_URL": smtp_url, "MAIL_FROM": "loopwise@tests.example"}


def remind(session, smtp_url=None, **kwargs):
    return send_overdue_reminders(session, config=config(smtp_url), link_for=scorecard_link, **kwargs)


# ---------------------------------------------------------------- which scorecards are overdue


def test_only_drafts_past_due_on_running_loops_are_overdue(session):
    late, done, on_time = create_test_user(), create_test_user(), create_test_user()
    loop = overdue_loop(session, late, done)
    loop.rounds[0].scorecards[1].status = ScorecardStatus.SUBMITTED
    future = overdue_loop(session, on_time, days_ago=-2)
    unscheduled = started_loop(interviewers=[[on_time]])
    cancelled = overdue_loop(session, on_time)
    loops.cancel_loop(session, cancelled, reason="Withdrew", actor_id=None)
    session.flush()

    overdue = list_overdue_scorecards(session)
    assert [card.interviewer_id for card in overdue] == [late.id]
    assert (
        future.rounds[0].scorecards[0] not in overdue
        and unscheduled.rounds[0].scorecards[0] not in overdue
    )


# ---------------------------------------------------------------- in-app


def test_without_smtp_reminders_are_in_app_and_at_most_daily(session):
    late = create_test_user()
    loop = overdue_loop(session, late)
    card = loop.rounds[0].scorecards[0]

    first = remind(session)
    assert (first["overdue"], first["reminded"], first["emailed"], first["email"]) == (1, 1, 0, False)
    [reminder] = card.reminders
    assert reminder.recipient_id == late.id and not reminder.emailed and reminder.email_error == ""
    assert "ML theory" in reminder.message and loop.application.candidate.name in reminder.message
    assert f"/interviews/rounds/{card.round_id}/scorecard" in reminder.message

    again = remind(session)
    assert (again["reminded"], again["skipped_recent"]) == (0, 1)
    tomorrow = remind(session, now=utcnow() + timedelta(hours=25))
    assert tomorrow["reminded"] == 1 and len(card.reminders) == 2
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "scorecards.reminded")).all()
    assert len(events) == 2 and events[0].after["reminded"] == 1


def test_a_dry_run_lists_and_changes_nothing(session, sink):
    address, state = sink
    overdue_loop(session, create_test_user())
    summary = remind(session, f"smtp://{address}", dry_run=True)
    assert (summary["overdue"], summary["reminded"], summary["dry_run"]) == (1, 0, True)
    assert len(summary["scorecards"]) == 1
    assert session.scalars(select(ScorecardReminder)).all() == []
    assert state.messages == [] and state.commands == []


# ---------------------------------------------------------------- email


def test_email_goes_through_a_real_smtp_conversation(session, sink):
    address, state = sink
    late = create_test_user(email="late.interviewer@tests.example")
    loop = overdue_loop(session, late)
    summary = remind(session, f"smtp://{address}")
    assert (summary["reminded"], summary["emailed"], summary["email_errors"]) == (1, 1, 0)
    [envelope] = state.messages
    assert envelope.sender == "loopwise@tests.example"
    assert envelope.recipients == ["late.interviewer@tests.example"]
    message = message_from_string(envelope.data, policy=policy.default)
    assert message["To"] == "late.interviewer@tests.example"
    assert message["Subject"] == f"Scorecard overdue: ML theory with {loop.application.candidate.name}"
    body = message.get_content()
    assert f"http://loopwise.test/interviews/rounds/{loop.rounds[0].id}/scorecard" in body
    assert (
        state.commands[0] == "EHLO" and "STARTTLS" not in state.commands and state.commands[-1] == "QUIT"
    )
    assert loop.rounds[0].scorecards[0].reminders[0].emailed


def test_a_refused_recipient_is_recorded_and_the_others_still_get_theirs(session, sink):
    address, state = sink
    bounced, fine = (
        create_test_user(email="gone@tests.example"),
        create_test_user(email="here@tests.example"),
    )
    overdue_loop(session, bounced, days_ago=5)
    overdue_loop(session, fine, days_ago=3)
    state.refuse.add("gone@tests.example")

    summary = remind(session, f"smtp://{address}")
    assert (summary["reminded"], summary["emailed"], summary["email_errors"]) == (2, 1, 1)
    by_recipient = {r.recipient_id: r for r in session.scalars(select(ScorecardReminder))}
    assert "refused" in by_recipient[bounced.id].email_error and not by_recipient[bounced.id].emailed
    assert by_recipient[fine.id].emailed and by_recipient[fine.id].email_error == ""
    assert [m.recipients for m in state.messages] == [["here@tests.example"]]


def test_an_unreachable_server_is_recorded_without_failing(session):
    overdue_loop(session, create_test_user(), create_test_user())
    summary = remind(session, f"smtp://127.0.0.1:{closed_port()}")
    assert (summary["reminded"], summary["emailed"], summary["email_errors"]) == (2, 0, 2)
    errors = {r.email_error for r in session.scalars(select(ScorecardReminder))}
    assert len(errors) == 1 and errors.pop().startswith("Could not connect to the SMTP server")


def test_a_password_is_never_sent_without_starttls(session, sink):
    address, state = sink
    overdue_loop(session, create_test_user())
    summary = remind(session, f"smtp://user:secret@{address}")
    assert (summary["reminded"], summary["emailed"]) == (1, 0)
    [reminder] = session.scalars(select(ScorecardReminder))
    assert "does not offer STARTTLS" in reminder.email_error
    assert "AUTH" not in state.commands and state.messages == []


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://host:notaport", "smtp://"])
def test_a_bad_smtp_url_is_a_recorded_error(session, url):
    overdue_loop(session, create_test_user())
    summary = remind(session, url)
    assert summary["email_errors"] == 1
    [reminder] = session.scalars(select(ScorecardReminder))
    assert "SMTP_URL" in reminder.email_error


# ---------------------------------------------------------------- the command, the job, the pages


def test_the_command_prints_a_json_summary_last(app, rollback, sink):
    address, state = sink
    with app.app_context():
        overdue_loop(get_session(), create_test_user(email="cli@tests.example"))
        get_session().commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["interviews", "remind-overdue", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    lines = dry.output.strip().splitlines()
    assert "cli@tests.example" in lines[0] and "would remind" in lines[0]
    assert json.loads(lines[-1])["reminded"] == 0

    app.config["SMTP_URL"] = f"smtp://{address}"
    try:
        real = runner.invoke(args=["interviews", "remind-overdue"])
    finally:
        app.config["SMTP_URL"] = None
    assert real.exit_code == 0, real.output
    summary = json.loads(real.output.strip().splitlines()[-1])
    assert (summary["reminded"], summary["emailed"]) == (1, 1)
    assert [m.recipients for m in state.messages] == [["cli@tests.example"]]
    with app.app_context():
        assert len(get_session().scalars(select(ScorecardReminder)).all()) == 1


def test_the_rq_job_runs_in_a_worker(app, session):
    for name in jobs.QUEUE_NAMES:
        Queue(name, connection=jobs.get_redis(app)).empty()
    late = create_test_user()
    overdue_loop(session, late)
    run = enqueue_after_commit(session, remind_overdue_scorecards, actor_id=None)
    session.commit()
    assert jobs.make_worker(app, ("low",), simple=True).work(burst=True)
    session.expire_all()
    run = session.get(JobRun, run.id)
    assert run.status is JobStatus.FINISHED, run.error
    assert (run.result["overdue"], run.result["reminded"]) == (1, 1)
    [reminder] = session.scalars(select(ScorecardReminder))
    assert reminder.recipient_id == late.id


def test_a_loop_runner_queues_the_job_with_the_button(app, rollback, no_csrf):
    client, manager = signed_in(app, Role.HIRING_MANAGER)
    response = client.post("/interviews/reminders/run")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    with app.app_context():
        run = get_session().scalars(select(JobRun).where(JobRun.created_by_id == manager.id)).one()
        assert run.task == remind_overdue_scorecards.task_name and run.arguments == {
            "actor_id": manager.id
        }
    interviewer, _user = signed_in(app, Role.INTERVIEWER)
    assert interviewer.post("/interviews/reminders/run").status_code == 403


def test_reminders_show_on_the_home_page_until_read(app, rollback, no_csrf):
    with app.app_context():
        late = create_test_user()
        overdue_loop(get_session(), late)
        overdue_loop(get_session(), late, days_ago=4)
        remind(get_session())
        get_session().commit()
        first, second = sorted(r.id for r in get_session().scalars(select(ScorecardReminder)))
    client = app.test_client()
    sign_in(client, late.email)
    page = client.get("/interviews/").get_data(as_text=True)
    assert page.count("Mark as read") == 2 and "was due" in page

    done = client.post(
        "/interviews/reminders/read", data={"reminder_id": str(first)}, follow_redirects=True
    )
    assert "1 reminder marked as read." in done.get_data(as_text=True)
    other, _user = signed_in(app, Role.INTERVIEWER)
    other.post("/interviews/reminders/read", data={"reminder_id": str(second)})  # not hers: no effect
    assert client.get("/interviews/").get_data(as_text=True).count("Mark as read") == 1
    client.post("/interviews/reminders/read", data={})
    assert "Mark as read" not in client.get("/interviews/").get_data(as_text=True)
    with app.app_context():
        reads = [r.read_at for r in get_session().scalars(select(ScorecardReminder))]
        assert all(read is not None for read in reads)
