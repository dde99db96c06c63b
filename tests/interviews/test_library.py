"""The shipped loop templates: they load, ask questions that exist, and each passes the coverage check
against the must-haves of its JD family; syncing puts them into the database as library templates."""

from __future__ import annotations

import pytest

from hiring.services.jd_templates import get_template, list_templates
from interviews.library import load_all_templates
from interviews.models import RoundKind, TemplateStatus
from interviews.services.coverage import MIN_ROUNDS_PER_COMPETENCY, spec_coverage
from interviews.services.templates import list_library_templates, sync_library_templates
from rubrics.models import Question
from rubrics.packs import load_all_packs

SHIPPED = load_all_templates()
FAMILY_TEMPLATES = {f"{jd.key}-loop": jd.key for jd in list_templates()}
LOOP_KINDS = {
    RoundKind.SCREEN,
    RoundKind.ML_THEORY,
    RoundKind.SYSTEM_DESIGN,
    RoundKind.CODING,
    RoundKind.BEHAVIOURAL,
    RoundKind.TAKE_HOME,
}


def by_slug(slug: str):
    return next(t for t in SHIPPED if t.slug == slug)


def test_every_ai_role_family_has_a_loop_template():
    slugs = {t.slug for t in SHIPPED}
    assert set(FAMILY_TEMPLATES) <= slugs
    assert len(FAMILY_TEMPLATES) == 7
    for slug, family in FAMILY_TEMPLATES.items():
        assert by_slug(slug).family == family


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.slug)
def test_each_shipped_template_asks_questions_from_the_packs(template):
    keys = {q.key for pack in load_all_packs() for q in pack.questions}
    asked = [key for r in template.rounds for key in r.questions]
    assert asked, "a loop should ask at least some questions from the bank"
    assert set(asked) <= keys
    for loop_round in template.rounds:
        assert len(set(loop_round.questions)) == len(loop_round.questions), loop_round.title


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.slug)
def test_each_shipped_template_passes_coverage_against_its_family_jd(template):
    jd = get_template(template.family)
    report = spec_coverage(template)
    assert report.errors == ()
    assert report.unmapped_must_haves == ()
    assert [line for line, owners in report.must_haves if owners] == list(jd.must_have)
    for row in report.matrix:
        assert row.count >= MIN_ROUNDS_PER_COMPETENCY, row.key


@pytest.mark.parametrize("slug", sorted(FAMILY_TEMPLATES))
def test_family_templates_follow_the_loop_shape(slug):
    template = by_slug(slug)
    jd_lines = set(get_template(template.family).must_have)
    assert 4 <= len(template.rounds) <= 6
    assert {r.kind for r in template.rounds} <= LOOP_KINDS
    assert template.rounds[0].kind == RoundKind.SCREEN
    assert all(r.competencies for r in template.rounds)
    for competency in template.competencies:
        # Copied exactly, not merely equal after normalising, so a role made from the JD template maps.
        assert set(competency.must_haves) <= jd_lines, competency.key
        assert competency.description, competency.key
    # No warning other than rounds without bank questions (a research talk has none to ask).
    warnings = spec_coverage(template).warnings
    assert all("has no questions" in warning for warning in warnings), warnings


def test_sync_puts_every_shipped_template_in_the_library_with_question_ids(session):
    report = sync_library_templates(session, actor_id=None)
    assert set(report.created) == {t.slug for t in SHIPPED}
    library = {t.slug: t for t in list_library_templates(session)}
    for spec in SHIPPED:
        template = library[spec.slug]
        assert (template.role_id, template.status) == (None, TemplateStatus.PUBLISHED)
        assert template.competencies == spec.competencies_data()
        assert [r.title for r in template.rounds] == [r.title for r in spec.rounds]
        for loop_round, round_spec in zip(template.rounds, spec.rounds, strict=True):
            keys = [session.get(Question, qid).key for qid in loop_round.question_ids]
            assert keys == list(round_spec.questions)
