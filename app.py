"""Loopwise: the application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app: configuration, extensions, blueprints, then commands."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("LOOPWISE_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    from core.config import load_config

    app.config.from_mapping(load_config(app.instance_path, test_config))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from flask_wtf import CSRFProtect

    from core import auth, db, errors, jobs, web

    db.init_app(app)
    CSRFProtect(app)
    auth.init_app(app)
    jobs.init_app(app)
    errors.register_error_handlers(app)
    web.init_app(app)

    from core.views import bp as core_bp
    from hiring.views import bp as hiring_bp
    from interviews.views import bp as interviews_bp
    from matching.views import bp as matching_bp
    from rubrics.views import bp as rubrics_bp
    from trust.views import bp as trust_bp

    for blueprint in (core_bp, hiring_bp, interviews_bp, rubrics_bp, matching_bp, trust_bp):
        app.register_blueprint(blueprint)
    from api import init_app as init_api

    init_api(app)
    from webhooks import init_app as init_webhooks

    init_webhooks(app)
    from interviews.services.visibility import register_rubric_answer_rule

    register_rubric_answer_rule(app)
    from matching.refresh import register_refresh_hooks

    register_refresh_hooks(app)
    from trust.consent import register_judge_consent_rule

    register_judge_consent_rule(app)
    from trust.anonymised import register_unredacted_answer_rule

    register_unredacted_answer_rule(app)

    from core.cli import register_commands
    from core.demo import register_demo_loader
    from hiring.demo import load_hiring_demo
    from interviews.demo import load_interviews_demo
    from matching.demo import load_matching_demo
    from rubrics.demo import load_rubrics_demo
    from trust.demo_agreement import load_agreement_demo
    from trust.demo_anonymised import load_anonymised_demo
    from trust.demo_impact import load_impact_demo
    from trust.demo_reliability import load_reliability_demo
    from trust.demo_rights import load_rights_demo

    register_demo_loader(app, load_hiring_demo)
    register_demo_loader(app, load_rubrics_demo)
    register_demo_loader(app, load_interviews_demo)
    register_demo_loader(app, load_matching_demo)
    register_demo_loader(app, load_reliability_demo)
    register_demo_loader(app, load_agreement_demo)
    register_demo_loader(app, load_impact_demo)
    register_demo_loader(app, load_rights_demo)
    register_demo_loader(app, load_anonymised_demo)
    register_commands(app)
    from api.cli import api_group
    from interviews.cli import interviews_group
    from matching.cli import matching_group
    from rubrics.cli import rubrics_group
    from rubrics.local_judge import judge_group
    from trust.cli import trust_group

    app.cli.add_command(rubrics_group)
    app.cli.add_command(interviews_group)
    app.cli.add_command(judge_group)
    app.cli.add_command(matching_group)
    app.cli.add_command(trust_group)
    app.cli.add_command(api_group)
    return app
