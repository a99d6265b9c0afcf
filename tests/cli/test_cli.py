"""`python -m bot` commands in-process: exit codes, messages, and that bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from bot.cli import main
from tests.cli.conftest import write as _write
from tests.factories import STAFF_CSV


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in (
        "run",
        "migrate",
        "import-staff",
        "invites",
        "campaign-create",
        "campaign-respondents",
        "campaign-start",
        "campaign-close",
        "results",
    ):
        assert command in out


def test_run_without_token_says_what_to_set(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "BOT_TOKEN is not set: put BOT_TOKEN=<token from @BotFather> into .env (see .env.example) "
        "or export it in the environment."
    ]


def test_bad_staff_file_imports_nothing(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = STAFF_CSV.replace("E1,Омарова Дана Серікқызы,", "E1,,").replace(
        ",U2,+7 701 000 00 08", ",ZZ,+7 701 000 00 08"
    )
    assert main(["import-staff", _write(env, "bad.csv", broken)]) == 1
    err = capsys.readouterr().err
    assert "2 problem(s), nothing imported" in err
    assert "line 5, column full_name" in err and "line 9, column manager_id: unknown manager 'ZZ'" in err
    assert main(["import-staff", "--dry-run", _write(env, "good.csv", STAFF_CSV)]) == 0
    assert "would import 8 people: 8 new" in capsys.readouterr().out
    assert main(["import-staff", _write(env, "good.csv", STAFF_CSV)]) == 0
    assert "imported 8 people: 8 new" in capsys.readouterr().out  # the dry run stored nothing


def test_round_commands_refuse_what_the_methodology_forbids(
    env: Path, capsys: pytest.CaptureFixture[str], time_machine: time_machine.TimeMachineFixture
) -> None:
    # The command line reads the system clock: frozen on Monday 1 December 2025.
    time_machine.move_to(datetime(2025, 12, 1, 5, 0, tzinfo=UTC), tick=True)
    assert main(["import-staff", _write(env, "staff.csv", STAFF_CSV)]) == 0
    capsys.readouterr()
    # Clause 4: the 360 evaluation of a year is done by the 10th of the month after it.
    for year, deadline in (("2026", "2027-06-30"), ("2025", "2026-01-11"), ("2026", "2025-12-31")):
        assert main(["campaign-create", "--kind", "360", "--year", year, "--deadline", deadline]) == 1
        out, err = capsys.readouterr()
        assert out == ""
        assert err.count("\n") == 1 and "(clause 4)" in err, err
    assert err == (
        "error: the deadline 2025-12-31 is outside 2026-01-01..2027-01-10: the 360 evaluation of 2026 is done "
        "by 2027-01-10 (clause 4)\n"
    )
    assert main(["campaign-create", "--kind", "360", "--year", "2025", "--deadline", "2026-01-10"]) == 0
    out = capsys.readouterr().out
    assert "round 1 created (draft)" in out
    assert "WARNING: D1 Серікова Айгерім Нұрланқызы has 2 possible respondent(s)" in out
    assert "not evaluated: E5 Қасымова Әсел Маратқызы (too_short_in_post)" in out  # appointed 2025-11-01
    assert main(["campaign-start", "1"]) == 1
    assert "fewer than 3 respondents for: D1 (2), E4 (2)" in capsys.readouterr().err
    respondents = "subject_id,respondent_id,relation\nD1,U1,subordinate\nD1,U2,subordinate\nD1,E1,peer\n"
    assert main(["campaign-respondents", "1", _write(env, "r.csv", respondents)]) == 0
    assert main(["campaign-start", "1"]) == 1  # E4 still has two
    assert main(["campaign-start", "1", "--skip-short"]) == 0
    assert "left out (too few respondents): E4" in capsys.readouterr().out
    assert main(["campaign-start", "1"]) == 1
    assert "only a draft round can start" in capsys.readouterr().err
    assert main(["results", "99"]) == 1
    assert main(["campaign-create", "--kind", "360", "--year", "2025", "--deadline", "2020-01-01"]) == 1
    assert "has already passed" in capsys.readouterr().err


def test_roles_on_the_server(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grant-role", "777", "hr_head"]) == 0
    assert "grant-role hr_head for 777: done" in capsys.readouterr().out
    assert main(["grant-role", "777", "hr_head"]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert main(["revoke-role", "777", "hr_head"]) == 1  # the last head of HR stays
    assert "last hr_head" in capsys.readouterr().err
    assert main(["grant-role", "888", "hr_head"]) == 0
    assert main(["revoke-role", "777", "hr_head"]) == 0
