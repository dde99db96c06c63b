"""Interviews: loops, rounds, interview kits, scorecards, transcripts, debriefs and decisions."""
