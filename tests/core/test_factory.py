import stat

from app import create_app
from core.config import ENVIRONMENT_NAMES, load_config


def test_documented_environment_names():
    assert ENVIRONMENT_NAMES == {
        "DATABASE_URL": "LOOPWISE_DATABASE_URL",
        "REDIS_URL": "LOOPWISE_REDIS_URL",
        "SECRET_KEY": "LOOPWISE_SECRET_KEY",
        "OPENAI_BASE_URL": "OPENAI_BASE_URL",
        "OPENAI_API_KEY": "OPENAI_API_KEY",
        "JUDGE_MODEL": "LOOPWISE_JUDGE_MODEL",
        "EMBEDDING_MODEL": "LOOPWISE_EMBEDDING_MODEL",
        "SMTP_URL": "LOOPWISE_SMTP_URL",
        "MAIL_FROM": "LOOPWISE_MAIL_FROM",
        "GATE_MARGIN": "LOOPWISE_GATE_MARGIN",
        "SELF_ID_ROLES": "LOOPWISE_SELF_ID_ROLES",
        "RETENTION_DAYS": "LOOPWISE_RETENTION_DAYS",
        "WEBHOOK_TIMEOUT": "LOOPWISE_WEBHOOK_TIMEOUT",
        "WEBHOOK_MAX_ATTEMPTS": "LOOPWISE_WEBHOOK_MAX_ATTEMPTS",
    }


def test_defaults_use_the_instance_folder(tmp_path, monkeypatch):
    for variable in ENVIRONMENT_NAMES.values():
        monkeypatch.delenv(variable, raising=False)
    config = load_config(str(tmp_path))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'loopwise.db'}"
    assert config["REDIS_URL"] is None
    key_file = tmp_path / "secret_key"
    assert config["SECRET_KEY"] == key_file.read_text()
    assert len(config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_config(str(tmp_path))["SECRET_KEY"] == config["SECRET_KEY"], "generated once, then kept"


def test_environment_then_test_config_override(tmp_path, monkeypatch):
    monkeypatch.setenv("LOOPWISE_DATABASE_URL", "sqlite:///from-env.db")
    monkeypatch.setenv("LOOPWISE_SECRET_KEY", "from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    config = load_config(str(tmp_path), {"SECRET_KEY": "from-test"})
    assert config["DATABASE_URL"] == "sqlite:///from-env.db"
    assert config["SECRET_KEY"] == "from-test"
    assert config["OPENAI_BASE_URL"] == "http://127.0.0.1:8080/v1"
    assert not (tmp_path / "secret_key").exists(), "no key file is written when one is configured"


def test_factory_wires_extensions_and_blueprints(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    assert app.testing
    assert app.instance_path == str(tmp_path)
    assert {"db", "jobs", "csrf"} <= set(app.extensions)
    assert app.login_manager.login_view == "core.login"
    assert {"core", "hiring", "interviews", "rubrics", "matching"} <= set(app.blueprints)
    assert app.extensions["jobs"]["connection"] is None, "Redis is reached lazily, not by the factory"
    assert {"db", "worker", "demo", "jobs"} <= set(app.cli.commands)
