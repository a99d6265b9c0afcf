"""A wait outside the wizards for a file or a typed text (an upload, the staff list's preview,
a manager's plans table) ends by its ✖ Cancel or by /cancel, in the reader's language; the
Cancel of a wait that is over is answered as a stale press, and a newer wait of another kind
is left as it is. What was sent after the Cancel is not taken for what was awaited."""

from __future__ import annotations

from bot.infra.callbacks import StaffImportAction, StaffImportCb, Wait, WaitCancelCb
from bot.infra.waits import Waiting, waiting
from bot.kernel.access import Role
from handlers.legacy2018.hr import LegacySetup
from handlers.legacy2018.sheets import LegacyText
from handlers.quarterly.evaluator import AppealText, PlanDraft, PlanReturn, VoteProposal
from handlers.quarterly.hr import QuarterUpload
from handlers.staff.hr import StaffUpload
from storage.models import Employee
from tests.conversation.conftest import World
from tests.conversation.test_hr import _count, _grant
from tests.conversation.test_quarterly_hr import DIRECTOR, HR, PLANS, _in_english, _plans, _staff_and_roles
from tests.factories import STAFF_CSV

STALE = "This screen is out of date: that step was finished or cancelled. Use the newest message."


async def test_a_quarterly_upload_is_cancelled_by_its_button_or_by_the_command(world: World) -> None:
    await _staff_and_roles(world)
    hr = world.person(HR, "Gulnar", "en")
    await hr.say("/plans 2025")
    prompt = hr.last
    assert prompt.text.startswith("Send the work plans of 2025") and prompt.buttons()[0][0] == "✖ Cancel"
    await hr.press("✖ Cancel", prompt)
    assert hr.last is prompt and prompt.text == "Stopped: the upload of work plans is cancelled."
    assert prompt.buttons() == []
    # The table sent now is not taken for work plans (HR's staff router reads it as a staff list).
    await hr.send_document(PLANS.encode(), "plans.csv")
    assert await _plans(world) == {}
    assert "2 plan(s) saved" not in hr.last.text
    # The old Cancel again: the wait is over.
    cancel = WaitCancelCb(wait=Wait.PLANS).pack()
    text, alert = await hr.press_data(cancel, prompt)
    assert (text, alert) == (STALE, True)

    await hr.say("/actuals 2025")
    await hr.say("/cancel")
    assert hr.last.text == "Stopped: the upload of KPI actual values is cancelled."
    await hr.say("/cancel")
    assert hr.last.text == "There is nothing to cancel."

    # The Cancel under an older prompt of another kind leaves the newer wait alone.
    await hr.say("/plans 2025")
    plans_prompt = hr.last
    await hr.say("/absences")
    text, alert = await hr.press_data(cancel, plans_prompt)
    assert (text, alert) == (STALE, True)
    await hr.say("/cancel")
    assert hr.last.text == "Stopped: the upload of absences is cancelled."


async def test_a_quarterly_upload_is_cancelled_in_russian(world: World) -> None:
    await _staff_and_roles(world)
    hr = world.person(HR, "Гульнар", "ru")
    await hr.say("/plans 2025")
    await hr.press("✖ Отмена")
    assert hr.last.text == "Прервано: загрузка индивидуальных планов работы отменена."
    await hr.say("/absences")
    await hr.say("/cancel")
    assert hr.last.text == "Прервано: загрузка периодов отсутствия отменена."


async def test_a_managers_plans_table_is_cancelled(world: World) -> None:
    await _staff_and_roles(world)
    director = await _in_english(world.person(DIRECTOR, "Айгерім", "en"))
    await director.say("/plan 2025")
    template = director.last  # the table to fill, with its Cancel
    await director.press("✖ Cancel", template)
    assert template.buttons() == []
    assert director.last.text == "Stopped: the upload of work plans is cancelled."
    await director.send_document(PLANS.encode(), "plans.csv")
    assert await _plans(world) == {}


async def test_a_staff_upload_is_cancelled_by_its_button_or_by_the_command(world: World) -> None:
    await _grant(world, HR, Role.HR)
    hr = world.person(HR, "Gulnar", "en")
    await hr.send_document(STAFF_CSV.encode(), "staff.csv")
    preview = hr.last
    await hr.say("/cancel")
    assert hr.last.text == "Import cancelled: nothing changed."
    text, alert = await hr.press_data(StaffImportCb(action=StaffImportAction.CONFIRM).pack(), preview)
    assert (text, alert) == ("Nothing to import: send the staff list again.", True)

    await hr.send_document(STAFF_CSV.encode(), "staff.csv")
    preview = hr.last
    await hr.press("✖ Cancel", preview)
    assert preview.text == "Import cancelled: nothing changed." and preview.buttons() == []
    text, alert = await hr.press_data(WaitCancelCb(wait=Wait.STAFF_IMPORT).pack(), preview)
    assert (text, alert) == (STALE, True)
    assert await _count(world, Employee) == 0


def test_every_wait_outside_the_wizards_can_be_cancelled() -> None:
    """Each state of the StatesGroups that are not wizards is a ``Waiting`` (so its prompt has
    ✖ Cancel and /cancel ends it), each of its own kind, and every kind is used."""
    groups = (
        QuarterUpload,
        PlanDraft,
        PlanReturn,
        AppealText,
        VoteProposal,
        StaffUpload,
        LegacySetup,
        LegacyText,
    )
    states = [state for group in groups for state in group.__all_states__]
    assert all(isinstance(state, Waiting) and waiting(state.state) is state for state in states)
    assert sorted(state.wait for state in states if isinstance(state, Waiting)) == sorted(Wait)
