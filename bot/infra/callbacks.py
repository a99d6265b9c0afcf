"""Every callback payload the bot's buttons carry: ids and enums only (64 bytes at most).

Numbers are bounded by what the database's columns hold (bot/kernel/limits.py): a forged payload with
an id beyond them (2**70) then does not unpack, so no handler's filter matches and the press is
answered as any unknown or forged button is (handlers/fallback.py), instead of failing the
update in the driver with an OverflowError."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from bot.kernel.limits import RowId, SmallNumber


class Action(StrEnum):
    """What a navigation button asks for. Values are short: they travel in callback data."""

    OPEN = "o"
    BACK = "b"
    NEXT = "n"  # on to the next statement, keeping the answer already given
    PAUSE = "p"
    RESUME = "r"
    REVIEW = "v"
    EDIT_LIST = "l"
    EDIT = "e"
    SUBMIT = "s"
    CONFIRM = "c"


class SheetAction(StrEnum):
    """What a sheet's navigation button asks for (short values: they travel in callback data)."""

    OPEN = "o"
    BACK = "b"
    REVIEW = "v"
    EDIT = "e"
    JUSTIFY = "j"
    NO_COMMENT = "n"
    SUBMIT = "s"
    CONFIRM = "c"


class AnswerCb(CallbackData, prefix="a"):
    """A score given to one statement of one questionnaire."""

    assignment: RowId
    statement: SmallNumber
    score: SmallNumber


class NavCb(CallbackData, prefix="n"):
    """A questionnaire's navigation. ``statement``: the statement on screen (NEXT), the one to
    change (EDIT), or one on the page of the list to show (EDIT_LIST); 0 otherwise."""

    assignment: RowId
    action: Action
    statement: SmallNumber = 0


class TasksCb(CallbackData, prefix="t"):
    """Show my open questionnaires."""


class LanguageCode(StrEnum):
    KK = "kk"
    RU = "ru"
    EN = "en"


class LanguageCb(CallbackData, prefix="lang"):
    code: LanguageCode


class StaffImportAction(StrEnum):
    CONFIRM = "ok"  # its ✖ Cancel is the wait's (WaitCancelCb)


class StaffImportCb(CallbackData, prefix="si"):
    action: StaffImportAction


class RoundAction(StrEnum):
    SHOW = "show"
    REFRESH = "ref"
    CHART = "chart"
    REMIND = "remind"
    CLOSE = "close"
    CLOSE_CONFIRM = "closeok"
    REPORT_XLSX = "xlsx"
    REPORT_ZIP = "zip"
    REPORT_UNITS = "units"


class RoundCb(CallbackData, prefix="hr"):
    action: RoundAction
    campaign: RowId


class AuditPageCb(CallbackData, prefix="au"):
    offset: RowId


class WizardAction(StrEnum):
    REPLACE = "repl"
    START = "start"
    START_SKIPPING = "skip"
    DELETE = "del"
    EXTEND = "ext"


class WizardCb(CallbackData, prefix="nw"):
    """The buttons under a 360 draft and a running round that start it, delete it, or open a
    wizard (one person's respondents, a new deadline). ``value``: the round's id."""

    action: WizardAction
    value: RowId = 0


class UnitArchiveCb(CallbackData, prefix="hu"):
    """The ZIP of one unit's reports: the unit's index in the round's sorted list of units."""

    campaign: RowId
    unit: RowId


class SheetCb(CallbackData, prefix="q"):
    """A navigation button of a quarterly sheet; ``item`` is a parameter's or KPI's number."""

    sheet: RowId
    action: SheetAction
    item: SmallNumber = 0


class SheetScoreCb(CallbackData, prefix="qs"):
    """A score for one item of a quarterly sheet, in hundredths (4.75 → 475)."""

    sheet: RowId
    item: SmallNumber
    hundredths: SmallNumber


class AcknowledgeCb(CallbackData, prefix="ack"):
    """ "I have read it": the evaluated person acknowledges a quarterly result."""

    sheet: RowId


class ReportAckCb(CallbackData, prefix="ack3"):
    """ "I have read it": the evaluated person acknowledges their 360 report (clause 11)."""

    subject: RowId


class PlanDecision(StrEnum):
    APPROVE = "ok"
    RETURN = "ret"


class PlanCb(CallbackData, prefix="wp"):
    """The superior manager's decision on a work plan (appendix 1)."""

    plan: RowId
    decision: PlanDecision


class QuarterAction(StrEnum):
    CREATE_YEAR = "year"
    SHOW = "show"
    START = "start"
    CLOSE = "close"
    WORKBOOK = "xlsx"


class QuarterCb(CallbackData, prefix="qr"):
    """HR's quarterly rounds screen; ``value``: a year or a round id."""

    action: QuarterAction
    value: RowId


class SheetPdfCb(CallbackData, prefix="qp"):
    """A submitted quarterly sheet as a PDF (appendix 2 or 4), for those clause 20 allows."""

    sheet: RowId


class AppealCb(CallbackData, prefix="ap"):
    """ "I disagree": apply for a calibration session about a quarterly result (clause 12)."""

    sheet: RowId


class AppealStep(StrEnum):
    SEND = "send"
    EDIT = "edit"  # ✖ Cancel is the wait's (WaitCancelCb)


class AppealDraftCb(CallbackData, prefix="apd"):
    """Under the preview of an application for a calibration session: send, rewrite or drop it."""

    sheet: RowId
    step: AppealStep


class CalibrationCb(CallbackData, prefix="cs"):
    """The authorised person's "hold a session" on an application (clause 38)."""

    appeal: RowId


