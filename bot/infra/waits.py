"""Waits outside the wizards: an aiogram FSM state that waits for one typed text (a comment, an
application, a conclusion) or one file (a plans table, the staff list's confirmation). Each is
declared as a ``Waiting`` state in its StatesGroup, with what stopping it means; its prompt
carries ``cancel_markup`` (✖ Cancel), and handlers/cancel.py ends any of them, by that button
or by /cancel, in the reader's language, as the wizards' ✖ Cancel and /cancel do theirs
(bot/infra/dialogs)."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.fsm.state import State
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.infra.callbacks import Wait, WaitCancelCb

Stopped = Callable[[], str]

_WAITS: dict[Wait, Waiting] = {}


class Waiting(State):
    """A state waiting for one message; ``stopped()`` says what its ✖ Cancel and /cancel stop."""

    def __init__(self, wait: Wait, stopped: Stopped) -> None:
        super().__init__()
        if wait in _WAITS:
            raise ValueError(f"the wait {wait} is declared twice")
        self.wait, self.stopped = wait, stopped
        _WAITS[wait] = self


def waiting(state: str | None) -> Waiting | None:
    """The wait the FSM is in (``FSMContext.get_state()``), if it is one."""
    return next((w for w in _WAITS.values() if w.state == state), None) if state else None


def cancel_button(wait: Waiting) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("✖ Cancel"), callback_data=WaitCancelCb(wait=wait.wait).pack())


def cancel_markup(wait: Waiting) -> InlineKeyboardMarkup:
    """The prompt's keyboard: ✖ Cancel alone."""
    return InlineKeyboardMarkup(inline_keyboard=[[cancel_button(wait)]])
