"""Forms of the candidate-rights pages: consent ledger entries, erasure requests and confirmation,
and a role's AI-consent setting."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from trust.consent import ConsentChannel, ConsentEventKind

EVENT_CHOICES = [SelectChoice(kind.value, kind.label) for kind in ConsentEventKind]
CHANNEL_CHOICES = [SelectChoice(channel.value, channel.label) for channel in ConsentChannel]


class ConsentEventForm(FlaskForm):
    event = SelectField("What happened", choices=EVENT_CHOICES, validators=[DataRequired()])
    channel = SelectField("How", choices=CHANNEL_CHOICES, validators=[DataRequired()])


class ErasureRequestForm(FlaskForm):
    channel = SelectField("Request received by", choices=CHANNEL_CHOICES, validators=[DataRequired()])


class EraseForm(FlaskForm):
    confirm_name = StringField(
        "Type the candidate's name to confirm",
        validators=[DataRequired("Type the candidate's name to confirm."), Length(max=200)],
        description="Erasure cannot be undone: personal data is removed everywhere.",
    )


class RoleAiConsentForm(FlaskForm):
    requires_consent = BooleanField(
        "The LLM judge needs the candidate's consent for this role",
        description="Without consent, answers are scored by the embedding match only.",
    )


class NoticeForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the notice a title."), Length(max=200)])
    body = TextAreaField(
        "Text shown to candidates",
        validators=[DataRequired("Write the notice's text."), Length(max=20_000)],
        description="A new version is added; earlier versions and the consents given to them stay.",
    )
