"""Access policy of the reliability and calibration reports (interviewers are refused: no one sees a
colleague's calibration)."""

from tests.support.policy import HIRING

POLICY = {
    "trust.reliability": HIRING,
    "trust.calibration": HIRING,
}
