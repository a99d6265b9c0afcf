"""Roles and the audit trail: every HR action is checked and written down."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.access import Role, may_grant, may_grant_to
from storage.dto import EmployeeDTO
from storage.roles import AuditRepo, RoleRepo
from storage.staff.employees import EmployeeRepo


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a Telegram account with its roles, or the command line (None)."""

    telegram_user_id: int | None
    roles: frozenset[Role]


COMMAND_LINE = Actor(telegram_user_id=None, roles=frozenset(Role))


async def audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    *,
    at: datetime,
    details: Mapping[str, object] | None = None,
) -> None:
    await AuditRepo(session).record(
        at=at,
        actor_telegram_id=actor.telegram_user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )


async def seed_roles(session: AsyncSession, telegram_ids: Iterable[int], role: Role, now: datetime) -> int:
    """Accounts from the configuration (HR_ADMIN_IDS, HR_HEAD_IDS) hold their role from the
    start; returns how many were new."""
    repo, added = RoleRepo(session), 0
    for telegram_id in sorted(set(telegram_ids)):
        if await repo.grant(telegram_id, role, granted_by=None):
            added += 1
            await audit(
                session,
                COMMAND_LINE,
                "role.seed",
                "account",
                telegram_id,
                at=now,
                details={"role": role.value},
            )
    return added


class RoleChange(StrEnum):
    DONE = "done"
    UNCHANGED = "unchanged"
    NOT_ALLOWED = "not_allowed"
    OWN_ROLE = "own_role"  # nobody grants themselves a role
    LAST_HR_HEAD = "last_hr_head"


def grant_refusal(actor: Actor, target: int, role: Role) -> RoleChange | None:
    """Why ``actor`` may not give ``role`` to the account ``target`` (nobody grants themselves;
    roles that see scores only by the head of HR), or None when it may. Pure."""
    if actor.telegram_user_id == target:
        return RoleChange.OWN_ROLE
    if not may_grant_to(actor.telegram_user_id, actor.roles, target, role):
        return RoleChange.NOT_ALLOWED
    return None


def revoke_refusal(actor: Actor, role: Role) -> RoleChange | None:
    """Why ``actor`` may not take ``role`` from anyone (the same limits as granting it), or
    None. Pure; the last head of HR is decided on locked rows (``revoke_role``)."""
    if actor.telegram_user_id is not None and not may_grant(actor.roles, role):
        return RoleChange.NOT_ALLOWED
    return None


def roles_to_grant(actor: Actor, target: int, held: frozenset[Role]) -> list[Role]:
    """The roles ``actor`` may give ``target``, who holds ``held``: what a wizard offers."""
    return [role for role in Role if role not in held and grant_refusal(actor, target, role) is None]


def roles_to_revoke(actor: Actor, held: frozenset[Role]) -> list[Role]:
    """The roles of ``held`` that ``actor`` may take away: what a wizard offers."""
    return [role for role in Role if role in held and revoke_refusal(actor, role) is None]


@dataclass(frozen=True, slots=True)
class RoleHolders:
    """Who holds a role: people of the staff list (by their bound account), and the Telegram
    accounts outside it (HR accounts need not be on the staff list)."""

    staff: list[EmployeeDTO]
    outside: list[int]


async def role_holders(session: AsyncSession) -> RoleHolders:
    accounts = {grant.telegram_user_id for grant in await RoleRepo(session).grants()}
    staff = await EmployeeRepo(session).by_telegram_ids(accounts)
    return RoleHolders(list(staff.values()), sorted(accounts - set(staff)))


async def grant_role(
    session: AsyncSession, actor: Actor, target: int, role: Role, now: datetime
) -> RoleChange:
    refusal = grant_refusal(actor, target, role)
    if refusal is not None:
        return refusal
    if not await RoleRepo(session).grant(target, role, actor.telegram_user_id):
        return RoleChange.UNCHANGED
    await audit(session, actor, "role.grant", "account", target, at=now, details={"role": role.value})
    return RoleChange.DONE


async def revoke_role(
    session: AsyncSession, actor: Actor, target: int, role: Role, now: datetime
) -> RoleChange:
    """Taking one's own role is allowed (stepping down), except the last head of HR's."""
    repo = RoleRepo(session)
    refusal = revoke_refusal(actor, role)
    if refusal is not None:
        return refusal
    if role is Role.HR_HEAD:
        # Decided on locked rows: two heads taking the role from each other at the same
        # moment would otherwise both see two heads, and leave none.
        heads = await repo.lock_holders(Role.HR_HEAD)
        if actor.telegram_user_id is not None and actor.telegram_user_id not in heads:
            return RoleChange.NOT_ALLOWED  # lost the role while this update waited
        if heads == [target]:
            # Nobody could read results or the audit log any more.
            return RoleChange.LAST_HR_HEAD
    if not await repo.revoke(target, role):
        return RoleChange.UNCHANGED
    await audit(session, actor, "role.revoke", "account", target, at=now, details={"role": role.value})
    return RoleChange.DONE
