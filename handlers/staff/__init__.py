"""Telegram handlers of joining, languages, the staff list, roles and the audit log."""
