"""The JD checks on crafted examples (positives and negatives), and our templates against them."""

from __future__ import annotations

import dataclasses

import pytest

from hiring.services.jd_checks import (
    FEMININE_CODED,
    MASCULINE_ALTERNATIVES,
    MASCULINE_CODED,
    Finding,
    check_inclusive_language,
    check_jd,
    check_over_requirement,
)
from hiring.services.jd_templates import list_templates

YEAR = 2026


def found(findings, check: str) -> list[tuple[str, str]]:
    return [(f.field, f.matched) for f in findings if f.check == check]


# ---------------------------------------------------------------- inclusive language


def test_masculine_coded_stems_match_any_ending_with_a_suggestion():
    findings = check_inclusive_language(
        {"summary": "A competitive, dominant team that leads the market. Be assertive."}
    )
    assert found(findings, "masculine_coded") == [
        ("summary", "competitive"),
        ("summary", "dominant"),
        ("summary", "leads"),
        ("summary", "assertive"),
    ]
    competitive = next(f for f in findings if f.matched == "competitive")
    assert competitive.severity == "notice"
    assert competitive.suggestion == MASCULINE_ALTERNATIVES["compet"]
    assert "Gaucher" in competitive.message


def test_whole_words_do_not_match_longer_words_and_technical_senses_are_skipped():
    findings = check_inclusive_language(
        {
            "summary": "We use active learning, decision trees and greedy decoding; "
            "the training objective is documented. Deterministic builds.",
            "day_to_day": "Interactive notebooks and objectives for the quarter.",
        }
    )
    # "interactive" is not "active"; "objectives" is not the bare word "objective"
    assert found(findings, "masculine_coded") == []


def test_the_same_sentence_without_technical_sense_is_flagged():
    findings = check_inclusive_language({"summary": "Be active and objective; you decide."})
    assert found(findings, "masculine_coded") == [
        ("summary", "active"),
        ("summary", "objective"),
        ("summary", "decide"),
    ]


def test_feminine_coded_words_are_informational_and_set_the_leaning():
    report = check_jd({"summary": "A supportive, collaborative team that values trust."})
    assert found(report.findings, "feminine_coded") == [("summary", "supportive"), ("summary", "trust")]
    assert all(f.severity == "info" for f in report.feminine)
    assert report.issues == ()
    assert report.leaning == "feminine-coded"


def test_leaning_counts_distinct_coded_words():
    assert check_jd({"summary": "Lead with confidence. Be confident and competitive."}).leaning == (
        "masculine-coded"
    )
    assert check_jd({"summary": "Write clear Python."}).leaning == "neutral"


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("We want a Python rockstar.", "rockstar"),
        ("Are you a rock star?", "rock star"),
        ("Data ninja wanted", "ninja"),
        ("An ML guru", "guru"),
        ("Join our young and dynamic team", "young"),
        ("Ideal for a digital native", "digital native"),
        ("Native English speaker required", "Native English speaker"),
        ("Strong culture fit", "culture fit"),
        ("Perfect for a recent graduate", "recent graduate"),
        ("Must be able-bodied", "able-bodied"),
        ("He will own the roadmap", "He"),
        ("The engineer reports to his manager", "his"),
        ("Hey guys", "guys"),
        ("A degree from a top-tier university", "top-tier university"),
    ],
)
def test_exclusionary_wording_is_reported_with_field_text_and_alternative(text, matched):
    findings = check_inclusive_language({"must_have": ["Python", text]})
    assert found(findings, "exclusionary") == [("must_have", matched)]
    finding = next(f for f in findings if f.check == "exclusionary")
    assert finding.severity == "warning" and finding.suggestion and finding.message


def test_neutral_wording_has_no_exclusionary_findings():
    findings = check_inclusive_language(
        {
            "summary": "You will build retrieval systems. They report to the head of ML.",
            "must_have": ["Fluent in English", "Early-career people welcome", "Shipped a model"],
            "day_to_day": "The shell history, the theme and other words that contain he or his.",
        }
    )
    assert found(findings, "exclusionary") == [("day_to_day", "he"), ("day_to_day", "his")]
    clean = check_inclusive_language(
        {
            "summary": "You will build retrieval systems. They report to the head of ML.",
            "must_have": ["Fluent in English", "Early-career people welcome", "Shipped a model"],
            "day_to_day": "The shell history, the theme and the chess engine.",
        }
    )
    assert found(clean, "exclusionary") == []


def test_the_title_is_checked_but_links_are_not():
    findings = check_inclusive_language(
        {"title": "ML Ninja", "links": ["https://example.org/leadership-ninja"]}
    )
    assert found(findings, "exclusionary") == [("title", "Ninja")]
    assert found(findings, "masculine_coded") == []


