"""Settings from the environment and `.env` (environment variables win)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.workdays import KAZAKHSTAN, WorkCalendar

Locale = Literal["kk", "ru", "en"]
OFFICIAL_API_URL = "https://api.telegram.org"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///data/bagalau.db"
    telegram_api_url: str = OFFICIAL_API_URL
    hr_admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    hr_head_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Asia/Almaty"
    default_locale: Locale = "kk"
    methodology_profile: str = "kz-2023"
    # Moved days off a decree added after the holidays package's release (JSON, see
    # bot/methodology/calendar-kz.json); empty: the bundled calendar only.
    calendar_file: Path | None = None
    # How often the bot looks for queued notifications, and how fast it sends them:
    # Telegram allows about 30 messages a second overall; we stay below that.
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    outbox_rate_per_second: float = Field(default=30.0, gt=0, le=30)
    log_level: str = "INFO"

    @field_validator("hr_admin_ids", "hr_head_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return frozenset(int(part) for part in parts if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("calendar_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("calendar_file")
    @classmethod
    def _readable_calendar(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                raw = json.loads(value.read_text("utf-8"))
                for day in [*raw.get("days_off", []), *raw.get("working_days", [])]:
                    date.fromisoformat(day)
            except (OSError, ValueError, AttributeError, TypeError) as exc:
                raise ValueError(f"{value}: not a calendar file ({exc})") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def calendar(self) -> WorkCalendar:
        """Kazakhstan's working days with the bundled and HR's moved days."""
        if self.calendar_file is None:
            return KAZAKHSTAN
        return KAZAKHSTAN.merged(json.loads(self.calendar_file.read_text("utf-8")))

    def require_token(self) -> str:
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise MissingTokenError
        return self.bot_token.get_secret_value().strip()


class MissingTokenError(RuntimeError):
    """Raised when a command that talks to Telegram runs without BOT_TOKEN."""

    MESSAGE = (
        "BOT_TOKEN is not set: put BOT_TOKEN=<token from @BotFather> into .env "
        "(see .env.example) or export it in the environment."
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)
