"""Skill extraction on seed 000 with the shipped taxonomy, and on crafted tricky cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hiring.models import Candidate, CandidateDocument, DocumentKind, JobRole
from hiring.services.importers import import_profile_text
from matching.extraction import (
    CHUNK_CHARS,
    MAX_TEXT_CHARS,
    ExtractionError,
    FoundSkill,
    SkillExtractor,
    default_extractor,
    skills_of,
)
from matching.services import candidate_skills, role_skills, summarise
from matching.taxonomy import Taxonomy, default_taxonomy, load_taxonomy

SEED_000 = next(Path("/work/shared/seeds").glob("000_*.txt"), None)

# The skills seed 000 lists, as written there; mapped to canonical names through the taxonomy.
SEED_000_SKILLS = [
    "Kubeflow", "TensorFlow", "AWS", "Azure", "GCP", "Google Cloud Platform", "Docker", "Kubernetes",
    "Terraform", "Jenkins", "Python", "pandas", "scikit-learn", "Keras", "PyTorch", "Snowflake",
    "BigQuery", "Redshift", "PySpark", "Looker", "Power BI", "Tableau",
]  # fmt: skip

SMALL_TAXONOMY = """\
version: 1
categories:
  languages: Programming languages
  ml_frameworks: ML frameworks
  cloud: Cloud
  infra: Infrastructure
  mlops: MLOps
  data_engineering: Data engineering
  bi_tools: BI tools
skills:
  - name: Python
    category: languages
  - name: Go
    category: languages
    aliases: [golang]
    ambiguous: true
    exact: [Go]
  - name: R
    category: languages
    ambiguous: true
    exact: [R]
  - name: Rust
    category: languages
  - name: SQL
    category: languages
  - name: C++
    category: languages
    aliases: [cpp]
  - name: C#
    category: languages
    aliases: [csharp]
  - name: Deep learning
    category: ml_frameworks
  - name: PyTorch
    category: ml_frameworks
    aliases: [torch]
    broader: Deep learning
  - name: scikit-learn
    category: ml_frameworks
    aliases: [sklearn]
  - name: Kubernetes
    category: infra
    aliases: [k8s]
  - name: CI/CD
    category: mlops
    aliases: [CI/CD pipelines]
  - name: PySpark
    category: data_engineering
  - name: AWS
    category: cloud
    aliases: [Amazon Web Services]
  - name: Power BI
    category: bi_tools
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SkillExtractor:
    path = tmp_path_factory.mktemp("taxonomy") / "skills.yaml"
    path.write_text(SMALL_TAXONOMY, encoding="utf-8")
    return SkillExtractor(load_taxonomy(path))


@pytest.fixture(scope="module", params=["small", "shipped"])
def extractor(request: pytest.FixtureRequest, small: SkillExtractor) -> SkillExtractor:
    """The tricky cases must hold for the test taxonomy and for the shipped one alike."""
    return small if request.param == "small" else default_extractor()


def canonical(taxonomy: Taxonomy, form: str) -> str:
    skill = taxonomy.lookup(form)
    assert skill is not None, f"the taxonomy has no skill for {form!r}"
    return skill.name


def names(extractor: SkillExtractor, text: str) -> list[str]:
    found = extractor.extract(text, "profile")
    assert all(hit.text == text[hit.start : hit.end] for hit in found)
    return [hit.name for hit in found]


def test_seed_000_finds_the_skills_it_lists() -> None:
    assert SEED_000 is not None
    text = SEED_000.read_text(encoding="utf-8")
    found = default_extractor().extract(text, "profile")
    found_names = {hit.name for hit in found}
    missing = [
        form for form in SEED_000_SKILLS if canonical(default_taxonomy(), form) not in found_names
    ]
    assert missing == []
    assert all(hit.text == text[hit.start : hit.end] for hit in found)
    assert all(hit.source_kind == "profile" for hit in found)
    assert [hit.start for hit in found] == sorted(hit.start for hit in found)
    # The transcript says "go" eight times, always the verb.
    go = default_taxonomy().lookup("golang")
    assert go is None or go.name not in found_names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Python, Go and Rust", ["Python", "Go", "Rust"]),
        ("Languages: Go", ["Go"]),
        ("Our services are written in Go.", ["Go"]),
        ("We moved everything to golang", ["Go"]),
        ("Python, R and SQL", ["Python", "R", "SQL"]),
        ("Most of the analysis was done in R.", ["R"]),
        ("Strong R programming skills", ["R"]),
        ("C++ and C# services", ["C++", "C#"]),
        ("scikit learn", ["scikit-learn"]),
        ("sklearn", ["scikit-learn"]),
        ("scikit-learn", ["scikit-learn"]),
        ("k8s clusters", ["Kubernetes"]),
        ("Pyspark", ["PySpark"]),
        ("CI/CD pipelines", ["CI/CD"]),
        ("Amazon Web Services", ["AWS"]),
        ("Power BI dashboards", ["Power BI"]),
    ],
)
def test_tricky_forms(extractor: SkillExtractor, text: str, expected: list[str]) -> None:
    assert names(extractor, text) == [canonical(extractor.taxonomy, form) for form in expected]


