"""What the benchmarks share: a throwaway database of either kind."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text

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
