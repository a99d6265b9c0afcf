import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import create_engine
from storage.migrate import downgrade, upgrade
from storage.models import Base


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def _schema_diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_database_url)
    assert set(Base.metadata.tables) <= await _tables(empty_database_url)
    # The migrations produce exactly the schema the models describe.
    assert await _schema_diff(empty_database_url) == []

    await asyncio.to_thread(downgrade, empty_database_url, "base")
    assert await _tables(empty_database_url) <= {"alembic_version"}

    await asyncio.to_thread(upgrade, empty_database_url)
    assert set(Base.metadata.tables) <= await _tables(empty_database_url)
