"""The report jobs' notice: a file someone asked for was interrupted by a restart (bot/reports/jobs.py).
Composed when sent, in the person's language."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.infra.formatting import format_date, local_time
from bot.infra.i18n import in_locale
from bot.infra.notices import NothingToSend, NoticeContext, Part, notice
from bot.reports.jobs import PDF_360, PDF_SHEET, REPORT_INTERRUPTED, XLSX_360, XLSX_QUARTER
from storage.dto import CampaignDTO, OutboxDTO
from storage.reports import ReportJobDTO, ReportJobRepo
from storage.survey360.campaigns import CampaignRepo


@notice(REPORT_INTERRUPTED)
async def report_interrupted(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    job = await ReportJobRepo(context.session).get(item.ref_id)
    campaign = await CampaignRepo(context.session).get(job.campaign_id) if job is not None else None
    if job is None or campaign is None:
        raise NothingToSend  # the round has been deleted since (retention)
    # In the language the report was asked in: what the bot chose then (the person's /language,
    # the staff list, or their Telegram app's), which the outbox cannot know for an account.
    i18n = I18n.get_current(no_error=False)  # the transport's, set around every composer
    assert i18n is not None
    with in_locale(i18n, job.locale):
        return [Part(_interrupted_text(job, campaign, local_time(context.now())))]


def _what(job: ReportJobDTO, campaign: CampaignDTO) -> str:
    year = campaign.year
    if job.kind == XLSX_360:
        return _("the workbook of the 360 evaluation, {year}").format(year=year)
    if job.kind == PDF_360:
        return _("the 360 evaluation report of {employee}, {year}").format(
            employee=escape(job.unit or ""), year=year
        )
    if job.kind == XLSX_QUARTER:
        return _("the workbook of the quarterly evaluation, Q{quarter} {year}").format(
            quarter=campaign.quarter, year=year
        )
    if job.kind == PDF_SHEET:
        return _("an evaluation sheet as PDF, Q{quarter} {year}").format(quarter=campaign.quarter, year=year)
    if job.unit is None:
        return _("all reports of the 360 evaluation, {year}").format(year=year)
    return _("the reports of the unit «{unit}», 360 evaluation, {year}").format(
        unit=escape(job.unit), year=year
    )


def _interrupted_text(job: ReportJobDTO, campaign: CampaignDTO, now: datetime) -> str:
    asked = local_time(job.created_at)
    # The time alone when it is today's, as the person remembers pressing the button.
    when = asked.strftime("%H:%M")
    if asked.date() != now.date():
        when = f"{format_date(asked.date())} {when}"
    what = _what(job, campaign)
    return _(
        "The report you asked for at {time} ({what}) was not prepared: the bot was restarted "
        "meanwhile. Please press the button again."
    ).format(time=when, what=what)
