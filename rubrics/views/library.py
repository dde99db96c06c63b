"""Pages of the rubrics section (routes registered on the rubrics blueprint)."""

from rubrics.views._blueprint import bp  # noqa: F401