class CalibrationVoteCb(CallbackData, prefix="cv"):
    """A member's vote: support the evaluator's score, or propose another (typed next)."""

    appeal: RowId
    support: bool


class LegacyAction(StrEnum):
    MENU = "menu"  # the person's year: plan, KPI sheet, competency sheet
    KPI = "kpi"  # KPI ``item`` of the KPI sheet (0: the first)
    MET = "met"  # KPI ``item`` met: the actual value and facts are asked for
    NOT_MET = "miss"  # KPI ``item`` not met: likewise
    KPI_SUBMIT = "ksub"  # the KPI sheet to the superior manager
    SHOW = "show"  # a competency of the sheet (``competency``; 0: the first)
    TOGGLE = "tog"  # mark or unmark indicator ``item`` of ``competency``
    REVIEW = "rev"  # every competency's verdict, before submitting
    SUBMIT = "sub"


class LegacyCb(CallbackData, prefix="lg"):
    """The competency sheet of the 2018 method (appendices 3-4)."""

    sheet: RowId
    action: LegacyAction
    competency: SmallNumber = 0
    item: SmallNumber = 0


class CommissionAction(StrEnum):
    LIST = "list"  # every result before the member's sitting commission
    SHOW = "show"  # one result (``sheet``)
    APPROVE = "ok"
    REVISE = "rev"  # the grades to revise to
    GRADE = "grade"  # revise to ``grade``


class CommissionCb(CallbackData, prefix="cm"):
    """A member of the 2018 method's evaluation commission voting in the bot."""

    action: CommissionAction
    sheet: RowId = 0
    grade: str = ""


class LegacyAckCb(CallbackData, prefix="lga"):
    """ "I have read it" on a result of the 2018 method (acquaintance, 004 clauses 40-41)."""

    sheet: RowId


class LegacyApproveCb(CallbackData, prefix="lgo"):
    """The authorised person approves the results a sitting decided (004 clause 39)."""

    sitting: RowId


class LegacyStage(StrEnum):
    PLAN = "plan"  # the individual work plan (appendix 1)
    KPI = "kpi"  # the KPI sheet (appendix 2)


class LegacyDecideCb(CallbackData, prefix="lgd"):
    """The superior manager approves (agrees) or returns a plan or a KPI sheet."""

    sheet: RowId
    stage: LegacyStage
    agree: bool


class LegacyPlansCb(CallbackData, prefix="lgp"):
    """Upload the 2018 method's plans of one's people (appendix 1) as a table."""


class LegacySheetPdfCb(CallbackData, prefix="lgf"):
    """A person's 2018-method sheets as PDF (appendices 2-3): for them and their managers."""

    sheet: RowId


class LegacyRoundAction(StrEnum):
    SHOW = "show"
    NAME = "name"  # name the commission (typed: the members, the secretary)
    SCHEDULE = "when"  # set the sitting (typed: the date and time)
    OPEN = "open"
    CLOSE = "close"  # close the sitting (typed: the conclusion)
    PROTOCOL = "prot"
    # A person's step, recorded by HR (typed: the person, then the date or the act's text).
    ABSENT = "abs"  # absent during the evaluation (004 clause 4)
    REFUSAL = "rfs"  # refused to acquaint themselves with the result (clauses 41-42)
    APPEAL = "apl"  # appealed to the civil service agency (clause 43)


class LegacyRoundCb(CallbackData, prefix="lr"):
    """HR's screen of a 2018-method year."""

    campaign: RowId
    action: LegacyRoundAction
    sitting: SmallNumber = 0  # the commission's sitting the button is for, by number (0: none, or the next)


class LegacyStartAction(StrEnum):
    BEGIN = "begin"  # "Start a year": ``value`` 0, or a profile's index in LEGACY_PROFILES + 1


class LegacyStartCb(CallbackData, prefix="ls"):
    """Opens HR's wizard to start a year under the 2018 method (handlers/legacy2018/start.py);
    the wizard's own buttons are aiogram-dialog's."""

    action: LegacyStartAction
    value: RowId = 0


class Wait(StrEnum):
    """A wait outside the wizards for one typed text or one file (bot/infra/waits.py)."""

    PLANS = "plans"  # HR's /plans: the work plans table
    ACTUALS = "actuals"  # HR's /actuals
    ABSENCES = "absences"  # HR's /absences
    PLAN_DRAFT = "draft"  # a manager's /plan: their heads' plans table
    PLAN_RETURN = "return"  # why a plan is returned
    APPEAL = "appeal"  # the application for a calibration session
    PROPOSAL = "vote"  # a calibration member's proposed score and reason
    STAFF_IMPORT = "staff"  # the staff list's preview, until Import
    LEGACY_CONCLUSION = "concl"  # the 2018 commission's conclusion, closing its sitting
    LEGACY_FACTS = "facts"  # a 2018 KPI's actual value and facts
    LEGACY_RETURN = "lreturn"  # why a 2018 plan or KPI sheet is returned
    LEGACY_PLANS = "lplans"  # a 2018 plans table


class WaitCancelCb(CallbackData, prefix="wx"):
    """✖ Cancel under the prompt of a wait (handlers/cancel.py): which wait it ends, so that a
    press under an older prompt does not end a newer wait of another kind."""

    wait: Wait


class WrittenAction(StrEnum):
    LETTER = "letter"  # the letter to print (the head of HR: it shows the result)
    DELIVERED = "sent"  # record how a result was sent


class WrittenCb(CallbackData, prefix="wr"):
    """Under HR's list of results owed in writing (/written): open the wizard that picks the notice."""

    action: WrittenAction
