"""Pages of the interviews section; each module registers its routes on the one blueprint."""

from interviews.views import anonymity, debriefs, home, loops, runs, transcripts  # noqa: F401
from interviews.views._blueprint import bp

__all__ = ["bp"]
