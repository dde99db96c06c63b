"""Transcripts: reading files (formats), finding the answers (segmentation), matching them to the
loop's questions (alignment), storing and scoring them (scoring), and showing the results."""
