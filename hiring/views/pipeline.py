"""Pages of the hiring section (routes registered on the hiring blueprint)."""

from hiring.views._blueprint import bp  # noqa: F401
