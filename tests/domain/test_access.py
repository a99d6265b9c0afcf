"""Who may do what (bot/kernel/access.py): the permissions each role grants."""

from __future__ import annotations

from bot.kernel.access import (
    Permission,
    Role,
    allowed,
    may_grant,
    may_grant_to,
    parse_telegram_id,
)
from bot.kernel.limits import TELEGRAM_ID_MAX
from bot.staff.access import (
    COMMAND_LINE,
    Actor,
    RoleChange,
    grant_refusal,
    revoke_refusal,
    roles_to_grant,
    roles_to_revoke,
)


def test_only_the_authorised_person_approves_a_commissions_results() -> None:
    """004 clause 39: the results of the 2018 method's commission are approved by the authorised
    person; neither HR role may, nor a holder of no role."""
    assert allowed([Role.AUTHORISED], Permission.APPROVE_LEGACY_RESULTS)
    assert not allowed([Role.HR, Role.HR_HEAD], Permission.APPROVE_LEGACY_RESULTS)
    assert not allowed([], Permission.APPROVE_LEGACY_RESULTS)
    assert allowed([Role.AUTHORISED], Permission.DECIDE_CALIBRATION)  # kept beside it


def test_roles_that_see_scores_are_handed_out_only_by_the_head_of_hr() -> None:
    """Clause 20: HR officers never see scores, so they may not hand out a role that does."""
    assert may_grant([Role.HR], Role.HR)
    assert not may_grant([Role.HR], Role.AUTHORISED)
    assert not may_grant([Role.HR], Role.HR_HEAD)
    assert all(may_grant([Role.HR_HEAD], role) for role in Role)
    assert not any(may_grant([Role.AUTHORISED], role) for role in Role)


def test_nobody_grants_a_role_to_themselves() -> None:
    assert not may_grant_to(7, [Role.HR_HEAD], 7, Role.AUTHORISED)
    assert not may_grant_to(7, [Role.HR], 7, Role.HR)
    assert may_grant_to(7, [Role.HR_HEAD], 8, Role.AUTHORISED)
    assert may_grant_to(None, [], 7, Role.HR_HEAD)  # the command line on the server


def test_telegram_ids_out_of_range_are_refused_like_any_bad_id() -> None:
    assert parse_telegram_id("5001") == 5001
    assert parse_telegram_id(str(TELEGRAM_ID_MAX)) == TELEGRAM_ID_MAX
    for bad in (str(2**70), str(TELEGRAM_ID_MAX + 1), "0", "-5", "+5", "5 1", "²", "١٢", "", "E2", "9" * 400):
        assert parse_telegram_id(bad) is None, bad


def test_a_role_wizard_offers_only_what_the_service_would_do() -> None:
    """The /grant and /revoke wizards offer the roles the one-line form would not refuse
    (bot/staff/access.py): an officer never sees a role that opens scores, nobody themselves,
    nobody a role held already; /revoke only roles held that the actor may take."""
    officer, head = Actor(5001, frozenset({Role.HR})), Actor(5002, frozenset({Role.HR_HEAD}))
    assert roles_to_grant(officer, 1005, frozenset()) == [Role.HR]
    assert roles_to_grant(head, 1005, frozenset({Role.HR})) == [Role.HR_HEAD, Role.AUTHORISED]
    assert roles_to_grant(officer, 5001, frozenset()) == []
    assert {grant_refusal(officer, 5001, role) for role in Role} == {RoleChange.OWN_ROLE}
    assert grant_refusal(officer, 1005, Role.AUTHORISED) is RoleChange.NOT_ALLOWED
    assert roles_to_revoke(officer, frozenset({Role.HR, Role.AUTHORISED})) == [Role.HR]
    assert roles_to_revoke(head, frozenset({Role.HR_HEAD})) == [
        Role.HR_HEAD
    ]  # the last head: decided on locked rows
    assert revoke_refusal(COMMAND_LINE, Role.HR_HEAD) is None
