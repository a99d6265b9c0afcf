"""Who has left the body, and who is then owed their result in writing. Pure.

One rule for every evaluation: the quarterly sheet, the 360 round's result and the 2018
method's year all ask it. The staff import marks a person who is no longer on the list inactive
and records the day (storage/staff/employees.py); either is enough.
"""

from __future__ import annotations

from datetime import date

from bot.kernel.methodology import Profile


def has_left(*, active: bool, left_on: date | None) -> bool:
    """No longer on the staff list, or a leaving day recorded."""
    return not active or left_on is not None


def owed_in_writing(profile: Profile, *, active: bool, left_on: date | None) -> bool:
    """A result given to someone who has left goes to them in writing, not through the bot, where
    the body's methodology says so (000 clause 11, second part; 003 clauses 12 and 69): the
    profile's ``acquaintance.dismissed_in_writing``."""
    return profile.dismissed_in_writing and has_left(active=active, left_on=left_on)
