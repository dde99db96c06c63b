from core.auth import Role

EDIT = {Role.HIRING_MANAGER}
READ = {Role.HIRING_MANAGER, Role.INTERVIEWER}

POLICY = {
    "rubrics.rubric_list": READ,
    "rubrics.new_rubric": EDIT,
    "rubrics.rubric_detail": READ,
    "rubrics.edit_draft": EDIT,
    "rubrics.publish_rubric": EDIT,
    "rubrics.version_detail": READ,
    "rubrics.draft_from_version": EDIT,
    "rubrics.rubric_diff": READ,
    "rubrics.export_rubric": READ,
    "rubrics.import_rubric": EDIT,
    "rubrics.load_rubric_packs": EDIT,
    "rubrics.question_list": READ,
    "rubrics.question_detail": READ,
    "rubrics.new_question": EDIT,
    "rubrics.edit_question": EDIT,
    "rubrics.delete_question": EDIT,
}
