"""`python -m bot profile check/show` and METHODOLOGY_PROFILE naming a body's own file
(docs/profiles.md): problems one a line, the merge in effect, the fail-fast at start, and the
quarterly deadline taken from the file without a code change."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.kernel import methodology
from tests.cli.conftest import write
from tests.factories import STAFF_CSV

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "profile-example.json"


def profile_file(folder: Path, **changes: Any) -> str:
    raw = {"extends": "kz-2024", "code": "mf-2025", "version": "2025-10-01", **changes}
    return write(folder, "body.json", json.dumps(raw))


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({"quarterly": {"deadline_days": 20}}, "  quarterly.deadline_days: unknown key (quarterly takes "),
        ({"quarterly": {"deadline_day": "20"}}, '  quarterly.deadline_day: "20" is not a whole number\n'),
        (
            {"grade_bands": [{"code": "proper", "min": 4.5}]},
            "  grade_bands: the borders must fall from the highest band down, but 'proper' starts at 4.5",
        ),
    ],
    ids=["wrong key", "wrong type", "borders out of order"],
)
def test_check_names_each_problem(
    env: Path, capsys: pytest.CaptureFixture[str], changes: dict[str, Any], line: str
) -> None:
    path = profile_file(env, **changes)
    assert main(["profile", "check", path]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{path}: 1 problem(s), not a usable profile:\n")
    assert line in captured.err
    assert len(captured.err.splitlines()) == 2  # the heading and one line for the problem


def test_check_a_valid_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = profile_file(env, quarterly={"deadline_day": 20})
    assert main(["profile", "check", path]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}: a valid profile; its rounds will record body:mf-2025 2025-10-01"
    assert out[1] == f"body:mf-2025 2025-10-01 (extends kz-2024 2024-10-22.2), from {path}"
    assert "the file changes: quarterly.deadline_day" in out
    assert any(
        line.startswith("quarterly: evaluated by day 20 of the month after the quarter") for line in out
    )


def test_check_needs_no_settings(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body checks the next version of its file whatever METHODOLOGY_PROFILE names now."""
    monkeypatch.setenv("METHODOLOGY_PROFILE", "kz-1999")
    assert main(["profile", "check", str(EXAMPLE)]) == 0
    assert "body:example-ministry 2025-10-01" in capsys.readouterr().out


def test_check_a_missing_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "check", str(env / "none.json")]) == 1
    assert "none.json: 1 problem(s)" in capsys.readouterr().err


def test_show_the_configured_profile(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["profile", "show"]) == 0  # the default, kz-2023
    assert capsys.readouterr().out.startswith("kz-2023 2023-03-31\n")
    monkeypatch.setenv(
        "METHODOLOGY_PROFILE",
        profile_file(env, grade_bands=[{"code": "effective", "name": {"en": "Effective"}}]),
    )
    assert main(["profile", "show"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("body:mf-2025 2025-10-01 (extends kz-2024 2024-10-22.2)")
    assert (
        "grades: effective from 4.0 (Effective); proper from 3.0 (Performs functional duties properly)" in out
    )


def test_show_json_is_the_effective_profile(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = profile_file(
        env, quarterly={"deadline_day": 20}, grade_bands=[{"code": "effective", "name": {"en": "Effective"}}]
    )
    assert main(["profile", "show", path, "--json"]) == 0
    effective = json.loads(capsys.readouterr().out)
    assert (effective["code"], effective["version"]) == ("body:mf-2025", "2025-10-01")
    assert effective["quarterly"]["deadline_day"] == 20
    assert effective["quarterly"]["plan_working_days"] == 10  # from kz-2024
    assert effective["grade_bands"][0]["name"]["en"] == "Effective"
    assert effective["grade_bands"][0]["name"]["kk"] == "Функционалдық міндеттерді тиімді орындайды"
    assert effective["min_months_in_post"] == 1
    assert "extends" not in effective


def test_a_bad_file_stops_every_command_at_start(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = profile_file(env, quarterly={"deadline_days": 20, "heads_notified_by_day": "5"})
    monkeypatch.setenv("METHODOLOGY_PROFILE", path)
    assert main(["migrate"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"configuration error in METHODOLOGY_PROFILE: {path}: 2 problem(s)"
    assert lines[1].startswith("  quarterly.deadline_days: unknown key")
    assert lines[2] == '  quarterly.heads_notified_by_day: "5" is not a whole number'
    assert not (env / "cli.db").exists()  # nothing was touched
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("BALLOT_SECRET", "s" * 32)
    assert main(["run"]) == 2
    assert "configuration error in METHODOLOGY_PROFILE" in capsys.readouterr().err


def test_bundled_codes_still_work(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METHODOLOGY_PROFILE", "kz-2024")
    assert main(["profile", "show"]) == 0
    assert capsys.readouterr().out.startswith("kz-2024 2024-10-22.2\n")
    monkeypatch.setenv("METHODOLOGY_PROFILE", "kz-2030")
    assert main(["migrate"]) == 2
    assert "no methodology profile 'kz-2030'" in capsys.readouterr().err


def test_the_file_s_deadline_day_makes_the_quarters(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 2025 revision's body (docs/profile-example.json): quarters evaluated by the 20th, and
    its rounds recording the body's profile, not kz-2023's."""
    monkeypatch.setenv("METHODOLOGY_PROFILE", str(EXAMPLE))
    assert main(["import-staff", write(env, "staff.csv", STAFF_CSV)]) == 0
    assert main(["quarters-create", "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert "round 1: Q1 2025 (draft), deadline 2025-04-20" in out
    assert "heads notified by 2025-04-15, employees by 2025-04-20" in out
    assert "round 4: Q4 2025 (draft), deadline 2026-01-20" in out
    with sqlite3.connect(env / "cli.db") as db:
        recorded = db.execute("SELECT DISTINCT profile_code, profile_version FROM campaigns").fetchall()
    assert recorded == [("body:example-ministry", "2025-10-01")]


def test_a_round_is_started_under_the_profile_it_recorded(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round made under a body's file is started by that file's rules or not at all: with
    the bot configured otherwise, one line says which file to set, and nothing starts."""
    monkeypatch.setenv("METHODOLOGY_PROFILE", str(EXAMPLE))
    assert main(["import-staff", write(env, "staff.csv", STAFF_CSV)]) == 0
    assert main(["quarters-create", "--year", "2025"]) == 0
    capsys.readouterr()
    monkeypatch.delenv("METHODOLOGY_PROFILE")
    # A new process, as the next command would be: it has read no profile file.
    monkeypatch.setattr(methodology, "_FILE_PROFILES", {})
    assert main(["quarter-start", "1"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "configuration error: the round was made under the profile body:example-ministry, "
        "a body's profile file; set METHODOLOGY_PROFILE to that file\n"
    )
    with sqlite3.connect(env / "cli.db") as db:
        assert db.execute("SELECT status FROM campaigns WHERE id = 1").fetchone() == ("draft",)
    monkeypatch.setenv("METHODOLOGY_PROFILE", str(EXAMPLE))
    assert main(["quarter-start", "1"]) == 0
    assert "round 1 started" in capsys.readouterr().out
