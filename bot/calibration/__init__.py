"""Calibration sessions (chapter 5): the case, the vote, the protocol."""
