"""Tables. The database is the system of record: every answer lands here when given.

Anonymity against whoever reads the database (docs/security.md): a 360 answer is stored
sealed (storage/survey360/ballots.py). While answering, ``draft_answers`` holds it as ciphertext next to
its assignment; on submission the questionnaire becomes one sealed row of ``ballots``, with a
random id and neither respondent nor time. Only when the round closes are its ballots opened,
added up into ``answer_tallies`` (counts per evaluated person, statement and score) and
``competency_sums`` in one transaction, and deleted. The self-assessment is the person's own
and is stored as given (``self_answers``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.quarterly.upload_rules import KPI_TEXT_LIMITS
from bot.staff.rules import FIELD_LIMITS as STAFF_LIMITS

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Employee(Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(STAFF_LIMITS["employee_id"]), unique=True)
    full_name: Mapped[str] = mapped_column(String(STAFF_LIMITS["full_name"]))
    # The name case-folded in Python: SQLite's lower() folds ASCII only, and HR searches
    # Kazakh and Russian names.
    name_key: Mapped[str] = mapped_column(String(STAFF_LIMITS["full_name"]), index=True, default="")
    position: Mapped[str] = mapped_column(String(STAFF_LIMITS["position"]))
    role: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(STAFF_LIMITS["unit"]), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    # None: the staff list does not say; the Telegram language is taken when the person joins.
    language: Mapped[str | None] = mapped_column(String(2))
    appointed_on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_on: Mapped[date | None] = mapped_column(Date)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    # The language the person chose with /language; None means "as in the staff list".
    chosen_locale: Mapped[str | None] = mapped_column(String(2))
    joined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when Telegram answered 403 (the person blocked the bot): skipped until they write again.
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The 2018 method (kz-2018 profiles) only: the post's category of appendix 4 (E-1 … E-G-4),
    # and whether its duties include public services (appendix 3's two starred competencies).
    position_category: Mapped[str | None] = mapped_column(String(8))
    serves_public: Mapped[bool | None] = mapped_column(Boolean)
    # 004 clause 4 (profiles with "exclusions"): not evaluated while on probation, nor in the
    # first months after coming back from social leave or study. None: the staff list does not say.
    probation_ends_on: Mapped[date | None] = mapped_column(Date)
    returned_on: Mapped[date | None] = mapped_column(Date)
    returned_from: Mapped[str | None] = mapped_column(String(16))  # social_leave | study

    __table_args__ = (CheckConstraint("role IN ('head', 'employee')", name="role"),)


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # 360 | quarter | legacy (the 2018 year)
    year: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Quarterly rounds only (kind "quarter"): the quarter and the dates of clauses 22, 26, 30.
    quarter: Mapped[int | None] = mapped_column(SmallInteger)
    heads_notified_by: Mapped[date | None] = mapped_column(Date)
    employees_notified_by: Mapped[date | None] = mapped_column(Date)
    actuals_due_by: Mapped[date | None] = mapped_column(Date)
    profile_code: Mapped[str] = mapped_column(String(32))
    profile_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('draft', 'running', 'closed')", name="status"),
        CheckConstraint("kind IN ('360', 'quarter', 'legacy')", name="kind"),
        CheckConstraint("(kind = 'quarter') = (quarter IS NOT NULL)", name="quarter"),
        UniqueConstraint("kind", "year", "quarter", name="uq_campaigns_quarter"),
        # One 2018-method year per year: two HR officers pressing Start together on PostgreSQL
        # would otherwise both pass the check (the quarter's constraint is no help: NULLs differ).
        Index(
            "uq_campaigns_legacy_year",
            "year",
            unique=True,
            sqlite_where=text("kind = 'legacy'"),
            postgresql_where=text("kind = 'legacy'"),
        ),
    )


class CampaignSubject(Base):
    """A person evaluated in a round, with the questionnaire that fits their role."""

    __tablename__ = "campaign_subjects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    questionnaire: Mapped[str] = mapped_column(String(16))
    # Set when the person is left out of the round (e.g. too short in post, too few
    # respondents); they stay listed so that HR sees why.
    excluded_reason: Mapped[str | None] = mapped_column(String(32))
    # "I have read it" on the 360 report (clause 11); the report went out when the round closed.
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("campaign_id", "employee_id", name="uq_campaign_subjects_person"),)


class Assignment(Base):
    """One questionnaire one respondent fills about one evaluated person (or themself)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_subjects.id", ondelete="CASCADE"), index=True
    )
    respondent_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The statement on screen (0 = the review screen, None = not opened), and whether
    # answering it returns to the review; the live message whose buttons are valid.
    cursor: Mapped[int | None] = mapped_column(SmallInteger)
    back_to_review: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("subject_id", "respondent_id", name="uq_assignments_pair"),
        CheckConstraint("relation IN ('self', 'manager', 'subordinate', 'peer')", name="relation"),
    )


