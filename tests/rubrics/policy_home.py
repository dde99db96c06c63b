from core.auth import Role

POLICY = {"rubrics.index": {Role.HIRING_MANAGER, Role.INTERVIEWER}}
