"""Rubrics: versioned rubrics, the question bank and the two scorers (embedding match, LLM judge)."""
