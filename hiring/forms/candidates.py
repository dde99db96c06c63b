"""Forms of the candidate pages: profile, documents, imports, merges (each carries a CSRF token)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from core.errors import DomainError
from core.uploads import MAX_TEXT_BYTES, decode_text, read_text_upload
from hiring.models import Candidate, CandidateSource, ConsentStatus
from hiring.services.candidates import (
    clean_emails,
    clean_labels,
    clean_links,
    clean_phones,
    format_work_history,
    parse_work_history,
)

SOURCE_CHOICES = [SelectChoice(source.value, source.label) for source in CandidateSource]
CONSENT_CHOICES = [SelectChoice(status.value, status.label) for status in ConsentStatus]
MAX_CSV_CHARS = MAX_TEXT_BYTES


def _checked_by(clean: Callable[[str], Any]) -> Callable[[FlaskForm, Any], None]:
    """A WTForms validator running one of the service's cleaners, so the rule lives in one place."""

    def check(form: FlaskForm, field: Any) -> None:
        try:
            clean(field.data or "")
        except DomainError as error:
            raise ValidationError(error.message) from None

    return check


class CandidateForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the candidate a name."), Length(max=200)])
    emails = TextAreaField(
        "Emails",
        description="One per line.",
        validators=[_checked_by(clean_emails)],
        render_kw={"rows": 2},
    )
    phones = TextAreaField(
        "Phones",
        description="One per line.",
        validators=[_checked_by(clean_phones)],
        render_kw={"rows": 2},
    )
    location = StringField("Location", validators=[Length(max=200)])
    headline = StringField("Headline", validators=[Length(max=300)])
    links = TextAreaField(
        "Links",
        description="GitHub, blog, LinkedIn, … one per line, starting with https://",
        validators=[_checked_by(clean_links)],
        render_kw={"rows": 3},
    )
    summary = TextAreaField("Summary", validators=[Length(max=20000)], render_kw={"rows": 5})
    work_history = TextAreaField(
        "Work history",
        description="One job per line: Title — Company (most recent first).",
        validators=[_checked_by(parse_work_history)],
        render_kw={"rows": 4},
    )
    skills = TextAreaField(
        "Skills",
        description="Separated by commas or one per line.",
        validators=[_checked_by(lambda text: clean_labels(text, what="skill"))],
        render_kw={"rows": 3},
    )
    tags = StringField(
        "Tags",
        description="Separated by commas.",
        validators=[_checked_by(lambda t: clean_labels(t, what="tag"))],
    )
    source = SelectField("Source", choices=SOURCE_CHOICES, default=CandidateSource.APPLIED.value)
    referrer_name = StringField(
        "Referred by", description="For referrals.", validators=[Length(max=200)]
    )
    source_detail = StringField(
        "Source detail", description="Which event or agency, for example.", validators=[Length(max=200)]
    )
    consent_status = SelectField(
        "Consent / notice", choices=CONSENT_CHOICES, default=ConsentStatus.UNKNOWN.value
    )
    is_prospect = BooleanField("Passive prospect (not applying; sourced for later)")
    create_anyway = BooleanField("Save anyway: this is a different person with the same email")

    def candidate_fields(self) -> dict[str, Any]:
        """The form's values as keyword arguments for create_candidate / update_candidate."""
        return {
            name: getattr(self, name).data or ("" if name != "is_prospect" else False)
            for name in (
                "name",
                "emails",
                "phones",
                "location",
                "headline",
                "links",
                "summary",
                "work_history",
                "skills",
                "tags",
                "source",
                "referrer_name",
                "source_detail",
                "consent_status",
                "is_prospect",
            )
        }

    @classmethod
    def for_candidate(cls, candidate: Candidate) -> CandidateForm:
        return cls(
            data={
                "name": candidate.name,
                "emails": "\n".join(candidate.emails),
                "phones": "\n".join(candidate.phones),
                "location": candidate.location,
                "headline": candidate.headline,
                "links": "\n".join(candidate.links),
                "summary": candidate.summary,
                "work_history": format_work_history(candidate.work_history),
                "skills": ", ".join(candidate.skills),
                "tags": ", ".join(candidate.tags),
                "source": candidate.source.value,
                "referrer_name": candidate.referrer_name,
                "source_detail": candidate.source_detail,
                "consent_status": candidate.consent_status.value,
                "is_prospect": candidate.is_prospect,
            }
        )


def text_from(form: FlaskForm, *, pasted: str, upload: str) -> tuple[str, str]:
    """The text of an upload or of a pasted field, checked by core.uploads; and the file name.

    Raises DomainError (too large, binary, broken UTF-8, nothing given, both given).
    """
    file = getattr(form, upload).data
    text = getattr(form, pasted).data or ""
    if file and file.filename:
        if text.strip():
            raise DomainError("Paste the text or choose a file, not both. Nothing was saved.")
        return read_text_upload(file.stream, name=file.filename), file.filename
    if "\ufffd" in text:
        raise DomainError(
            "The pasted text is not valid UTF-8 (it holds broken characters). Nothing was saved."
        )
    text = decode_text(text.encode("utf-8", "surrogatepass"), name="The pasted text")
    if not text.strip():
        raise DomainError("Paste the text or choose a file. Nothing was saved.")
    return text, ""


class ProfileImportForm(FlaskForm):
    name = StringField(
        "Name",
        description="Leave empty to take it from the summary (“Name is …”).",
        validators=[Length(max=200)],
    )
    source = SelectField("Source", choices=SOURCE_CHOICES, default=CandidateSource.SOURCED.value)
    is_prospect = BooleanField("Passive prospect")
    text = TextAreaField("Profile text", render_kw={"rows": 12})
    file = FileField("…or a text file (.txt, UTF-8)")


class DocumentForm(FlaskForm):
    title = StringField(
        "Title",
        description="Leave empty to use the first line, or the file name.",
        validators=[Length(max=300)],
    )
    text = TextAreaField(
        "Text", description="A blog post, an essay, a self-introduction…", render_kw={"rows": 12}
    )
    file = FileField("…or a text file (.txt, .md, UTF-8)")


class CsvUploadForm(FlaskForm):
    text = TextAreaField("CSV text", render_kw={"rows": 8})
    file = FileField("…or a CSV file (UTF-8)")


class CsvConfirmForm(FlaskForm):
    csv_text = TextAreaField(
        validators=[
            InputRequired("The CSV text is missing; upload it again."),
            Length(max=MAX_CSV_CHARS),
        ]
    )


class MergeForm(FlaskForm):
    primary_id = IntegerField(
        "Keep this candidate (number)",
        description="The candidate who stays; the one on this page is merged into them.",
        validators=[InputRequired("Say which candidate to keep.")],
    )


class RemoveDocumentForm(FlaskForm):
    document_id = IntegerField(validators=[InputRequired()])


class SearchArgs:
    """The list page's filters, from the query string (a GET form: no CSRF token needed)."""

    def __init__(self, args: Any) -> None:
        self.q = (args.get("q") or "").strip()[:200]
        self.kind = args.get("kind") if args.get("kind") in ("applicants", "prospects") else ""
        self.tag = (args.get("tag") or "").strip()[:100]

    @property
    def prospects(self) -> bool | None:
        return {"applicants": False, "prospects": True}.get(self.kind)

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items() if value}
