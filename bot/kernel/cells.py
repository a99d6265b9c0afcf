"""Cells of the CSV and XLSX files the bot writes: data, never formulas (pure, standard library).

Names, ids, units and positions come from uploaded files and reach HR's spreadsheet program.
A cell beginning with ``=``, ``+``, ``-`` or ``@`` is read by Excel and LibreOffice as a formula
(``=HYPERLINK(…)`` sends a click elsewhere, ``=cmd|' /C calc'!A0`` starts a program through
DDE), and a leading tab or carriage return hides such a beginning from a naive check. OWASP's
"CSV Injection" guidance: prefix such a cell with a single quote, which spreadsheets show as
text. Every writer of a CSV or XLSX cell that holds text takes it through :func:`neutralise`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | Decimal | None


def neutralise(text: str) -> str:
    """``text`` with a single quote in front when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """The text :func:`neutralise` was given: a table the bot wrote (the work-plan template)
    comes back filled in with the quote still in front."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Sequence[Cell]], *, delimiter: str = ",") -> str:
    """Rows as CSV text, every text cell neutralised; numbers are written as numbers (a
    negative number is a number, not a formula, and is only ever passed as one).

    Lines end in CRLF (RFC 4180, as Excel writes them): with that terminator Python's writer
    quotes a cell holding a lone CR, which it leaves bare (a broken row) when lines end in LF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([neutralise(cell) if isinstance(cell, str) else cell for cell in row] for row in rows)
    return out.getvalue()
