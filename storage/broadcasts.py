"""Broadcasts and their audiences.

An audience is always the same base set, narrowed by optional filters: active people, in
one unit, among one running round's unfinished respondents. Of those, the reachable ones
have joined the bot (``telegram_user_id``) and have not blocked it (``blocked_at``).
Each recipient's delivery is an outbox row of kind :data:`BROADCAST` (see storage/outbox.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Assignment, Broadcast, Campaign, CampaignSubject, Employee

BROADCAST = "broadcast"  # the outbox kind of a broadcast's deliveries; ref_id = broadcasts.id


@dataclass(frozen=True, slots=True)
class BroadcastDTO:
    id: int
    kind: str  # message | reminder
    author_telegram_id: int | None
    audience: str
    audience_unit: str | None
    audience_campaign_id: int | None
    text: str | None
    attachment_kind: str | None
    attachment_file_id: str | None
    status: str
    progress_chat_id: int | None
    progress_message_id: int | None


@dataclass(frozen=True, slots=True)
class AudienceCounts:
    reachable: int  # joined and not blocked: will be sent to
    not_joined: int
    blocked: int


def _dto(row: Broadcast) -> BroadcastDTO:
    return BroadcastDTO(
        id=row.id,
        kind=row.kind,
        author_telegram_id=row.author_telegram_id,
        audience=row.audience,
        audience_unit=row.audience_unit,
        audience_campaign_id=row.audience_campaign_id,
        text=row.text,
        attachment_kind=row.attachment_kind,
        attachment_file_id=row.attachment_file_id,
        status=row.status,
        progress_chat_id=row.progress_chat_id,
        progress_message_id=row.progress_message_id,
    )


def unfinished_respondents(campaign_id: int) -> Select[int]:
    """Respondents (self-assessment included) with an unsubmitted questionnaire in the round
    while it runs; people excluded from the round do not count as work to do."""
    return (
        select(Assignment.respondent_id)
        .join(CampaignSubject, CampaignSubject.id == Assignment.subject_id)
        .join(Campaign, Campaign.id == CampaignSubject.campaign_id)
        .where(
            Campaign.id == campaign_id,
            Campaign.status == "running",
            CampaignSubject.excluded_reason.is_(None),
            Assignment.submitted.is_(False),
        )
    )


def _audience(unit: str | None, campaign_id: int | None) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [Employee.active.is_(True)]
    if unit is not None:
        conditions.append(Employee.unit == unit)
    if campaign_id is not None:
        conditions.append(Employee.id.in_(unfinished_respondents(campaign_id)))
    return and_(*conditions)


_JOINED = Employee.telegram_user_id.is_not(None)
_REACHABLE = and_(_JOINED, Employee.blocked_at.is_(None))


class BroadcastRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self,
        *,
        kind: str,
        author_telegram_id: int | None,
        audience: str,
        unit: str | None,
        campaign_id: int | None,
        text: str | None,
        attachment_kind: str | None,
        attachment_file_id: str | None,
        progress_chat_id: int | None,
        progress_message_id: int | None,
        now: datetime,
    ) -> BroadcastDTO:
        """A confirmed broadcast, ready to send (status ``sending``)."""
        row = Broadcast(
            kind=kind,
            author_telegram_id=author_telegram_id,
            audience=audience,
            audience_unit=unit,
            audience_campaign_id=campaign_id,
            text=text,
            attachment_kind=attachment_kind,
            attachment_file_id=attachment_file_id,
            status="sending",
            progress_chat_id=progress_chat_id,
            progress_message_id=progress_message_id,
            created_at=now,
            confirmed_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _dto(row)

    async def get(self, broadcast_id: int) -> BroadcastDTO | None:
        row = await self.session.get(Broadcast, broadcast_id)
        return _dto(row) if row else None

    async def sending(self) -> list[BroadcastDTO]:
        """Broadcasts whose deliveries are not all settled yet."""
        rows = await self.session.scalars(
            select(Broadcast).where(Broadcast.status == "sending").order_by(Broadcast.id)
        )
        return [_dto(row) for row in rows]

    async def mark_done(self, broadcast_id: int, now: datetime) -> bool:
        """``sending`` → ``done``; False when it was not sending (another process finished it)."""
        result = await self.session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
            .values(status="done", finished_at=now)
            .returning(Broadcast.id)
        )
        return result.first() is not None

    async def audience_counts(
        self, *, unit: str | None = None, campaign_id: int | None = None
    ) -> AudienceCounts:
        query = select(
            func.count(case((_REACHABLE, 1))),
            func.count(case((~_JOINED, 1))),
            func.count(case((and_(_JOINED, Employee.blocked_at.is_not(None)), 1))),
        ).where(_audience(unit, campaign_id))
        reachable, not_joined, blocked = (await self.session.execute(query)).one()
        return AudienceCounts(reachable=reachable, not_joined=not_joined, blocked=blocked)

    async def audience_ids(self, *, unit: str | None = None, campaign_id: int | None = None) -> list[int]:
        """The reachable people of the audience (employee primary keys)."""
        query = select(Employee.id).where(_audience(unit, campaign_id), _REACHABLE).order_by(Employee.id)
        return list(await self.session.scalars(query))

    async def unfinished_count(self, campaign_id: int, employee_pk: int) -> int:
        """How many questionnaires the person still has to submit in the running round."""
        query = select(func.count()).select_from(
            unfinished_respondents(campaign_id).where(Assignment.respondent_id == employee_pk).subquery()
        )
        return int(await self.session.scalar(query) or 0)
