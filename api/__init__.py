"""The JSON API (/api/v1) with personal API tokens; it sits above every domain package."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API and the token page; the API is CSRF-exempt because it takes no cookies."""
    import api.interview_views  # noqa: F401  (its routes join api_bp before it is registered)
    from api.errors import register_routing_errors
    from api.token_views import bp as tokens_bp
    from api.views import bp as api_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(tokens_bp)
    app.extensions["csrf"].exempt(api_bp)
    register_routing_errors(app)
