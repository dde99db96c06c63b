"""The README's import rule, checked: a domain package imports only the packages below it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    "core": {"core"},
    "hiring": {"core", "hiring"},
    "rubrics": {"core", "rubrics"},
    "interviews": {"core", "hiring", "rubrics", "interviews"},
    "matching": {"core", "hiring", "rubrics", "interviews", "matching"},
    "trust": {"core", "hiring", "rubrics", "interviews", "matching", "trust"},
    # Webhooks read the audit trail only, so any layer's audited change can be an event.
    "webhooks": {"core", "webhooks"},
    "api": {"core", "hiring", "rubrics", "interviews", "matching", "trust", "webhooks", "api"},
}


def _imported_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & (set(ALLOWED) | {"app"})


def test_imports_flow_one_way():
    broken = []
    checked = 0
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            checked += 1
            for imported in sorted(_imported_packages(path) - allowed):
                broken.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert checked > 50 and broken == []
