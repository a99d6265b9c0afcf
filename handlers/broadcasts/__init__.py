"""Telegram handlers of HR's broadcasts."""
