"""Trust pages: reliability (being written)."""

from trust.views._blueprint import bp  # noqa: F401
