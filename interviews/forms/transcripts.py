"""Forms of the transcript pages: upload or paste, take the imported transcript, fix an alignment,
score (each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from core.errors import DomainError
from interviews.services.transcripts.formats import (
    MAX_DOCX_BYTES,
    TranscriptText,
    read_pasted_transcript,
    read_transcript_file,
)

NO_QUESTION = "none"
ACCEPTED_FILES = ".txt,.vtt,.srt,.docx,text/plain,text/vtt,application/x-subrip"


class TranscriptUploadForm(FlaskForm):
    file = FileField(
        "Transcript file",
        description=".txt, .vtt or .srt (UTF-8 text), or a Word .docx; up to 5 MB of text.",
    )
    text = TextAreaField(
        "…or paste the transcript",
        description="One answer per paragraph, or turns labelled “Interviewer:” and “Candidate:”.",
        render_kw={"rows": 10},
    )


def transcript_from(form: TranscriptUploadForm) -> TranscriptText:
    """The transcript of the uploaded file or of the pasted text; DomainError says what is wrong."""
    upload = form.file.data
    pasted = form.text.data or ""
    if upload and upload.filename:
        if pasted.strip():
            raise DomainError("Paste the transcript or choose a file, not both. Nothing was saved.")
        return read_transcript_file(upload.stream.read(MAX_DOCX_BYTES + 1), upload.filename)
    if not pasted.strip():
        raise DomainError("Choose a transcript file or paste the transcript. Nothing was saved.")
    return read_pasted_transcript(pasted)


class ImportTranscriptForm(FlaskForm):
    document_id = SelectField(
        "Transcript imported with the profile",
        coerce=int,
        validators=[InputRequired("Choose one of the candidate's transcripts.")],
    )


class AlignForm(FlaskForm):
    answer_row = IntegerField(
        widget=HiddenInput(), validators=[InputRequired("Say which answer to align.")]
    )
    question = SelectField("Question", validators=[InputRequired("Choose a question, or none.")])

    def question_id(self) -> int | None:
        value = self.question.data
        return None if value == NO_QUESTION else int(value)


class ScoreTranscriptForm(FlaskForm):
    judge_runs = IntegerField(
        "LLM judge runs",
        default=1,
        validators=[Optional(), NumberRange(1, 5, "Between 1 and 5 runs.")],
        description="More runs show how much the judge varies (only when a judge is configured).",
    )
