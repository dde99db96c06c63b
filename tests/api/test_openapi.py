"""The OpenAPI document is generated from the code, is 3.1, and describes every /api/v1 route."""

from __future__ import annotations

import re


def test_the_document_is_openapi_3_1_and_lists_every_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api_v1."):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in paths.get(path, {}), (method, path)
    scheme = document["components"]["securitySchemes"]["bearerToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert document["security"] == [{"bearerToken": []}]
    assert paths["/api/v1/openapi.json"]["get"]["security"] == []
    assert "ErrorBody" in str(paths["/api/v1/candidates"]["post"]["responses"]["422"])
    schemas = document["components"]["schemas"]
    body = next(s for name, s in schemas.items() if name.startswith("CandidateCreate"))
    assert body["additionalProperties"] is False


def test_the_document_validates_against_the_3_1_schema(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").json)
