"""HR's results owed in writing to people who left the body (clause 11, second part): the
list, the letter to print, and the record of how it was sent. HR only (clause 20): the list and
the record for HR officers and the head of HR, the letter (it shows the result) for the head."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.config import Settings
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from bot.quarterly import written
from bot.quarterly.written_rules import parse_delivery
from bot.quarterly.written_screens import delivery_text, notices_text, usage_text
from bot.reports.files import written_letter
from bot.staff.access import Actor, audit
from bot.survey360.rounds import CampaignError
from handlers.filters import HasPermission

HR_SIDE = frozenset({Permission.RUN_ROUNDS, Permission.VIEW_RESULTS})


def create_router() -> Router:
    router = Router(name="hr-written-notices")
    router.message.filter(HasPermission())
    router.message.register(on_list, Command("written"))
    router.message.register(on_delivered, Command("delivered"))
    router.message.register(on_letter, Command("letter"))
    return router


async def on_list(
    message: Message,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    permissions: frozenset[Permission],
) -> None:
    if not permissions & HR_SIDE:
        await message.answer(_("Your role does not allow this."))
        return
    rows = await written.notices(session, today=clock.today(), calendar=calendar)
    await message.answer(notices_text(rows), protect_content=True)


async def on_delivered(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    calendar: WorkCalendar,
    settings: Settings,
    actor: Actor,
    permissions: frozenset[Permission],
) -> None:
    if not permissions & HR_SIDE:
        await message.answer(_("Your role does not allow this."))
        return
    parsed = parse_delivery(command.args)
    if parsed is None:
        await message.answer(usage_text())
        return
    sheet_id, channel, sent_on, reference = parsed
    outcome = await written.record_delivery(
        session,
        actor,
        sheet_id,
        channel=channel,
        sent_on=sent_on,
        reference=reference,
        today=clock.today(),
        now=clock.now(),
        calendar=calendar,
        zone=settings.zone,
    )
    await message.answer(delivery_text(outcome))


async def on_letter(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    actor: Actor,
    permissions: frozenset[Permission],
) -> None:
    if Permission.VIEW_RESULTS not in permissions:  # the letter shows the result (clause 20)
        await message.answer(
            _("Only the head of HR may download the letter: it shows the result (clause 20).")
        )
        return
    args = (command.args or "").strip()
    if not args.isdigit():
        await message.answer(_("Write the number from /written after /letter, e.g. /letter 12."))
        return
    try:
        file = await written_letter(session, int(args), clock.now())
    except CampaignError:
        await message.answer(_("There is no result owed in writing under this number."))
        return
    notice = await written.notice(session, int(args))
    assert notice is not None  # the letter was built from it
    target, ref = written.audit_target(notice)
    await audit(session, actor, written.audit_action(notice, "written_letter"), target, ref, at=clock.now())
    await message.answer_document(BufferedInputFile(file.data, file.name), protect_content=True)
