"""Reading rows straight into DTOs, for the statements run on every update.

Loading ORM objects and copying them into DTOs costs more than the query itself on the
answer path; selecting exactly a DTO's columns, in the DTO's field order, lets a row become
the DTO in one call."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, cast

from sqlalchemy import Column, Table


def table_of(model: type[Any]) -> Table:
    """The Core table of a mapped class: statements on it skip the ORM's bookkeeping."""
    return cast(Table, model.__table__)


def dto_columns(dto: type[Any], model: type[Any]) -> tuple[Column[Any], ...]:
    """The model's columns named like ``dto``'s fields, in the fields' order."""
    columns = table_of(model).c
    return tuple(columns[field.name] for field in fields(dto))
