"""A property-based fuzz (hypothesis) of what people can send, in every conversation state.

Each example starts a bot on a fresh database with a running 360 round and a started quarter,
and five people in different places: a respondent, a manager in the middle of a sheet (the
bot waiting for a typed justification), an HR officer, the authorised person setting up a
calibration session, and a stranger. Hypothesis then sends a random sequence of updates: text,
commands, documents, photos, stickers, contacts, presses of the buttons on screen and forged
button data. Whatever arrives, the bot must not fail (no update reaches the error handler) and
must answer: every button press gets its answer, every message gets a reply.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.factory import create_bot, create_dispatcher, create_runtime
from bot.infra.config import Settings
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.db import create_engine
from storage.models import Base
from tests.conversation.conftest import FixedClock, World
from tests.conversation.harness import FakeTelegram, Person
from tests.conversation.test_quarterly import _quarter
from tests.factories import TELEGRAM_IDS

HR, AUTHORISED, STRANGER = 5001, 5003, 9999
ACTORS = ("respondent", "manager", "hr", "authorised", "stranger")
COMMANDS = (
    "/start", "/help", "/language", "/deadlines", "/hr", "/rounds", "/quarters", "/plans", "/actuals",
    "/absences", "/newround", "/broadcast", "/roles", "/audit", "/invites", "/find E1", "/report 1",
    "/grant 1 hr", "/revoke 1 hr", "/plan 2025", "/plan", "/delegate U1 E1", "/start bogus-invite",
)  # fmt: skip
PREFIXES = (
    "a", "n", "t", "lang", "si", "hr", "au", "nw", "hu", "bc", "q", "qs", "ack", "ack3", "wp", "qr",
    "qp", "ap", "cs", "cv", "zz",
)  # fmt: skip
SORRY = "Sorry, something went wrong"

texts = st.one_of(
    st.sampled_from(COMMANDS),
    st.text(min_size=1, max_size=60).filter(lambda t: t.strip() != ""),
    st.sampled_from(["3", "4,25", "0", "6", "-1", "1e9", "D1 U2 E4 10.12.2025 15:00", "нет", "Иә"]),
)
forged = st.builds(
    lambda prefix, parts: ":".join([prefix, *parts]),
    st.sampled_from(PREFIXES),
    st.lists(st.one_of(st.integers(-5, 10**6).map(str), st.text("abcxyz01_", max_size=5)), max_size=4),
)


@dataclass(frozen=True)
class Send:
    actor: str
    kind: str  # text | document | photo | sticker | contact | press | forged
    value: str = ""
    index: int = 0


actions = st.one_of(
    st.builds(Send, st.sampled_from(ACTORS), st.just("text"), texts),
    st.builds(
        Send, st.sampled_from(ACTORS), st.just("document"), st.sampled_from(["a.csv", "b.xlsx", "c.txt"])
    ),
    st.builds(Send, st.sampled_from(ACTORS), st.sampled_from(["photo", "sticker", "contact"])),
    st.builds(Send, st.sampled_from(ACTORS), st.just("press"), st.just(""), st.integers(0, 30)),
    st.builds(Send, st.sampled_from(ACTORS), st.just("forged"), forged),
)


class FailedUpdates(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.failures: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.failures.append(record.getMessage())


async def _world(folder: Path) -> World:
    url = f"sqlite+aiosqlite:///{folder / 'fuzz.db'}"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    config = Settings(_env_file=None, bot_token="42:TEST", database_url=url, default_locale="kk")
    runtime = create_runtime(config, clock=FixedClock(datetime(2025, 12, 1, 6, 0, tzinfo=UTC)), engine=engine)
    telegram = FakeTelegram()
    return World(runtime, telegram, create_bot(config, session=telegram), create_dispatcher(runtime))


async def _set_the_scene(world: World) -> dict[str, Person]:
    await _quarter(world)
    await world.running_round(["E1", "E3", "U1"])
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR, Role.HR, world.runtime.clock.now())
        await grant_role(session, COMMAND_LINE, AUTHORISED, Role.AUTHORISED, world.runtime.clock.now())
    people = {
        "respondent": world.person(TELEGRAM_IDS["E2"], "John", "en"),
        "manager": world.person(TELEGRAM_IDS["U1"], "Ерлан", "kk"),
        "hr": world.person(HR, "Айгүл", "ru"),
        "authorised": world.person(AUTHORISED, "Нұрлан", "en"),
        "stranger": world.person(STRANGER, "Who", None),
    }
    await people["respondent"].say("/start")
    await people["respondent"].press("Дана")  # in the middle of a questionnaire
    await people["manager"].say("/start")
    await people["manager"].press("John")
    for score in ("3", "4", "3", "4"):
        await people["manager"].press(score)  # the sheet now waits for a typed justification
    await people["hr"].say("/hr")
    return people


async def _send(person: Person, action: Send) -> None:
    match action.kind:
        case "text":
            await person.say(action.value)
        case "document":
            await person.send_document(b"employee_id,full_name\nX,\xff\xfe", action.value)
        case "photo":
            await person.send_photo(caption="?")
        case "sticker":
            await person.send_sticker_like()
        case "contact":
            await person.share_contact("+7 701 000 00 00", person.user.id)
        case "press":
            buttons = [(m, data) for m in person.chat for _, data in m.buttons()]
            if buttons:
                message, data = buttons[action.index % len(buttons)]
                await person.press_data(data, message)  # asserts that the press is answered
            else:
                await person.say("/start")
        case "forged":
            shown = person.chat[-1] if person.chat else None
            if shown is None:
                await person.say("/start")
                shown = person.chat[-1]
            await person.press_data(action.value, shown)


async def _run(sequence: list[Send]) -> None:
    failed = FailedUpdates()
    logging.getLogger("bot").addHandler(failed)
    try:
        with tempfile.TemporaryDirectory() as folder:
            world = await _world(Path(folder))
            try:
                people = await _set_the_scene(world)
                for action in sequence:
                    person = people[action.actor]
                    before = (len(person.chat), sum(m.edits for m in person.chat))
                    await _send(person, action)
                    if action.kind not in ("press", "forged"):
                        after = (len(person.chat), sum(m.edits for m in person.chat))
                        assert after != before, f"{action}: no reply"
                assert not failed.failures, failed.failures
                assert not any(SORRY in m.text for m in world.telegram.messages.values())
            finally:
                await world.runtime.engine.dispose()
    finally:
        logging.getLogger("bot").removeHandler(failed)


# Derandomised: the same examples on every run, so that CI is repeatable; raise max_examples
# locally when hunting.
@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, min_size=1, max_size=12))
def test_random_updates_in_every_state_are_answered_without_failing(sequence: list[Send]) -> None:
    asyncio.run(_run(sequence))
