"""Telegram handlers of the 2018 method."""
