"""A people picker for wizards: type part of a name or an employee id, the matches come back as
buttons, eight to a page (aiogram-dialog's ``TextInput``, ``Select``/``Multiselect`` and
``ScrollingGroup``).

A button carries the person's row id, so what is chosen is someone who exists: typing a name
where an id was asked is never taken for an id (issue 19, finding 4). An employee id typed
exactly is taken at once (several, separated by commas or spaces, in the multi-select
variant). The multi-select variant keeps the people chosen at the top of the list, checked,
whatever is searched next, and ends with "✔ Done".

A one-person picker may hand other typed text to the wizard (``on_other``): the role wizard
takes a Telegram id there, for accounts outside the staff list.

Who may be chosen is the wizard's: ``people(manager)`` reads them through storage/ (everyone
active, the people a round evaluates…); the picker only matches and pages.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from html import escape
from typing import Any

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import ChatEvent, DialogManager, ShowMode
from aiogram_dialog.widgets.input import TextInput
from aiogram_dialog.widgets.kbd import Button, ManagedMultiselect, Multiselect, ScrollingGroup, Select
from aiogram_dialog.widgets.text import Format

from bot.infra.dialogs import Tr, __, pager, refuse
from storage.dto import EmployeeDTO

PAGE_SIZE = 8
IDS = re.compile(r"[^\s,;]+")

People = Callable[[DialogManager], Awaitable[Sequence[EmployeeDTO]]]
OnPick = Callable[[ChatEvent, DialogManager, EmployeeDTO], Awaitable[None]]
OnDone = Callable[[ChatEvent, DialogManager, list[EmployeeDTO]], Awaitable[None]]
# Typed text that is nobody's employee id and matches no name: True when the wizard took it
# (a Telegram account outside the staff list, named by its id), False to search as usual.
OnOther = Callable[[Message, DialogManager, str], Awaitable[bool]]


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


def label(person: EmployeeDTO) -> str:
    return f"{person.full_name} ({person.employee_id})"


class PeoplePicker:
    """The widgets of one picker, to put in a window (``*picker.widgets``, with
    ``picker.getter`` among the window's getters and ``picker.status`` in its text)."""

    def __init__(
        self,
        id: str,
        people: People,
        *,
        on_pick: OnPick | None = None,
        on_done: OnDone | None = None,
        on_other: OnOther | None = None,
    ) -> None:
        if (on_pick is None) == (on_done is None):
            raise ValueError("a picker either picks one person (on_pick) or several (on_done)")
        if on_other is not None and on_pick is None:
            raise ValueError("only a picker of one person hands on other typed text (on_other)")
        self.id, self.people, self.on_pick, self.on_done = id, people, on_pick, on_done
        self.on_other = on_other
        self.multi = on_done is not None
        self.search = TextInput(id=f"{id}_search", on_success=self._typed)
        choice: Select[int]
        if self.multi:
            choice = Multiselect(
                Format("✅ {item[0]}"),
                Format("{item[0]}"),
                id=f"{id}_chosen",
                item_id_getter=lambda item: item[1],
                items=f"{id}_items",
                type_factory=int,
            )
        else:
            choice = Select(
                Format("{item[0]}"),
                id=f"{id}_one",
                item_id_getter=lambda item: item[1],
                items=f"{id}_items",
                type_factory=int,
                on_click=self._clicked,
            )
        self.pages = ScrollingGroup(choice, id=f"{id}_pages", width=1, height=PAGE_SIZE, hide_pager=True)
        self.done = Button(
            Tr(__("✔ Done ({count})"), count=f"{id}_count"),
            id=f"{id}_done",
            on_click=self._finished,
            when=f"{id}_any",
        )
        self.status = Format("{" + id + "_status}")

    @property
    def widgets(self) -> tuple[Any, ...]:
        listed = (self.search, self.pages, pager(self.pages))
        return (*listed, self.done) if self.multi else listed

    # ------------------------------------------------------------------ state

    def query(self, manager: DialogManager) -> str:
        return str(manager.dialog_data.get(f"{self.id}_query", ""))

    def _chosen_widget(self, manager: DialogManager) -> ManagedMultiselect[int]:
        found = manager.find(f"{self.id}_chosen")
        assert isinstance(found, ManagedMultiselect)
        return found

    def chosen_ids(self, manager: DialogManager) -> list[int]:
        return list(self._chosen_widget(manager).get_checked()) if self.multi else []

    async def reset(self, manager: DialogManager) -> None:
        """Forget the search and the people chosen (a new person's respondents)."""
        manager.dialog_data.pop(f"{self.id}_query", None)
        if self.multi:
            await self._chosen_widget(manager).reset_checked()  # type: ignore[no-untyped-call]

    # ------------------------------------------------------------------ rendering

    async def getter(self, dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
        pool = await self.people(dialog_manager)
        query = self.query(dialog_manager)
        found = matching(pool, query)
        chosen_ids = set(self.chosen_ids(dialog_manager))
        chosen = sorted((p for p in pool if p.id in chosen_ids), key=lambda p: p.full_name.casefold())
        items = [(label(p), p.id) for p in chosen] + [
            (label(p), p.id) for p in found if p.id not in chosen_ids
        ]
        return {
            f"{self.id}_items": items,
            f"{self.id}_any": bool(chosen),
            f"{self.id}_count": len(chosen),
            f"{self.id}_status": self._status(query, found, chosen),
        }

    def _status(self, query: str, found: list[EmployeeDTO], chosen: list[EmployeeDTO]) -> str:
        lines = []
        if chosen:
            lines.append(
                _("Chosen ({count}): {names}").format(
                    count=len(chosen), names=escape(", ".join(p.short_name for p in chosen))
                )
            )
        if not query:
            pass  # the window's question says what to type
        elif not found:
            lines.append(
                _("Nobody matches “{text}”. Type part of the name or the employee id again.").format(
                    text=escape(query)
                )
            )
        else:
            lines.append(
                _("Found for “{text}”: {count}. Press a name.").format(text=escape(query), count=len(found))
            )
        return "\n".join(lines)

    # ------------------------------------------------------------------ events

    async def _typed(self, message: Message, _widget: Any, manager: DialogManager, text: str) -> None:
        text = " ".join(text.split())
        pool = await self.people(manager)
        if not self.multi:
            person = exact(pool, text)
            if person is not None and self.on_pick is not None:
                await self.on_pick(message, manager, person)
                return
            if (
                self.on_other is not None
                and not matching(pool, text)
                and await self.on_other(message, manager, text)
            ):
                return
        # From here the picker is drawn again, under what was typed, and its old message goes:
        # one picker on screen, not a trail of them with their buttons taken away (the library's
        # way with typed text). ``on_pick`` and ``on_other`` above keep the library's way: their
        # wizard goes on.
        manager.show_mode = ShowMode.DELETE_AND_SEND
        if self.multi:
            tokens = IDS.findall(text)
            people = [exact(pool, token) for token in tokens]
            if len(tokens) > 1 or all(people):
                unknown = [t for t, p in zip(tokens, people, strict=True) if p is None]
                chosen = self._chosen_widget(manager)
                for person in people:
                    if person is not None:
                        await chosen.set_checked(person.id, True)
                manager.dialog_data.pop(f"{self.id}_query", None)
                if unknown:
                    await refuse(
                        manager,
                        _("Nobody with these employee ids: {ids}").format(ids=escape(", ".join(unknown))),
                    )
                return
        manager.dialog_data[f"{self.id}_query"] = text
        await self.pages.managed(manager).set_page(0)

    async def _clicked(self, event: ChatEvent, _widget: Any, manager: DialogManager, person_id: int) -> None:
        pool = await self.people(manager)
        person = next((p for p in pool if p.id == person_id), None)
        if person is None:  # an old list: the person is no longer among those to choose from
            await refuse(manager, _("This person can no longer be chosen here: choose another one."))
            return
        assert self.on_pick is not None
        await self.on_pick(event, manager, person)

    async def _finished(self, event: ChatEvent, _button: Any, manager: DialogManager) -> None:
        pool = {p.id: p for p in await self.people(manager)}
        chosen = [pool[i] for i in self.chosen_ids(manager) if i in pool]
        assert self.on_done is not None
        await self.on_done(event, manager, chosen)
