"""What the browser journeys share: the live server's handle, the journey helper, the seed profile."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for

from core.auth import Role
from tests.support.factories import TEST_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; never a browser Playwright downloads
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
TIMEOUT_MS = 15_000

# Everyone the journeys need, by the key the tests use: (name, roles).
PEOPLE = {
    "manager": ("Hana Manager", [Role.HIRING_MANAGER]),
    "recruiter": ("Rita Recruiter", [Role.RECRUITER]),
    "ivo": ("Ivo Interviewer", [Role.INTERVIEWER]),
    "jun": ("Jun Interviewer", [Role.INTERVIEWER]),
}


def unavailable(reason: str) -> None:
    """Skip the journeys, or fail them where CI requires them (LOOPWISE_E2E_REQUIRED=1)."""
    if os.environ.get("LOOPWISE_E2E_REQUIRED") == "1":
        pytest.fail(f"{reason} (LOOPWISE_E2E_REQUIRED=1: the browser journeys must run)")
    pytest.skip(reason)


def artefacts_folder() -> Path:
    """$LOOPWISE_E2E_ARTEFACTS, else tests/e2e/artefacts (git ignores it)."""
    return Path(os.environ.get("LOOPWISE_E2E_ARTEFACTS") or Path(__file__).parent / "artefacts")


@dataclass
class LiveServer:
    app: Flask
    url: str
    emails: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)


class Journey:
    """Signs people in (each in their own browser context) and numbers the journey's screenshots."""

    def __init__(self, name: str, browser: Any, server: LiveServer) -> None:
        self.name, self.browser, self.server = name, browser, server
        self.contexts: list[Any] = []
        self.shots = 0
        self.folder = artefacts_folder() / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()

    def sign_in(self, who: str) -> Any:
        """A page signed in as ``who`` through the real login form."""
        context = self.browser.new_context(
            base_url=self.server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions (static/app.js)
        page.goto("/login")
        page.get_by_label("Email").fill(self.server.emails[who])
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/login" not in page.url, page.content()
        return page

    def url(self, endpoint: str, **values: Any) -> str:
        """The path of an endpoint (as the app's url_for builds it), for pages reached by address."""
        with self.server.app.test_request_context():
            return url_for(endpoint, **values)

    def shot(self, page: Any, label: str) -> Path:
        """Save a full-page screenshot as ``<journey>/<nn>-<label>.png``."""
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def shoot_failure(self) -> None:
        """Save every open page as it was when the test failed (``NN-failed-<who>.png``)."""
        for number, context in enumerate(self.contexts, 1):
            for page in context.pages:
                self.shot(page, f"failed page {number}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def seed_profile() -> Path:
    """The first shared seed profile (../shared/seeds beside the repository)."""
    found = sorted(SEEDS.glob("000_*.txt")) if SEEDS.is_dir() else []
    if not found:
        unavailable(
            f"seed profile 000_*.txt not found under {SEEDS} (the shared/ folder beside the repo)"
        )
    return found[0]
