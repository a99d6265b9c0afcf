"""A whole 360 round through the real processes: `python -m bot` commands and the
long-polling bot, against the local Bot API stand-in, with scripted users."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.infra.callbacks import Action, NavCb
from bot.kernel.methodology import load_profile, suggested_deadline_360
from tests.e2e.support import (
    TOKEN,
    BotProcess,
    Respondents,
    add_staff_users,
    assignments_of,
    bot_environment,
    cli,
    expected_means,
    exported_means,
    join_with_invites,
    statement_on_screen,
)
from tests.factories import STAFF_CSV, TELEGRAM_IDS
from tests.stand_in import BotApiStandIn

pytestmark = pytest.mark.e2e

EVALUATED = ["U1", "E1", "E2", "E3"]
STATEMENTS = {"U1": 36, "E1": 24, "E2": 24, "E3": 24}
RESTART_AFTER = 10  # E3 stops here in their first questionnaire while the bot restarts


async def test_a_whole_round(empty_database_url: str, tmp_path: Path) -> None:
    today = date.today()
    async with BotApiStandIn(token=TOKEN, bot_username="bagalau_test_bot") as stand_in:
        add_staff_users(stand_in)
        env = bot_environment(empty_database_url, stand_in)
        staff = tmp_path / "staff.csv"
        staff.write_text(STAFF_CSV, encoding="utf-8")
        assert "imported 8 people: 8 new" in await cli(env, "import-staff", str(staff))
        bot = BotProcess(env, tmp_path / "bot.log")
        await bot.start()
        try:
            await stand_in.wait_until_polling(timeout=30)
            assert await join_with_invites(stand_in, env, tmp_path) == 8
            assert len(stand_in.my_commands(language_code="ru")) == 4
            # The bot's profile in each language (issue 19): what a person sees before /start.
            descriptions = {lang: stand_in.my_description(lang) for lang in ("kk", "ru", "en")}
            assert descriptions["en"].startswith("Bagalau runs the performance evaluation")
            assert len(set(descriptions.values())) == 3 and stand_in.my_description() == descriptions["kk"]
            assert all(stand_in.my_description(lang, short=True) for lang in ("kk", "ru", "en"))

            # No later than clause 4 allows for today's year, whatever the real date.
            deadline = suggested_deadline_360(load_profile(), today.year, today, 20)
            created = await cli(
                env,
                "campaign-create",
                "--kind",
                "360",
                "--year",
                str(today.year),
                "--deadline",
                deadline.isoformat(),
                "--employees",
                ",".join(EVALUATED),
            )
            campaign_id = created.split()[1]
            assert "4 people evaluated" in created
            started = await cli(env, "campaign-start", campaign_id)
            assert "6 respondent(s) will be notified" in started
            for person in ("D1", "U1", "U2", "E1", "E2", "E3"):  # everyone answering, in their language
                notice = await stand_in.wait_for_message(TELEGRAM_IDS[person], contains="360", timeout=15)
                assert deadline.strftime("%d.%m.%Y") in (notice.text or "")
            assert "360 evaluation round" in (stand_in.last_message(TELEGRAM_IDS["E2"]).text or "")

            respondents = Respondents(stand_in, await assignments_of(empty_database_url))
            # E3 answers part of a questionnaire, then the bot restarts.
            opened = await respondents.open_first_task("E3")
            assert opened is not None
            assignment_id, message_id = opened
            await respondents.answer("E3", message_id, stop_after=RESTART_AFTER)
            await bot.stop()
            await bot.start()
            await stand_in.wait_until_polling(timeout=30)
            listing = await respondents.open_list("E3")
            stand_in.press(
                TELEGRAM_IDS["E3"],
                listing.message_id,
                NavCb(assignment=assignment_id, action=Action.OPEN).pack(),
            )
            await stand_in.wait_for(
                lambda: (
                    statement_on_screen(stand_in.message(TELEGRAM_IDS["E3"], listing.message_id)) is not None
                )
            )
            assert (
                statement_on_screen(stand_in.message(TELEGRAM_IDS["E3"], listing.message_id))
                == RESTART_AFTER + 1
            )
            await respondents.answer("E3", listing.message_id)
            await respondents.submit("E3", listing.message_id)

            for person in ("D1", "U1", "U2", "E1", "E2", "E3"):
                await respondents.answer_everything(person)
            answered = {pair: len(scores) for pair, scores in respondents.answers.items()}
            assert answered == {pair: STATEMENTS[pair[1]] for pair in answered}
            assert len(answered) == 4 + 5 + 3 * 3  # self-assessments + U1's five + three for each employee

            for person in EVALUATED:
                stand_in.mark_seen(TELEGRAM_IDS[person])
            assert "4 report(s) will be sent" in await cli(env, "campaign-close", campaign_id)
            for person in EVALUATED:
                chat = TELEGRAM_IDS[person]
                report = await stand_in.wait_for_message(
                    chat, predicate=lambda m: m.kind == "text", timeout=20
                )
                chart = await stand_in.wait_for_message(
                    chat, predicate=lambda m: m.kind == "photo", timeout=20
                )
                assert report.protect_content and chart.protect_content
                assert chart.file_bytes is not None and chart.file_bytes.startswith(b"\x89PNG")
            english = stand_in.last_message(TELEGRAM_IDS["E2"])
            assert english.kind == "photo"
            report_e2 = [m for m in stand_in.messages_for(TELEGRAM_IDS["E2"]) if m.kind == "text"][-1]
            assert "Your 360 evaluation result" in (report_e2.text or "")
            assert "Based on 3 colleagues' questionnaires" in (report_e2.text or "")
        finally:
            await bot.stop()

    got = await exported_means(env, campaign_id)
    assert got == expected_means(respondents.answers)
    assert len(got) == 12 + 8 * 3
