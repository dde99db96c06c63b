from tests.support.policy import HIRING

POLICY = {
    "hiring.analytics": HIRING,
    "hiring.role_analytics": HIRING,
    "hiring.analytics_csv": HIRING,
}
