"""Broadcasts: HR's messages to an audience and reminders of unfinished work."""
