"""The staff list, joining the bot, roles and the audit trail."""
