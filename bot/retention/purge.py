"""Purging evaluation records after their keeping period (clause 14), run daily by the bot
and on demand (`python -m bot purge-expired`). What was removed is logged and audited as
counts, never names."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.methodology import Profile
from bot.retention.rules import retention_cutoffs
from bot.staff.access import Actor, audit
from storage.retention import Purged, RetentionRepo
from storage.updates import UpdateLog

log = logging.getLogger(__name__)

# How long handled update ids are remembered: Telegram stops re-delivering well within a day.
UPDATE_MEMORY = timedelta(days=2)


async def purge_expired(
    session: AsyncSession,
    profile: Profile,
    *,
    today: date,
    now: datetime,
    actor: Actor,
    dry_run: bool = False,
) -> Purged:
    cutoffs = retention_cutoffs(today, profile.retention_years)
    purged = await RetentionRepo(session).purge(
        closed_before=datetime.combine(cutoffs.closed_before, time(0, 0), tzinfo=UTC),
        plan_years_before=cutoffs.plan_years_before,
        absences_ended_before=cutoffs.absences_ended_before,
        dry_run=dry_run,
    )
    if not dry_run:
        await UpdateLog(session).forget_before(now - UPDATE_MEMORY)
    if not dry_run and (purged.rounds or purged.plans or purged.absences):
        log.info(
            "retention (%d years): removed %d round(s) with %d evaluated, %d work plan(s), %d absence(s)",
            profile.retention_years,
            purged.rounds,
            purged.evaluated,
            purged.plans,
            purged.absences,
        )
        details = {
            "rounds": purged.rounds,
            "evaluated": purged.evaluated,
            "plans": purged.plans,
            "absences": purged.absences,
        }
        await audit(session, actor, "retention.purge", "database", None, at=now, details=details)
    return purged
