from tests.support.policy import HIRING

POLICY = {"hiring.index": HIRING}
