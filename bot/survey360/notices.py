"""The 360's notices: the round started, and the report when the round closes."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.deadlines.keeper import REPORT_AGAIN
from bot.infra.callbacks import TasksCb
from bot.infra.formatting import format_date
from bot.infra.notices import NothingToSend, NoticeContext, Part, notice
from bot.survey360.progress import DEADLINE_MOVED
from bot.survey360.questionnaire import QuestionnaireService
from bot.survey360.radar_shape import has_self_assessment
from bot.survey360.report import report_chart, report_markup, report_text
from bot.survey360.results import campaign_results
from bot.survey360.rounds import REPORT_360, ROUND_STARTED
from storage.dto import OutboxDTO
from storage.models import CampaignSubject
from storage.survey360.campaigns import CampaignRepo


def tasks_button() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=_("📋 My questionnaires"), callback_data=TasksCb().pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


@notice(ROUND_STARTED)
async def round_started(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    campaign_id = item.ref_id
    campaign = await CampaignRepo(context.session).get(campaign_id)
    assert campaign is not None
    tasks = [
        t
        for t in await QuestionnaireService(context.session, context.profile).open_tasks(context.person())
        if t.task.campaign.id == campaign_id
    ]
    text = "\n\n".join(
        [
            _("A 360 evaluation round for {year} has started.").format(year=campaign.year),
            ngettext(
                "You have {count} questionnaire to fill by {deadline}.",
                "You have {count} questionnaires to fill by {deadline}.",
                len(tasks),
            ).format(count=len(tasks), deadline=format_date(campaign.deadline)),
            _("Answers about colleagues are anonymous: nobody sees who answered what."),
        ]
    )
    return [Part(text, tasks_button())]


@notice(DEADLINE_MOVED)
async def deadline_moved(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    """HR moved a running round's deadline: told to those with questionnaires left, composed
    when it goes (the latest date; nothing if they have finished meanwhile)."""
    campaign = await CampaignRepo(context.session).get(item.ref_id)
    if campaign is None or campaign.status != "running":
        raise NothingToSend("the round is no longer running")
    tasks = [
        t
        for t in await QuestionnaireService(context.session, context.profile).open_tasks(context.person())
        if t.task.campaign.id == campaign.id
    ]
    if not tasks:
        raise NothingToSend("finished meanwhile")
    text = ngettext(
        "The deadline of the 360 evaluation of {year} has been moved to {deadline}. You have {count} "
        "questionnaire left to fill.",
        "The deadline of the 360 evaluation of {year} has been moved to {deadline}. You have {count} "
        "questionnaires left to fill.",
        len(tasks),
    ).format(year=campaign.year, deadline=format_date(campaign.deadline), count=len(tasks))
    return [Part(text, tasks_button())]


@notice(REPORT_360, REPORT_AGAIN)
async def report(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    """The 360 report, with "I have read it" under its last message (clause 11)."""
    again = item.kind == REPORT_AGAIN
    subject_id = item.ref_id
    context.person()
    subject = await context.session.get(CampaignSubject, subject_id)
    assert subject is not None
    if again and subject.acknowledged_at is not None:
        raise NothingToSend("read meanwhile")
    results = await campaign_results(
        context.session, context.profile, subject.campaign_id, subject_id=subject_id
    )
    result = results[0]
    text = report_text(result, context.profile.min_respondents)
    if again:
        text = _("Reminder: please read your result and confirm with the button below.") + "\n\n" + text
    parts = [Part(text, protect=True)]
    if not result.result.withheld:
        # Finding 8 (issue 19): the chart has no self-assessment line when there is none.
        if has_self_assessment(result):
            caption = _("Radar chart: colleagues' average and your self-assessment.")
        else:
            caption = _("Radar chart: colleagues' average.")
        parts.append(Part(caption, draw=partial(report_chart, result), protect=True))
    parts[-1] = replace(parts[-1], markup=report_markup(subject_id, acknowledged=False))
    return parts
