"""A paged people picker: HR types part of a name or an employee id, the matches come back as
buttons. Typing a name where an id was asked must never be taken for an id (issue 19,
finding 4): a button carries the person's row id, so what is chosen is someone who exists."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.infra.callbacks import PersonPickCb, PickAction
from storage.dto import EmployeeDTO

PAGE_SIZE = 8
Rendered = tuple[str, InlineKeyboardMarkup]


def matching(people: Sequence[EmployeeDTO], text: str) -> list[EmployeeDTO]:
    """Whose name or employee id contains ``text`` (any case), by name. Pure."""
    needle = " ".join(text.split()).casefold()
    if not needle:
        return []
    found = [p for p in people if needle in p.full_name.casefold() or needle in p.employee_id.casefold()]
    return sorted(found, key=lambda p: (p.full_name.casefold(), p.employee_id))


def exact(people: Sequence[EmployeeDTO], text: str) -> EmployeeDTO | None:
    """The one person whose employee id is ``text`` as typed (any case), if any."""
    wanted = text.strip().casefold()
    found = [p for p in people if p.employee_id.casefold() == wanted]
    return found[0] if len(found) == 1 else None


def _button(text: str, action: PickAction, person: int = 0, page: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=PersonPickCb(action=action, person=person, page=page).pack()
    )


def step_buttons(*, back: bool) -> list[list[InlineKeyboardButton]]:
    """The way out of a step: back to the step before (when there is one) and cancel."""
    row = [_button(_("◀ Back"), PickAction.BACK)] if back else []
    return [[*row, _button(_("✖ Cancel"), PickAction.CANCEL)]]


def step_markup(*, back: bool) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=step_buttons(back=back))


def picker(text: str, found: Sequence[EmployeeDTO], page: int) -> Rendered:
    """One page of the matches for ``text``; an empty ``found`` says so and asks again."""
    if not found:
        return (
            _(
                "Nobody evaluated in this round matches “{text}”. Type part of the name or the employee id again."
            ).format(text=escape(text)),
            step_markup(back=False),
        )
    pages = (len(found) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    shown = found[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [[_button(f"{p.full_name} ({p.employee_id})", PickAction.PICK, p.id)] for p in shown]
    turn = []
    if page > 0:
        turn.append(_button(_("◀ Previous"), PickAction.PAGE, page=page - 1))
    if page + 1 < pages:
        turn.append(_button(_("Next ▶"), PickAction.PAGE, page=page + 1))
    if turn:
        rows.append(turn)
    header = _("Found for “{text}”: {count}. Choose the person.").format(text=escape(text), count=len(found))
    if pages > 1:
        header += "\n" + _("Page {page} of {pages}").format(page=page + 1, pages=pages)
    return header, InlineKeyboardMarkup(inline_keyboard=[*rows, *step_buttons(back=False)])
