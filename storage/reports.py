"""HR's long report jobs (see ``ReportJob``): one row a job, claimed by a unique key while it
runs, so that two presses make one job on any instance, and a job a restart cut short is found
and reported rather than lost."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReportJob
from storage.rows import dto_columns, table_of
from storage.upsert import insert_for

_JOBS = table_of(ReportJob)


@dataclass(frozen=True, slots=True)
class ReportJobDTO:
    id: int
    kind: str
    campaign_id: int
    unit: str | None
    requested_by: int
    chat_id: int
    locale: str
    status: str
    done: int
    total: int
    progress_message_id: int | None
    created_at: datetime
    updated_at: datetime


_COLUMNS = dto_columns(ReportJobDTO, ReportJob)


def active_key(kind: str, campaign_id: int, unit: str | None, requested_by: int) -> str:
    """What a running job builds for whom, short enough for a unique index whatever the unit's
    name: the unit is hashed (it is in the row anyway)."""
    unit_part = "*" if unit is None else hashlib.sha256(unit.encode()).hexdigest()[:32]
    return f"{kind}:{campaign_id}:{requested_by}:{unit_part}"


class ReportJobRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(
        self,
        kind: str,
        campaign_id: int,
        unit: str | None,
        *,
        requested_by: int,
        chat_id: int,
        locale: str,
        instance: str,
        now: datetime,
    ) -> int | None:
        """Record a new running job; None when the same one (kind, round, unit, person) runs
        already. On PostgreSQL a second instance inserting the same key at once waits for the
        first one's transaction and then finds the conflict."""
        statement = (
            insert_for(self.session, _JOBS)
            .values(
                kind=kind,
                campaign_id=campaign_id,
                unit=unit,
                requested_by=requested_by,
                chat_id=chat_id,
                locale=locale,
                status="running",
                active_key=active_key(kind, campaign_id, unit, requested_by),
                done=0,
                total=0,
                claimed_by=instance,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["active_key"])
            .returning(_JOBS.c.id)
        )
        return cast("int | None", (await self.session.execute(statement)).scalar_one_or_none())

    async def get(self, job_id: int) -> ReportJobDTO | None:
        row = (await self.session.execute(select(*_COLUMNS).where(_JOBS.c.id == job_id))).first()
        return ReportJobDTO(*row) if row is not None else None

    async def progress(
        self, job_id: int, *, done: int, total: int, message_id: int | None, now: datetime
    ) -> None:
        """How far the job has got; also its sign of life (``updated_at``)."""
        await self.session.execute(
            update(_JOBS)
            .where(_JOBS.c.id == job_id, _JOBS.c.status == "running")
            .values(done=done, total=total, progress_message_id=message_id, updated_at=now)
        )

    async def finish(self, job_id: int, status: str, now: datetime) -> None:
        """``done`` or ``failed``: the key is released, a new press starts a new job."""
        await self.session.execute(
            update(_JOBS)
            .where(_JOBS.c.id == job_id, _JOBS.c.status == "running")
            .values(status=status, active_key=None, updated_at=now)
        )

    async def interrupt(
        self, *, instance: str | None, stale_before: datetime, now: datetime
    ) -> list[ReportJobDTO]:
        """Jobs a stopped process left running become ``interrupted``, and are returned (to tell
        the people who asked): this instance's own, at its start, and anyone's whose last sign
        of life is older than ``stale_before`` (an instance that died and stayed away). Two
        instances doing this at once get each row once: the second's update skips a row the
        first has changed. ``instance`` None: the silent ones only."""
        silent = _JOBS.c.updated_at < stale_before
        which = and_(
            _JOBS.c.status == "running",
            silent if instance is None else or_(_JOBS.c.claimed_by == instance, silent),
        )
        ids = (
            await self.session.execute(
                update(_JOBS)
                .where(which)
                .values(status="interrupted", active_key=None, updated_at=now)
                .returning(_JOBS.c.id)
            )
        ).scalars()
        found = list(ids)
        if not found:
            return []
        rows = await self.session.execute(select(*_COLUMNS).where(_JOBS.c.id.in_(found)).order_by(_JOBS.c.id))
        return [ReportJobDTO(*row) for row in rows]

    async def forget_finished(self, before: datetime) -> int:
        """Finished jobs' rows older than ``before``: the download itself is in the audit log."""
        result = await self.session.execute(
            _JOBS.delete().where(_JOBS.c.status != "running", _JOBS.c.updated_at < before)
        )
        return cast("CursorResult[Any]", result).rowcount
