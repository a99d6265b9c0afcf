"""Who may do what (clauses 15, 17-20). Pure: roles in, decisions out.

Results are strictly confidential: besides the evaluated person and their evaluator, only
the head of the HR service (``hr_head``) and calibration participants see them. HR
officers (``hr``) run rounds and see who has not finished, never anyone's answers or
results.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from bot.kernel.limits import TELEGRAM_ID_MAX


class Role(StrEnum):
    HR = "hr"
    HR_HEAD = "hr_head"
    AUTHORISED = "authorised"


class Permission(StrEnum):
    MANAGE_STAFF = "manage_staff"
    RUN_ROUNDS = "run_rounds"
    VIEW_PROGRESS = "view_progress"
    BROADCAST = "broadcast"
    VIEW_RESULTS = "view_results"
    MANAGE_ROLES = "manage_roles"
    VIEW_AUDIT = "view_audit"
    DECIDE_CALIBRATION = "decide_calibration"  # hold a calibration session, name its members (clause 38)
    APPROVE_LEGACY_RESULTS = "approve_legacy_results"  # approve a 2018 commission's results (004 clause 39)


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HR: frozenset(
        {
            Permission.MANAGE_STAFF,
            Permission.RUN_ROUNDS,
            Permission.VIEW_PROGRESS,
            Permission.BROADCAST,
            Permission.MANAGE_ROLES,
        }
    ),
    Role.HR_HEAD: frozenset(
        {Permission.VIEW_PROGRESS, Permission.VIEW_RESULTS, Permission.MANAGE_ROLES, Permission.VIEW_AUDIT}
    ),
    # The authorised person decides on calibration sessions (clause 38) and approves the results
    # of a 2018-method commission's sitting (004 clause 39); approving the schedule is still done
    # outside the bot.
    Role.AUTHORISED: frozenset({Permission.DECIDE_CALIBRATION, Permission.APPROVE_LEGACY_RESULTS}),
}

# Roles that open scores: the head of HR reads every result, the authorised person receives a
# calibration session's protocol with its scores. Clause 20 keeps scores from HR officers, so an
# officer may not hand out either (or it could hand one to itself, or to a friend, and read
# them); only the head of HR (or the command line on the server) grants them.
SEES_SCORES: frozenset[Role] = frozenset({Role.HR_HEAD, Role.AUTHORISED})

GRANTABLE_BY: dict[Role, frozenset[Role]] = {
    Role.HR: frozenset(Role) - SEES_SCORES,
    Role.HR_HEAD: frozenset(Role),
    Role.AUTHORISED: frozenset(),
}

_TELEGRAM_ID = re.compile(r"[0-9]{1,16}")


def permissions(roles: Iterable[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= PERMISSIONS[role]
    return frozenset(granted)


def allowed(roles: Iterable[Role], permission: Permission) -> bool:
    return permission in permissions(roles)


def may_grant(granter_roles: Iterable[Role], role: Role) -> bool:
    return any(role in GRANTABLE_BY[granter] for granter in granter_roles)


def may_grant_to(granter: int | None, granter_roles: Iterable[Role], target: int, role: Role) -> bool:
    """Whether an account may give ``role`` to ``target``: within its own limits, and never to
    itself (a role is always somebody else's decision). ``granter`` None is the command line."""
    if granter is None:
        return True
    return granter != target and may_grant(granter_roles, role)


def parse_telegram_id(text: str) -> int | None:
    """A Telegram user id written by a person, or None when it is not one (letters, signs,
    other scripts' digits, or more than Telegram's ids can hold)."""
    if not _TELEGRAM_ID.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= TELEGRAM_ID_MAX else None


def authorised_only(granted: frozenset[Permission]) -> bool:
    """The authorised person's permissions and no HR ones: they are outside HR, often outside the
    staff list, and are not told their tools are HR's (the menu's title, the "/" menu)."""
    return bool(granted) and granted <= PERMISSIONS[Role.AUTHORISED]
