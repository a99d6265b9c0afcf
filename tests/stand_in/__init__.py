"""Local stand-in for the Telegram Bot API server used by the end-to-end tests."""

from .server import ApiError, BotApiStandIn, ScriptedUser, SentMessage, StoredFile, UploadedFile

__all__ = ["ApiError", "BotApiStandIn", "ScriptedUser", "SentMessage", "StoredFile", "UploadedFile"]
