"""Acquainting a dismissed person with their result in writing (000 clause 11, 003 clauses 12
and 69). Pure: dates are arguments.

Clause 6 evaluates those dismissed before the period ends without them; clause 11 gives HR two
working days after the evaluation ends to acquaint each evaluated person with the result, and
its second part says how for the dismissed: a registered letter with notice of delivery, a
telephonogram, a telegram, a text message to the mobile number or e-mail, or other means that
record the message. The bot cannot reach them (they no longer use it), so HR sends it and
records how and when; the 5 working days to apply (clause 12) run from that day.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from bot.kernel.workdays import WorkCalendar

ACQUAINT_WITHIN = 2  # working days after the evaluation ends (clause 11)
MAX_REFERENCE = 200  # the letter's tracking number, the telephonogram's number, and so on


class Channel(StrEnum):
    """The means clause 11's second part lists, in its order."""

    REGISTERED_LETTER = "letter"  # тапсырылғаны туралы хабарламасы бар тапсырыс хат
    TELEPHONOGRAM = "phone"  # телефонограмма
    TELEGRAM = "telegram"  # жеделхат
    SMS = "sms"  # ұялы байланыстың абоненттік нөмірі бойынша мәтіндік хабар
    EMAIL = "email"  # электрондық мекенжай бойынша мәтіндік хабар
    OTHER = "other"  # хабарламаны тіркеуді қамтамасыз ететін өзге де байланыс құралдары


def written_notice_due(evaluated_on: date, calendar: WorkCalendar, within: int = ACQUAINT_WITHIN) -> date:
    """The last day to acquaint: the 2nd working day (the profile's ``acquaintance.working_days``)
    after the day the evaluation ended."""
    return calendar.add(evaluated_on, within)


def acquainted_on(read_on: date | None, delivered_on: date | None) -> date | None:
    """The day the appeal window (clause 12) counts from: for a person acquainted in writing,
    the day HR recorded it was delivered; otherwise the day they confirmed reading it in the bot."""
    return delivered_on if delivered_on is not None else read_on


class DeliveryRefusal(StrEnum):
    FUTURE = "future"  # a delivery cannot be recorded ahead of time
    BEFORE_RESULT = "before_result"  # nor before there was a result to deliver
    EMPTY_REFERENCE = "empty_reference"
    TOO_LONG = "too_long"


def check_delivery(
    sent_on: date, reference: str, *, evaluated_on: date, today: date
) -> DeliveryRefusal | None:
    """Why HR's record of a delivery cannot stand, or None. A reference is required: clause 11
    asks for means that record the message, and the reference is what finds that record."""
    if sent_on > today:
        return DeliveryRefusal.FUTURE
    if sent_on < evaluated_on:
        return DeliveryRefusal.BEFORE_RESULT
    if not reference.strip():
        return DeliveryRefusal.EMPTY_REFERENCE
    if len(reference.strip()) > MAX_REFERENCE:
        return DeliveryRefusal.TOO_LONG
    return None


def parse_delivery(args: str | None) -> tuple[int, Channel, date, str] | None:
    """``"12 letter 05.01.2026 KZ123"``: the notice's number, the channel, the day it was sent
    (DD.MM.YYYY, as dates are written in Kazakhstan, or ISO) and the reference; None when a part
    is missing or malformed."""
    words = (args or "").split(maxsplit=3)
    if len(words) < 4 or not words[0].isdigit():
        return None
    try:
        channel = Channel(words[1].lower())
    except ValueError:
        return None
    text = words[2]
    try:
        day = date.fromisoformat(text) if "-" in text else date(*reversed([int(p) for p in text.split(".")]))
    except (TypeError, ValueError):
        return None
    return int(words[0]), channel, day, words[3].strip()
