"""/help and the bot's menus, per role and language."""
