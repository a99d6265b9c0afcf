"""`legacy-start --profile` naming a body's own profile file (docs/profiles.md), as
METHODOLOGY_PROFILE may: the year is run by the file's rules and records its code and version;
a file with a problem stops the command with one line and exit 2, before anything is made."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine

from bot.cli import main
from bot.kernel import methodology
from tests.cli.conftest import write
from tests.storage.test_legacy_year import staff_with_categories

# The command line reads the system clock: frozen on a working Monday, 10:00 in Almaty.
NOW = datetime(2026, 1, 12, 5, 0, tzinfo=UTC)
IN_TWO_DAYS = date(2026, 1, 14)  # Wednesday: 2 working days ahead
IN_FOUR_DAYS = date(2026, 1, 16)  # Friday: 4 working days ahead, fewer than kz-2018's 7


@pytest.fixture(autouse=True)
def frozen_clock(time_machine: time_machine.TimeMachineFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    time_machine.move_to(NOW, tick=True)
    # Each test a new process: no profile file read yet.
    monkeypatch.setattr(methodology, "_FILE_PROFILES", {})


def body_file(folder: Path, commission: dict[str, Any]) -> str:
    """A district akimat's copy of the 2018 method: kz-2018 with its commission's notice changed."""
    raw = {
        "extends": "kz-2018",
        "code": "district-2018",
        "version": "2025-12-01",
        "legacy": {"commission": commission},
    }
    return write(folder, "body.json", json.dumps(raw))


def test_a_year_under_a_body_s_profile_file(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = body_file(env, {"notice_working_days": 3})
    assert main(["import-staff", write(env, "staff.csv", staff_with_categories())]) == 0
    assert main(["legacy-start", "--year", "2025", "--deadline", "2026-01-30", "--profile", body]) == 0
    assert (
        "round 1: 2025 under body:district-2018 (2025-12-01), 6 people to evaluate" in capsys.readouterr().out
    )
    with sqlite3.connect(env / "cli.db") as db:
        recorded = db.execute("SELECT kind, profile_code, profile_version FROM campaigns").fetchall()
    assert recorded == [("legacy", "body:district-2018", "2025-12-01")]

    # The next commands are new processes: the round's profile comes from the file the bot is
    # configured with, as for every round made under a body's file.
    monkeypatch.setenv("METHODOLOGY_PROFILE", body)
    monkeypatch.setattr(methodology, "_FILE_PROFILES", {})
    assert main(["legacy-commission", "1", "--members", "D1,U1,U2,E3,E4", "--chair", "D1"]) == 0
    capsys.readouterr()
    # The body's 3 working days of notice, not kz-2018's 7 (004 clause 29).
    assert main(["legacy-schedule", "1", "--at", f"{IN_TWO_DAYS.isoformat()} 10:00"]) == 1
    assert "at least 3 working days from today" in capsys.readouterr().err
    assert main(["legacy-schedule", "1", "--at", f"{IN_FOUR_DAYS.isoformat()} 10:00"]) == 0
    assert f"sitting 1 on {IN_FOUR_DAYS.isoformat()} 10:00" in capsys.readouterr().out


def test_kz_2018_itself_wants_seven_working_days(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: the same sitting under the bundled profile is refused."""
    assert main(["import-staff", write(env, "staff.csv", staff_with_categories())]) == 0
    assert main(["legacy-start", "--year", "2025", "--deadline", "2026-01-30", "--profile", "kz-2018"]) == 0
    assert main(["legacy-commission", "1", "--members", "D1,U1,U2,E3,E4", "--chair", "D1"]) == 0
    capsys.readouterr()
    assert main(["legacy-schedule", "1", "--at", f"{IN_FOUR_DAYS.isoformat()} 10:00"]) == 1
    assert "at least 7 working days from today" in capsys.readouterr().err


def test_a_bad_profile_file_fails_with_one_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = body_file(env, {"notice_working_day": 3})
    assert main(["import-staff", write(env, "staff.csv", staff_with_categories())]) == 0
    capsys.readouterr()
    assert main(["legacy-start", "--year", "2025", "--deadline", "2026-01-30", "--profile", body]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"configuration error: {body}: legacy.commission.notice_working_day: unknown key")
    with sqlite3.connect(env / "cli.db") as db:
        assert db.execute("SELECT count(*) FROM campaigns").fetchone() == (0,)


def test_a_missing_profile_file_fails_with_one_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(env / "nowhere.json")
    assert main(["legacy-start", "--year", "2025", "--deadline", "2026-01-30", "--profile", missing]) == 2
    assert (
        capsys.readouterr().err
        == f"configuration error: {missing}: cannot be read: No such file or directory\n"
    )