@pytest.mark.parametrize(
    "text",
    [
        "we go to production weekly",
        "Let's go.",
        "Go to the data first, then decide.",
        "The R&D team grew to twelve.",
        "J. R. R. Tolkien wrote it; Mr R Smith read it.",
        "C # is not a language name",
    ],
)
def test_ambiguous_words_are_not_skills(extractor: SkillExtractor, text: str) -> None:
    found = names(extractor, text)
    for form in ("Go", "R", "C#"):
        assert extractor.taxonomy.lookup(form).name not in found


def test_spans_are_verbatim_and_in_order(small: SkillExtractor) -> None:
    text = "Shipped PYTORCH models on  k8s with\nPython, R and SQL; scikit-learn for baselines."
    found = small.extract(text, "transcript")
    assert [(hit.name, hit.text) for hit in found] == [
        ("PyTorch", "PYTORCH"),
        ("Kubernetes", "k8s"),
        ("Python", "Python"),
        ("R", "R"),
        ("SQL", "SQL"),
        ("scikit-learn", "scikit-learn"),
    ]
    assert all(hit.text == text[hit.start : hit.end] for hit in found)
    assert {hit.source_kind for hit in found} == {"transcript"}
    assert found[0] == FoundSkill("PyTorch", "ml_frameworks", 8, 15, "PYTORCH", "transcript")


def test_overlaps_keep_the_longest_span(small: SkillExtractor) -> None:
    found = small.extract("Built CI/CD pipelines on AWS", "jd")
    assert [hit.text for hit in found] == ["CI/CD pipelines", "AWS"]


def test_long_text_is_chunked_with_correct_offsets(small: SkillExtractor) -> None:
    paragraph = "Filler words about nothing in particular.\n" * 200 + "We used PyTorch and Go, R.\n"
    text = paragraph * (3 * CHUNK_CHARS // len(paragraph) + 1)
    assert len(text) > 3 * CHUNK_CHARS
    found = small.extract(text, "portfolio")
    repeats = text.count("We used PyTorch")
    assert [hit.name for hit in found] == ["PyTorch", "Go", "R"] * repeats
    assert all(hit.text == text[hit.start : hit.end] for hit in found)


def test_text_over_the_limit_is_refused(small: SkillExtractor) -> None:
    text = "Python " * (MAX_TEXT_CHARS // 7) + "x" * (MAX_TEXT_CHARS % 7 + 1)
    assert len(text) == MAX_TEXT_CHARS + 1
    with pytest.raises(ExtractionError, match="too long"):
        small.extract(text, "profile")
    assert issubclass(ExtractionError, ValueError)


def test_non_text_is_refused(small: SkillExtractor) -> None:
    with pytest.raises(ExtractionError):
        small.extract(b"Python", "profile")  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_empty_text_finds_nothing(small: SkillExtractor, text: str) -> None:
    assert small.extract(text, "profile") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wir nutzen Python und Kubernetes für unsere Datenplattform, außerdem Größenordnungen.", 2),
        ("我们使用 Python 和 Kubernetes 构建机器学习平台。", 2),
        ("我们使用Python和Kubernetes构建平台", None),
        ("Мы используем Python, R и SQL.", 1),
    ],
)
def test_non_english_text_does_not_crash(small: SkillExtractor, text: str, expected: int | None) -> None:
    found = small.extract(text, "profile")
    assert all(hit.text == text[hit.start : hit.end] for hit in found)
    if expected is not None:
        assert len(found) >= expected


