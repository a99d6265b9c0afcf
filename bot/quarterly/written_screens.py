"""HR's screens for the results owed in writing to people who left (clause 11, second part)."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.infra.callbacks import WrittenAction, WrittenCb
from bot.infra.formatting import format_date
from bot.quarterly.written import (
    Channel,
    DeliveryOutcome,
    DeliveryRefusal,
    WrittenNoticeDTO,
    WrittenNoticeRow,
)


def channel_label(channel: Channel) -> str:
    return {
        Channel.REGISTERED_LETTER: _("registered letter with notice of delivery"),
        Channel.TELEPHONOGRAM: _("telephonogram"),
        Channel.TELEGRAM: _("telegram"),
        Channel.SMS: _("text message to the mobile number"),
        Channel.EMAIL: _("e-mail"),
        Channel.OTHER: _("other means that record the message"),
    }[channel]


def usage_text() -> str:
    channels = "\n".join(f"<code>{c.value}</code> — {channel_label(c)}" for c in Channel)
    return _(
        "Record how a result was sent: /delivered number channel DD.MM.YYYY reference, e.g. "
        "<code>/delivered 12 letter 05.01.2026 KZ123456789</code>. Channels:\n{channels}"
    ).format(channels=channels)


def about(notice: WrittenNoticeDTO) -> str:
    """What the notice is about: a quarter, a 360 year, a 2018-method year."""
    if notice.kind == "360":
        return _("360 evaluation {year}").format(year=notice.year)
    if notice.kind == "2018":
        return _("{year} year (2018 method)").format(year=notice.year)
    return _("Q{quarter} {year}").format(quarter=notice.quarter, year=notice.year)


def notices_text(rows: list[WrittenNoticeRow]) -> str:
    if not rows:
        return _("No results are owed in writing to people who left the body.")
    lines = [
        _(
            "<b>Results to deliver in writing</b> to people who left the body (clause 11): within 2 working "
            "days of the evaluation, by registered letter, telephonogram, telegram, text message or e-mail."
        )
    ]
    for row in rows:
        notice = row.notice
        head = f"№{notice.id} · {escape(notice.full_name)} ({escape(notice.employee_code)}) · {about(notice)}"
        if notice.sent_on is not None and notice.channel is not None and row.appeal_closes is not None:
            state = _("sent {date} by {channel}, ref. {reference}; may apply until {closes}").format(
                date=format_date(notice.sent_on),
                channel=channel_label(Channel(notice.channel)),
                reference=escape(notice.reference or ""),
                closes=format_date(row.appeal_closes),
            )
        elif notice.sent_on is not None and notice.channel is not None:
            state = _("sent {date} by {channel}, ref. {reference}").format(
                date=format_date(notice.sent_on),
                channel=channel_label(Channel(notice.channel)),
                reference=escape(notice.reference or ""),
            )
        elif row.overdue:
            state = _("⚠️ overdue: was due {date}").format(date=format_date(notice.due_on))
        else:
            state = _("due {date}").format(date=format_date(notice.due_on))
        lines.append(f"{head}\n    {state}")
    lines.append(
        _("The letter with the sheet: /letter number (head of HR). {usage}").format(usage=usage_text())
    )
    return "\n\n".join(lines)


def delivery_text(outcome: DeliveryOutcome) -> str:
    if outcome.unknown:
        return _("There is no result owed in writing under this number.")
    if outcome.already:
        return _("This delivery is recorded already.")
    if outcome.refusal is DeliveryRefusal.FUTURE:
        return _("The date is in the future: record a delivery once it is sent.")
    if outcome.refusal is DeliveryRefusal.BEFORE_RESULT:
        return _("The date is before the evaluation was submitted.")
    if outcome.refusal is DeliveryRefusal.EMPTY_REFERENCE:
        return _("Give the reference that finds the record of the message: the letter's number, and so on.")
    if outcome.refusal is DeliveryRefusal.TOO_LONG:
        return _("The reference is too long.")
    if outcome.appeal_closes is None:  # a 360 or 2018-method result: no appeal in the bot
        return _("Recorded.")
    return _(
        "Recorded. The person may apply for a calibration session until {date} (5 working days, clause 12)."
    ).format(date=format_date(outcome.appeal_closes))


def notice_label(row: WrittenNoticeRow) -> str:
    """A notice's button in the wizards: its number, the person, the result; ⚠️ when overdue."""
    notice = row.notice
    mark = "⚠️ " if row.overdue else ""
    return f"{mark}№{notice.id} · {notice.full_name} · {about(notice)}"


def notices_markup(rows: list[WrittenNoticeRow], *, may_download: bool) -> InlineKeyboardMarkup | None:
    """Under the list: record a delivery (while one is owed), and the letter (the head of HR)."""
    buttons = []
    if any(row.notice.sent_on is None for row in rows):
        buttons.append(
            InlineKeyboardButton(
                text=_("✉ Record a delivery"), callback_data=WrittenCb(action=WrittenAction.DELIVERED).pack()
            )
        )
    if rows and may_download:
        buttons.append(
            InlineKeyboardButton(
                text=_("📄 Letter"), callback_data=WrittenCb(action=WrittenAction.LETTER).pack()
            )
        )
    return InlineKeyboardMarkup(inline_keyboard=[buttons]) if buttons else None


def delivery_summary(row: WrittenNoticeRow, channel: Channel, sent_on: date, reference: str) -> str:
    return _(
        "<b>Record this delivery?</b>\n\n{notice}\nChannel: {channel}\nSent on: {date}\nReference: {reference}"
    ).format(
        notice=escape(notice_label(row)),
        channel=channel_label(channel),
        date=format_date(sent_on),
        reference=escape(reference),
    )


def delivery_stopped() -> str:
    return _("Stopped: no delivery was recorded.")
