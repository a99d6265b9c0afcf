"""Alembic environment: runs migrations through the same async engine the bot uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


# Any fixed number: the key of the advisory lock every migrating process takes first.
MIGRATION_LOCK = 0x6261676C  # "bagl"


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode alters a table by copying it and dropping the old one; with foreign keys
        # enforced, that drop deletes every row referring to it (ON DELETE CASCADE). The pragma
        # only takes effect outside a transaction: before the first statement, which begins one.
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()
    if connection.dialect.name == "postgresql":
        # Several instances starting at once each run `upgrade`: one migrates, the others wait
        # for it and then find nothing left to do. Held to the end of the transaction.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:  # what the enforced keys would have refused
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")


async def _run_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", migrating=True)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
