"""HR's screen of a 2018-method year: where it stands, and its commission's steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.infra.callbacks import LegacyRoundAction, LegacyRoundCb
from bot.infra.formatting import format_date, local_time, progress_bar
from bot.legacy2018.service import Refusal, YearProgress
from bot.legacy2018.start_screens import start_button
from storage.dto import CampaignDTO
from storage.legacy2018 import CommissionDTO, SittingDTO

Rendered = tuple[str, InlineKeyboardMarkup]


def rounds_screen(
    rounds: Sequence[tuple[CampaignDTO, YearProgress, CommissionDTO | None]], approvers: int
) -> Rendered:
    if not rounds:
        return (
            # Not the command line's legacy-start: a Telegram reader has no shell to type it in.
            _("No year under the 2018 methodology yet: press «Start a year» below."),
            InlineKeyboardMarkup(inline_keyboard=[[start_button()]]),
        )
    campaign, progress, commission = rounds[0]
    return round_screen(campaign, progress, commission, approvers)


def round_screen(
    campaign: CampaignDTO, progress: YearProgress, commission: CommissionDTO | None, approvers: int
) -> Rendered:
    """The year, its commission's sittings and the steps open now; ``approvers``: how many
    accounts hold the authorised person's role, who approves each sitting's results."""
    lines = [
        _("<b>{year} under the 2018 methodology</b> ({profile} {version}), deadline {deadline}").format(
            year=campaign.year,
            profile=campaign.profile_code,
            version=campaign.profile_version,
            deadline=format_date(campaign.deadline),
        ),
        _(
            "{bar} ready for the commission {ready}/{total}; plans approved: {plans}; decided: {decided}"
        ).format(
            bar=progress_bar(progress.ready, progress.sheets),
            ready=progress.ready,
            total=progress.sheets,
            plans=progress.plans_approved,
            decided=progress.decided,
        ),
    ]
    actions: list[tuple[str, LegacyRoundAction, int]] = []
    if commission is None:
        lines.append(_("Commission: not named yet."))
        actions.append((_("👥 Name the commission"), LegacyRoundAction.NAME, 0))
    else:
        lines += _commission_lines(commission, progress)
        if approvers == 0 and any(_awaiting(sitting, progress) for sitting in commission.sittings):
            lines.append(
                _(
                    "⚠️ Nobody holds the authorised person's role, so nobody is asked to approve the results: "
                    "grant it with /grant ID authorised (see /roles)."
                )
            )
        latest = commission.latest
        undecided = progress.decided < progress.sheets
        # The first sitting, the scheduled one moved, or a further one for what is left.
        if latest is None or latest.status == "scheduled" or (latest.over and undecided):
            actions.append((_("📅 Set the sitting"), LegacyRoundAction.SCHEDULE, 0))
        if latest is not None and latest.status == "scheduled":
            actions.append((_("🗳 Open the sitting"), LegacyRoundAction.OPEN, latest.number))
        if latest is not None and latest.status == "sitting":
            actions.append((_("🏁 Close the sitting"), LegacyRoundAction.CLOSE, latest.number))
        over = [s for s in commission.sittings if s.over]
        for sitting in over:
            label = (
                _("📄 Protocol (PDF)")
                if len(over) == 1
                else _("📄 Protocol of sitting {number} (PDF)").format(number=sitting.number)
            )
            actions.append((label, LegacyRoundAction.PROTOCOL, sitting.number))
    if progress.decided < progress.sheets:
        actions.append((_("🤒 Absent (clause 4)"), LegacyRoundAction.ABSENT, 0))
    if progress.released:  # only results approved and sent to the person (clauses 39-41)
        actions.append((_("✍ Refusal to acquaint (clause 41)"), LegacyRoundAction.REFUSAL, 0))
        actions.append((_("⚖ Appeal noted (clause 43)"), LegacyRoundAction.APPEAL, 0))
    builder = InlineKeyboardBuilder()
    for text, action, sitting_number in [*actions, (_("🔄 Refresh"), LegacyRoundAction.SHOW, 0)]:
        data = LegacyRoundCb(campaign=campaign.id, action=action, sitting=sitting_number)
        builder.row(InlineKeyboardButton(text=text, callback_data=data.pack()))
    builder.row(start_button())
    return "\n".join(lines), builder.as_markup()


def _sitting_state(status: str) -> str:
    return {
        "scheduled": _("sitting set"),
        "sitting": _("sitting now"),
        "closed": _("closed"),
        "no_quorum": _("closed without a quorum"),
    }[status]


def _awaiting(sitting: SittingDTO, progress: YearProgress) -> bool:
    """A closed sitting whose results wait for the authorised person (004 clause 39)."""
    return (
        sitting.status == "closed"
        and sitting.approved_at is None
        and bool(progress.decided_in.get(sitting.id))
    )


def approval_line(sitting: SittingDTO, decided: int) -> str | None:
    """Where a sitting's results stand with the authorised person; None when it decided none."""
    if sitting.approved_at is not None:
        return _("Results approved on {date} by {name}.").format(
            date=format_date(local_time(sitting.approved_at).date()),
            name=escape(sitting.approved_by_name or "—"),
        )
    if sitting.status == "closed" and decided:
        return _("Results ({count}) awaiting approval by the authorised person (clause 39).").format(
            count=decided
        )
    return None


