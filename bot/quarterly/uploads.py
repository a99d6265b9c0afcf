"""Reading the quarterly evaluation's uploads: work plans, KPI actual values and absences.

The bytes are read like a staff list (:func:`bot.staff.files.read_table`, with its
limits) and checked by the pure validators of :mod:`bot.quarterly.upload_rules`. Whether the
employee ids exist is for the caller to check against the database. The bot calls the
``*_upload`` functions, which read and check off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.kernel.methodology import KpiRules
from bot.quarterly.upload_rules import (
    AbsenceValidation,
    ActualsValidation,
    FileError,
    FileErrorCode,
    LegacyPlanValidation,
    PlanValidation,
    Rows,
    validate_absences,
    validate_actuals,
    validate_legacy_plans,
    validate_plans,
)
from bot.staff.files import StaffFileError, read_table, run_off_loop

_Validation = TypeVar(
    "_Validation", PlanValidation, LegacyPlanValidation, ActualsValidation, AbsenceValidation
)


def load_plans_file(data: bytes, file_name: str, kpi_rules: KpiRules) -> PlanValidation:
    return _load(
        data,
        file_name,
        lambda header, rows: validate_plans(
            header, rows, min_kpis=kpi_rules.min_kpis, max_kpis=kpi_rules.max_kpis
        ),
        lambda error: PlanValidation(plans=(), errors=(error,)),
    )


def load_legacy_plans_file(data: bytes, file_name: str, kpis: int) -> LegacyPlanValidation:
    return _load(
        data,
        file_name,
        lambda header, rows: validate_legacy_plans(header, rows, kpis=kpis),
        lambda error: LegacyPlanValidation(plans=(), errors=(error,)),
    )


def load_actuals_file(data: bytes, file_name: str) -> ActualsValidation:
    return _load(data, file_name, validate_actuals, lambda error: ActualsValidation(rows=(), errors=(error,)))


def load_absences_file(data: bytes, file_name: str) -> AbsenceValidation:
    return _load(
        data, file_name, validate_absences, lambda error: AbsenceValidation(rows=(), errors=(error,))
    )


def _load(
    data: bytes,
    file_name: str,
    validate: Callable[[list[str], Rows], _Validation],
    unreadable: Callable[[FileError], _Validation],
) -> _Validation:
    """Read and validate an upload; an unreadable file becomes a validation with one error."""
    try:
        header, rows = read_table(data, file_name)
    except StaffFileError as exc:
        # The file problems have the same codes in both (empty, unreadable, beyond a limit).
        code = FileErrorCode(exc.code.value)
        return unreadable(FileError(line=exc.line, column=exc.column, code=code, value=exc.detail))
    return validate(header, rows)


async def load_plans_upload(data: bytes, file_name: str, kpi_rules: KpiRules) -> PlanValidation:
    return await run_off_loop(load_plans_file, data, file_name, kpi_rules)


async def load_legacy_plans_upload(data: bytes, file_name: str, kpis: int) -> LegacyPlanValidation:
    return await run_off_loop(load_legacy_plans_file, data, file_name, kpis)


async def load_actuals_upload(data: bytes, file_name: str) -> ActualsValidation:
    return await run_off_loop(load_actuals_file, data, file_name)


async def load_absences_upload(data: bytes, file_name: str) -> AbsenceValidation:
    return await run_off_loop(load_absences_file, data, file_name)
