"""The staff list sent as a document: validated, previewed, imported only on confirmation."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Document, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import StaffImportAction, StaffImportCb, Wait
from bot.infra.waits import Waiting
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.staff.access import Actor, audit
from bot.staff.files import load_staff_upload
from bot.staff.hr_screens import (
    not_joined_links,
    person_card,
    staff_errors,
    staff_imported,
    staff_preview,
    unbind_reply,
)
from bot.staff.people import import_staff, invite_links, invites_csv, preview_import, unbind_person
from handlers.filters import HasPermission
from handlers.screens import edit_in_place, live_message
from storage.dto import EmployeeDTO
from storage.staff.employees import EmployeeRepo
from storage.survey360.answers import AnswerRepo

MAX_FILE_BYTES = 5 * 1024 * 1024
STAFF_SUFFIXES = (".csv", ".xlsx")


class StaffUpload(StatesGroup):
    # data: the uploaded file's file_id and name, nothing else; its ✖ Cancel is handlers/cancel.py's
    confirming = Waiting(Wait.STAFF_IMPORT, lambda: _("Import cancelled: nothing changed."))


def create_router() -> Router:
    router = Router(name="hr-staff")
    router.message.filter(HasPermission(Permission.MANAGE_STAFF))
    router.callback_query.filter(HasPermission(Permission.MANAGE_STAFF))
    router.message.register(on_staff_file, F.document.file_name.lower().endswith(STAFF_SUFFIXES))
    router.callback_query.register(on_confirm, StaffImportCb.filter(F.action == StaffImportAction.CONFIRM))
    router.message.register(on_find, Command("find"))
    router.message.register(on_invites, Command("invites"))
    router.message.register(on_unbind, Command("unbind"))
    return router


async def _read(bot: Bot, document: Document) -> bytes | None:
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        return None
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None
    return downloaded.read()


async def on_staff_file(
    message: Message, bot: Bot, session: AsyncSession, clock: Clock, state: FSMContext
) -> None:
    document = message.document
    assert document is not None and document.file_name is not None
    data = await _read(bot, document)
    if data is None:
        await message.answer(_("The file is larger than 5 MB. Please send the staff list as CSV or XLSX."))
        return
    validation = await load_staff_upload(data, document.file_name, clock.today())
    if not validation.ok:
        await state.clear()
        await message.answer(staff_errors(document.file_name, validation.errors))
        return
    summary = await preview_import(session, validation, clock.today())
    assert summary is not None
    await state.set_state(StaffUpload.confirming)
    await state.update_data(file_id=document.file_id, file_name=document.file_name)
    text, markup = staff_preview(document.file_name, len(validation.records), summary, StaffUpload.confirming)
    await message.answer(text, reply_markup=markup)


async def on_confirm(
    query: CallbackQuery,
    bot: Bot,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    actor: Actor,
    profile: Profile,
) -> None:
    if await live_message(query) is None:
        return
    upload = await state.get_data()
    if await state.get_state() != StaffUpload.confirming.state or "file_id" not in upload:
        await query.answer(_("Nothing to import: send the staff list again."), show_alert=True)
        return
    downloaded = await bot.download(upload["file_id"])
    assert downloaded is not None
    # Validated again: the import is decided by what is stored now, not by the preview.
    validation = await load_staff_upload(downloaded.read(), upload["file_name"], clock.today())
    summary = await import_staff(session, validation, clock.today())
    await state.clear()
    if summary is None:
        await edit_in_place(query, staff_errors(upload["file_name"], validation.errors), None)
        await query.answer()
        return
    await audit(
        session,
        actor,
        "staff.import",
        "staff_list",
        upload["file_name"],
        at=clock.now(),
        details={"new": summary.new, "changed": summary.changed, "left": summary.left},
    )
    # The 2018 method has no quarterly evaluation: /quarters is not offered under it.
    text = staff_imported(summary, clock.today().year, quarterly=profile.legacy is None)
    await edit_in_place(query, text, None)
    await query.answer()


async def on_find(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor, clock: Clock
) -> None:
    text = (command.args or "").strip()
    if len(text) < 2:
        await message.answer(
            _(
                "Write a name (at least 2 letters) or an employee id after /find, e.g. /find Aigerim. "
                "Or send /find alone to choose the person from a list."
            )
        )
        return
    found = await EmployeeRepo(session).search(text)
    if not found:
        await message.answer(_("Nobody found for “{text}”.").format(text=escape(text)))
        return
    await message.answer(await person_cards(session, actor, clock, found))


async def person_cards(session: AsyncSession, actor: Actor, clock: Clock, found: list[EmployeeDTO]) -> str:
    """What /find shows of the people found: a card each (their open questionnaires counted,
    never their answers); the look-up is audited, without what was searched."""
    employees, answers = EmployeeRepo(session), AnswerRepo(session)
    managers = await employees.many({p.manager_id for p in found if p.manager_id is not None})
    cards = [
        person_card(
            p, managers.get(p.manager_id) if p.manager_id else None, len(await answers.open_tasks(p.id))
        )
        for p in found
    ]
    await audit(session, actor, "staff.find", "query", None, at=clock.now(), details={"results": len(found)})
    return "\n\n".join(cards)


async def send_invites(message: Message, session: AsyncSession, bot: Bot) -> None:
    """The personal links of everyone who has not joined, as a CSV for HR to hand out."""
    me = await bot.me()
    links = await invite_links(session, me.username or "")
    await message.answer(not_joined_links(len(links)))
    if links:
        # Not protected: HR passes the links on by e-mail, so the file must be saved and
        # forwarded. A link is personal (it joins its owner's account), but it holds no score or
        # answer that clause 20 keeps from HR; the caption says to give each only to its owner.
        await message.answer_document(
            BufferedInputFile(invites_csv(links).encode("utf-8-sig"), filename="invites.csv"),
            caption=_("Each link is personal: send it only to the person it names, never to a group."),
        )


async def on_invites(message: Message, session: AsyncSession, bot: Bot, actor: Actor, clock: Clock) -> None:
    await send_invites(message, session, bot)
    await audit(session, actor, "staff.invites", "staff_list", None, at=clock.now())


async def on_unbind(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor, clock: Clock
) -> None:
    """/unbind ID: the only way to move a joined person to another Telegram account."""
    parts = (command.args or "").split()
    if len(parts) != 1:
        await message.answer(
            _(
                "Usage: /unbind ID — ID is the person's employee id, as in the staff list. "
                "Or send /unbind alone to choose the person from a list."
            )
        )
        return
    result = await unbind_person(session, actor, parts[0], clock.now())
    await message.answer(unbind_reply(parts[0], result))
