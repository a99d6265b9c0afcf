"""Single-use personal invite tokens for deep links."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invite


class InviteRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unused_token(self, employee_pk: int) -> str:
        """The person's open invite, or a new one: printing invites twice gives the same links."""
        token = await self.session.scalar(
            select(Invite.token).where(Invite.employee_id == employee_pk, Invite.used_at.is_(None))
        )
        if token is None:
            # 24 bytes → 32 URL-safe characters; a deep-link payload may hold up to 64.
            token = secrets.token_urlsafe(24)
            self.session.add(Invite(token=token, employee_id=employee_pk))
            await self.session.flush()
        return token

    async def redeem(self, token: str, now: datetime) -> int | None:
        """Use a token once; returns its employee, or None if unknown or already used."""
        employee_pk = await self.session.scalar(
            update(Invite)
            .where(Invite.token == token, Invite.used_at.is_(None))
            .values(used_at=now)
            .returning(Invite.employee_id)
        )
        return employee_pk

    async def consume_all(self, employee_pk: int, now: datetime) -> None:
        """Close every open invite of a person who has joined (by any way): a link left over
        from a join by contact must not let another account take the identity."""
        await self.session.execute(
            update(Invite)
            .where(Invite.employee_id == employee_pk, Invite.used_at.is_(None))
            .values(used_at=now)
        )
