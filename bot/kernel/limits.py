"""The ranges of the whole numbers the database's columns hold (storage/models.py).

An id from outside (a command's argument, a button's payload, a setting) beyond them names no
row, and handing it to the driver fails the whole command or update: sqlite3 raises
OverflowError beyond 64 bits, asyncpg refuses a value beyond the column's width. So such ids
are refused where they enter, as any other bad id is."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ROW_ID_MAX = 2**31 - 1  # INTEGER: the rows' ids (round, sheet, assignment, appeal…), years
SMALL_MAX = 2**15 - 1  # SMALLINT: statement, item, competency and sitting numbers, scores
# Telegram's user ids have at most 52 significant bits (Bot API, "User"); the BIGINT column
# holds them. A larger number is a typing error, wherever it is typed.
TELEGRAM_ID_MAX = 2**52 - 1

# For typed payloads (bot/infra/callbacks.py): 0 stands for "none" in some of them.
RowId = Annotated[int, Field(ge=0, le=ROW_ID_MAX)]
SmallNumber = Annotated[int, Field(ge=0, le=SMALL_MAX)]
TelegramId = Annotated[int, Field(ge=1, le=TELEGRAM_ID_MAX)]
