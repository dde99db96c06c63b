"""Trust: rater reliability and calibration, human–AI agreement, adverse-impact reporting and
candidate rights. It sits on top of every other domain package and reads from all of them."""
