"""Staff: import, look-ups, Telegram binding."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import RowMapping, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.staff.rules import StaffRecord
from storage.dto import EmployeeDTO, ImportSummary
from storage.models import Employee
from storage.rows import dto_columns, table_of

# A person as plain columns, in EmployeeDTO's order: ``EmployeeDTO(*row)``.
EMPLOYEE_COLUMNS = dto_columns(EmployeeDTO, Employee)
# Run for every update (the sender): built once.
_BY_TELEGRAM_ID = select(*EMPLOYEE_COLUMNS).where(
    table_of(Employee).c.telegram_user_id == bindparam("telegram_user_id")
)
_IMPORTED_FIELDS = ("full_name", "position", "role", "unit", "phone", "language", "appointed_on")


def to_dto(row: Employee) -> EmployeeDTO:
    return EmployeeDTO(
        id=row.id,
        employee_id=row.employee_id,
        full_name=row.full_name,
        position=row.position,
        role=row.role,
        unit=row.unit,
        manager_id=row.manager_id,
        phone=row.phone,
        language=row.language,
        appointed_on=row.appointed_on,
        active=row.active,
        telegram_user_id=row.telegram_user_id,
        chosen_locale=row.chosen_locale,
        blocked_at=row.blocked_at,
        position_category=row.position_category,
        serves_public=row.serves_public,
        probation_ends_on=row.probation_ends_on,
        returned_on=row.returned_on,
        returned_from=row.returned_from,
    )


# What the import writes besides the fields of the file: compared to decide whether a person
# changed, and written when they did.
# The 004 clause 4 columns, each written only when the file has it (StaffRecord.columns): a
# staff list without them keeps what an earlier one said.
# The staff list's optional columns → the fields they set. A column the file leaves out keeps
# what is stored (a list exported from another system without it must not wipe it); a column
# present but empty for a person clears it.
_OPTIONAL_FIELDS = {
    "category": ("category",),
    "serves_public": ("serves_public",),
    "probation_ends_on": ("probation_ends_on",),
    "returned_on": ("returned_on", "returned_from"),
    "returned_from": ("returned_on", "returned_from"),
}
_COLUMN_OF = {"category": "position_category"}  # a record's field → its column, where they differ
_STORED_FIELDS = (
    *_IMPORTED_FIELDS,
    "name_key",
    "position_category",
    "serves_public",
    "probation_ends_on",
    "returned_on",
    "returned_from",
)


@dataclass(frozen=True, slots=True)
class _ImportPlan:
    summary: ImportSummary
    managers_of_new: list[dict[str, object]]  # {"id", "manager_id"} of the people just inserted
    updates: list[dict[str, object]]  # every field of the people who changed or came back
    leavers: list[dict[str, object]]  # {"id", "active", "left_on"}


def _plan(
    existing: Mapping[str, RowMapping], records: Sequence[StaffRecord], id_of: Mapping[str, int], today: date
) -> _ImportPlan:
    """The import of ``records`` over the ``existing`` people (plain Python: no statement)."""
    managers_of_new: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    new = changed = unchanged = 0
    for record in records:
        values = EmployeeRepo._values(record)
        values["manager_id"] = id_of[record.manager_id] if record.manager_id else None
        row = existing.get(record.employee_id)
        if row is None:
            new += 1
            if values["manager_id"] is not None:
                managers_of_new.append({"id": id_of[record.employee_id], "manager_id": values["manager_id"]})
            continue
        differs = any(row[name] != value for name, value in values.items()) or not row["active"]
        if differs:
            changed += 1
        else:
            unchanged += 1
        if differs or row["left_on"] is not None:
            updates.append({"id": row["id"], **values, "active": True, "left_on": None})
    in_file = {record.employee_id for record in records}
    # The manager stays: a person who left is still evaluated for the quarter by them, without
    # their participation (clause 6).
    leavers: list[dict[str, object]] = [
        {"id": row["id"], "active": False, "left_on": today}
        for external_id, row in existing.items()
        if external_id not in in_file and row["active"]
    ]
    summary = ImportSummary(new=new, changed=changed, left=len(leavers), unchanged=unchanged)
    return _ImportPlan(summary, managers_of_new, updates, leavers)


class EmployeeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self, *, active_only: bool = False) -> list[EmployeeDTO]:
        query = select(Employee).order_by(Employee.id)
        if active_only:
            query = query.where(Employee.active.is_(True))
        return [to_dto(row) for row in await self.session.scalars(query)]

    async def subordinates(self, manager_pk: int) -> list[EmployeeDTO]:
        """The active people who report directly to this manager, by name."""
        rows = await self.session.scalars(
            select(Employee)
            .where(Employee.manager_id == manager_pk, Employee.active.is_(True))
            .order_by(Employee.full_name)
        )
        return [to_dto(row) for row in rows]

    async def get(self, employee_pk: int) -> EmployeeDTO | None:
        row = await self.session.get(Employee, employee_pk)
        return to_dto(row) if row else None

    async def many(self, ids: Iterable[int]) -> dict[int, EmployeeDTO]:
        rows = await self.session.scalars(select(Employee).where(Employee.id.in_(list(ids))))
        return {row.id: to_dto(row) for row in rows}

    async def by_external_ids(self, external_ids: Iterable[str]) -> dict[str, EmployeeDTO]:
        query = select(Employee).where(Employee.employee_id.in_(list(external_ids)))
        return {row.employee_id: to_dto(row) for row in await self.session.scalars(query)}

    async def names_by_telegram_id(self, telegram_user_ids: Iterable[int]) -> dict[int, str]:
        query = select(Employee.telegram_user_id, Employee.full_name).where(
            Employee.telegram_user_id.in_(list(telegram_user_ids))
        )
        return {tg: name for tg, name in (await self.session.execute(query)).all() if tg is not None}

    async def by_telegram_ids(self, telegram_user_ids: Iterable[int]) -> dict[int, EmployeeDTO]:
        ids = set(telegram_user_ids)
        if not ids:
            return {}
        rows = await self.session.scalars(select(Employee).where(Employee.telegram_user_id.in_(ids)))
        return {row.telegram_user_id: to_dto(row) for row in rows if row.telegram_user_id is not None}

    async def by_telegram_id(self, telegram_user_id: int) -> EmployeeDTO | None:
        row = (await self.session.execute(_BY_TELEGRAM_ID, {"telegram_user_id": telegram_user_id})).first()
        return EmployeeDTO(*row) if row else None

    async def search(self, text: str, limit: int = 10) -> list[EmployeeDTO]:
        """People whose id is ``text`` or whose name contains it (any case), active first."""
        needle = text.strip()
        query = (
            select(Employee)
            .where(
                or_(
                    Employee.employee_id == needle,
                    Employee.name_key.contains(needle.casefold(), autoescape=True),
                )
            )
            .order_by(Employee.active.desc(), Employee.full_name)
            .limit(limit)
        )
        return [to_dto(row) for row in await self.session.scalars(query)]

    async def active_by_phone(self, phone: str) -> list[EmployeeDTO]:
        query = select(Employee).where(Employee.phone == phone, Employee.active.is_(True))
        return [to_dto(row) for row in await self.session.scalars(query)]

    async def import_records(self, records: Sequence[StaffRecord], today: date) -> ImportSummary:
        """Insert or update people by ``employee_id``; people missing from the file are marked
        as having left (never deleted: their evaluations must stay).

        A few statements for the whole list (the new people in one multi-row INSERT, the
        changes and the leavers each in one executemany UPDATE), not an ORM object per person:
        a list of 50,000 people took the event loop for tens of seconds that way."""
        existing = await self._existing()
        new = [record for record in records if record.employee_id not in existing]
        id_of = {external_id: row["id"] for external_id, row in existing.items()}
        if new:
            inserted = await self.session.execute(
                insert(Employee).returning(Employee.id, Employee.employee_id),
                [
                    {"employee_id": record.employee_id, "active": True, **self._values(record)}
                    for record in new
                ],
            )
            id_of.update({external_id: pk for pk, external_id in inserted})
        plan = _plan(existing, records, id_of, today)
        for updates in (plan.managers_of_new, plan.updates, plan.leavers):
            if updates:
                await self.session.execute(update(Employee), updates)
        # The session's copies of people, if it holds any, are not what the statements wrote.
        self.session.expire_all()
        return plan.summary

    async def import_summary(self, records: Sequence[StaffRecord], today: date) -> ImportSummary:
        """What :meth:`import_records` would change, worked out by the same plan and written
        nowhere: the preview can never disagree with the import."""
        existing = await self._existing()
        id_of = {external_id: row["id"] for external_id, row in existing.items()}
        # The new people have no ids yet: stand-ins that no stored row has.
        id_of.update(
            {
                record.employee_id: -n
                for n, record in enumerate(records, start=1)
                if record.employee_id not in id_of
            }
        )
        return _plan(existing, records, id_of, today).summary

    async def _existing(self) -> dict[str, RowMapping]:
        columns = [Employee.id, Employee.employee_id, Employee.active, Employee.left_on, Employee.manager_id]
        columns += [getattr(Employee, name) for name in _STORED_FIELDS]
        result = await self.session.execute(select(*columns))
        return {row["employee_id"]: row for row in result.mappings()}

    @staticmethod
    def _values(record: StaffRecord) -> dict[str, object]:
        values: dict[str, object] = {name: getattr(record, name) for name in _IMPORTED_FIELDS}
        values["name_key"] = record.full_name.casefold()
        for column in record.columns & _OPTIONAL_FIELDS.keys():
            for field in _OPTIONAL_FIELDS[column]:
                values[_COLUMN_OF.get(field, field)] = getattr(record, field)
        return values

    async def bind_telegram(self, employee_pk: int, telegram_user_id: int, now: datetime) -> bool:
        """Link a Telegram account to a person who has none; False, changing nothing, when the
        person is linked to another account already (only HR unbinds: ``unbind_telegram``).
        The person's row is locked first (PostgreSQL; SQLite runs one writer at a time), so two
        accounts joining as the same person at once cannot both succeed. An account belongs to
        one person only, so it is released from whoever had it: the account's owner moves
        itself, never anybody else."""
        bound = await self.session.scalar(
            select(Employee.telegram_user_id).where(Employee.id == employee_pk).with_for_update()
        )
        if bound == telegram_user_id:
            return True
        if bound is not None:
            return False
        await self.session.execute(
            update(Employee)
            .where(Employee.telegram_user_id == telegram_user_id, Employee.id != employee_pk)
            .values(telegram_user_id=None)
        )
        await self.session.execute(
            update(Employee)
            .where(Employee.id == employee_pk)
            .values(telegram_user_id=telegram_user_id, joined_at=now)
        )
        return True

    async def unbind_telegram(self, employee_pk: int) -> int | None:
        """Release the person's Telegram account; returns it, or None if there was none."""
        bound = await self.session.scalar(
            select(Employee.telegram_user_id).where(Employee.id == employee_pk).with_for_update()
        )
        if bound is not None:
            await self.session.execute(
                update(Employee)
                .where(Employee.id == employee_pk)
                .values(telegram_user_id=None, joined_at=None)
            )
        return bound

    async def set_locale(self, employee_pk: int, locale: str) -> None:
        await self.session.execute(
            update(Employee).where(Employee.id == employee_pk).values(chosen_locale=locale)
        )

    async def clear_blocked(self, telegram_user_id: int) -> bool:
        """The person wrote to the bot, so they no longer block it: broadcasts reach them
        again. True if they had been marked as blocking it."""
        result = await self.session.execute(
            update(Employee)
            .where(Employee.telegram_user_id == telegram_user_id, Employee.blocked_at.is_not(None))
            .values(blocked_at=None)
            .returning(Employee.id)
        )
        return result.first() is not None
