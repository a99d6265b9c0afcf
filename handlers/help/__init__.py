"""Telegram handlers of /help."""
