"""Background work of the interviews section (rq jobs): transcript scoring, reminders."""
