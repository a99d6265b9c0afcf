"""Buttons whose payload carries a number no column can hold (2**70, as a forged button may):
refused as any unknown or forged button is, on every kind of button and for every role, with
nothing logged as a failure. Before, the handler ran and the driver failed the update with an
OverflowError (SQLite) or an out-of-range error (asyncpg): "something went wrong"."""

from __future__ import annotations

import logging
import typing
from enum import Enum

import pytest
from aiogram.filters.callback_data import CallbackData

from bot.infra import callbacks
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from tests.conversation.conftest import World
from tests.factories import TELEGRAM_IDS

HUGE = 2**70
NO_LONGER_WORKS = "This button no longer works. Press /start."


def _sample(annotation: object) -> str:
    """A value of the field's type that unpacks, as text."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return str(next(iter(annotation)).value)
    if annotation is bool:
        return "1"
    if annotation is str:
        return ""
    return "1"  # a number


def forged_payloads() -> list[tuple[str, str]]:
    """For every payload class and every whole number in it: the payload with that number 2**70."""
    forged = []
    for name in dir(callbacks):
        kind = getattr(callbacks, name)
        if not (isinstance(kind, type) and issubclass(kind, CallbackData) and kind is not CallbackData):
            continue
        hints = typing.get_type_hints(kind)
        fields = list(kind.model_fields)
        values = [_sample(hints[field]) for field in fields]
        for index, field in enumerate(fields):
            if kind.model_fields[field].annotation is int:
                parts = [*values[:index], str(HUGE), *values[index + 1 :]]
                forged.append((f"{name}.{field}", ":".join([kind.__prefix__, *parts])))
    return forged


FORGED = forged_payloads()


def test_every_number_in_a_payload_is_bounded() -> None:
    assert len(FORGED) > 30  # every kind of button with an id is covered
    for field, payload in FORGED:
        with pytest.raises(ValueError):
            callbacks.__dict__[field.split(".")[0]].unpack(payload)
    # With the column's largest value instead, the same payloads unpack: only the size is refused.
    for field, payload in FORGED:
        kind, name = callbacks.__dict__[field.split(".")[0]], field.split(".")[1]
        largest = next(rule.le for rule in kind.model_fields[name].metadata if hasattr(rule, "le"))
        assert getattr(kind.unpack(payload.replace(str(HUGE), str(largest))), name) == largest


class _Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


@pytest.mark.parametrize("role", [None, Role.HR, Role.HR_HEAD, Role.AUTHORISED])
async def test_buttons_with_ids_of_2_to_the_70_are_refused_like_forged_ones(
    world: World, role: Role | None
) -> None:
    await world.setup_staff()
    world.campaign_id = await world.running_round(["E1", "E2", "E3", "U1"])
    telegram_id = TELEGRAM_IDS["U1"]  # a head of unit, evaluated and evaluating
    if role is not None:
        async with world.runtime.sessionmaker() as session, session.begin():
            await grant_role(session, COMMAND_LINE, telegram_id, role, world.runtime.clock.now())
    person = world.person(telegram_id, "Ерлан", "en")
    await person.say("/start")
    refusal = world.runtime.i18n.gettext(NO_LONGER_WORKS, locale="kk")  # U1's staff record says kk
    failures = _Failures()
    logging.getLogger().addHandler(failures)
    try:
        for field, payload in FORGED:
            text, _alert = await person.press_data(payload, person.chat[-1])
            assert text == refusal, field
    finally:
        logging.getLogger().removeHandler(failures)
    assert failures.records == []
