"""Forms of the CSV import of applications (the exports are plain links; each form has CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from hiring.forms.candidates import MAX_CSV_CHARS


class ApplicationsCsvUploadForm(FlaskForm):
    role_id = SelectField(
        "Role for rows without one",
        description="Rows that name no role_id or role go to this role.",
        coerce=int,
        default=0,
    )
    text = TextAreaField("CSV text", render_kw={"rows": 8})
    file = FileField("…or a CSV file (UTF-8)")


class ApplicationsCsvConfirmForm(FlaskForm):
    csv_text = TextAreaField(
        validators=[
            InputRequired("The CSV text is missing; upload it again."),
            Length(max=MAX_CSV_CHARS),
        ]
    )
    role_id = IntegerField(validators=[Optional()])
