"""Calibration's notices: the session set, the vote asked for and due, the result."""

from __future__ import annotations

from bot.calibration.screens import CALIBRATION_KINDS, calibration_notice
from bot.infra.notices import NoticeContext, Part, notice, parts_of
from storage.dto import OutboxDTO


@notice(*CALIBRATION_KINDS)
async def calibration_parts(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    notices = await calibration_notice(
        context.session, context.profile, item.kind, item.ref_id, context.person()
    )
    return parts_of(notices, why_none="nothing to report")
