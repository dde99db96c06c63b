from core.auth import Role

SCORERS = {Role.HIRING_MANAGER, Role.INTERVIEWER}
POLICY = {
    "rubrics.try_question": SCORERS,
    "rubrics.answers": SCORERS,
    "rubrics.answer_detail": SCORERS,
    "rubrics.rescore_answer": SCORERS,
    "rubrics.override_score": SCORERS,
}