def test_skills_of_aggregates_per_canonical_name(small: SkillExtractor) -> None:
    text = "sklearn and PyTorch; later scikit-learn again, and torch."
    found = small.extract(text, "profile")
    counts = skills_of(found)
    assert [(c.name, c.category, c.count) for c in counts] == [
        ("scikit-learn", "ml_frameworks", 2),
        ("PyTorch", "ml_frameworks", 2),
    ]
    assert counts[0].first.text == "sklearn"
    assert skills_of([]) == []


def test_default_extractor_is_built_once() -> None:
    assert default_extractor() is default_extractor()
    assert default_extractor().taxonomy is default_taxonomy()


# ---------------------------------------------------------------- candidate and role skills


def test_candidate_skills_name_their_field_and_document(small: SkillExtractor) -> None:
    candidate = Candidate(
        name="Ada",
        headline="ML engineer, PyTorch",
        summary="Builds Spark-free pipelines in Python.",
        skills=["Go", "Amazon Web Services", "Word"],
        work_history=[{"title": "Kubernetes lead", "company": "Acme k8s"}, "legacy line"],
    )
    documents = [
        CandidateDocument(
            id=7, kind=DocumentKind.TRANSCRIPT, title="", body="I used sklearn and R daily."
        ),
        CandidateDocument(id=8, kind=DocumentKind.PORTFOLIO, title="Why Go", body="Rust, Go and C++."),
        CandidateDocument(id=9, kind=DocumentKind.NOTE, title="", body="No Python at all."),
    ]
    mentions = candidate_skills(candidate, documents, extractor=small)
    rows = [(m.name, m.found.source_kind, m.field, m.index, m.key, m.document_id) for m in mentions]
    assert rows == [
        ("PyTorch", "profile", "headline", None, None, None),
        ("Python", "profile", "summary", None, None, None),
        ("Go", "profile", "skills", 0, None, None),  # a skills list is a skills context
        ("AWS", "profile", "skills", 1, None, None),
        ("Kubernetes", "profile", "work_history", 0, "title", None),
        ("Kubernetes", "profile", "work_history", 0, "company", None),
        ("scikit-learn", "transcript", "document", None, None, 7),
        ("R", "transcript", "document", None, None, 7),  # listed with sklearn
        ("Rust", "portfolio", "document", None, None, 8),
        ("Go", "portfolio", "document", None, None, 8),
        ("C++", "portfolio", "document", None, None, 8),
    ]  # "Why Go" has no skills context; the recruiter note is skipped
    assert [(c.name, c.count) for c in summarise(mentions)][:3] == [
        ("PyTorch", 1),
        ("Python", 1),
        ("Go", 2),
    ]


def test_role_skills_keep_must_have_apart_from_nice_to_have(small: SkillExtractor) -> None:
    role = JobRole(
        title="ML Engineer",
        summary="Ship PyTorch models to production.",
        must_have=["3+ years of Python", "Experience with Go or Rust"],
        nice_to_have=["Power-BI", 42],
        tech_stack=["R", "k8s"],
    )
    mentions = role_skills(role, extractor=small)
    rows = [(m.field, m.index, m.name, m.found.text) for m in mentions]
    assert rows == [
        ("must_have", 0, "Python", "Python"),
        ("must_have", 1, "Go", "Go"),
        ("must_have", 1, "Rust", "Rust"),
        ("nice_to_have", 0, "Power BI", "Power-BI"),
        ("tech_stack", 0, "R", "R"),
        ("tech_stack", 1, "Kubernetes", "k8s"),
        ("summary", None, "PyTorch", "PyTorch"),
    ]
    assert {m.found.source_kind for m in mentions} == {"jd"}


def test_imported_seed_000_candidate_has_its_listed_skills(session: Session) -> None:
    assert SEED_000 is not None
    candidate = import_profile_text(session, SEED_000.read_text(encoding="utf-8"), actor_id=None)
    mentions = candidate_skills(candidate)
    from_list = {m.name for m in mentions if m.field == "skills"}
    assert {canonical(default_taxonomy(), form) for form in SEED_000_SKILLS} <= from_list
    transcript = {m.name for m in mentions if m.found.source_kind == "transcript"}
    assert canonical(default_taxonomy(), "Kubernetes") in transcript


def test_a_networks_weights_and_biases_are_not_the_tracking_tool():
    from matching.extraction import default_extractor

    found = default_extractor().extract(
        "We update the weights and biases by gradient descent.", "transcript"
    )
    assert "Weights & Biases" not in {f.name for f in found}
    assert "Weights & Biases" in {
        f.name for f in default_extractor().extract("Tracked in wandb.", "profile")
    }
