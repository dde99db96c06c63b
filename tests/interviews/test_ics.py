"""The .ics file of a round: RFC 5545 structure, UTC times, escaping, folding, and the download."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.auth import Role
from core.db import get_session
from core.errors import DomainError
from interviews.services import loops
from interviews.services.ics import escape_text, fold_line, round_ics
from tests.interviews.test_loops_run import signed_in, started_loop
from tests.support.factories import create_test_user, sign_in

STAMP = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def unfold(text: str) -> list[str]:
    """The content lines of an iCalendar text (RFC 5545 3.1: CRLF then one space continues a line)."""
    assert "\n" not in text.replace("\r\n", "")  # only CRLF line breaks
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def properties(text: str) -> dict[str, str]:
    return dict(line.split(":", 1) for line in unfold(text))


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def scheduled_round(session, *, location="Room 4", **names):
    ana = create_test_user(name="Ana")
    loop = started_loop(interviewers=[[ana]])
    loop.application.candidate.name = names.get("candidate", "Kim Lee")
    round_ = loop.rounds[0]
    loops.schedule_round(
        session,
        round_,
        scheduled_at=datetime(2030, 5, 4, 11, 30, tzinfo=timezone(timedelta(hours=2))),
        duration_minutes=60,
        location=location,
        actor_id=None,
    )
    return round_


def test_a_round_becomes_one_vevent_in_utc(session):
    round_ = scheduled_round(session)
    text = round_ics(round_, "https://loopwise.test/interviews/rounds/1/kit", now=STAMP)
    assert text.endswith("\r\n")
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == 1 and "VERSION:2.0" in lines
    props = properties(text)
    assert props["UID"] == f"interview-round-{round_.id}@loopwise"
    assert props["DTSTAMP"] == "20300101T120000Z"
    assert (props["DTSTART"], props["DTEND"]) == ("20300504T093000Z", "20300504T103000Z")
    assert unescape(props["SUMMARY"]) == f"ML theory: Kim Lee ({round_.loop.application.role.title})"
    assert props["LOCATION"] == "Room 4"
    description = unescape(props["DESCRIPTION"])
    assert "Interview kit: https://loopwise.test/interviews/rounds/1/kit" in description
    assert "Interviewers: Ana." in description


def test_text_is_escaped_and_long_lines_fold_at_75_octets(session):
    tricky = "Room 1, floor 2; ask at \\desk\nthen left — café ☕ " * 4
    round_ = scheduled_round(session, location=tricky, candidate='Zoë, the "best"; really')
    text = round_ics(round_, now=STAMP)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75, line
    props = properties(text)
    assert unescape(props["LOCATION"]) == " ".join(tricky.split())  # whitespace normalised on save
    assert 'Zoë\\, the "best"\\; really' in props["SUMMARY"]
    assert "URL" not in props  # no kit link given


def test_folding_never_splits_a_multibyte_character():
    line = "DESCRIPTION:" + "☕" * 60
    folded = fold_line(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert folded.replace("\r\n ", "") == line
    assert fold_line("SHORT:x") == "SHORT:x"


def test_escape_text_handles_the_special_characters():
    assert escape_text("a,b;c\\d\r\ne\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_an_unscheduled_round_has_no_calendar_file(session):
    loop = started_loop()
    with pytest.raises(DomainError, match="no date yet"):
        round_ics(loop.rounds[0])


def test_the_download_is_text_calendar_for_the_interviewer_and_runners(app, rollback, no_csrf):
    with app.app_context():
        round_ = scheduled_round(get_session())
        ana = round_.scorecards[0].interviewer
        unscheduled = round_.loop.rounds[1].id
        get_session().commit()
        round_id = round_.id
    client = app.test_client()
    sign_in(client, ana.email)
    response = client.get(f"/interviews/rounds/{round_id}/round.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert f'filename="interview-round-{round_id}.ics"' in response.headers["Content-Disposition"]
    props = properties(response.get_data(as_text=True))
    assert props["DTSTART"] == "20300504T093000Z"
    assert unescape(props["DESCRIPTION"]).endswith(
        f"http://loopwise.test/interviews/rounds/{round_id}/kit"
    )

    recruiter, _user = signed_in(app, Role.RECRUITER)
    assert recruiter.get(f"/interviews/rounds/{round_id}/round.ics").status_code == 200
    missing = recruiter.get(f"/interviews/rounds/{unscheduled}/round.ics", follow_redirects=True)
    assert "no date yet" in missing.get_data(as_text=True)
    outsider, _user = signed_in(app, Role.INTERVIEWER)
    assert outsider.get(f"/interviews/rounds/{round_id}/round.ics").status_code == 403