class DraftAnswer(Base):
    """An answer given but not yet submitted: it knows its assignment (to resume), so its score
    is sealed (storage/survey360/ballots.py), bound to the assignment and statement."""

    __tablename__ = "draft_answers"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    statement_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class Ballot(Base):
    """A submitted colleague's questionnaire, sealed with its round's key, until the round
    closes and its ballots are tallied and deleted. Nothing here links it to a respondent: the
    id is random (no sequence, so neither its value nor, on SQLite, the table's order tells
    which came first) and there is no time; the subject is inside the ciphertext."""

    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class AnswerTally(Base):
    """Colleagues' answers of a closed round, as counts only (see the module docstring)."""

    __tablename__ = "answer_tallies"

    subject_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_subjects.id", ondelete="CASCADE"), primary_key=True
    )
    statement_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score"),)


class SelfAnswer(Base):
    """The submitted self-assessment: the person's own, shown beside the result only."""

    __tablename__ = "self_answers"

    subject_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_subjects.id", ondelete="CASCADE"), primary_key=True
    )
    statement_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger)


class CompetencySum(Base):
    """Submitted answers added up per evaluated person and competency: the colleagues' (with
    ``self_assessed`` false, added up from the ballots when the round closes, with the tallies
    above) and the self-assessment's (added at its submission), so that a round's reports read a few small rows a person instead of grouping every answer
    (bench/results_360.py). Like the tallies, nothing here knows who answered."""

    __tablename__ = "competency_sums"

    subject_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_subjects.id", ondelete="CASCADE"), primary_key=True
    )
    self_assessed: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    competency_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    points: Mapped[int] = mapped_column(Integer)  # the scores' sum
    answers: Mapped[int] = mapped_column(Integer)  # how many answers


class OutboxMessage(Base):
    """A notification the bot owes someone. Rows carry ids only; the text is rendered in
    the recipient's language when it is sent."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    # Or a Telegram account that need not be in the staff list: HR's role holders.
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Not to be sent before this moment (reminders wait for their day and for working hours).
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # Which bot instance claimed the row for sending, and when: a restarted instance settles
    # its own interrupted rows, and any instance those of one that died and stayed away.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("kind", "ref_id", "recipient_id", name="uq_outbox_once"),
        UniqueConstraint("kind", "ref_id", "chat_id", name="uq_outbox_once_chat"),
        CheckConstraint("(recipient_id IS NULL) <> (chat_id IS NULL)", name="one_recipient"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'blocked', 'failed')", name="status"),
        # The sender's "what is due": rows due now, not every pending row (a round's reminders
        # for weeks ahead are hundreds of thousands of them). See OutboxRepo.claim.
        Index("ix_outbox_status_not_before", "status", "not_before"),
    )


class RoleGrant(Base):
    """A role held by a Telegram account: hr (runs rounds), hr_head (sees results, clause 20),
    authorised (approves schedules, decides on calibration)."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[int | None] = mapped_column(BigInteger)  # None: seeded from HR_ADMIN_IDS or the CLI
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("telegram_user_id", "role", name="uq_role_grants_account_role"),
        CheckConstraint("role IN ('hr', 'hr_head', 'authorised')", name="role"),
    )


class InboxUpdate(Base):
    """A Telegram update received and not yet handled: the transactional inbox. It is stored
    before Telegram learns it arrived (the next getUpdates offset, the webhook's 200), so a
    crash cannot lose it, and deleted in the transaction that handles it, so it is handled
    once (bot/infra/inbox.py). The payload is the update as Telegram sent it, sealed (storage/survey360/ballots.py)."""

    __tablename__ = "update_inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Whose updates are handled one at a time and in order: the sender's Telegram id (the
    # chat's when there is no sender; None for updates nobody sent).
    person: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)
    received_by: Mapped[str] = mapped_column(String(64))  # the instance that stored it
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProcessedUpdate(Base):
    """A Telegram update the bot has handled. Telegram delivers an update again when it did not
    see it confirmed (a crash before the getUpdates offset moved, a webhook answer lost); the
    record, committed with the update's own changes, makes the second delivery a no-op."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class Account(Base):
    """A Telegram account's own settings when it is not in the staff list (an HR officer or the
    authorised person from outside the body): the language it chose with /language."""

    __tablename__ = "accounts"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    locale: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditEntry(Base):
    """Who did what, when, on what. Never holds answers or results."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # None: the command line
    action: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str | None] = mapped_column(Text)


