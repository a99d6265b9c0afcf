"""The notice registry (bot/infra/notices.py): every outbox kind the features queue has one
composer, registered by the feature that owns it; the transport knows none of them."""

from __future__ import annotations

import pytest

import bot.factory  # noqa: F401 (the composition root imports every feature's notices)
from bot.broadcasts.notices import broadcast_notice
from bot.calibration.screens import CALIBRATION_KINDS
from bot.deadlines.hr_notices import HR_KINDS
from bot.deadlines.keeper import REPORT_AGAIN
from bot.deadlines.notices import REMINDER_KINDS, SHEET_REMINDER_KINDS
from bot.infra.notices import compose, notice, registered_kinds
from bot.legacy2018.notices import LEGACY_KINDS
from bot.legacy2018.service import LEGACY_APPROVAL
from bot.quarterly.notices import QUARTERLY_KINDS
from bot.reports.jobs import REPORT_INTERRUPTED
from bot.survey360.progress import DEADLINE_MOVED
from bot.survey360.rounds import REPORT_360, ROUND_STARTED
from storage.broadcasts import BROADCAST
from storage.dto import OutboxDTO


def test_every_kind_has_its_composer() -> None:
    expected = (
        HR_KINDS
        | CALIBRATION_KINDS
        | QUARTERLY_KINDS
        | LEGACY_KINDS
        | REMINDER_KINDS
        | SHEET_REMINDER_KINDS
        | {LEGACY_APPROVAL, ROUND_STARTED, REPORT_360, REPORT_AGAIN, BROADCAST, REPORT_INTERRUPTED}
        | {DEADLINE_MOVED}
    )
    assert registered_kinds() == expected


def test_a_kind_has_one_owner() -> None:
    with pytest.raises(ValueError, match="'broadcast' is composed by broadcast_notice already"):

        @notice(BROADCAST)
        async def another(context, item):
            return []

    assert broadcast_notice is not None


async def test_an_unknown_kind_is_refused() -> None:
    item = OutboxDTO(id=1, kind="no_such_kind", ref_id=1, recipient_id=None, chat_id=None, attempts=0)
    with pytest.raises(ValueError, match="unknown outbox kind 'no_such_kind'"):
        await compose(None, item)  # type: ignore[arg-type]
