"""How a round is going, for HR: who has finished, never what anyone answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.methodology import Profile
from bot.staff.access import Actor, audit
from bot.survey360.rounds import CampaignError
from storage.dto import CampaignDTO, EmployeeDTO, SubjectDTO
from storage.outbox import OutboxRepo
from storage.survey360.campaigns import CampaignRepo, ProgressRepo

DEADLINE_MOVED = "deadline_moved_360"


@dataclass(frozen=True, slots=True)
class UnitCompletion:
    unit: str
    submitted: int
    total: int


@dataclass(frozen=True, slots=True)
class Unfinished:
    respondent: EmployeeDTO
    remaining: int


@dataclass(frozen=True, slots=True)
class RoundProgress:
    campaign: CampaignDTO
    submitted: int
    total: int
    units: list[UnitCompletion]  # by the respondent's unit: who still has work to do
    below_threshold: list[SubjectDTO]  # results that would be withheld if the round closed now
    unfinished: list[Unfinished]
    not_joined: int  # unfinished respondents who have not joined the bot: reminders cannot reach them


async def round_progress(session: AsyncSession, profile: Profile, campaign_id: int) -> RoundProgress:
    campaigns, progress = CampaignRepo(session), ProgressRepo(session)
    campaign = await campaigns.get(campaign_id)
    if campaign is None:
        raise CampaignError(f"there is no round {campaign_id}")
    units = [
        UnitCompletion(unit, done, total) for unit, done, total in await progress.unit_completion(campaign_id)
    ]
    unfinished = [
        Unfinished(person, remaining) for person, remaining in await progress.unfinished(campaign_id)
    ]
    colleagues_done = await campaigns.submitted_counts(campaign_id)
    subjects = await campaigns.subjects(campaign_id, included_only=True)
    return RoundProgress(
        campaign=campaign,
        submitted=sum(u.submitted for u in units),
        total=sum(u.total for u in units),
        # Sorted here, not by the database: its collation orders Cyrillic names differently
        # from one server to another.
        units=sorted(units, key=lambda u: u.unit),
        below_threshold=[s for s in subjects if colleagues_done.get(s.id, 0) < profile.min_respondents],
        unfinished=sorted(unfinished, key=lambda u: (u.respondent.full_name, u.respondent.id)),
        not_joined=sum(1 for u in unfinished if u.respondent.telegram_user_id is None),
    )


@dataclass(frozen=True, slots=True)
class DeadlineMoved:
    campaign: CampaignDTO
    told: int  # respondents with questionnaires left who are told of the new date


async def extend_deadline(
    session: AsyncSession, actor: Actor, campaign_id: int, deadline: date, *, today: date, now: datetime
) -> DeadlineMoved:
    repo = CampaignRepo(session)
    campaign = await repo.get(campaign_id)
    if campaign is None or campaign.status == "closed":
        raise CampaignError(f"round {campaign_id} is not open")
    if deadline < today or deadline <= campaign.deadline:
        raise CampaignError("the new deadline must be later than the current one and not in the past")
    await ProgressRepo(session).set_deadline(campaign_id, deadline)
    await audit(
        session,
        actor,
        "round.extend",
        "campaign",
        campaign_id,
        at=now,
        details={"from": campaign.deadline.isoformat(), "to": deadline.isoformat()},
    )
    updated = await repo.get(campaign_id)
    assert updated is not None
    told = 0
    if campaign.status == "running":
        # Issue 19: whoever still has questionnaires to fill learns the new date. A second move
        # queues the notice afresh; one not yet sent goes once, with the latest date.
        waiting = {
            person.id
            for person, _remaining in await ProgressRepo(session).unfinished(campaign_id)
            if person.active and person.telegram_user_id
        }
        outbox = OutboxRepo(session)
        for respondent_pk in sorted(waiting):
            await outbox.enqueue_again(respondent_pk, DEADLINE_MOVED, campaign_id)
        told = len(waiting)
    return DeadlineMoved(updated, told)
