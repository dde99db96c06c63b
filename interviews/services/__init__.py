"""Interview logic as plain functions over a session (no request needed)."""
