"""Access policy of the golden-set pages (the release gate's data)."""

from core.auth import Role

EDIT = {Role.HIRING_MANAGER}
READ = {Role.HIRING_MANAGER, Role.INTERVIEWER}

POLICY = {
    "rubrics.golden_set": READ,
    "rubrics.import_golden_set": EDIT,
    "rubrics.export_golden_set": READ,
}
