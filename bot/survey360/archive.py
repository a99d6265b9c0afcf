"""A ZIP of per-person 360 result PDFs, for a unit or for the whole round.

Members are named ``<unit>/<employee_id> <full name>.pdf`` in UTF-8 (the ZIP's language
flag is set, so Windows Explorer, macOS and Linux show Cyrillic names correctly), with the
characters no file system accepts replaced, Windows' reserved names avoided, and each
name part short enough for any file system. The archive holds those PDFs and nothing else
(no directory entries, no manifest). Blocking: the bot builds it in worker processes
(bot/infra/workers.py).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from datetime import datetime

from bot.kernel.collation import collation_key
from bot.kernel.methodology import Profile
from bot.survey360.results import SubjectResult, report_created_at
from storage.dto import EmployeeDTO, SubjectDTO

__all__ = [
    "archive_members",
    "archive_plan",
    "build_pdf_archive",
    "member_name",
    "pack_archive",
    "write_member",
]

# Forbidden on Windows (and "/" everywhere), plus control characters.
UNSAFE_CHARACTERS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
)
# Characters, not bytes: a Cyrillic character takes 2 bytes in UTF-8, and most file
# systems allow 255 bytes per name.
MAX_PART_CHARS = 100
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def build_pdf_archive(
    items: Sequence[SubjectResult], profile: Profile, *, created_at: datetime | None = None
) -> bytes:
    """A deflated ZIP with one result PDF per person, in the current i18n locale.

    ``created_at`` (default: the round's deadline) dates the PDFs and the ZIP entries, so
    the same round always gives the same bytes.
    """
    # Imported here: the bot plans and packs archives (bot/reports/jobs.py), its workers draw.
    from bot.survey360.result_pdf import build_person_pdf

    members = archive_members(items, created_at=created_at)
    return pack_archive(
        [(name, when, build_person_pdf(item, profile, created_at=when)) for name, when, item in members]
    )


def archive_members(
    items: Sequence[SubjectResult], *, created_at: datetime | None = None
) -> list[tuple[str, datetime, SubjectResult]]:
    """The archive's members in order, each with its name and its date: the PDFs can then be
    built apart and packed by :func:`pack_archive`."""
    by_subject = {item.subject.id: item for item in items}
    return [
        (name, created_at or report_created_at(by_subject[subject_id]), by_subject[subject_id])
        for name, subject_id in archive_plan([item.subject for item in items])
    ]


def archive_plan(subjects: Sequence[SubjectDTO]) -> list[tuple[str, int]]:
    """The archive's order and names, from who is evaluated alone (no results): the bot's
    report job reads the results page by page in this order (bot/reports/jobs.py), so that a
    round of 10,000 people is never held whole."""
    taken: set[str] = set()
    ordered = sorted(
        subjects, key=lambda s: (collation_key(s.employee.unit), collation_key(s.employee.full_name))
    )
    return [(_unique(_name_of(subject.employee), taken), subject.id) for subject in ordered]


def pack_archive(members: Sequence[tuple[str, datetime, bytes]]) -> bytes:
    """The deflated ZIP of already built PDFs, named and dated by :func:`archive_members`."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, when, pdf in members:
            write_member(archive, name, when, pdf)
    return output.getvalue()


def write_member(archive: zipfile.ZipFile, name: str, when: datetime, pdf: bytes) -> None:
    """One PDF into an open archive, in memory or on disk: the bot's report job writes each
    as it comes back from its worker, so that the ZIP is never held whole (bot/reports/jobs.py)."""
    entry = zipfile.ZipInfo(name, date_time=max(ZIP_EPOCH, when.timetuple()[:6]))
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    archive.writestr(entry, pdf)


def member_name(item: SubjectResult) -> str:
    """``<unit>/<employee_id> <full name>.pdf``, safe on every common file system."""
    return _name_of(item.subject.employee)


def _name_of(person: EmployeeDTO) -> str:
    unit = _safe_part(person.unit)
    stem = _safe_part(f"{_safe_part(person.employee_id)} {person.full_name}")
    return f"{unit}/{stem}.pdf"


def _safe_part(text: str) -> str:
    """One path component: no separators or forbidden characters, no leading or trailing
    dots and spaces (Windows drops the trailing ones, a leading dot hides the file), not a
    reserved device name, at most MAX_PART_CHARS characters, never empty."""
    text = " ".join(unicodedata.normalize("NFC", text).split())  # tabs and line breaks too
    text = UNSAFE_CHARACTERS.sub("_", text)
    text = text[:MAX_PART_CHARS].strip(" .")
    if not text:
        return "_"
    if text.split(".")[0].upper() in WINDOWS_RESERVED:
        text = f"_{text}"
    return text


def _unique(name: str, taken: set[str]) -> str:
    """Add " (2)", " (3)" … before ".pdf" if the name exists already, ignoring case (as
    Windows and macOS file systems do)."""
    stem, suffix = name.removesuffix(".pdf"), ".pdf"
    candidate, copy = name, 1
    while candidate.casefold() in taken:
        copy += 1
        candidate = f"{stem} ({copy}){suffix}"
    taken.add(candidate.casefold())
    return candidate
