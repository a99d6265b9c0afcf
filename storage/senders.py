"""Who sent an update: read in one statement, since it is read for every update."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.access import Role
from storage.dto import EmployeeDTO
from storage.models import Account, Employee, RoleGrant
from storage.rows import table_of
from storage.staff.employees import EMPLOYEE_COLUMNS


@dataclass(frozen=True, slots=True)
class SenderDTO:
    employee: EmployeeDTO | None  # the person bound to the account, active or not
    roles: frozenset[Role]  # the account's HR-side roles
    account_locale: str | None  # the language an account outside the staff list chose


_ME = select(bindparam("telegram_user_id", type_=BigInteger).label("telegram_user_id")).subquery("me")
# One row per role (at least one row): the person, each role, the account's language.
SENDER = (
    select(*EMPLOYEE_COLUMNS, table_of(RoleGrant).c.role, table_of(Account).c.locale)
    .select_from(_ME)
    .outerjoin(table_of(Employee), table_of(Employee).c.telegram_user_id == _ME.c.telegram_user_id)
    .outerjoin(table_of(RoleGrant), table_of(RoleGrant).c.telegram_user_id == _ME.c.telegram_user_id)
    .outerjoin(table_of(Account), table_of(Account).c.telegram_user_id == _ME.c.telegram_user_id)
)


def sender_of(rows: Sequence[Sequence[Any]]) -> SenderDTO:
    """The sender from the rows of ``SENDER`` (columns after its own are ignored)."""
    first, role_at = rows[0], len(EMPLOYEE_COLUMNS)
    employee = EmployeeDTO(*first[:role_at]) if first[0] is not None else None
    roles = frozenset(Role(row[role_at]) for row in rows if row[role_at] is not None)
    return SenderDTO(employee, roles, first[role_at + 1])


class SenderRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def who(self, telegram_user_id: int) -> SenderDTO:
        # A Core statement on the session's connection: columns straight into the DTO.
        connection = await self.session.connection()
        return sender_of((await connection.execute(SENDER, {"telegram_user_id": telegram_user_id})).all())
