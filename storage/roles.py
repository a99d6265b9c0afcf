"""Role grants and the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.access import Role
from storage.models import Account, AuditEntry, RoleGrant
from storage.rows import table_of
from storage.upsert import insert_for

# Run for every update (the sender's roles): built once.
_ROLES_OF = select(table_of(RoleGrant).c.role).where(
    table_of(RoleGrant).c.telegram_user_id == bindparam("telegram_user_id")
)


@dataclass(frozen=True, slots=True)
class GrantDTO:
    telegram_user_id: int
    role: Role
    granted_by: int | None
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class AuditDTO:
    at: datetime
    actor_telegram_id: int | None
    action: str
    object_type: str
    object_id: str | None
    details: dict[str, object]


class RoleRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def roles_of(self, telegram_user_id: int) -> frozenset[Role]:
        roles = await self.session.scalars(_ROLES_OF, {"telegram_user_id": telegram_user_id})
        return frozenset(Role(role) for role in roles)

    async def grant(self, telegram_user_id: int, role: Role, granted_by: int | None) -> bool:
        """True when the account did not hold the role before."""
        insert = insert_for(self.session, RoleGrant).values(
            telegram_user_id=telegram_user_id, role=role.value, granted_by=granted_by
        )
        result = await self.session.execute(
            insert.on_conflict_do_nothing(index_elements=["telegram_user_id", "role"])
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def revoke(self, telegram_user_id: int, role: Role) -> bool:
        result = await self.session.execute(
            delete(RoleGrant).where(
                RoleGrant.telegram_user_id == telegram_user_id, RoleGrant.role == role.value
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def grants(self) -> list[GrantDTO]:
        rows = await self.session.scalars(
            select(RoleGrant).order_by(RoleGrant.role, RoleGrant.telegram_user_id)
        )
        return [GrantDTO(r.telegram_user_id, Role(r.role), r.granted_by, r.granted_at) for r in rows]

    async def holders(self, role: Role) -> list[int]:
        query = select(RoleGrant.telegram_user_id).where(RoleGrant.role == role.value)
        return list(await self.session.scalars(query))

    async def lock_holders(self, role: Role) -> list[int]:
        """The role's holders, their rows locked until the transaction ends, so that a decision
        taken on them (keep the last head of HR) cannot be undone by a transaction running
        beside this one. On PostgreSQL it is ``FOR UPDATE``: a second transaction waits here,
        then reads the rows as the first left them (a deleted one is gone). The rows are locked
        in one order, so two such transactions never deadlock. SQLite has no row locks and
        needs none: every transaction begins with ``BEGIN IMMEDIATE`` (storage/db.py), one
        writer at a time."""
        query = (
            select(RoleGrant.telegram_user_id)
            .where(RoleGrant.role == role.value)
            .order_by(RoleGrant.telegram_user_id)
            .with_for_update()
        )
        return list(await self.session.scalars(query))


class AccountRepo:
    """Settings of Telegram accounts outside the staff list (HR officers, the authorised person)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def locale(self, telegram_user_id: int) -> str | None:
        return await self.session.scalar(
            select(Account.locale).where(Account.telegram_user_id == telegram_user_id)
        )

    async def locales(self, telegram_user_ids: Iterable[int]) -> dict[int, str]:
        wanted = sorted(set(telegram_user_ids))
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(Account.telegram_user_id, Account.locale).where(Account.telegram_user_id.in_(wanted))
        )
        return {account: locale for account, locale in rows.all()}

    async def set_locale(self, telegram_user_id: int, locale: str) -> None:
        insert = insert_for(self.session, Account).values(telegram_user_id=telegram_user_id, locale=locale)
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["telegram_user_id"], set_={"locale": locale, "updated_at": func.now()}
            )
        )


class AuditRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        *,
        at: datetime,
        actor_telegram_id: int | None,
        action: str,
        object_type: str,
        object_id: str | int | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=at,
                actor_telegram_id=actor_telegram_id,
                action=action,
                object_type=object_type,
                object_id=None if object_id is None else str(object_id),
                details=json.dumps(details, ensure_ascii=False, default=str) if details else None,
            )
        )
        await self.session.flush()

    async def recent(self, *, limit: int = 20, offset: int = 0) -> list[AuditDTO]:
        query = (
            select(AuditEntry)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [
            AuditDTO(
                at=row.at,
                actor_telegram_id=row.actor_telegram_id,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                details=json.loads(row.details) if row.details else {},
            )
            for row in await self.session.scalars(query)
        ]

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
