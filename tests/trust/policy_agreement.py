"""Access policy of the human–AI agreement report."""

from tests.support.policy import HIRING

POLICY = {
    "trust.agreement": HIRING,
}
