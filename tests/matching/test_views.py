"""The matching pages: the taxonomy, and the skills of a candidate or a role with their evidence."""

from __future__ import annotations

from tests.support.hiring_factories import create_application, create_candidate, create_role


def test_the_taxonomy_page_lists_categories_skills_and_aliases(admin_client):
    page = admin_client.get("/matching/").get_data(as_text=True)
    assert "Skill taxonomy" in page and "Kubernetes" in page and "k8s" in page
    assert "ML frameworks" in page or "Ml frameworks" in page


def test_a_candidates_skills_show_their_evidence_escaped(app, session, admin_client):
    candidate = create_candidate(
        summary="<script>alert(1)</script> I trained models in PyTorch and served them on k8s.",
        skills=["Pyspark", "CI/CD pipelines"],
    )
    session.commit()
    page = admin_client.get(f"/matching/candidates/{candidate.id}/skills").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    for name in ("PyTorch", "Kubernetes", "PySpark", "CI/CD"):
        assert f"<strong>{name}</strong>" in page, name
    assert "<mark>k8s</mark>" in page  # the verbatim words it was found in


def test_a_role_without_a_job_description_has_an_empty_state(app, session, admin_client):
    role = create_role(must_have=[], nice_to_have=[], summary="")
    session.commit()
    page = admin_client.get(f"/matching/roles/{role.id}/skills").get_data(as_text=True)
    assert "No skill of the taxonomy was found" in page


def test_a_roles_skills_come_from_its_must_haves(app, session, admin_client):
    role = create_role(must_have=["Production Python", "Hands-on PyTorch or JAX"])
    session.commit()
    page = admin_client.get(f"/matching/roles/{role.id}/skills").get_data(as_text=True)
    assert all(f"<strong>{name}</strong>" in page for name in ("Python", "PyTorch", "JAX"))


def test_the_ranking_page_explains_every_score(app, session, admin_client):
    role = create_role(must_have=["Production Python", "PyTorch or JAX"], nice_to_have=["Kubernetes"])
    fit = create_candidate(name="Fit <b>Fiona</b>", summary="I ship PyTorch models in Python.")
    create_candidate(name="Prospect Pat", summary="Kubernetes operator.", is_prospect=True)
    create_application(role=role, candidate=fit, stage_name="Recruiter screen")
    session.commit()
    page = admin_client.get(f"/matching/roles/{role.id}/ranking").get_data(as_text=True)
    assert "Fit &lt;b&gt;Fiona&lt;/b&gt;" in page and "<b>Fiona" not in page
    assert page.index("Fit &lt;b&gt;Fiona") < page.index("Prospect Pat")
    assert "Recruiter screen" in page and "Prospect</span>" in page
    assert "Must-have skills" in page and "the sum of the contributions" in page
    assert '<span class="skill missing">PyTorch or JAX</span>' in page  # Pat's missing must-have
    assert '<svg class="score-bar"' in page
    assert "Rediscovery" in page  # the role is open


def test_ranking_filters_and_the_empty_state(app, session, admin_client):
    role = create_role()
    create_application(role=role, candidate=create_candidate(name="Berlin Ben", location="Berlin"))
    create_application(role=role, candidate=create_candidate(name="Oslo Olga", location="Oslo"))
    session.commit()
    page = admin_client.get(f"/matching/roles/{role.id}/ranking?location=oslo&include=applicants")
    text = page.get_data(as_text=True)
    assert "Oslo Olga" in text and "Berlin Ben" not in text
    empty = admin_client.get(f"/matching/roles/{role.id}/ranking?location=Nowhere").get_data(
        as_text=True
    )
    assert "No candidate matches these filters." in empty
    bad = admin_client.get(f"/matching/roles/{role.id}/ranking?include=everyone").get_data(as_text=True)
    assert "Not a valid choice" in bad and "Berlin Ben" in bad  # the filters are dropped, not the page


def test_weights_are_saved_validated_and_audited(app, session, admin_client):
    role = create_role()
    session.commit()
    url = f"/matching/roles/{role.id}/weights"
    saved = admin_client.post(
        url,
        data={"must_have": "1", "nice_to_have": "0", "semantic": "3", "seniority": "0"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Match weights saved" in saved and "(75 %)" in saved
    zero = admin_client.post(
        url,
        data={"must_have": "0", "nice_to_have": "0", "semantic": "0", "seniority": "0"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "At least one weight must be above zero." in zero
    negative = admin_client.post(
        url,
        data={"must_have": "-1", "nice_to_have": "0", "semantic": "1", "seniority": "0"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Weights run from 0 to 10." in negative
    from core.audit import AuditEvent

    events = (
        session.query(AuditEvent)
        .filter_by(action="matching.weights_changed", object_id=str(role.id))
        .all()
    )
    assert len(events) == 1 and events[0].after["semantic"] == 3.0
