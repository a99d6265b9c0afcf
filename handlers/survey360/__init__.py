"""Telegram handlers of the 360: answering, and HR's rounds and results."""
