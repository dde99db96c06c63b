"""Access policy of the trust section's front page."""

from tests.support.policy import HIRING

POLICY = {
    "trust.index": HIRING,
}
