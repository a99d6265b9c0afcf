"""INSERT ... ON CONFLICT for the two databases we run on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Statement = TypeVar("Statement")
_INSERTS: dict[str, Callable[[Any], Any]] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def dialect_of(session: AsyncSession) -> str:
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        raise NotImplementedError(f"unsupported database: {dialect}")
    return dialect


def insert_for(session: AsyncSession, table: Any) -> Any:
    """An INSERT for ``table`` that supports ``on_conflict_do_*`` on the session's database."""
    return _INSERTS[dialect_of(session)](table)


def per_dialect(build: Callable[[Callable[[Any], Any]], Statement]) -> dict[str, Statement]:
    """A statement built once for each database, from its INSERT: for statements run on every
    update, whose building (bind parameters instead of values) costs more than running them."""
    return {dialect: build(insert) for dialect, insert in _INSERTS.items()}
