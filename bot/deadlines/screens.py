"""/deadlines: what the person has to do and by when."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from aiogram.utils.i18n import gettext as _

from bot.infra.formatting import format_date
from bot.quarterly.sheet_screens import round_title
from bot.survey360.questionnaire import Progress
from storage.quarterly import PlanDTO, SheetDTO


def render_deadlines(
    tasks: Sequence[Progress], sheets: Sequence[SheetDTO], plans: Sequence[PlanDTO], today: date
) -> str:
    lines: list[tuple[date | None, str]] = []
    for (year, deadline), count in Counter(
        (t.task.campaign.year, t.task.campaign.deadline) for t in tasks
    ).items():
        lines.append(
            (
                deadline,
                _("{deadline}: 360 evaluation {year}, questionnaires to submit: {count}").format(
                    deadline=format_date(deadline), year=year, count=count
                ),
            )
        )
    rounds = Counter((s.campaign.year, s.campaign.quarter or 0, s.campaign.deadline) for s in sheets)
    for (year, quarter, deadline), count in rounds.items():
        lines.append(
            (
                deadline,
                _("{deadline}: {quarter}, evaluation sheets to submit: {count}").format(
                    deadline=format_date(deadline), quarter=round_title(year, quarter), count=count
                ),
            )
        )
    if plans:
        lines.append((None, _("Work plans awaiting your approval: {count}").format(count=len(plans))))
    if not lines:
        return _("Nothing is due from you now.")
    lines.sort(key=lambda line: (line[0] is None, line[0] or today))
    overdue = [text for day, text in lines if day is not None and day < today]
    body = [("⚠️ " if day is not None and day < today else "🗓 ") + text for day, text in lines]
    head = _("Your deadlines:") if not overdue else _("Your deadlines (⚠️ already passed):")
    return "\n".join([f"<b>{head}</b>", *body])
