"""The skill taxonomy: the shipped file, lookups, broader skills, and broken files refused whole."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from matching.taxonomy import (
    MAX_FILE_BYTES,
    SKILLS_FILE,
    Taxonomy,
    TaxonomyError,
    default_taxonomy,
    load_taxonomy,
    parse_taxonomy,
    skill_key,
)

# The skills listed on seed profile 000 (/work/shared/seeds/000_*.txt), written as they appear there,
# with the canonical name each must resolve to.
SEED_000_SKILLS = {
    "Kubeflow": "Kubeflow",
    "Tensorflow": "TensorFlow",
    "AWS (Amazon Web Services)": "AWS",
    "Azure": "Azure",
    "AZURE": "Azure",
    "Google Cloud Platform": "GCP",
    "Google Cloud Platform (GCP)": "GCP",
    "GCP": "GCP",
    "Docker": "Docker",
    "Kubernetes": "Kubernetes",
    "AWS": "AWS",
    "Terraform": "Terraform",
    "CI/CD pipelines": "CI/CD",
    "Jenkins": "Jenkins",
    "Python": "Python",
    "pandas": "pandas",
    "scikit-learn": "scikit-learn",
    "Keras": "Keras",
    "PyTorch": "PyTorch",
    "Snowflake": "Snowflake",
    "BigQuery": "BigQuery",
    "Redshift": "Redshift",
    "Informatica": "Informatica",
    "MySQL": "MySQL",
    "SQL": "SQL",
    "SSIS": "SSIS",
    "Pyspark": "PySpark",
    "Quicksight": "QuickSight",
    "Looker": "Looker",
    "Power BI": "Power BI",
    "Tableau": "Tableau",
    "Spotfire": "Spotfire",
    "UiPath": "UiPath",
    "Blue Prism": "Blue Prism",
    "VBA": "VBA",
    "Word": "Microsoft Word",
    "Outlook": "Microsoft Outlook",
    "VB.NET": "VB.NET",
    "Node.js": "Node.js",
    "HTML": "HTML",
    "CSS": "CSS",
    "MLOPS": "MLOps",
    "NLP": "Natural language processing",
    "MLflow": "MLflow",
    "Airflow": "Apache Airflow",
    "LangChain": "LangChain",
    "Hugging Face": "Hugging Face",
}


def write_taxonomy(tmp_path: Path, skills: str, *, categories: str | None = None) -> Path:
    """Write a small taxonomy file with the given skills block (YAML list items)."""
    categories = categories or "  languages: Programming languages\n  cloud: Cloud platforms\n"
    path = tmp_path / "skills.yaml"
    path.write_text(
        f"version: 1\ncategories:\n{categories}skills:\n{textwrap.dedent(skills)}", encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


# ---------------------------------------------------------------- the shipped file


def test_shipped_file_loads_with_enough_skills_in_every_category(taxonomy):
    assert SKILLS_FILE.stat().st_size < MAX_FILE_BYTES
    assert len(taxonomy) >= 400
    used = {skill.category for skill in taxonomy.skills}
    assert used == set(taxonomy.categories)
    for key in taxonomy.categories:
        assert len(taxonomy.in_category(key)) >= 5, key
    python = taxonomy.by_name("Python")
    assert (python.category, python.category_label) == ("languages", "Programming languages")


def test_default_taxonomy_is_loaded_once(taxonomy):
    assert default_taxonomy() is default_taxonomy()
    assert [s.name for s in default_taxonomy().skills] == [s.name for s in taxonomy.skills]


def test_keys_are_unique_slugs(taxonomy):
    keys = [skill.key for skill in taxonomy.skills]
    assert len(set(keys)) == len(keys)
    assert {skill_key("C++"), skill_key("C#"), skill_key("C")} == {"cpp", "csharp", "c"}
    assert taxonomy.by_name("Node.js").key == "node-js"
    assert taxonomy.by_name("Weights & Biases").key == "weights-and-biases"


@pytest.mark.parametrize(("written", "canonical"), sorted(SEED_000_SKILLS.items()))
def test_seed_000_skills_resolve_to_canonical_names(taxonomy, written, canonical):
    skill = taxonomy.lookup(written)
    assert skill is not None, written
    assert skill.name == canonical


@pytest.mark.parametrize(
    ("forms", "canonical"),
    [
        (["k8s", "K8S", "kubernetes"], "Kubernetes"),
        (["GCP", "Google Cloud Platform", "google cloud", "gcp"], "GCP"),
        (["AWS", "Amazon Web Services", "amazon web services"], "AWS"),
        (["pyspark", "PySpark", "PYSPARK"], "PySpark"),
        (["ci/cd pipelines", "CI/CD", "cicd"], "CI/CD"),
        (["sklearn", "scikit learn", "Scikit-Learn"], "scikit-learn"),
        (["pytorch", "torch"], "PyTorch"),
        (["HF", "huggingface"], "Hugging Face"),
        (["HF Transformers", "huggingface transformers"], "Hugging Face Transformers"),
        (["golang", "Go"], "Go"),
        (["cpp", "C++"], "C++"),
        (["  Google   Cloud  Platform "], "GCP"),
    ],
)
def test_aliases_resolve_to_one_skill(taxonomy, forms, canonical):
    assert {taxonomy.lookup(form).name for form in forms} == {canonical}


def test_exact_forms_only_match_as_written(taxonomy):
    assert taxonomy.lookup("TF").name == "TensorFlow"
    assert taxonomy.lookup("tf") is None
    assert taxonomy.lookup("Word").name == "Microsoft Word"
    assert taxonomy.lookup("word") is None
    assert taxonomy.lookup("no such skill") is None


def test_common_words_and_letters_are_exact_and_ambiguous(taxonomy):
    for name in ["Go", "R", "C", "Rust", "Julia", "Swift", "Helm"]:
        skill = taxonomy.by_name(name)
        assert skill.ambiguous, name
        assert name in skill.exact
        assert name not in skill.loose_forms
    plotly_dash = taxonomy.by_name("Plotly Dash")
    assert plotly_dash.ambiguous and plotly_dash.exact == ("Dash",)
    assert "Plotly Dash" in plotly_dash.loose_forms
    # Every ambiguous skill says which forms are case-sensitive; no loose form is a bare letter.
    assert all(skill.exact for skill in taxonomy.skills if skill.ambiguous)
    assert all(len(form) > 1 for skill in taxonomy.skills for form in skill.loose_forms)


def test_names_and_aliases_are_unique_in_any_case(taxonomy):
    forms = [form.casefold() for skill in taxonomy.skills for form in (skill.name, *skill.aliases)]
    assert len(set(forms)) == len(forms)


def test_ancestors_follow_broader_skills(taxonomy):
    assert taxonomy.ancestors("Keras") == (
        "Deep learning",
        "Machine learning",
        "Artificial intelligence",
    )
    assert taxonomy.ancestors("PySpark") == ("Apache Spark", "Big data", "Data engineering")
    assert taxonomy.ancestors("BigQuery") == ("GCP", "Cloud computing")
    assert taxonomy.ancestors("Amazon EKS") == ("Kubernetes", "Containerization")
    assert taxonomy.ancestors("Artificial intelligence") == ()
    with pytest.raises(KeyError, match="no skill called “Nope”"):
        taxonomy.ancestors("Nope")


def test_every_broader_skill_is_a_skill(taxonomy):
    names = {skill.name for skill in taxonomy.skills}
    assert {skill.broader for skill in taxonomy.skills if skill.broader} <= names


# ---------------------------------------------------------------- broken files


def test_valid_small_file_loads_and_drops_redundant_aliases(tmp_path):
    path = write_taxonomy(
        tmp_path,
        """\
        - name: PyTorch
          category: languages
          aliases: [pytorch, torch, Torch]
        - {name: Go, category: languages, aliases: [golang], exact: [Go], ambiguous: true}
        - {name: GCP, category: cloud, aliases: [Google Cloud Platform], broader: Cloud}
        - {name: Cloud, category: cloud}
        """,
    )
    taxonomy = load_taxonomy(path)
    assert len(taxonomy) == 4
    assert taxonomy.by_name("pytorch").aliases == ("torch",)
    assert taxonomy.lookup("google cloud platform").name == "GCP"
    assert taxonomy.ancestors("GCP") == ("Cloud",)


@pytest.mark.parametrize(
    ("skills", "message"),
    [
        (
            """\
            - {name: Kubernetes, category: cloud, aliases: [k8s]}
            - {name: Kustomize, category: cloud, aliases: [K8S]}
            """,
            "“K8S” is both skill “Kubernetes” and skill “Kustomize”",
        ),
        (
            """\
            - {name: GCP, category: cloud}
            - {name: gcp, category: cloud}
            """,
            "“gcp” is both skill “GCP” and skill “gcp”",
        ),
        (
            """\
            - {name: A, category: cloud, broader: B}
            - {name: B, category: cloud, broader: A}
            """,
            "broader skills form a cycle: A → B → A",
        ),
        (
            """\
            - {name: A, category: cloud, broader: A}
            """,
            "cycle: A → A",
        ),
        (
            """\
            - {name: Keras, category: languages, broader: Deep learning}
            """,
            "skill “Keras”: broader skill “Deep learning” is not a skill's name",
        ),
        (
            """\
            - {name: Keras, category: deep_learning}
            """,
            "skill “Keras”: unknown category 'deep_learning'",
        ),
        (
            """\
            - {name: TensorFlow, category: languages, exact: [TF]}
            - {name: Terraform, category: cloud, aliases: [tf]}
            """,
            "skill “TensorFlow”: exact form “TF” clashes with skill “Terraform”, which matches “TF”",
        ),
        (
            """\
            - {name: Golang, category: languages, aliases: [go], exact: [Go]}
            """,
            "skill “Golang”: exact form “Go” clashes with skill “Golang”",
        ),
        (
            """\
            - {name: R, category: languages, exact: [R], ambiguous: true}
            - {name: Rlang, category: languages, exact: [R]}
            """,
            "exact form “R” is listed by both “R” and “Rlang”",
        ),
        (
            """\
            - {name: Go, category: languages, ambiguous: true}
            """,
            "skill “Go”: an ambiguous skill lists its case-sensitive forms under exact",
        ),
        (
            """\
            - {name: "  ", category: languages}
            """,
            "name must not be empty",
        ),
        (
            """\
            - {category: languages}
            """,
            "skill #1: missing ['name']",
        ),
        (
            """\
            - {name: Python, category: languages, alias: [py]}
            """,
            "skill “Python”: missing nothing, unknown ['alias']",
        ),
        (
            """\
            - {name: Python, category: languages, aliases: [yes]}
            """,
            "aliases must be text, not True",
        ),
        (
            """\
            - {name: Python, category: languages, aliases: py}
            """,
            "aliases must be a list",
        ),
        (
            """\
            - {name: Python, category: languages, category: cloud}
            """,
            "key 'category' appears twice",
        ),
        (
            """\
            - {name: C++, category: languages}
            - {name: Cpp, category: languages}
            """,
            "skills “C++” and “Cpp” share the key 'cpp'",
        ),
    ],
)
def test_broken_skills_are_refused_with_a_clear_message(tmp_path, skills, message):
    path = write_taxonomy(tmp_path, skills)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert str(caught.value).startswith("skills.yaml")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\ncategories: {a: A}\nskills: [{name: X, category: a\n", "is not valid YAML"),
        (
            "- {name: Python, category: languages}\n",
            "must be a mapping with version, categories and skills",
        ),
        ("", "must be a mapping"),
        (
            "version: 2\ncategories: {a: A}\nskills: [{name: X, category: a}]\n",
            "version 2 is not supported",
        ),
        ("categories: {a: A}\nskills: [{name: X, category: a}]\n", "version None is not supported"),
        (
            "version: 1\ncategories: {a: A}\nskills: [{name: X, category: a}]\nextra: 1\n",
            "expected ['categories', 'skills', 'version']",
        ),
        ("version: 1\ncategories: {Bad-Key: A}\nskills: [{name: X, category: a}]\n", "category key"),
        ("version: 1\ncategories: [a]\nskills: [{name: X, category: a}]\n", "categories must map"),
        ("version: 1\ncategories: {a: A}\nskills: []\n", "skills must be a non-empty list"),
        ("version: 1\ncategories: {a: A}\nskills: [Python]\n", "skill #1 must be a mapping"),
    ],
)
def test_broken_files_are_refused_with_a_clear_message(tmp_path, text, message):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match="^broken.yaml") as caught:
        load_taxonomy(path)
    assert message in str(caught.value)


def test_oversized_unreadable_and_missing_files_are_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("#" * (MAX_FILE_BYTES + 1), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="big.yaml is 2,000,001 bytes; the limit is 2,000,000"):
        load_taxonomy(big)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00version: 1")
    with pytest.raises(TaxonomyError, match="binary.yaml cannot be read"):
        load_taxonomy(binary)
    with pytest.raises(TaxonomyError, match="missing.yaml cannot be read"):
        load_taxonomy(tmp_path / "missing.yaml")


def test_a_broken_entry_late_in_the_file_refuses_the_whole_file():
    good = "".join(f"  - {{name: Skill {i}, category: a}}\n" for i in range(300))
    text = f"version: 1\ncategories: {{a: A}}\nskills:\n{good}  - {{name: Skill 7, category: a}}\n"
    with pytest.raises(TaxonomyError, match="skill “Skill 7” is listed twice"):
        parse_taxonomy(text, source="late.yaml")
    assert len(parse_taxonomy(f"version: 1\ncategories: {{a: A}}\nskills:\n{good}")) == 300
