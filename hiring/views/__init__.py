"""Pages of the hiring section; each module registers its routes on the one blueprint."""

from hiring.views import analytics, candidates, exchange, home, pipeline, prospects, roles  # noqa: F401
from hiring.views._blueprint import bp

__all__ = ["bp"]
