"""Plain data the repositories return: no ORM objects leave storage/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class EmployeeDTO:
    id: int
    employee_id: str
    full_name: str
    position: str
    role: str
    unit: str
    manager_id: int | None
    phone: str | None
    language: str | None
    appointed_on: date
    active: bool
    telegram_user_id: int | None
    chosen_locale: str | None
    blocked_at: datetime | None = None  # when a broadcast got 403: the person blocked the bot
    position_category: str | None = None  # the 2018 method's post category (E-1 … E-G-4)
    serves_public: bool | None = None  # the post's duties include public services
    probation_ends_on: date | None = None  # the probation's last day (004 clause 4)
    returned_on: date | None = None  # back from social leave or study (004 clause 4)
    returned_from: str | None = None  # "social_leave" or "study"

    @property
    def locale(self) -> str | None:
        """The person's own choice, else the staff list's; None when neither says."""
        return self.chosen_locale or self.language

    @property
    def first_name(self) -> str:
        """The given name: staff lists put the surname first ("Serikova Aigerim Nurlanovna")."""
        parts = self.full_name.split()
        return parts[1] if len(parts) >= 2 else self.full_name

    @property
    def short_name(self) -> str:
        """ "Aigerim S." style: the given name and the surname's initial."""
        parts = self.full_name.split()
        return f"{parts[1]} {parts[0][0]}." if len(parts) >= 2 else self.full_name


@dataclass(frozen=True, slots=True)
class ImportSummary:
    new: int
    changed: int
    left: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class CampaignDTO:
    id: int
    kind: str
    year: int
    deadline: date
    status: str
    profile_code: str
    profile_version: str
    # Quarterly rounds only: the quarter and the dates of clauses 22, 26 and 30.
    quarter: int | None = None
    heads_notified_by: date | None = None
    employees_notified_by: date | None = None
    actuals_due_by: date | None = None
    started_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SubjectDTO:
    id: int
    campaign_id: int
    employee: EmployeeDTO
    questionnaire: str
    excluded_reason: str | None
    acknowledged_at: datetime | None = None  # "I have read it" on the report (clause 11)


@dataclass(frozen=True, slots=True)
class AssignmentDTO:
    id: int
    subject_id: int
    respondent_id: int
    relation: str
    submitted: bool
    cursor: int | None
    back_to_review: bool
    message_id: int | None


@dataclass(frozen=True, slots=True)
class TaskDTO:
    """An assignment with what a respondent needs to see it in a list or on screen."""

    assignment: AssignmentDTO
    campaign: CampaignDTO
    subject: EmployeeDTO
    questionnaire: str
    answered: int


@dataclass(frozen=True, slots=True)
class OutboxDTO:
    id: int
    recipient_id: int | None  # a person in the staff list, or
    kind: str
    ref_id: int
    attempts: int
    chat_id: int | None = None  # a Telegram account (HR's role holders)
