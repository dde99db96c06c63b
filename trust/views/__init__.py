"""Pages of the trust section; each module registers its routes on the one blueprint."""

from trust.views import agreement, home, impact, reliability, rights  # noqa: F401
from trust.views._blueprint import bp

__all__ = ["bp"]
