"""Forms of the rubric library: rubric content edited field by field, publishing, import, questions."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from core.errors import DomainError
from core.uploads import decode_text, read_text_upload
from rubrics.content import LEVEL_NAMES, LEVELS
from rubrics.models import QuestionCategory, Rubric

CATEGORY_CHOICES = [SelectChoice(c.value, c.label) for c in QuestionCategory]
KEY_HINT = "Lowercase letters, digits, '-' and '_'; it identifies the rubric in files and packs."
PARAGRAPHS = re.compile(r"\n[ \t]*\n")
ERROR_PLACE = re.compile(r"^criteria\[(\d+)\](?:\.levels\[(\d)\])?(?:\.(\w+))?")


def split_paragraphs(text: str | None) -> list[str]:
    """Exemplar answers typed one per paragraph (separated by a blank line).

    Browsers send textarea line breaks as CRLF: normalise them first, or blank lines go unseen.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip() for part in PARAGRAPHS.split(text) if part.strip()]


def _weight(value: str | None) -> Any:
    text = (value or "").strip()
    if not text:
        return 1
    try:
        return float(text)
    except ValueError:
        return text  # left as text: the content check names the criterion and says what is wrong


class LevelForm(Form):
    descriptor = TextAreaField("Descriptor", render_kw={"rows": 2})
    exemplars = TextAreaField(
        "Exemplar answers",
        description="One answer per paragraph: separate answers with a blank line.",
        render_kw={"rows": 4},
    )


class CriterionForm(Form):
    key = StringField("Key", description="e.g. correctness")
    title = StringField("Title")
    weight = StringField("Weight", default="1", description="A positive number; weights are relative.")
    remove = BooleanField("Remove this criterion when saving")
    level_1 = FormField(LevelForm, label=f"Level 1 · {LEVEL_NAMES[1]}")
    level_2 = FormField(LevelForm, label=f"Level 2 · {LEVEL_NAMES[2]}")
    level_3 = FormField(LevelForm, label=f"Level 3 · {LEVEL_NAMES[3]}")
    level_4 = FormField(LevelForm, label=f"Level 4 · {LEVEL_NAMES[4]}")

    def levels(self) -> list[Any]:
        return [self[f"level_{number}"] for number in LEVELS]

    def is_blank(self) -> bool:
        texts = [self.key.data, self.title.data]
        texts += [t for level in self.levels() for t in (level.descriptor.data, level.exemplars.data)]
        return not any((t or "").strip() for t in texts)


class ContentFields:
    """The rubric content as fields: title, reference answer, criteria with four levels each."""

    title = StringField("Title", validators=[DataRequired("Give the rubric a title."), Length(max=300)])
    reference_answer = TextAreaField(
        "Reference answer",
        description="A model answer written by you (optional but recommended: scorers compare with it).",
        render_kw={"rows": 6},
    )
    criteria = FieldList(FormField(CriterionForm), min_entries=1)

    def content_data(self) -> dict[str, Any]:
        """The content in the rubrics.content format (blank and removed criteria left out)."""
        self._used_entries = [
            entry for entry in self.criteria if not entry.remove.data and not entry.is_blank()
        ]
        return {
            "title": self.title.data or "",
            "reference_answer": self.reference_answer.data or "",
            "criteria": [
                {
                    "key": (entry.key.data or "").strip(),
                    "title": entry.title.data or "",
                    "weight": _weight(entry.weight.data),
                    "levels": {
                        number: {
                            "descriptor": level.descriptor.data or "",
                            "exemplars": split_paragraphs(level.exemplars.data),
                        }
                        for number, level in zip(LEVELS, entry.levels(), strict=True)
                    },
                }
                for entry in self._used_entries
            ],
        }

    def show_content_error(self, detail: str) -> None:
        """Put a content error (e.g. "criteria[2].levels[3].descriptor must …") beside its field."""
        match = ERROR_PLACE.match(detail)
        target = None
        if match and int(match[1]) <= len(getattr(self, "_used_entries", [])):
            entry = self._used_entries[int(match[1]) - 1]
            target = entry.key
            if match[2]:
                level = entry[f"level_{match[2]}"]
                target = level.exemplars if match[3] == "exemplars" else level.descriptor
            elif match[3] in ("title", "weight", "key"):
                target = entry[match[3]]
        elif detail.startswith("title"):
            target = self.title
        elif detail.startswith("reference_answer"):
            target = self.reference_answer
        if target is not None:
            target.errors = [*target.errors, detail]

    @classmethod
    def content_form_data(cls, title: str, content: dict[str, Any]) -> dict[str, Any]:
        criteria = []
        for criterion in content["criteria"]:
            levels = criterion["levels"]
            row: dict[str, Any] = {
                "key": criterion["key"],
                "title": criterion["title"],
                "weight": f"{criterion['weight']:g}",
            }
            for number in LEVELS:
                level = levels.get(number) or levels.get(str(number))
                row[f"level_{number}"] = {
                    "descriptor": level["descriptor"],
                    "exemplars": "\n\n".join(level["exemplars"]),
                }
            criteria.append(row)
        return {"title": title, "reference_answer": content["reference_answer"], "criteria": criteria}


