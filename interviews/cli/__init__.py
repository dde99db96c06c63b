"""`flask interviews ...`: transcript scoring and overdue-scorecard reminders from the command line."""

from flask.cli import AppGroup

from interviews.cli.reminders import remind_overdue
from interviews.cli.transcripts import score_transcript

interviews_group = AppGroup("interviews", help="Interview loops: transcripts and reminders.")
interviews_group.add_command(score_transcript)
interviews_group.add_command(remind_overdue)
