"""Who may do what (bot/domain/access.py): the permissions each role grants."""

from __future__ import annotations

from bot.domain.access import Permission, Role, allowed


def test_only_the_authorised_person_approves_a_commissions_results() -> None:
    """004 clause 39: the results of the 2018 method's commission are approved by the authorised
    person; neither HR role may, nor a holder of no role."""
    assert allowed([Role.AUTHORISED], Permission.APPROVE_LEGACY_RESULTS)
    assert not allowed([Role.HR, Role.HR_HEAD], Permission.APPROVE_LEGACY_RESULTS)
    assert not allowed([], Permission.APPROVE_LEGACY_RESULTS)
    assert allowed([Role.AUTHORISED], Permission.DECIDE_CALIBRATION)  # kept beside it
