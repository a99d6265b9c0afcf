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
