"""How ``python -m bot`` refuses: every failure one line on standard error, in plain words,
with exit code 1 when the input needs correcting (an id, a file, a folder) and 2 when the
configuration does (a setting, or the database or Telegram it names).

Values are checked while the arguments are read (the argparse types below), so that an id no
column can hold never reaches the database driver; the failures of what the settings name are
recognised in one place (``explain``), from the libraries' documented exception families."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from alembic.util.exc import CommandError as MigrationError
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from bot.infra.config import Settings, bundled_profile
from bot.kernel.limits import ROW_ID_MAX, SMALL_MAX, TELEGRAM_ID_MAX
from bot.kernel.methodology import RecordedProfileMissingError
from bot.kernel.profile_file import ProfileFileError, is_profile_path
from storage.migrate import upgrade

OK, INPUT_ERROR, CONFIG_ERROR = 0, 1, 2


class ConfigurationError(Exception):
    """A setting, or the database or Telegram it names, cannot be used; the message says which."""


# --------------------------------------------------------------------------- the arguments


class Parser(argparse.ArgumentParser):
    """argparse's parser, with its refusals on one line: a value that does not read (an id
    out of range, a malformed date) is input to correct (1), anything else usage (2)."""

    def error(self, message: str) -> NoReturn:
        # argparse calls this while handling its ArgumentError, which it raises from the
        # type's own error when a value does not convert.
        failure = sys.exc_info()[1]
        bad_value = failure is not None and isinstance(
            failure.__context__, argparse.ArgumentTypeError | ValueError | TypeError
        )
        self.exit(
            INPUT_ERROR if bad_value else CONFIG_ERROR,
            f"error: {self.prog}: {message} (see {self.prog} --help)\n",
        )


def _whole(what: str, lowest: int, highest: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} (a whole number)") from None
        if not lowest <= value <= highest:
            raise argparse.ArgumentTypeError(f"{text} is not {what}: from {lowest} to {highest}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


record_id = _whole("a round id", 1, ROW_ID_MAX)
telegram_id = _whole("a Telegram account id", 1, TELEGRAM_ID_MAX)
sitting_number = _whole("a sitting's number", 1, SMALL_MAX)
year = _whole("a year", 1, 9999)


def output_file(text: str) -> Path:
    """A file to write: its folder must exist (checked before any work is done)."""
    path = Path(text)
    folder = path.parent
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {folder} does not exist")
    return path


def profile_code(text: str) -> str:
    """A bundled profile's code, or a body's profile file (docs/profiles.md) as
    METHODOLOGY_PROFILE may name one: the file is read and checked by the one loader,
    ``load_profile``, when the command loads it, and a problem in it is the configuration's
    (exit 2, :func:`explain`)."""
    if is_profile_path(text):
        return text
    try:
        return bundled_profile(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --------------------------------------------------------------------------- the settings


def settings_failure(exc: ValidationError | SettingsError) -> str:
    """A setting that does not read, named as in .env."""
    if isinstance(exc, SettingsError):
        return f"configuration error: {_one_line(str(exc))}"
    first = exc.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else ""
    message = first["msg"].removeprefix("Value error, ")
    return f"configuration error in {name}: {message}" if name else f"configuration error: {message}"


def prepare_database(settings: Settings) -> None:
    """Apply the migrations: the first thing every command asks of the database, so whatever
    fails here is the database named by DATABASE_URL (missing, refusing, unwritable)."""
    try:
        upgrade(settings.database_url)
    except (SQLAlchemyError, MigrationError, OSError) as exc:
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        raise ConfigurationError(f"the database {shown} cannot be used: {_reason(exc)}") from exc


# --------------------------------------------------------------------------- the failures


def explain(exc: BaseException, settings: Settings) -> tuple[int, str] | None:
    """The exit code and the line for a failure of a known kind; None for a fault in the bot,
    which keeps its traceback."""
    if isinstance(exc, ConfigurationError | RecordedProfileMissingError):
        return CONFIG_ERROR, f"configuration error: {exc}"
    if isinstance(exc, ProfileFileError):  # a profile file named on the command line
        return CONFIG_ERROR, f"configuration error: {exc.source}: {'; '.join(exc.problems)}"
    telegram = _telegram_failure(exc, settings.telegram_api_url)
    if telegram is not None:
        return CONFIG_ERROR, f"configuration error: {telegram}"
    if isinstance(exc, OperationalError | InterfaceError | ConnectionError | TimeoutError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return CONFIG_ERROR, f"configuration error: the database failed: {_reason(exc)}"
    if isinstance(exc, OSError):  # a file named on the command line
        return INPUT_ERROR, f"error: {_reason(exc)}"
    return None


def _telegram_failure(exc: BaseException, api_url: str) -> str | None:
    # aiogram takes seconds to import and only the commands that talk to Telegram load it:
    # when it is not loaded, the failure cannot be Telegram's.
    if "aiogram" not in sys.modules:
        return None
    from aiogram.exceptions import (
        ClientDecodeError,
        TelegramAPIError,
        TelegramNetworkError,
        TelegramUnauthorizedError,
    )

    if isinstance(exc, TelegramUnauthorizedError):
        return "Telegram refused BOT_TOKEN: take the bot's token from @BotFather again"
    if isinstance(exc, TelegramNetworkError):
        return f"cannot reach Telegram at {api_url} ({_one_line(exc.message)}): check TELEGRAM_API_URL and the network"
    if isinstance(exc, ClientDecodeError):
        return f"{api_url} does not answer as Telegram's Bot API does (not JSON): check TELEGRAM_API_URL"
    if isinstance(exc, TelegramAPIError):
        return f"Telegram at {api_url} refused the request: {_one_line(exc.message)}"
    return None


def _reason(exc: BaseException) -> str:
    """The cause in a few words: the driver's message, not SQLAlchemy's wrapping of it."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return _reason(exc.orig)
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused (is the server running, at that host and port?)"
    if isinstance(exc, FileExistsError | NotADirectoryError) and exc.filename:
        return f"{exc.filename} is a file, where a folder is needed"  # making the database's folder
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return _one_line(str(exc)) or type(exc).__name__


def _one_line(text: str) -> str:
    return " ".join(text.split())
