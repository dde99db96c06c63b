"""Shared names for the access policy tables checked by tests/core/test_access.py."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from core.auth import Role

PUBLIC, SIGNED_IN = "public", "signed_in"
ADMIN_ONLY = frozenset({Role.ADMIN})
HIRING = frozenset({Role.HIRING_MANAGER, Role.RECRUITER})  # plus admin, as everywhere

TESTS = Path(__file__).resolve().parents[1]


def collect_policies(core_policy: dict[str, object]) -> dict[str, object]:
    """Merge the POLICY dict of every tests/<package>/policy_*.py module into the core one."""
    policy = dict(core_policy)
    for package in sorted(p for p in TESTS.iterdir() if (p / "__init__.py").exists()):
        for module in pkgutil.iter_modules([str(package)]):
            if module.name.startswith("policy_"):
                part = importlib.import_module(f"tests.{package.name}.{module.name}").POLICY
                clash = set(part) & set(policy)
                assert not clash, f"endpoints with two policies: {clash}"
                policy.update(part)
    return policy
