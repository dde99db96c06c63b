"""The redactor: names, emails, URLs, phones, gendered pronouns, ages and schools found with a blank
spaCy pipeline, replaced by placeholders, every span kept with its place in both texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.redaction import redact, redact_label

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the repository")


def seed(number: str) -> str:
    return next(SEEDS.glob(f"{number}_*.txt")).read_text(encoding="utf-8")


def kinds(text: str, **options) -> list[tuple[str, str]]:
    return [(span.kind, span.original) for span in redact(text, **options).spans]


def test_known_name_parts_go_everywhere_case_insensitively_with_possessives():
    text = "Amith KA leads it. amith's team trusts AMITH, and Ka agreed. Amith’s blog too."
    result = redact(text, known_names=["Amith KA"])
    assert result.text == (
        "[name] [name] leads it. [name]'s team trusts [name], and [name] agreed. [name]’s blog too."
    )
    assert result.counts() == {"name": 6}


def test_names_after_cues_are_found_without_being_known():
    assert kinds("Hi, my name is Priya Raman and I run the platform team.") == [("name", "Priya Raman")]
    assert kinds("I'm Jonas. I am Head of AI. I'm Not sure. Call me Lea, please.") == [
        ("name", "Jonas"),
        ("name", "Lea"),
    ]


def test_emails_urls_and_phones():
    text = (
        "Write to priya.raman@example.org or call +44 20 7946 0958; code at "
        "https://github.com/praman/llm-evals and www.praman.dev. Since 2019-2021, on 2021-03-04."
    )
    assert kinds(text) == [
        ("email", "priya.raman@example.org"),
        ("phone", "+44 20 7946 0958"),
        ("url", "https://github.com/praman/llm-evals"),
        ("url", "www.praman.dev"),
    ]


def test_technology_names_that_look_like_domains_stay():
    assert kinds("We used Node.js, VB.NET, scikit-learn and config.yaml files.") == []


def test_gendered_pronouns_ages_and_schools():
    text = (
        "She is 32 years old, aged 32 in the photo, born in 1992. Her thesis at the University of "
        "Toronto and Stanford University led him to the Massachusetts Institute of Technology, "
        "IIT Bombay and the École normale supérieure; they hired his friend."
    )
    found = kinds(text)
    assert ("pronoun", "She") in found and ("pronoun", "Her") in found
    assert ("pronoun", "him") in found and ("pronoun", "his") in found
    assert [original for kind, original in found if kind == "age"] == [
        "32 years old",
        "aged 32",
        "born in 1992",
    ]
    assert [original for kind, original in found if kind == "school"] == [
        "University of Toronto",
        "Stanford University",
        "Massachusetts Institute of Technology",
        "IIT Bombay",
        "École normale supérieure",
    ]
    assert "they" in redact(text).text, "'they' is too ambiguous to redact"


def test_spans_map_positions_between_both_texts():
    text = "Ask Priya Raman (priya@example.org) about it."
    result = redact(text, known_names=["Priya Raman"])
    assert result.text == "Ask [name] [name] ([email]) about it."
    for span in result.spans:
        assert text[span.start : span.end] == span.original
        assert result.text[span.out_start : span.out_end] == span.placeholder
    about = text.index("about")
    assert result.to_redacted(about) == result.text.index("about")
    assert result.to_original(result.text.index("about")) == about
    # a range that ends inside a placeholder keeps the whole span
    email = result.spans[2]
    assert result.to_original(email.out_start + 2, end=True) == email.end
    assert result.to_redacted(email.start + 3, end=True) == email.out_end
    assert result.to_original(email.out_start, end=True) == email.start


def test_empty_text_and_labels():
    assert redact("").text == "" and redact("   ").spans == ()
    assert (
        redact_label("amith_ka_interview.txt", known_names=["Amith KA"]) == "[name]_[name]_interview.txt"
    )


@needs_seeds
def test_the_seed_profile_loses_its_name_and_keeps_its_content():
    text = seed("000")
    result = redact(text, known_names=["Amith KA"])
    assert "amith" not in result.text.lower()
    assert result.counts()["name"] >= 4
    for skill in ("PyTorch", "Kubernetes", "BigQuery", "Terraform", "Node.js", "VB.NET"):
        assert skill in result.text, f"{skill} must survive redaction"
    unchanged = len(result.text) - sum(len(s.placeholder) for s in result.spans)
    assert unchanged > 0.99 * (len(text) - sum(len(s.original) for s in result.spans))


@needs_seeds
@pytest.mark.parametrize("number", ["001", "002", "003", "004"])
def test_the_seed_writing_is_redacted_sparingly(number):
    text = seed(number)
    result = redact(text)
    hidden = sum(len(span.original) for span in result.spans)
    assert hidden < 0.02 * len(text), result.counts()
    for span in result.spans:
        assert span.kind in {"url", "pronoun", "school", "age", "email", "phone"}, span
        if span.kind == "url":
            assert "." in span.original and " " not in span.original
