"""Matching: skill taxonomy and extraction, explained candidate-role matching, vector search."""
