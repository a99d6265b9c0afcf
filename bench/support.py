"""What the benchmarks share: a throwaway database of either kind, and synthetic staff written
into it in bulk."""

from __future__ import annotations

import os
import random
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import create_engine, normalise_url


@asynccontextmanager
async def fresh_database(kind: str, label: str) -> AsyncIterator[str]:
    """An empty SQLite file, or a PostgreSQL database created on BENCH_POSTGRES_URL (default
    postgresql://postgres@127.0.0.1:5432/postgres) and dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"bench-{label}-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield normalise_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


CHUNK = 20_000  # rows a bulk insert statement


def staff_rows(
    count: int, *, telegram_base: int | None = None, joined_at: datetime | None = None
) -> list[dict[str, Any]]:
    """``count`` employees (ids 1..count, every tenth a head, units of 50), bound to Telegram ids
    ``telegram_base + id`` when given."""
    return [
        {
            "id": pk,
            "employee_id": f"P{pk:06d}",
            "full_name": f"Surname{pk} Name{pk}",
            "name_key": f"surname{pk} name{pk}",
            "position": "Expert",
            "role": "head" if pk % 10 == 0 else "employee",
            "unit": f"Unit {pk // 50}",
            "language": "en",
            "appointed_on": date(2020, 1, 1),
            "active": True,
            "telegram_user_id": None if telegram_base is None else telegram_base + pk,
            "joined_at": joined_at if telegram_base is not None else None,
        }
        for pk in range(1, count + 1)
    ]


def colleagues_of(employee_pk: int, staff: int, count: int, rng: random.Random) -> list[int]:
    """``count`` people of ``staff`` other than ``employee_pk``, at random."""
    return [c for c in rng.sample(range(1, staff + 1), count + 1) if c != employee_pk][:count]


def questionnaire_of(employee_pk: int) -> str:
    """The 360 questionnaire of a person from :func:`staff_rows`."""
    return "heads" if employee_pk % 10 == 0 else "employees"


async def insert_in_chunks(
    connection: AsyncConnection, tables: Sequence[tuple[Any, list[dict[str, Any]]]]
) -> None:
    """Each table's rows, in order, a chunk a statement."""
    for table, rows in tables:
        for start in range(0, len(rows), CHUNK):
            await connection.execute(insert(table), rows[start : start + CHUNK])
