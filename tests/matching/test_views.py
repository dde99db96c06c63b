"""The matching pages: the taxonomy, and the skills of a candidate or a role with their evidence."""

from __future__ import annotations

from tests.support.hiring_factories import create_candidate, create_role


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
