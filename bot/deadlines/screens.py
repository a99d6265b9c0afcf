"""/deadlines: what the person has to do and by when."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from aiogram.utils.i18n import gettext as _

from bot.infra.formatting import format_date
from bot.quarterly.rules import sheet_due_on, sheet_overdue
from bot.quarterly.sheet_screens import round_title
from bot.survey360.questionnaire import Progress
from storage.quarterly import PlanDTO, SheetDTO


def render_deadlines(
    tasks: Sequence[Progress], sheets: Sequence[SheetDTO], plans: Sequence[PlanDTO], today: date
) -> str:
    # (due day, passed, text)
    lines: list[tuple[date | None, bool, str]] = []
    for (year, deadline), count in Counter(
        (t.task.campaign.year, t.task.campaign.deadline) for t in tasks
    ).items():
        lines.append(
            (
                deadline,
                deadline < today,
                _("{deadline}: 360 evaluation {year}, questionnaires to submit: {count}").format(
                    deadline=format_date(deadline), year=year, count=count
                ),
            )
        )
    # A sheet by its own due day: an absent head's KPIs are due after their return (clause 5).
    rounds = Counter(
        (s.campaign.year, s.campaign.quarter or 0, s.campaign.deadline, s.kpi_due_on) for s in sheets
    )
    for (year, quarter, deadline, own), count in rounds.items():
        due = sheet_due_on(deadline, own)
        lines.append(
            (
                due,
                sheet_overdue(deadline, own, today),
                _("{deadline}: {quarter}, evaluation sheets to submit: {count}").format(
                    deadline=format_date(due), quarter=round_title(year, quarter), count=count
                ),
            )
        )
    if plans:
        lines.append((None, False, _("Work plans awaiting your approval: {count}").format(count=len(plans))))
    if not lines:
        return _("Nothing is due from you now.")
    lines.sort(key=lambda line: (line[0] is None, line[0] or today))
    overdue = [text for _day, passed, text in lines if passed]
    body = [("⚠️ " if passed else "🗓 ") + text for _day, passed, text in lines]
    head = _("Your deadlines:") if not overdue else _("Your deadlines (⚠️ already passed):")
    return "\n".join([f"<b>{head}</b>", *body])
