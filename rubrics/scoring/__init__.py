"""Scorers: pure code over plain data (text in, frozen dataclasses out)."""
