"""The staff list's tables: people and their invites."""
