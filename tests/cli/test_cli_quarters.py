"""The quarterly commands of `python -m bot`: a year's rounds, plans, actual values,
absences, the start, and the files; bad input exits 1 and saves nothing."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main
from tests.cli.conftest import write
from tests.conversation.test_quarterly_hr import ACTUALS, PLANS
from tests.factories import STAFF_CSV


def test_a_quarter_from_the_command_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-staff", write(env, "staff.csv", STAFF_CSV)]) == 0
    assert main(["quarters-create", "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert "round 1: Q1 2025 (draft), deadline 2025-04-10" in out
    assert (
        "round 4: Q4 2025 (draft), deadline 2026-01-10, actual values by 2025-12-31" in out
    )  # 7 Jan, 1-2 Jan are holidays

    # A plan of two KPIs breaks the 3-5 rule: nothing is saved.
    two_kpis = "\n".join(line for line in PLANS.splitlines() if not line.startswith(("U1,3", "U2")))
    assert main(["plans-import", write(env, "bad.csv", two_kpis), "--year", "2025"]) == 1
    err = capsys.readouterr().err
    assert "1 problem(s), nothing saved" in err
    # An employee is not a head: KPIs are for heads only.
    not_head = PLANS.replace("U2,", "E1,")
    assert main(["plans-import", write(env, "e1.csv", not_head), "--year", "2025"]) == 1
    assert "E1: not_a_head" in capsys.readouterr().err

    # D1 has nobody above: U1's and U2's plans (drafted by D1) are approved when saved.
    assert main(["plans-import", write(env, "plans.csv", PLANS), "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert "U1: plan 1 approved" in out and "U2: plan 2 approved" in out
    # Changing an approved plan needs a reason (clause 25).
    assert main(["plans-import", write(env, "plans.csv", PLANS), "--year", "2025"]) == 1
    assert "U1: reason_required" in capsys.readouterr().err
    assert (
        main(["plans-import", str(env / "plans.csv"), "--year", "2025", "--reason", "Құрылым өзгерді"]) == 0
    )
    capsys.readouterr()

    assert main(["actuals-import", write(env, "actuals.csv", ACTUALS + "U9,1,4,1\n"), "--year", "2025"]) == 1
    assert "U9: unknown_employee" in capsys.readouterr().err
    assert main(["actuals-import", write(env, "actuals.csv", ACTUALS), "--year", "2025"]) == 0
    assert "3 actual value(s) saved" in capsys.readouterr().out
    absences = "employee_id,kind,starts_on,ends_on\nE4,leave,2025-12-20,2026-01-20\n"
    assert main(["absences-import", write(env, "absences.csv", absences)]) == 0
    assert "1 absence(s) saved" in capsys.readouterr().out

    assert main(["quarter-start", "4"]) == 0
    out = capsys.readouterr().out
    assert "round 4 started: 6 people to evaluate" in out  # U1, U2, E1-E4
    assert "not evaluated (too_short_in_post): 1" in out and "not evaluated (no_evaluator): 1" in out
    assert main(["quarter-start", "4"]) == 1
    assert "already been started" in capsys.readouterr().err

    output = env / "q4.xlsx"
    assert main(["quarter-xlsx", "4", "--output", str(output), "--lang", "ru"]) == 0
    workbook = openpyxl.load_workbook(io.BytesIO(output.read_bytes()))
    cells = {
        str(c.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row if c.value
    }
    assert "Петров Игорь Сергеевич" in cells
    # Nobody has submitted yet: no sheet to print.
    assert main(["sheet-pdf", "4", "E1", "--output", str(env / "e1.pdf")]) == 1
    assert "is not submitted" in capsys.readouterr().err


def test_no_kpis_for_a_head_appointed_late_in_the_year(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Clause 22: less than three months from the appointment to the end of the period."""
    late = STAFF_CSV.replace(",ru,2021-06-01", ",ru,2025-10-02")  # U2
    assert main(["import-staff", write(env, "staff.csv", late)]) == 0
    assert main(["plans-import", write(env, "plans.csv", PLANS), "--year", "2025"]) == 1
    assert "U2: too_late_for_kpis" in capsys.readouterr().err
    assert main(["plans-import", str(env / "plans.csv"), "--year", "2026"]) == 0


def test_purge_expired_reports_what_it_removes(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-staff", write(env, "staff.csv", STAFF_CSV)]) == 0
    capsys.readouterr()
    assert main(["purge-expired", "--dry-run"]) == 0
    assert capsys.readouterr().out.strip() == (
        "would remove: 0 round(s) with 0 evaluated, 0 work plan(s), 0 absence(s) (kept: 3 years)"
    )
