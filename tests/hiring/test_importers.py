"""Importers on the real seed files (never copied into the repository) and on small CSVs."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.db import get_session
from core.errors import DomainError
from hiring.models import Candidate, CandidateDocument, CandidateSource, DocumentKind
from hiring.services.importers import (
    TRANSCRIPT_TITLE,
    import_portfolio_text,
    import_profile_text,
    parse_candidates_csv,
    parse_portfolio_text,
    parse_profile_text,
    preview_candidates_csv,
    split_glued,
)
from tests.support.hiring_factories import create_candidate

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip(
            f"seed file {prefix}_*.txt not found under {SEEDS} (the shared/ folder beside the repo)"
        )
    return found[0]


# ---------------------------------------------------------------- profile text


def test_profile_seed_is_parsed_into_name_summary_jobs_skills_and_transcript():
    profile = parse_profile_text(seed("000").read_text(encoding="utf-8"))

    assert profile.name == "Amith KA"
    assert profile.summary.startswith("Amith KA is a seasoned professional with 14.5 years")
    jobs = [(job.title, job.company) for job in profile.work_history]
    assert ("Head of AI & Engineering", "Chryselys") in jobs
    assert ("Chief Architect", "66 Degrees") in jobs
    assert jobs == [
        ("Head of AI & Engineering", "Chryselys"),
        ("Chief Architect", "66 Degrees"),
        ("Chief Data Scientist", "Suyat! Technologies"),
        ("Analytics Manager", "Metro Trading Company"),
        ("COE Leader AI/ML", "EY"),
    ]
    expected = [
        "Kubeflow", "Tensorflow", "AWS (Amazon Web Services)", "Azure", "Google Cloud Platform",
        "Docker", "Kubernetes", "Terraform", "CI/CD pipelines", "Jenkins", "Python", "pandas",
        "scikit-learn", "Keras", "PyTorch", "Snowflake", "BigQuery", "Redshift", "Pyspark", "Looker",
        "Power BI", "Tableau",
    ]  # fmt: skip
    assert [skill for skill in expected if skill not in profile.skills] == []
    assert not [s for s in profile.skills if ".png" in s or ".jpg" in s or not s.strip()]
    assert len({s.casefold() for s in profile.skills}) == len(profile.skills)
    assert profile.skills[-1] == "CSS", "the skill list ends where the transcript starts"

    assert len(profile.transcript) == 12
    assert profile.transcript[0].startswith("So a bit about myself.")
    assert profile.transcript[-1].startswith("An approach to fine-tuning a GPT-2 model")
    assert all(len(p.split()) > 100 for p in profile.transcript)


def test_skills_are_deduplicated_ignoring_case_and_artefacts_dropped():
    text = (
        "Ada Lovelace is an engineer who writes about machine learning and builds systems.\n"
        "ML Engineer\nAcmeData Scientist\nInitech.png)\n"
        "Python\n\npython\n.png)\nPYTHON\nPyTorch.jpg)\n\n.jpg)\nKeras\n"
    )
    profile = parse_profile_text(text)
    assert profile.skills == ("Python", "PyTorch", "Keras")
    assert [(j.title, j.company) for j in profile.work_history] == [
        ("ML Engineer", "Acme"),
        ("Data Scientist", "Initech"),
    ]
    assert profile.transcript == ()


@pytest.mark.parametrize(
    ("line", "pieces"),
    [
        ("ChryselysChief Architect", ("Chryselys", "Chief Architect")),
        ("66 DegreesChief Data Scientist", ("66 Degrees", "Chief Data Scientist")),
        ("Metro Trading CompanyCOE Leader AI/ML", ("Metro Trading Company", "COE Leader AI/ML")),
        ("McKinseyData Scientist", ("McKinsey", "Data Scientist")),
        ("OpenAISenior ML Engineer", ("OpenAI", "Senior ML Engineer")),
        ("Head of AI & Engineering", ("Head of AI & Engineering",)),
        ("EY", ("EY",)),
    ],
)
def test_glued_company_and_title_are_split(line, pieces):
    assert split_glued(line) == pieces


def test_import_profile_saves_candidate_and_one_transcript_document(session):
    text = seed("000").read_text(encoding="utf-8")
    candidate = import_profile_text(session, text, actor_id=None, source_name="000.txt")

    assert candidate.name == "Amith KA"
    assert candidate.source == CandidateSource.SOURCED
    assert candidate.headline == "Head of AI & Engineering at Chryselys"
    assert {"title": "Chief Architect", "company": "66 Degrees"} in candidate.work_history
    (document,) = candidate.documents
    assert (document.kind, document.title) == (DocumentKind.TRANSCRIPT, TRANSCRIPT_TITLE)
    paragraphs = document.body.split("\n\n")
    assert len(paragraphs) == 12
    assert paragraphs == list(parse_profile_text(text).transcript)
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_id == str(candidate.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["candidate.imported", "candidate.document_added"]


def test_import_profile_name_override_and_missing_name(session):
    text = "a summary that does not start with a name at all, so nothing to take.\nPython\n"
    with pytest.raises(DomainError, match="Could not find the candidate's name"):
        import_profile_text(session, text, actor_id=None)
    candidate = import_profile_text(session, text, actor_id=None, name="  Grace Hopper ")
    assert candidate.name == "Grace Hopper"
    assert candidate.skills == ["Python"]
    assert candidate.documents == []


def test_import_profile_page_with_the_seed_file(client, app, recruiter):
    data = seed("000").read_bytes()
    response = client.post(
        "/hiring/candidates/import",
        data={"name": "", "source": "referral", "file": (io.BytesIO(data), "000.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400, "a referral without a referrer is refused"
    assert "Name the person who referred" in response.get_data(as_text=True)

    response = client.post(
        "/hiring/candidates/import",
        data={"name": "Amith K. A.", "source": "sourced", "file": (io.BytesIO(data), "000.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Amith K. A." in page and "Imported Amith K. A.: 5 jobs, 39 skills, 1 document(s)." in page
    assert "Chief Architect</strong> — 66 Degrees" in page
    assert TRANSCRIPT_TITLE in page
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Candidate)) == 1


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a binary file"),
        ("Zoë Ng is an engineer.".encode("latin-1"), "is not valid UTF-8"),
        (b"a" * (2 * 1024 * 1024 + 1), "text uploads are limited to 2 MB"),
    ],
    ids=["binary", "broken-utf8", "over-2MB"],
)
def test_bad_profile_uploads_are_refused_and_save_nothing(client, app, recruiter, payload, message):
    response = client.post(
        "/hiring/candidates/import",
        data={"source": "sourced", "file": (io.BytesIO(payload), "profile.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Candidate)) == 0


def test_a_50_mb_upload_is_refused_by_the_request_limit(client, app, recruiter):
    response = client.post(
        "/hiring/candidates/import",
        data={"source": "sourced", "file": (io.BytesIO(b"a" * 50_000_000), "huge.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "Upload too large" in response.get_data(as_text=True)
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Candidate)) == 0


# ---------------------------------------------------------------- portfolio writing


@pytest.mark.parametrize(
    ("prefix", "title", "opening"),
    [
        ("002", "Hello everyone", "I started my ML journey back in late 2020"),
        ("003", "Category Archives: Machine Learning", "LLM Optimization for Inference"),
        ("004", "Payal Mitra", "Seeking and Sharing | AI Practitioner"),
    ],
)
def test_portfolio_seeds_get_a_title_and_keep_their_text(session, prefix, title, opening):
    path = seed(prefix)
    text = path.read_text(encoding="utf-8")
    parsed = parse_portfolio_text(text, file_name=path.name)
    assert parsed.title == title
    assert opening in parsed.body and parsed.body == text.strip()

    candidate = create_candidate()
    document = import_portfolio_text(session, candidate, text, actor_id=None, file_name=path.name)
    assert (document.kind, document.title, document.source_name) == (
        DocumentKind.PORTFOLIO,
        title,
        path.name,
    )
    assert document.body == text.strip()


def test_portfolio_title_falls_back_to_the_file_name():
    long_first_line = " ".join(["word"] * 40) + "\nmore"
    assert parse_portfolio_text(long_first_line, file_name="my_first_post.md").title == "my first post"
    assert parse_portfolio_text("# A heading\nbody").title == "A heading"
    with pytest.raises(DomainError, match="empty"):
        parse_portfolio_text("  \n ")


def test_portfolio_page_upload_and_paste(client, app, recruiter):
    with app.app_context():
        candidate = create_candidate()
        get_session().commit()
    url = f"/hiring/candidates/{candidate.id}/documents/new"
    data = seed("002").read_bytes()
    response = client.post(
        url,
        data={"title": "", "file": (io.BytesIO(data), "intro.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    both = client.post(
        url,
        data={"title": "", "text": "pasted", "file": (io.BytesIO(b"file"), "x.txt")},
        content_type="multipart/form-data",
    )
    assert both.status_code == 400 and "not both" in both.get_data(as_text=True)
    assert client.post(url, data={"title": "My essay", "text": "Essays are fun.\n"}).status_code == 302
    with app.app_context():
        titles = get_session().scalars(
            select(CandidateDocument.title).where(CandidateDocument.candidate_id == candidate.id)
        )
        assert sorted(titles) == ["Hello everyone", "My essay"]


# ---------------------------------------------------------------- CSV

CSV_TEXT = """name,email,phone,location,headline,links,skills,tags,source,referrer
Ada Lovelace,ADA@example.org;ada.l@example.org,+44 20 7946 0000,London,ML engineer,\
https://github.com/ada;https://ada.dev,Python;PyTorch,senior;ml,referral,Charles Babbage
,nobody@example.org,,,,,,,,
Bad Email,not-an-email,,,,,,,,
Odd Source,odd@example.org,,,,,,,conference,
Taken Email,taken@example.org,,,,,,,,
Twice,ada@example.org,,,,,,,sourced,
Grace Hopper,grace@example.org,,,,,,compilers,EVENT,
"""


def test_csv_preview_flags_each_problem_row(session):
    create_candidate(name="Already Here", emails=["taken@example.org"])
    preview = preview_candidates_csv(session, CSV_TEXT)
    by_line = {row.line: row for row in preview.rows}
    assert [row.name for row in preview.valid_rows] == ["Ada Lovelace", "Grace Hopper"]
    assert by_line[3].errors == ("The name is missing.",)
    assert any("not a valid email" in e for e in by_line[4].errors)
    assert any("Unknown source “conference”" in e for e in by_line[5].errors)
    assert any("already on Already Here" in e for e in by_line[6].errors)
    assert any("also on line 2" in e for e in by_line[7].errors)
    ada = by_line[2].fields
    assert ada["emails"] == ["ada@example.org", "ada.l@example.org"]
    assert ada["links"] == ["https://github.com/ada", "https://ada.dev"]
    assert (ada["source"], ada["referrer_name"], ada["tags"]) == (
        CandidateSource.REFERRAL,
        "Charles Babbage",
        ["senior", "ml"],
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email,phone\nx@example.org,1\n", "The first line must be the header"),
        ("name,email,salary\nA,a@example.org,1\n", "Unknown columns: salary"),
        ("name,email\n", "no rows"),
    ],
)
def test_csv_file_level_errors(text, message):
    with pytest.raises(DomainError, match=message):
        parse_candidates_csv(text)


def test_csv_dry_run_then_confirm_imports_only_valid_rows(client, app, recruiter):
    with app.app_context():
        create_candidate(name="Already Here", emails=["taken@example.org"])
        get_session().commit()
    preview = client.post(
        "/hiring/candidates/import/csv",
        data={"file": (io.BytesIO(CSV_TEXT.encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "2 of 7 rows can be imported" in page
    assert "Unknown source" in page and "already on Already Here" in page
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Candidate)) == 1, "a dry run"

    kept = unescape(
        re.search(r'<textarea[^>]*name="csv_text"[^>]*>\r?\n(.*?)</textarea>', page, re.S).group(1)
    )
    assert kept == CSV_TEXT, "the CSV travels unchanged to the confirm step"
    confirm = client.post("/hiring/candidates/import/csv/confirm", data={"csv_text": kept})
    assert confirm.status_code == 302
    assert "Imported 2 candidate(s); skipped 5 row(s)" in client.get("/hiring/candidates").get_data(
        as_text=True
    )
    with app.app_context():
        session = get_session()
        names = session.scalars(select(Candidate.name).order_by(Candidate.id)).all()
        assert names == ["Already Here", "Ada Lovelace", "Grace Hopper"]
        imported = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "candidate.imported")
        ).all()
        assert len(imported) == 2


def test_csv_confirm_without_text_and_bad_upload(client, app, recruiter):
    response = client.post("/hiring/candidates/import/csv/confirm", data={})
    assert response.status_code == 302
    assert "The CSV text is missing" in client.get(response.headers["Location"]).get_data(as_text=True)
    bad = client.post(
        "/hiring/candidates/import/csv",
        data={"file": (io.BytesIO(b"name\n\xff\xfe"), "people.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "not valid UTF-8" in bad.get_data(as_text=True)