class Broadcast(Base):
    """A message HR sends to an audience, or a reminder to a round's unfinished respondents.
    Each recipient's delivery is an outbox row (kind "broadcast", ref_id = this id), so it is
    sent once, paced, and survives restarts."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # message | reminder
    author_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    audience: Mapped[str] = mapped_column(String(24))  # everyone | unit | round_unfinished | not_joined
    audience_unit: Mapped[str | None] = mapped_column(String(255))
    audience_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    text: Mapped[str | None] = mapped_column(Text)  # None for reminders: rendered per recipient's language
    attachment_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    attachment_file_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # The HR chat message that shows the live progress bar.
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("kind IN ('message', 'reminder')", name="kind"),
        CheckConstraint("status IN ('draft', 'sending', 'done', 'cancelled')", name="status"),
        CheckConstraint(
            "audience IN ('everyone', 'unit', 'round_unfinished', 'not_joined')", name="audience"
        ),
    )


class AbsencePeriod(Base):
    """Leave, sickness, a business trip or training (clause 5): HR marks it; the person is
    then evaluated without their participation."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("kind IN ('leave', 'sick', 'trip', 'training')", name="kind"),
        CheckConstraint("ends_on >= starts_on", name="period"),
        UniqueConstraint("employee_id", "kind", "starts_on", name="uq_absences_once"),
    )


class WorkPlan(Base):
    """A head's individual work plan for a year (appendix 1): 3 to 5 KPIs, drafted by the
    evaluator, approved by the superior manager or returned for correction."""

    __tablename__ = "work_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))  # None: nobody above
    return_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("employee_id", "year", name="uq_work_plans_year"),
        CheckConstraint("status IN ('submitted', 'approved', 'returned')", name="status"),
    )


class PlanKpi(Base):
    __tablename__ = "plan_kpis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("work_plans.id", ondelete="CASCADE"), index=True)
    no: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(KPI_TEXT_LIMITS["unit"]))
    higher_is_better: Mapped[bool] = mapped_column(Boolean)
    key_result: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("plan_id", "no", name="uq_plan_kpis_no"),
        CheckConstraint("no BETWEEN 1 AND 5", name="no"),
    )


class KpiQuarter(Base):
    """A KPI's plan for one quarter and, once HR enters it, the actual value (clause 22)."""

    __tablename__ = "kpi_quarters"

    kpi_id: Mapped[int] = mapped_column(ForeignKey("plan_kpis.id", ondelete="CASCADE"), primary_key=True)
    quarter: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    planned: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    due_on: Mapped[date | None] = mapped_column(Date)
    actual: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    actual_entered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter"),
        CheckConstraint("planned > 0", name="planned"),
        CheckConstraint("actual IS NULL OR actual >= 0", name="actual"),
    )


class PlanChange(Base):
    """The history of a work plan (clause 25): every change, with its reason and the KPIs
    before and after (JSON)."""

    __tablename__ = "plan_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("work_plans.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the command line
    action: Mapped[str] = mapped_column(String(16))  # drafted | changed | approved | returned
    reason: Mapped[str | None] = mapped_column(Text)
    kpis_before: Mapped[str | None] = mapped_column(Text)
    kpis_after: Mapped[str | None] = mapped_column(Text)


