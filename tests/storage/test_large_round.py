"""A round larger than a statement's parameter limit (asyncpg and SQLite: 32,767): the deadline
keeper plans its reminders without handing the database a list of every respondent (bench/
answering.py found the planner failing there on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.deadlines.keeper import plan_reminders
from bot.kernel.methodology import Profile
from bot.kernel.workdays import KAZAKHSTAN
from storage.db import create_sessionmaker
from storage.models import Assignment, Campaign, CampaignSubject, Employee, OutboxMessage

PEOPLE = 33_000
ZONE = ZoneInfo("Asia/Almaty")


async def test_reminders_are_planned_for_a_round_of_33000(engine: AsyncEngine, profile: Profile) -> None:
    # Opened the day before the deadline's last working day: one reminder each is still ahead.
    started = datetime(2026, 1, 8, 6, 0, tzinfo=UTC)
    people = [
        {
            "id": pk,
            "employee_id": f"L{pk:06d}",
            "full_name": f"Person {pk}",
            "position": "Expert",
            "role": "employee",
            "unit": "Unit",
            "appointed_on": date(2020, 1, 1),
            "active": True,
            "telegram_user_id": 900_000_000 + pk,
        }
        for pk in range(1, PEOPLE + 1)
    ]
    async with engine.begin() as connection:
        await connection.execute(
            insert(Campaign),
            [
                {
                    "id": 1,
                    "kind": "360",
                    "year": 2025,
                    "deadline": date(2026, 1, 10),
                    "status": "running",
                    "profile_code": profile.code,
                    "profile_version": profile.version,
                    "started_at": started,
                }
            ],
        )
        for start in range(0, PEOPLE, 5000):
            chunk = range(start + 1, min(start + 5000, PEOPLE) + 1)
            await connection.execute(insert(Employee), people[start : start + 5000])
            await connection.execute(
                insert(CampaignSubject),
                [
                    {"id": pk, "campaign_id": 1, "employee_id": pk, "questionnaire": "employees"}
                    for pk in chunk
                ],
            )
            await connection.execute(
                insert(Assignment),
                [
                    {"subject_id": pk, "respondent_id": pk, "relation": "self", "submitted": False}
                    for pk in chunk
                ],
            )
    async with create_sessionmaker(engine).begin() as session:
        await plan_reminders(session, profile, KAZAKHSTAN, ZONE, started)
    async with create_sessionmaker(engine).begin() as session:  # and again: rows kept, none doubled
        await plan_reminders(session, profile, KAZAKHSTAN, ZONE, started)
    async with engine.connect() as connection:
        rows = await connection.scalar(select(func.count()).select_from(OutboxMessage))
    assert rows == PEOPLE  # the deadline's morning, Friday 9 January
