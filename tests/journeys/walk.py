"""A journey walked through the real polling bot, recorded screen by screen.

Each step is what one person does (types a text, presses a button, sends a file) and what the
screens of the journey's people show afterwards: each new message and each message the bot
edited, in its final state after the step, with its buttons row by row as the person sees them.
The step waits until the bot has nothing left to do (its database says so: ``Walk.idle``) and
the screens are quiet, so that what a step shows does not depend on the machine's speed. ``Walk.markdown`` is the transcript."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tests.stand_in import BotApiStandIn, SentMessage

# Seconds without a change once the bot has nothing left to do (``Walk.idle``): every update
# handled, nothing due in the outbox, no report being built. What is left to wait for is a
# reply the bot has sent and the stand-in not yet counted.
QUIET = 0.2
# A step that never settles fails after this long; a passing step ends when the screens are quiet,
# so only a loaded machine (four bots starting at once under xdist) comes near it.
STEP_TIMEOUT = 90.0

# Values a transcript must not carry because they change from run to run, each replaced by a
# named placeholder. The data are fixed and the clock starts at the same moment each run
# (11:00 in Astana, frozen_bot.py), so only
# secrets generated at random and the minutes of the present moment are left: a journey lasts a
# minute or two, which a loaded machine stretches.
_UNSTABLE = (
    (re.compile(r"(\?start=)[A-Za-z0-9_-]+"), r"\1<invite-token>"),
    (re.compile(r"\b11:[0-2]\d\b"), "<11:MM, the time of the step>"),
)


def stable(text: str) -> str:
    for pattern, placeholder in _UNSTABLE:
        text = pattern.sub(placeholder, text)
    return text


@dataclass(frozen=True)
class Person:
    label: str  # how the transcript names them: "HR officer", "Respondent (E2)"
    chat: int


@dataclass
class Walk:
    stand_in: BotApiStandIn
    title: str
    people: list[Person]
    # Whether the bot has nothing left to do (conftest.Bot.idle); a step ends only then.
    idle: Callable[[], bool] = lambda: True
    # Where the bot stands, for a step that never settles (conftest.Bot.where): its threads' stacks.
    where: Callable[[], Awaitable[str]] | None = None
    sections: list[str] = field(default_factory=list)
    _shown: set[tuple[int, int]] = field(default_factory=set)  # messages already in the transcript

    # ----------------------------------------------------------------------------- actions

    async def type(
        self, who: Person, text: str, expect: str | None = None, shown: str | None = None
    ) -> SentMessage:
        """``who`` sends ``text`` (the transcript shows ``shown`` instead if given: a secret); the
        step ends when the bot is quiet and (if given) ``expect`` is on a screen of ``who``.
        Returns ``who``'s last message."""
        since = self.stand_in.version
        self.stand_in.send_text(who.chat, text)
        await self._step(f"{who.label} types `{stable(shown or text)}`", since, who, expect)
        return self.stand_in.last_message(who.chat)

    async def press(
        self,
        who: Person,
        data: str,
        expect: str | None = None,
        message: SentMessage | None = None,
        also: list[tuple[Person, str]] | None = None,
    ) -> SentMessage:
        """``who`` presses the button with callback data ``data`` on ``message`` (by default the
        latest message that carries it); the step ends when, besides, each (person, text) of
        ``also`` is on screen (what the press sends others). Returns that message as it is after
        the step."""
        target = message or self.carrying(who, data)
        label = next(b["text"] for b in target.buttons if b.get("callback_data") == data)
        since = self.stand_in.version
        query = self.stand_in.press(who.chat, target.message_id, data)
        await self._step(f"{who.label} presses «{label}»", since, who, expect, query=query, more=also)
        return self.stand_in.message(who.chat, target.message_id)

    async def press_label(
        self, who: Person, label: str, *, exact: bool = False, expect: str | None = None
    ) -> SentMessage:
        """``who`` presses, on their latest message with buttons, the first button whose text is
        ``label`` (``exact``) or begins with it: a wizard's buttons (a calendar's day, a time,
        "✔ Done") carry the framework's own data, so a person's way of finding them is the text."""
        for message in reversed(self.stand_in.messages_for(who.chat)):
            if not message.buttons:
                continue
            for b in message.buttons:
                text = str(b.get("text", ""))
                if text == label or (not exact and text.startswith(label)):
                    return await self.press(who, str(b["callback_data"]), expect=expect, message=message)
            raise LookupError(f"no button {label!r}:\n{self.stand_in.describe_chat(who.chat)}")
        raise LookupError(f"no message with buttons in chat {who.chat}")

    async def press_reply(self, who: Person, text_contains: str, expect: str | None = None) -> SentMessage:
        """``who`` taps a button of the reply keyboard (below the text field)."""
        since = self.stand_in.version
        sent = self.stand_in.press_reply_button(who.chat, text_contains)
        await self._step(
            f"{who.label} taps «{sent.get('text', text_contains)}» below the text field", since, who, expect
        )
        return self.stand_in.last_message(who.chat)

    async def upload(
        self, who: Person, data: bytes, file_name: str, mime: str, expect: str | None = None
    ) -> SentMessage:
        since = self.stand_in.version
        self.stand_in.send_document(who.chat, data, file_name, mime)
        await self._step(f"{who.label} sends the file `{file_name}`", since, who, expect)
        return self.stand_in.last_message(who.chat)

    async def outside(self, what: str, *expect: tuple[Person, str]) -> None:
        """Something done outside Telegram (a command on the server): a step of its own with
        what the journey's people receive because of it, ended when each (person, text) of
        ``expect`` is on screen. Call it after doing the thing. Name every message the step
        brings one chat: the bot spaces messages to a chat a second apart (Telegram's limit),
        longer than the quiet that ends a step."""
        since = self._last_recorded
        if not expect:
            await self._step(what, since, None, None)
            return
        (who, text), *more = expect
        await self._step(what, since, who, text, more=more)

    def mark(self) -> None:
        """What happened so far stays out of the next ``outside`` step."""
        self._last_recorded = self.stand_in.version

    def note(self, heading: str, lines: list[str]) -> None:
        """A section that is not a step: what a person sees outside the chat (the bot's profile,
        the "/" menu)."""
        body = [f"### {len(self.sections) + 1}. {heading}", "", "~~~", *map(stable, lines), "~~~", ""]
        self.sections.append("\n".join(body))

    # ----------------------------------------------------------------------------- reading

    def carrying(self, who: Person, data: str) -> SentMessage:
        """The latest message in ``who``'s chat with a button of callback data ``data``."""
        for message in reversed(self.stand_in.messages_for(who.chat)):
            if any(b.get("callback_data") == data for b in message.buttons):
                return message
        raise LookupError(f"no button {data!r} in chat {who.chat}:\n{self.stand_in.describe_chat(who.chat)}")

    def button(self, who: Person, prefix: str, label: str = "") -> str:
        """Callback data of the first button starting with ``prefix`` whose text contains
        ``label``, in ``who``'s latest message that has one."""
        for message in reversed(self.stand_in.messages_for(who.chat)):
            for b in message.buttons:
                data = str(b.get("callback_data", ""))
                if data.startswith(prefix) and label in str(b.get("text", "")):
                    return data
        raise LookupError(f"no {prefix!r} button with {label!r}:\n{self.stand_in.describe_chat(who.chat)}")

    def buttons(self, who: Person, prefix: str) -> list[str]:
        """Callback data of the buttons starting with ``prefix`` in ``who``'s latest message with any."""
        for message in reversed(self.stand_in.messages_for(who.chat)):
            found = [
                str(b["callback_data"])
                for b in message.buttons
                if str(b.get("callback_data", "")).startswith(prefix)
            ]
            if found:
                return found
        return []

    def screen_text(self, who: Person) -> str:
        """Everything in ``who``'s chat, newest last (for assertions)."""
        return "\n".join(m.text or "" for m in self.stand_in.messages_for(who.chat))

    # ----------------------------------------------------------------------------- recording

    _last_recorded: int = 0

    async def _step(
        self,
        heading: str,
        since: int,
        who: Person | None,
        expect: str | None,
        query: str | None = None,
        more: list[tuple[Person, str]] | None = None,
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STEP_TIMEOUT
        last, quiet_from = self.stand_in.version, loop.time()
        while True:
            await asyncio.sleep(0.05)
            now, version = loop.time(), self.stand_in.version
            if version != last:
                last, quiet_from = version, now
            changes = self._changes(since)
            answered = query is None or query in self.stand_in.callback_answers
            wanted = ([(who, expect)] if who is not None and expect is not None else []) + (more or [])
            found = (expect is None or who is not None) and all(
                any(text in (m.text or "") for m in changes if m.chat_id == person.chat)
                for person, text in wanted
            )
            moved = changes or query is not None or who is None
            settled = answered and found and moved and now - quiet_from >= QUIET
            if settled and self.stand_in.pending_updates() == 0 and self.idle():
                break
            if now > deadline:
                state = await self.where() if self.where is not None else ""
                raise TimeoutError(
                    f"step {heading!r}: expected {expect!r}; pending updates: "
                    f"{self.stand_in.pending_updates()}; bot idle: {self.idle()}; changes:\n"
                    + "\n".join(f"  {m.chat_id}: {m.describe()}" for m in changes)
                    + f"\n{state}"
                )
        self._last_recorded = self.stand_in.version
        self.sections.append(self._render(len(self.sections) + 1, heading, changes, query))

    def _changes(self, since: int) -> list[SentMessage]:
        """The final state of each message of the journey's people changed after ``since``."""
        chats = {p.chat for p in self.people}
        final: dict[tuple[int, int], SentMessage] = {}
        for message in self.stand_in.changes_since(since):
            if message.chat_id in chats:
                final[(message.chat_id, message.message_id)] = message
        return list(final.values())

    def _render(self, number: int, heading: str, changes: list[SentMessage], query: str | None) -> str:
        lines = [f"### {number}. {heading}", ""]
        if query is not None:
            answer = self.stand_in.callback_answers.get(query) or {}
            if answer.get("text"):
                kind = "alert" if answer.get("show_alert") else "toast"
                lines += [f"_{kind}:_ «{stable(str(answer['text']))}»", ""]
        order = {p.chat: i for i, p in enumerate(self.people)}
        names = {p.chat: p.label for p in self.people}
        for message in sorted(changes, key=lambda m: (order[m.chat_id], m.message_id)):
            key = (message.chat_id, message.message_id)
            verb = "edits message" if key in self._shown else "new message"
            self._shown.add(key)
            lines += [f"**{names[message.chat_id]}** — {verb} {message.message_id}{_kind(message)}:", ""]
            lines += ["~~~", stable(message.text or "").rstrip() or "(no text)", "~~~"]
            lines += [f"- `{row}`" for row in _rows(message)]
            lines.append("")
        if not changes:
            lines += ["(no screen changes)", ""]
        return "\n".join(lines)

    def markdown(self, intro: str) -> str:
        people = "\n".join(f"- {p.label}" for p in self.people)
        return f"# {self.title}\n\n{intro.strip()}\n\nPeople:\n\n{people}\n\n" + "\n".join(self.sections)


def _kind(message: SentMessage) -> str:
    if message.kind == "photo":
        return " (a picture)"
    if message.kind == "document":
        return f" (the file `{stable(message.file_name or '')}`{', protected' if message.protect_content else ''})"
    return " (protected)" if message.protect_content else ""


def _rows(message: SentMessage) -> list[str]:
    markup = message.reply_markup or {}
    rows: list[str] = []
    for row in markup.get("inline_keyboard", []):
        rows.append("  ".join(f"[ {b.get('text', '')} ]" for b in row))
    for row in markup.get("keyboard", []):
        texts = [b if isinstance(b, str) else b.get("text", "") for b in row]
        rows.append("keyboard: " + "  ".join(f"[ {t} ]" for t in texts))
    if markup.get("remove_keyboard"):
        rows.append("(keyboard removed)")
    return rows


Expect = Callable[[SentMessage], bool]