class QuarterSheet(Base):
    """One person's evaluation sheet in a quarterly round: KPI (appendix 2) for heads,
    differentiation (appendix 4) for employees. The screen state (cursor, the text awaited,
    the live message) is here too, so an evaluator continues where they were after a restart."""

    __tablename__ = "quarter_sheets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("work_plans.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    excluded_reason: Mapped[str | None] = mapped_column(String(32))
    absence: Mapped[str | None] = mapped_column(String(16))
    # An absent head's KPIs are evaluated by this day, after their return (002 clause 5).
    kpi_due_on: Mapped[date | None] = mapped_column(Date)
    cursor: Mapped[int | None] = mapped_column(SmallInteger)
    awaiting: Mapped[str | None] = mapped_column(String(16))  # score | comment | justification
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    justification: Mapped[str | None] = mapped_column(Text)
    final_score: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("campaign_id", "employee_id", name="uq_quarter_sheets_person"),
        CheckConstraint("method IN ('kpi', 'differentiation')", name="method"),
        CheckConstraint("status IN ('open', 'submitted', 'excluded')", name="status"),
        CheckConstraint("(status = 'excluded') = (excluded_reason IS NOT NULL)", name="excluded"),
        CheckConstraint("final_score IS NULL OR final_score BETWEEN 0 AND 5", name="final_score"),
    )


# A written notice is about exactly one result (CASE: PostgreSQL does not add booleans).
ONE_REFERENCE = (
    "(CASE WHEN sheet_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN subject_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN legacy_sheet_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class WrittenNotice(Base):
    """A result HR must deliver in writing to a person who left the body (000 clause 11, second
    part; 003 clauses 12 and 69): due the profile's working days after the result was given;
    the channel, the day it was sent and its reference once HR records them. It is about
    exactly one result: a quarterly sheet, a 360 round's evaluated person, or a 2018-method
    sheet. The quarterly appeal window counts from ``sent_on``. ``id`` is the number HR sees."""

    __tablename__ = "written_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int | None] = mapped_column(
        ForeignKey("quarter_sheets.id", ondelete="CASCADE"), unique=True
    )
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_subjects.id", ondelete="CASCADE"), unique=True
    )
    legacy_sheet_id: Mapped[int | None] = mapped_column(
        ForeignKey("legacy_sheets.id", ondelete="CASCADE"), unique=True
    )
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str | None] = mapped_column(String(16))
    sent_on: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)  # HR's Telegram id; None: the command line

    __table_args__ = (
        CheckConstraint(ONE_REFERENCE, name="one_reference"),
        CheckConstraint(
            "channel IS NULL OR channel IN ('letter', 'phone', 'telegram', 'sms', 'email', 'other')",
            name="channel",
        ),
        # Recorded all together or not at all.
        CheckConstraint(
            "(channel IS NULL) = (sent_on IS NULL) AND (channel IS NULL) = (reference IS NULL)"
            " AND (channel IS NULL) = (recorded_at IS NULL)",
            name="recorded",
        ),
    )


class SheetScore(Base):
    """A score on a sheet: a differentiation parameter or a KPI. The range the methodology
    allowed when it was given is stored with it, and the database refuses a score outside it
    (appendix 3 for KPIs, 1-5 for the parameters)."""

    __tablename__ = "sheet_scores"

    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("quarter_sheets.id", ondelete="CASCADE"), primary_key=True
    )
    item_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    score: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    allowed_min: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    allowed_max: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # KPIs: the achievement
    comment: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "allowed_min >= 0 AND allowed_max <= 5 AND score >= allowed_min AND score <= allowed_max",
            name="allowed",
        ),
    )


