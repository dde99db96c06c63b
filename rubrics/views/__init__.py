"""Pages of the rubrics section; each module registers its routes on the one blueprint."""

from rubrics.views import golden, home, library, scoring  # noqa: F401  (register routes)
from rubrics.views._blueprint import bp

__all__ = ["bp"]