def test_each_word_is_reported_once_per_field():
    findings = check_inclusive_language({"summary": "Lead. Lead again. lead.", "day_to_day": "Lead."})
    assert found(findings, "masculine_coded") == [("summary", "Lead"), ("day_to_day", "Lead")]


def test_word_lists_follow_the_paper_and_every_masculine_stem_has_an_alternative():
    assert len(MASCULINE_CODED) >= 40 and len(FEMININE_CODED) >= 35
    assert {"compet*", "dominan*", "lead*", "ambitio*"} <= set(MASCULINE_CODED)
    assert {"support*", "understand*", "interpersonal", "trust*"} <= set(FEMININE_CODED)
    assert not {"ninja", "rockstar", "guru"} & {s.rstrip("*") for s in MASCULINE_CODED}
    assert set(MASCULINE_ALTERNATIVES) == {stem.rstrip("*") for stem in MASCULINE_CODED}


# ---------------------------------------------------------------- over-requirement


def test_more_than_eight_must_haves_is_a_warning():
    nine = {"must_have": [f"Skill {n}" for n in range(9)]}
    assert found(check_over_requirement(nine, as_of_year=YEAR), "must_have_count") == [
        ("must_have", "9 must-haves")
    ]
    eight = {"must_have": [f"Skill {n}" for n in range(8)]}
    assert check_over_requirement(eight, as_of_year=YEAR) == ()


@pytest.mark.parametrize(
    "text", ["8+ years of ML", "10 years in industry", "8-10 years", "ten years of Python", "12 yrs"]
)
def test_eight_or_more_years_is_inflation(text):
    assert [f.check for f in check_over_requirement({"must_have": [text]}, as_of_year=YEAR)] == ["years"]


@pytest.mark.parametrize("text", ["3+ years of Python", "5-7 years", "two years", "7 years in ML"])
def test_fewer_years_are_fine(text):
    assert check_over_requirement({"must_have": [text]}, as_of_year=YEAR) == ()


def test_years_beyond_a_technologys_age_are_impossible():
    findings = check_over_requirement(
        {
            "must_have": ["10+ years of PyTorch"],
            "summary": "You have 6 years of LangChain. 6 years of SQL.",
        },
        as_of_year=YEAR,
    )
    ages = [(f.field, f.matched) for f in findings if f.check == "technology_age"]
    assert ages == [("summary", "6 years … LangChain"), ("must_have", "10+ years … PyTorch")]
    pytorch = [f for f in findings if f.check == "technology_age"][-1]
    assert "2016" in pytorch.message
    # 10+ years is also inflation on its own; SQL (1974) is old enough for 6 years.
    assert found(findings, "years") == [("must_have", "10+ years")]


def test_a_technology_named_in_another_sentence_is_not_blamed():
    findings = check_over_requirement(
        {"summary": "5 years of backend work. We use vLLM."}, as_of_year=YEAR
    )
    assert findings == ()


def test_a_long_tech_stack_and_many_tools_in_must_haves_are_laundry_lists():
    stack = {"tech_stack": [f"Tool {n}" for n in range(16)]}
    assert found(check_over_requirement(stack, as_of_year=YEAR), "tool_list") == [
        ("tech_stack", "16 technologies")
    ]
    assert check_over_requirement({"tech_stack": stack["tech_stack"][:15]}, as_of_year=YEAR) == ()

    many = {"must_have": ["PyTorch, TensorFlow and JAX", "Spark, Kafka, Airflow", "Kubernetes"]}
    findings = check_over_requirement(many, as_of_year=YEAR)
    assert [f.matched for f in findings] == [
        "Airflow, JAX, Kafka, Kubernetes, PyTorch, Spark, TensorFlow"
    ]
    few = {"must_have": ["PyTorch or JAX", "Python", "SQL", "Kubernetes"]}
    assert check_over_requirement(few, as_of_year=YEAR) == ()


# ---------------------------------------------------------------- results and our templates


def test_results_are_frozen_dataclasses():
    report = check_jd({"title": "Rockstar"}, as_of_year=YEAR)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings[0].field = "summary"  # type: ignore[misc]
    assert isinstance(report.findings[0], Finding)


def test_an_empty_jd_has_no_findings():
    assert check_jd({}, as_of_year=YEAR).findings == ()


@pytest.mark.parametrize("template", list_templates(), ids=lambda t: t.key)
def test_our_templates_pass_our_own_checks(template):
    report = check_jd({"title": template.title, **template.jd()}, as_of_year=YEAR)
    assert report.issues == (), [(f.check, f.field, f.matched) for f in report.issues]
    assert report.leaning in ("neutral", "feminine-coded")
