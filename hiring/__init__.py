"""Hiring: roles, job descriptions, candidates, prospects, pipelines and funnel analytics."""