class RubricForm(ContentFields, FlaskForm):
    key = StringField(
        "Key",
        description=KEY_HINT,
        validators=[DataRequired("Give the rubric a key."), Length(max=120)],
    )
    pack = StringField("Pack", description="Optional, e.g. ml-theory.", validators=[Length(max=120)])


class DraftForm(ContentFields, FlaskForm):
    pack = StringField("Pack", description="Optional, e.g. ml-theory.", validators=[Length(max=120)])

    @classmethod
    def for_rubric(cls, rubric: Rubric, content: dict[str, Any]) -> DraftForm:
        return cls(data={**cls.content_form_data(rubric.title, content), "pack": rubric.pack})


class PublishForm(FlaskForm):
    notes = TextAreaField(
        "Release notes",
        description="What changed and why (kept with the version).",
        validators=[Length(max=4000)],
        render_kw={"rows": 2},
    )


class ImportForm(FlaskForm):
    file = FileField("File", description="A .yaml, .yml or .json file, as exported here.")
    text = TextAreaField("…or paste YAML or JSON", render_kw={"rows": 10})

    def uploaded_text(self) -> tuple[str, str]:
        """The text of the upload or of the pasted field, checked by core.uploads; and the file name."""
        file = self.file.data
        pasted = self.text.data or ""
        if file and file.filename:
            if pasted.strip():
                raise DomainError("Paste the text or choose a file, not both. Nothing was saved.")
            return read_text_upload(file.stream, name=file.filename), file.filename
        text = decode_text(pasted.encode("utf-8", "surrogatepass"), name="The pasted text")
        if not text.strip():
            raise DomainError("Choose a file or paste its text. Nothing was saved.")
        return text, ""


class GoldenSetForm(FlaskForm):
    file = FileField(
        "CSV file",
        description="Columns question_id, question, reference_answer, answer, score, max_score "
        "(the format of flask rubrics evaluate); at most 1 MB and 500 answers.",
    )
    text = TextAreaField("…or paste the CSV", render_kw={"rows": 8})

    def uploaded_text(self, max_bytes: int) -> tuple[str, str]:
        """The CSV text (upload or pasted, checked by core.uploads) and the file name."""
        file = self.file.data
        pasted = self.text.data or ""
        if file and file.filename:
            if pasted.strip():
                raise DomainError("Paste the CSV or choose a file, not both. Nothing was saved.")
            return read_text_upload(file.stream, name=file.filename, max_bytes=max_bytes), file.filename
        text = decode_text(
            pasted.encode("utf-8", "surrogatepass"), name="The pasted text", max_bytes=max_bytes
        )
        if not text.strip():
            raise DomainError("Choose a CSV file or paste its text. Nothing was saved.")
        return text, ""


class QuestionForm(FlaskForm):
    key = StringField(
        "Key",
        description="Lowercase letters, digits, '-' and '_'.",
        validators=[DataRequired("Give the question a key."), Length(max=120)],
    )
    title = StringField(
        "Title", validators=[DataRequired("Give the question a title."), Length(max=300)]
    )
    category = SelectField("Category", choices=CATEGORY_CHOICES)
    pack = StringField("Pack", description="Optional, e.g. ml-theory.", validators=[Length(max=120)])
    prompt = TextAreaField(
        "Prompt",
        description="What the interviewer asks.",
        validators=[DataRequired("Write the prompt."), Length(max=20000)],
        render_kw={"rows": 4},
    )
    rubric_id = SelectField("Rubric", coerce=int, validate_choice=True)

    def question_fields(self) -> dict[str, Any]:
        return {
            "key": self.key.data,
            "title": self.title.data,
            "category": self.category.data,
            "pack": self.pack.data,
            "prompt": self.prompt.data,
            "rubric_id": self.rubric_id.data,
        }


class SearchArgs:
    """The list pages' filters, from the query string (a GET form: no CSRF token needed)."""

    def __init__(self, args: Any) -> None:
        self.q = (args.get("q") or "").strip()[:200]
        self.pack = (args.get("pack") or "").strip()[:120]
        category = args.get("category") or ""
        self.category = category if category in {c.value for c in QuestionCategory} else ""

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items() if value}