class Appeal(Base):
    """An application for a calibration session (clause 12): the evaluated person disagrees
    with a quarterly result, within 5 working days of reading it."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("quarter_sheets.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decide_by: Mapped[date] = mapped_column(Date)  # the authorised person's 3 working days (clause 38)
    status: Mapped[str] = mapped_column(String(16), default="filed")
    # The session (clause 39) and its decision (clause 41): the result before and after.
    session_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score_before: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    score_after: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    outcome: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("status IN ('filed', 'session', 'decided')", name="status"),)


class CalibrationVote(Base):
    """A member of a calibration session and, once given, their vote: the evaluator's score
    supported, or a corrected one with its reason."""

    __tablename__ = "calibration_votes"

    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    reason: Mapped[str | None] = mapped_column(Text)
    voted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The member whose vote breaks a tie, when the profile gives the chair that vote.
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (CheckConstraint("score IS NULL OR score BETWEEN 0 AND 5", name="score"),)


class LegacySheet(Base):
    """One person's year under the 2018 method (a round of kind "legacy"): the individual work
    plan with its 5 KPIs (appendix 1), the KPI sheet (appendix 2) agreed by the superior manager
    or returned, the competency sheet (appendix 3), the commission's decision, and the person's
    acquaintance with the result. Every grade is stored as the profile's grade code, with the
    round's profile code and version on the campaign."""

    __tablename__ = "legacy_sheets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)  # direct manager
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))  # superior manager
    excluded_reason: Mapped[str | None] = mapped_column(String(32))
    # What the competency sheet was filled for (copied from the staff list when the round began).
    position_category: Mapped[str | None] = mapped_column(String(8))
    heads_unit: Mapped[bool] = mapped_column(Boolean, default=False)
    serves_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # The plan (appendix 1): drafted → approved, or returned and resubmitted within 2 working days.
    plan_status: Mapped[str] = mapped_column(String(16), default="draft")
    # The KPI sheet (appendix 2): open → submitted → agreed, or returned (clauses 21-23).
    kpi_status: Mapped[str] = mapped_column(String(16), default="open")
    kpi_met: Mapped[int | None] = mapped_column(SmallInteger)
    kpi_grade: Mapped[str | None] = mapped_column(String(32))
    return_comment: Mapped[str | None] = mapped_column(Text)
    resubmit_by: Mapped[date | None] = mapped_column(Date)
    kpi_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kpi_agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    competencies_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The commission (clauses 37-39): approved, or revised with the corrected grade.
    decision: Mapped[str | None] = mapped_column(String(16))
    corrected_grade: Mapped[str | None] = mapped_column(String(32))
    recommendation: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The sitting that decided it: its protocol lists the result.
    decided_in_sitting_id: Mapped[int | None] = mapped_column(
        ForeignKey("commission_sittings.id", ondelete="SET NULL")
    )
    # Sent to the person once the authorised person approved the sitting's results (clause 39):
    # acquaintance, its reminders and the appeal window start then.
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Acquaintance (clauses 40-42): read in the bot, or refused (an act is drawn up instead).
    acquaint_by: Mapped[date | None] = mapped_column(Date)
    acquainted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refusal_note: Mapped[str | None] = mapped_column(Text)
    # An appeal to the civil service agency (clause 43), noted: the bot does not decide it.
    agency_appeal_by: Mapped[date | None] = mapped_column(Date)
    agency_appeal_on: Mapped[date | None] = mapped_column(Date)
    # Absent during the evaluation (leave, sickness, a trip, training) up to ``absent_until``:
    # evaluated within 5 working days of being back, by ``absence_due`` (004 clause 4).
    absent_until: Mapped[date | None] = mapped_column(Date)
    absence_due: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("campaign_id", "employee_id", name="uq_legacy_sheets_person"),
        CheckConstraint("plan_status IN ('draft', 'submitted', 'approved', 'returned')", name="plan_status"),
        CheckConstraint("kpi_status IN ('open', 'submitted', 'agreed', 'returned')", name="kpi_status"),
        CheckConstraint("kpi_met IS NULL OR kpi_met BETWEEN 0 AND 5", name="kpi_met"),
        CheckConstraint("decision IS NULL OR decision IN ('approve', 'revise')", name="decision"),
        CheckConstraint("(decision = 'revise') = (corrected_grade IS NOT NULL)", name="corrected"),
        CheckConstraint("acquainted_at IS NULL OR refused_at IS NULL", name="acquaintance"),
    )


class LegacyKpi(Base):
    """A KPI of the plan (appendix 1) and, at the year's end, its line of the sheet (appendix 2):
    the actual value, met or not, and the facts that prove it (clause 22)."""

    __tablename__ = "legacy_kpis"

    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_sheets.id", ondelete="CASCADE"), primary_key=True
    )
    no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(KPI_TEXT_LIMITS["unit"]))
    planned: Mapped[str] = mapped_column(String(KPI_TEXT_LIMITS["planned"]))
    due: Mapped[str] = mapped_column(String(KPI_TEXT_LIMITS["due"]))
    key_result: Mapped[str] = mapped_column(Text)
    actual: Mapped[str | None] = mapped_column(String(64))
    met: Mapped[bool | None] = mapped_column(Boolean)
    facts: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("no BETWEEN 1 AND 5", name="no"),)


class LegacyIndicatorSeen(Base):
    """An effective behaviour indicator the direct manager saw (appendix 4), by its place in the
    person's group; a competency sheet row with none is a competency with nothing seen."""

    __tablename__ = "legacy_indicators_seen"

    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_sheets.id", ondelete="CASCADE"), primary_key=True
    )
    competency_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    indicator: Mapped[int] = mapped_column(SmallInteger, primary_key=True)


