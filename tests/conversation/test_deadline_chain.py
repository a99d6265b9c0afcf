"""Issue 5's "done when": a quarter runs from its start to the calibration protocol with no human
remembering a date. The only thing that moves is the clock; the bot's own scheduled job (the
deadline keeper: close the sessions whose day ended, plan reminders) and the outbox run three
times a working day, and the people do something only when the bot has told them to.

Q4 2025 starts on Monday 1 December 2025; its deadline is Saturday 10 January 2026. 7 January
is a holiday (Orthodox Christmas), which every working-day count below skips.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.factory import create_delivery, plan_reminders_now
from bot.infra.callbacks import CalibrationVoteCb
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from tests.conversation.conftest import FixedClock, World
from tests.conversation.harness import Person, ShownMessage
from tests.conversation.test_appeals import AUTHORISED, _appeal_row, _pdf_text, set_session
from tests.conversation.test_quarterly import _in_english, _quarter, _score_person
from tests.factories import TELEGRAM_IDS

TICKS_UTC = (4, 10, 14)  # 09:00, 15:00 and 19:00 in Almaty


class Keeper:
    """The scheduler, run at fixed times of every day; it never skips ahead to an event."""

    def __init__(self, world: World) -> None:
        clock = world.runtime.clock
        assert isinstance(clock, FixedClock)
        self.world, self.clock = world, clock

    async def run(self) -> None:
        await plan_reminders_now(self.world.runtime)
        await create_delivery(self.world.runtime, self.world.bot).deliver_pending()

    def _next_tick(self) -> datetime:
        now = self.clock.current
        for day in range(3):
            for hour in TICKS_UTC:
                tick = datetime.combine(now.date() + timedelta(days=day), datetime.min.time(), UTC)
                tick = tick.replace(hour=hour)
                if tick > now:
                    return tick
        raise AssertionError("unreachable")

    async def until(self, happened: Callable[[], bool], *, latest: datetime) -> datetime:
        """Run tick after tick until ``happened``; the moment it did, or a failure after ``latest``."""
        while True:
            await self.run()
            if happened():
                return self.clock.current
            self.clock.current = self._next_tick()
            assert self.clock.current <= latest, "the bot never got to it"


def _with(person: Person, prefix: str) -> list[ShownMessage]:
    return [m for m in person.chat if any(d.startswith(prefix) for _, d in m.buttons())]


def _local(moment: datetime) -> str:
    return (moment + timedelta(hours=5)).strftime("%d.%m.%Y %H:%M")


async def test_a_quarter_runs_to_the_protocol_with_nobody_remembering_a_date(world: World) -> None:
    await _quarter(world)
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, AUTHORISED, Role.AUTHORISED, world.runtime.clock.now())
    keeper = Keeper(world)
    manager = await _in_english(world.person(TELEGRAM_IDS["U1"], "Ерлан", "en"))
    john = world.person(TELEGRAM_IDS["E2"], "John", "en")
    authorised = await _in_english(world.person(AUTHORISED, "Нұрлан", "en"))

    # The manager puts the sheets off until the first reminder: 3 working days before the last
    # working day (Friday 9 January), skipping the 7th: Monday 5 January, 09:00.
    reminded = await keeper.until(
        lambda: any("Reminder" in m.text for m in manager.chat), latest=datetime(2026, 1, 10, tzinfo=UTC)
    )
    assert _local(reminded) == "05.01.2026 09:00"
    await _score_person(manager, "John", [3, 3, 3, 3], "Мерзімдер бұзылды.")

    # John does not open his result; the next working morning it comes again, and he reads it.
    again = await keeper.until(lambda: len(_with(john, "ack:")) == 2, latest=datetime(2026, 1, 9, tzinfo=UTC))
    assert _local(again) == "06.01.2026 09:00"
    await john.press("I have read it", _with(john, "ack:")[-1])
    await john.press("I disagree", john.last_with_buttons())
    assert "You can apply until 14.01.2026." in john.last.text  # 5 working days, the 7th skipped
    await john.say("Барлық тапсырмалар уақытында орындалды.")
    await john.press("Send")

    # The authorised person is told at once, then reminded on the last of the 3 working days.
    due = await keeper.until(
        lambda: len(_with(authorised, "cs:")) == 2, latest=datetime(2026, 1, 20, tzinfo=UTC)
    )
    assert _local(due) == "12.01.2026 09:00"
    await set_session(
        authorised, authorised.chat[-1], (await _appeal_row(world))[0], "D1 U2 E4 E5 E1", 16, "15:00"
    )
    assert "The session is set" in authorised.last.text

    # The members hear nothing more until the session's morning, then vote at the session; two
    # never do. The day's end decides on the three votes cast: a majority of the five.
    members = {code: world.person(TELEGRAM_IDS[code], code, "en") for code in ("D1", "U2", "E4", "E5", "E1")}
    morning = await keeper.until(
        lambda: all(len(_with(m, "cv:")) == 2 for m in members.values()),
        latest=datetime(2026, 1, 17, tzinfo=UTC),
    )
    assert _local(morning) == "16.01.2026 09:00"
    await keeper.until(lambda: keeper.clock.current.hour == 10, latest=datetime(2026, 1, 17, tzinfo=UTC))
    appeal_id = (await _appeal_row(world))[0]
    for code in ("U2", "E4", "E5"):
        member = members[code]
        await member.press_data(
            CalibrationVoteCb(appeal=appeal_id, support=False).pack(), _with(member, "cv:")[-1]
        )
        await member.say("4,00 Мерзімдер сақталды")
    assert (await _appeal_row(world))[1] == "session"
    protocols = world.telegram.documents
    decided = await keeper.until(lambda: bool(protocols), latest=datetime(2026, 1, 22, tzinfo=UTC))
    assert _local(decided) == "16.01.2026 19:00"  # within the 3 working days the protocol is due in

    assert (await _appeal_row(world))[1:5] == ("decided", Decimal("3.00"), Decimal("4.00"), "raised")
    [(name, data)] = protocols.values()
    text = _pdf_text(data)
    assert (
        name.startswith("calibration-")
        and text.count("did not vote") == 2
        and text.count("proposes 4.00") == 3
    )
    assert "the score is raised" in john.last.text and "<b>4.00</b>" in john.last.text
    assert "feedback meeting" in manager.last.text