def _commission_lines(commission: CommissionDTO, progress: YearProgress) -> list[str]:
    """The commission and each of its sittings, the first first."""
    if not commission.sittings:
        return [
            _("Commission: {members} members, {state}; sitting {when}.").format(
                members=len(commission.members), state=_("named"), when="—"
            )
        ]
    lines = [_("Commission: {members} members.").format(members=len(commission.members))]
    for sitting in commission.sittings:
        line = _("Sitting {number}, {when}: {state}.").format(
            number=sitting.number,
            when=local_time(sitting.sitting_at).strftime("%d.%m.%Y %H:%M"),
            state=_sitting_state(sitting.status),
        )
        if sitting.over:
            line += " " + _("Present: {present} of {members}.").format(
                present=len(sitting.present), members=len(commission.members)
            )
        approval = approval_line(sitting, progress.decided_in.get(sitting.id, 0))
        if approval is not None:
            line += " " + approval
        lines.append(line)
    return lines


def members_prompt(min_members: int) -> str:
    return _(
        "Who sits on the commission? Type part of a name or a staff id and press each member; at least "
        "{count} members. Then press «✔ Done»."
    ).format(count=min_members)


def sitting_day_prompt(days: int) -> str:
    return _(
        "Choose the sitting's day: a working day at least {days} working days ahead, so that the evaluators "
        "are told in time (clause 29)."
    ).format(days=days)


def sitting_hour_prompt(day: date) -> str:
    return _("The sitting on {date}: at what time?").format(date=format_date(day))


def setup_stopped() -> str:
    return _("Stopped: nothing was saved.")


def no_majority_line(count: int) -> str:
    """After a sitting closes: the results no option carried by a majority (004 clause 33)."""
    return _(
        "⚠ No majority at this sitting on {count} result(s): neither approving nor any one corrected result "
        "had more than half of the members present (clause 33). They stay undecided; set a further sitting, "
        "where the members vote afresh."
    ).format(count=count)


def conclusion_prompt() -> str:
    return _("Write the commission's conclusion for the protocol (one message); the sitting then closes.")


def setup_refusal(refusal: Refusal | None) -> str:
    """Why a typed step was not saved; None: the text could not be read."""
    if refusal is Refusal.BAD_COMPOSITION:
        return _(
            "Not saved: the commission needs enough members with the chair among them, and a secretary who is "
            "not a member."
        )
    if refusal is Refusal.TOO_SOON:
        return _("Not saved: the sitting must be in working hours on a working day far enough ahead.")
    if refusal is Refusal.SITTING_OPEN:
        return _("Not saved: a sitting is under way; close it before setting another.")
    if refusal is Refusal.NOTHING_TO_DECIDE:
        return _(
            "Not saved: every result of the year is decided, so there is nothing left for another sitting."
        )
    if refusal is Refusal.WRONG_STATE:
        return _("This step is not open now; /legacyrounds shows where the year stands.")
    return _("Not saved: the text could not be read.")
