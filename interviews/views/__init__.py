"""Pages of the interviews section; each module registers its routes on the one blueprint."""

from interviews.views import home  # noqa: F401
from interviews.views._blueprint import bp

__all__ = ["bp"]
