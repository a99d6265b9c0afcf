"""Settings from the environment and `.env` (environment variables win)."""

from __future__ import annotations

import json
import logging
import re
import socket
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.kernel.limits import TelegramId
from bot.kernel.methodology import load_profile
from bot.kernel.profile_file import is_profile_path
from bot.kernel.workdays import KAZAKHSTAN, WorkCalendar

Locale = Literal["kk", "ru", "en"]
OFFICIAL_API_URL = "https://api.telegram.org"
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token
# @BotFather's tokens: the bot's id, a colon, the secret (aiogram refuses any other shape).
BOT_TOKEN = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
# The drivers storage/db.py runs on (normalise_url picks the async one for a plain URL).
DATABASE_DRIVERS = frozenset({"sqlite", "sqlite+aiosqlite", "postgresql", "postgres", "postgresql+asyncpg"})
DATABASE_URL_EXAMPLES = "sqlite:///data/bagalau.db or postgresql://user:password@host:5432/name"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
PROFILE_CODE = re.compile(r"[a-z0-9][a-z0-9-]*")  # a file name in bot/methodology, no path


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    # Seals 360 answers in the database (storage/survey360/ballots.py, docs/security.md): kept outside
    # the database and its backups. Required to answer, close a round and run the bot.
    ballot_secret: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///data/bagalau.db"
    telegram_api_url: str = OFFICIAL_API_URL
    hr_admin_ids: Annotated[frozenset[TelegramId], NoDecode] = frozenset()
    hr_head_ids: Annotated[frozenset[TelegramId], NoDecode] = frozenset()
    timezone: str = "Asia/Almaty"
    default_locale: Locale = "kk"
    # A bundled profile's code, or the path of a body's own profile file (docs/profiles.md).
    methodology_profile: str = "kz-2023"
    # The state body's name as its forms print it (the 2018 method's protocol, appendix 5).
    organisation_name: str = ""
    # Moved days off a decree added after the holidays package's release (JSON, see
    # bot/methodology/calendar-kz.json); empty: the bundled calendar only.
    calendar_file: Path | None = None
    # How often the bot looks for queued notifications, and how fast it sends them:
    # Telegram allows about 30 messages a second overall; we stay below that.
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    outbox_rate_per_second: float = Field(default=30.0, gt=0, le=30)
    log_level: str = "INFO"
    # The event loop's watchdog logs a warning when the loop stands still longer than this
    # (bot/infra/watchdog.py, docs/heavy-work.md); 0 turns it off.
    loop_stall_ms: int = Field(default=250, ge=0)
    # Several instances (README, "Running for a large organisation"). Unset: one process,
    # conversation state in memory, long polling.
    redis_url: str | None = None  # conversation state, per-person ordering, scheduler locks
    # This instance's name, unique among the instances (default: the host's name): the outbox
    # rows it claims carry it, so that on restart it settles exactly the sends it interrupted.
    instance_name: str = Field(default_factory=socket.gethostname, min_length=1, max_length=64)
    webhook_url: str | None = None  # the public https URL Telegram posts updates to
    webhook_secret: SecretStr | None = None  # checked on every request (X-Telegram-Bot-Api-Secret-Token)
    webhook_listen_host: str = "127.0.0.1"  # where the bot's web server listens, behind the proxy
    webhook_listen_port: int = Field(default=8080, gt=0, lt=65536)

    @field_validator("hr_admin_ids", "hr_head_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return frozenset(int(part) for part in parts if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    # Checked here, not when first used: a bad value failed `run` with a traceback (a log
    # level, a token) or only some commands (a profile: `migrate` took it, `run` did not).
    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        token = value.get_secret_value().strip() if value is not None else ""
        if token and not BOT_TOKEN.fullmatch(token):
            # The value is a secret: the message never repeats it.
            raise ValueError("not a token as @BotFather gives it (digits, a colon, then letters and digits)")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"not a database URL; expected {DATABASE_URL_EXAMPLES}") from None
        if url.drivername not in DATABASE_DRIVERS:
            raise ValueError(
                f"{url.drivername!r} is not supported: the bot runs on SQLite or PostgreSQL "
                f"({DATABASE_URL_EXAMPLES})"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if not isinstance(logging.getLevelNamesMapping().get(value.strip().upper()), int):
            raise ValueError(f"unknown log level {value!r}; one of {', '.join(LOG_LEVELS)}")
        return value.strip().upper()

    @field_validator("methodology_profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        # A body's own file (docs/profiles.md) is read and checked here, at start: a problem in
        # it stops the bot with one line per problem, before anything is scored by it.
        if is_profile_path(value):
            load_profile(value)  # ProfileFileError, a ValueError, lists the problems
            return value
        return bundled_profile(value)

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

    @field_validator("calendar_file", "redis_url", "webhook_url", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("instance_name", mode="before")
    @classmethod
    def _host_by_default(cls, value: object) -> object:
        return socket.gethostname() if value in (None, "") else value

    @field_validator("webhook_url")
    @classmethod
    def _https_webhook(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("https://") and urlsplit(value).hostname):
            raise ValueError("WEBHOOK_URL must be an https:// URL (Telegram posts only to HTTPS)")
        return value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        if self.webhook_url is None:
            return self
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not WEBHOOK_SECRET.fullmatch(secret):
            raise ValueError(
                "WEBHOOK_SECRET is required with WEBHOOK_URL: 1-256 characters A-Z, a-z, 0-9, _ and -"
            )
        return self

    @property
    def webhook_path(self) -> str:
        """The path the bot's web server takes updates on: that of WEBHOOK_URL."""
        return urlsplit(self.webhook_url or "").path or "/"

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


def bundled_profile(code: str) -> str:
    """``code`` if it names a bundled methodology profile, else ValueError saying which do."""
    if PROFILE_CODE.fullmatch(code) and _is_profile(code):
        return code
    known = sorted(
        name
        for path in resources.files("bot.methodology").iterdir()
        if path.name.endswith(".json") and _is_profile(name := path.name.removesuffix(".json"))
    )
    raise ValueError(f"no methodology profile {code!r}; the bundled ones are {', '.join(known)}")


def _is_profile(code: str) -> bool:
    try:
        load_profile(code)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return True


class MissingTokenError(RuntimeError):
    """Raised when a command that talks to Telegram runs without BOT_TOKEN."""

    MESSAGE = (
        "BOT_TOKEN is not set: put BOT_TOKEN=<token from @BotFather> into .env "
        "(see .env.example) or export it in the environment."
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)
