"""Telegram handlers of calibration sessions."""