class LegacyCompetencyResult(Base):
    """The sheet's verdict on a competency when it was submitted, kept as given."""

    __tablename__ = "legacy_competency_results"

    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_sheets.id", ondelete="CASCADE"), primary_key=True
    )
    competency_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    seen: Mapped[int] = mapped_column(SmallInteger)
    total: Mapped[int] = mapped_column(SmallInteger)
    meets: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (CheckConstraint("seen BETWEEN 0 AND total", name="seen"),)


class Commission(Base):
    """The evaluation commission of a legacy round (004 clauses 5, 29-39): its members, chair and
    secretary, named once for the round. It may sit more than once (:class:`CommissionSitting`)."""

    __tablename__ = "commissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), unique=True)
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))  # HR; does not vote


class CommissionMember(Base):
    __tablename__ = "commission_members"

    commission_id: Mapped[int] = mapped_column(
        ForeignKey("commissions.id", ondelete="CASCADE"), primary_key=True
    )
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)


class CommissionSitting(Base):
    """One sitting of a round's commission, numbered from 1: agreed with the chair and announced
    to the evaluators ahead (clause 29), with its own attendance, votes and protocol (appendix
    5). A further sitting decides what earlier ones left undecided: results not ready then, a
    person back from an absence (clause 4), or everything when a sitting had no quorum."""

    __tablename__ = "commission_sittings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(SmallInteger)
    sitting_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    announced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    conclusion: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The authorised person's approval of the results it decided (004 clause 39): in the bot (their
    # Telegram account, and their staff record when they are on the staff list) or, given on
    # paper, recorded from the command line; the name as it goes on the protocol.
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    approved_by_account: Mapped[int | None] = mapped_column(BigInteger)
    approved_by_name: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        UniqueConstraint("commission_id", "number"),
        CheckConstraint("status IN ('scheduled', 'sitting', 'closed', 'no_quorum')", name="status"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint("approved_at IS NULL OR status = 'closed'", name="approved_closed"),
    )


class SittingAttendance(Base):
    """A member present at a sitting (recorded with their first vote): the quorum of clause 30
    is counted per sitting."""

    __tablename__ = "sitting_attendance"

    sitting_id: Mapped[int] = mapped_column(
        ForeignKey("commission_sittings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    present_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CommissionVoteCast(Base):
    """A member's open vote at a sitting on one person's result: approve, or revise to a
    corrected grade. A sitting that decided nothing for the result (no quorum) leaves the
    member free to vote on it afresh at the next."""

    __tablename__ = "sitting_votes"

    sitting_id: Mapped[int] = mapped_column(
        ForeignKey("commission_sittings.id", ondelete="CASCADE"), primary_key=True
    )
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("legacy_sheets.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    choice: Mapped[str] = mapped_column(String(16))
    corrected_grade: Mapped[str | None] = mapped_column(String(32))
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("choice IN ('approve', 'revise')", name="choice"),
        CheckConstraint("(choice = 'revise') = (corrected_grade IS NOT NULL)", name="corrected"),
    )


class ReportJob(Base):
    """A long report job HR asked for (a round's ZIP of result PDFs, bot/reports/jobs.py),
    recorded so that it is neither lost nor run twice. While it runs, ``active_key`` names what
    it builds for whom: two presses of the same button, on this instance or another, meet on
    that unique key and make one job. A job finished or given up clears the key (NULLs never
    collide). A row still ``running`` after its instance restarted, or untouched for longer
    than a job's step can take, was interrupted: it is marked failed and the person told."""

    __tablename__ = "report_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # zip360: a round's (or a unit's) result PDFs
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str | None] = mapped_column(String(STAFF_LIMITS["unit"]))  # None: the whole round
    requested_by: Mapped[int] = mapped_column(BigInteger)  # the Telegram account that asked
    chat_id: Mapped[int] = mapped_column(BigInteger)  # where the progress and the file go
    locale: Mapped[str] = mapped_column(String(8))  # the language it was asked in
    status: Mapped[str] = mapped_column(String(16), default="running")
    active_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    claimed_by: Mapped[str] = mapped_column(String(64))  # the instance running it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('running', 'done', 'failed', 'interrupted')", name="status"),
        CheckConstraint("(status = 'running') = (active_key IS NOT NULL)", name="active_while_running"),
        Index("ix_report_jobs_status_updated_at", "status", "updated_at"),
    )
