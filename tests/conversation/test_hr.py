"""HR in the chat: staff import, look-ups, rounds, roles and the audit log, and the
confidentiality matrix: every HR screen tried by every role."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.infra.callbacks import AuditPageCb, RoundAction, RoundCb, StaffImportAction, StaffImportCb
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.models import AuditEntry, Campaign, Employee, RoleGrant
from tests.conversation.conftest import World
from tests.conversation.harness import Person
from tests.factories import STAFF_CSV

HR, HR_HEAD, AUTHORISED = 5001, 5002, 5003  # not in the staff list: HR accounts need not be
EMPLOYEE = 1005  # John (E2), no role; his staff record says English


async def _grant(world: World, telegram_id: int, role: Role) -> None:
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, telegram_id, role, world.runtime.clock.now())


async def _count(world: World, model: type, *where: object) -> int:
    async with world.runtime.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def _officer(world: World, telegram_id: int = HR) -> Person:
    return world.person(telegram_id, "Gulnar", "en")


async def test_staff_import_previews_then_imports_on_confirmation(world: World) -> None:
    await _grant(world, HR, Role.HR)
    hr = _officer(world)
    await hr.send_document(STAFF_CSV.encode(), "staff.csv")
    assert "<b>staff.csv</b>: 8 people, no problems found." in hr.last.text
    assert "New: 8. Changed: 0. Unchanged: 0. Leaving (missing from the file): 0." in hr.last.text
    assert await _count(world, Employee) == 0  # the preview changed nothing
    await hr.press("Import")
    assert hr.last.text.startswith("Imported. New: 8.")
    assert await _count(world, Employee) == 8
    assert await _count(world, AuditEntry, AuditEntry.action == "staff.import") == 1
    # Pressing Import again (a double tap) imports nothing more.
    alert = await hr.press_data(StaffImportCb(action=StaffImportAction.CONFIRM).pack(), hr.last)
    assert alert == ("Nothing to import: send the staff list again.", True)


async def test_bad_staff_file_is_reported_and_nothing_changes(world: World) -> None:
    await _grant(world, HR, Role.HR)
    hr = _officer(world)
    broken = STAFF_CSV.replace("E2,Smith John,", "E2,,").replace(
        ",U1,+7 701 000 00 06", ",NOPE,+7 701 000 00 06"
    )
    await hr.send_document(broken.encode(), "staff.csv")
    assert "nothing was imported; problems: 2" in hr.last.text
    assert "line 6, column full_name" in hr.last.text and "unknown manager 'NOPE'" in hr.last.text
    await hr.send_document(b"\x00\x01garbage", "staff.xlsx")
    assert "nothing was imported; problems: 1" in hr.last.text
    assert await _count(world, Employee) == 0


async def test_import_can_be_cancelled(world: World) -> None:
    await _grant(world, HR, Role.HR)
    hr = _officer(world)
    await hr.send_document(STAFF_CSV.encode(), "staff.csv")
    await hr.press("Cancel")
    assert hr.last.text == "Import cancelled: nothing changed."
    assert await _count(world, Employee) == 0


async def test_find_shows_the_person_never_answers(world: World) -> None:
    await world.setup_staff()
    await world.running_round(["E1", "E2", "E3", "U1"])
    await _grant(world, HR, Role.HR)
    hr = _officer(world)
    await hr.say("/find Дана")
    card = hr.last.text
    assert "Омарова Дана Серікқызы" in card and "E1" in card and "Жоспарлау басқармасы" in card
    assert "Manager: Ахметов Ерлан Болатұлы" in card and "In the bot: yes" in card
    assert "Open questionnaires: 4" in card
    await hr.say("/find x")
    assert "at least 2 letters" in hr.last.text
    await hr.say("/find <b>nobody</b>")
    assert "Nobody found for “&lt;b&gt;nobody&lt;/b&gt;”." in hr.last.text


async def test_round_dashboard_and_closing(world: World) -> None:
    await world.setup_staff()
    campaign_id = await world.running_round(["E1", "E2", "E3", "U1"])
    await _grant(world, HR, Role.HR)
    hr = _officer(world)
    await hr.say("/rounds")
    await hr.press("360 · 2025")
    dashboard = hr.last.text
    assert "Questionnaires submitted: 0 of 18" in dashboard  # U1: 5 + self; E1-E3: 3 + self each
    assert "Below the anonymity threshold</b> (results would be withheld): 4" in dashboard
    assert "Not finished yet</b>: 6 people (0 not in the bot)" in dashboard
    assert "Серікова Айгерім Нұрланқызы — 1" in dashboard
    assert not any("XLSX" in text for text, _ in hr.last.buttons())  # hr sees no results
    await hr.press("Close the round")
    await hr.press("Yes, close it")
    # Nobody answered: the four reports say the result is withheld, and HR is told so (issue 19:
    # "withheld: 4", then "4 report(s) are being sent", as if four results went out).
    assert hr.last.text == (
        "<b>The 360 evaluation 2025 is closed.</b>\n"
        "Results sent to the evaluated: 0.\n"
        "Told that their result is withheld, as fewer than 3 colleagues answered: 4."
    )
    closed = hr.chat[-2].text  # the dashboard above it, edited in place: settled, not "would be"
    assert "· closed ·" in closed
    assert "Results withheld</b> (too few responses): 4" in closed and "would be" not in closed
    assert "Did not finish</b>: 6 people (0 not in the bot)" in closed
    async with world.runtime.sessionmaker() as session:
        assert await session.scalar(select(Campaign.status).where(Campaign.id == campaign_id)) == "closed"
    assert await _count(world, AuditEntry, AuditEntry.action == "round.close") == 1


async def test_roles_are_granted_within_limits(world: World) -> None:
    await world.setup_staff()
    await _grant(world, HR, Role.HR)
    hr = _officer(world)
    await hr.say("/grant E2 authorised")  # it sees scores (calibration protocols): not for an officer
    assert hr.last.text == "You may not hand out or take away the role authorised person."
    await hr.say("/grant E2 hr")
    assert hr.last.text == "Done: HR officer for E2."
    await hr.say("/grant E2 hr_head")
    assert hr.last.text == "You may not hand out or take away the role head of the HR service."
    await hr.say("/grant E2 boss")
    assert hr.last.text.startswith("Usage: /grant ID ROLE")
    await hr.say("/grant NOBODY hr")
    assert "No such person in the bot" in hr.last.text
    assert await _count(world, RoleGrant, RoleGrant.telegram_user_id == 1005) == 1

    await _grant(world, HR_HEAD, Role.HR_HEAD)
    head = _officer(world, HR_HEAD)
    await head.say("/grant E2 hr_head")
    assert hr.last.text != head.last.text and head.last.text == "Done: head of the HR service for E2."
    await head.say(f"/revoke {HR_HEAD} hr_head")
    assert head.last.text == "Done: head of the HR service taken from 5002."
    e2 = world.person(1005, "John", "en")
    await e2.say("/revoke E2 hr_head")
    assert e2.last.text == "E2 is the last head of the HR service: grant the role to someone else first."
    await head.say("/roles")
    assert (
        "I did not understand" in head.last.text or "I do not know you" in head.last.text
    )  # no role any more
    await e2.say("/roles")
    assert "Smith John (1005): head of the HR service" in e2.last.text
    await e2.say("/audit")
    assert "role.grant" in e2.last.text and "role.revoke" in e2.last.text


async def test_nobody_grants_themselves_a_role(world: World) -> None:
    """The attack: an officer made itself the authorised person, then held a calibration session
    and received its protocol with the scores."""
    await world.setup_staff()
    await _grant(world, HR, Role.HR)
    await _grant(world, HR_HEAD, Role.HR_HEAD)
    hr, head = _officer(world), _officer(world, HR_HEAD)
    await hr.say(f"/grant {HR} authorised")
    assert hr.last.text == "You may not grant a role to yourself: another person must decide it."
    await head.say(f"/grant {HR_HEAD} authorised")
    assert head.last.text == "You may not grant a role to yourself: another person must decide it."
    john = world.person(EMPLOYEE, "John", "en")
    await head.say("/grant E2 hr_head")
    await john.say("/grant E2 authorised")  # by the employee id, still oneself
    assert john.last.text == "You may not grant a role to yourself: another person must decide it."
    assert await _count(world, RoleGrant, RoleGrant.role == Role.AUTHORISED.value) == 0


async def test_ids_out_of_range_are_refused_in_the_readers_language(world: World) -> None:
    await _grant(world, HR, Role.HR)
    officer = world.person(HR, "Гульнар", "ru")
    for reference in (str(2**70), str(2**63), "9" * 300, "²"):
        await officer.say(f"/grant {reference} hr")
        assert officer.last.text.startswith("Такого пользователя нет в боте"), (reference, officer.last.text)
    assert await _count(world, RoleGrant) == 1


# ------------------------------------------------------------------ the confidentiality matrix

SCREENS = {
    # screen: who may use it
    "menu": {Role.HR, Role.HR_HEAD, Role.AUTHORISED},
    "find": {Role.HR},
    "staff_upload": {Role.HR},
    "rounds": {Role.HR, Role.HR_HEAD},
    "dashboard": {Role.HR, Role.HR_HEAD},
    "close": {Role.HR},
    "roles": {Role.HR, Role.HR_HEAD},
    "grant": {Role.HR, Role.HR_HEAD},
    "audit": {Role.HR_HEAD},
    "audit_page": {Role.HR_HEAD},
    "report": {Role.HR_HEAD},
    "broadcast": {Role.HR},
    "new_round": {Role.HR},
}


@pytest.mark.parametrize("role", [None, Role.HR, Role.HR_HEAD, Role.AUTHORISED], ids=lambda r: str(r))
async def test_every_hr_screen_for_every_role(world: World, role: Role | None) -> None:
    await world.setup_staff()
    campaign_id = await world.running_round(["E1", "E2", "E3", "U1"])
    if role is not None:
        await _grant(world, EMPLOYEE, role)
    john = world.person(EMPLOYEE, "John", "en")
    roles = {role} if role else set()

    async def shown(action: str) -> str:
        before = len(world.telegram.alerts)
        if action == "menu":
            await john.say("/hr")
        elif action == "find":
            await john.say("/find Ерлан")
        elif action == "staff_upload":
            await john.send_document(STAFF_CSV.encode(), "staff.csv")
        elif action == "rounds":
            await john.say("/rounds")
        elif action == "dashboard":
            await john.press_data(RoundCb(action=RoundAction.SHOW, campaign=campaign_id).pack(), john.last)
        elif action == "close":
            await john.press_data(
                RoundCb(action=RoundAction.CLOSE_CONFIRM, campaign=campaign_id).pack(), john.last
            )
        elif action == "roles":
            await john.say("/roles")
        elif action == "grant":
            await john.say("/grant E4 hr")
        elif action == "audit":
            await john.say("/audit")
        elif action == "audit_page":
            await john.press_data(AuditPageCb(offset=0).pack(), john.last)
        elif action == "report":
            await john.say("/report E1")
        elif action == "broadcast":
            await john.say("/broadcast")
            await john.say("/cancel")
        elif action == "new_round":
            await john.say("/newround")
            await john.say("/cancel")
        alert = world.telegram.alerts[-1][0] if len(world.telegram.alerts) > before else None
        return f"{john.last.text}\n{alert or ''}"

    markers = {
        "menu": "tools</b>",  # "HR tools", or the authorised person's
        "find": "Open questionnaires",
        "staff_upload": "no problems found",
        "rounds": "Evaluation rounds",
        "dashboard": "Questionnaires submitted",
        "close": "Only HR officers can close",  # hr_head reaches the router but may not close
        "roles": "<b>Roles</b>",
        "grant": "Done: HR officer for E4.",
        "audit": "Audit log",
        "audit_page": "Audit log",
        "report": "no closed 360 round has evaluated this person",  # the round still runs: no report yet
        "broadcast": "Stopped: nothing was sent.",
        "new_round": "Stopped. A draft",
    }
    for action, allowed_roles in SCREENS.items():
        reply = await shown(action)
        permitted = bool(roles & allowed_roles)
        if action == "close":
            closed = await _count(world, Campaign, Campaign.status == "closed") == 1
            assert closed is (role is Role.HR), (role, action)
            continue
        assert (markers[action] in reply) is permitted, (role, action, reply)
    assert await _count(world, RoleGrant, RoleGrant.telegram_user_id == 1007) == (
        1 if roles & SCREENS["grant"] else 0
    )


async def test_a_file_the_bot_refuses_is_explained_in_the_officers_language(world: World) -> None:
    """Issue 17, items 4 and 6: an encoding the bot does not read, a value longer than the
    database holds and a workbook beyond the limits are refused in the reader's language."""
    await _grant(world, HR, Role.HR)
    hr = world.person(HR, "Гульнар", "ru")
    russian_only = STAFF_CSV.translate(str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ"))
    await hr.send_document(russian_only.encode("koi8_r"), "staff.csv")
    assert "текст в кодировке KOI8-R, которую бот не читает" in hr.last.text

    too_long = STAFF_CSV.replace("Smith John", "Smith " + "J" * 300)
    await hr.send_document(too_long.encode(), "staff.csv")
    assert "306 символов — слишком длинно: помещается не больше 255" in hr.last.text

    kk = world.person(HR_HEAD, "Гүлнар", "kk")
    await _grant(world, HR_HEAD, Role.HR)
    wide = STAFF_CSV.replace("\n", "," * 70 + "\n", 1)
    await kk.send_document(wide.encode(), "staff.csv")
    assert "1-жол: жолда 64 бағаннан көп" in kk.last.text
    assert await _count(world, Employee) == 0


async def test_invites_can_be_passed_on_by_email(world: World) -> None:
    """Issue 19, finding 7: the bot says to send the links by e-mail, so the file it sends must
    be one HR can save and forward (protect_content forbids both)."""
    await world.setup_staff(bind=False)
    await _grant(world, HR, Role.HR)
    hr = _officer(world)
    await hr.say("/invites")
    assert "Here are their personal links to send by e-mail or in person." in hr.chat[-2].text
    name, data = world.telegram.documents[hr.last.message_id]
    assert name == "invites.csv" and len(data.decode("utf-8-sig").splitlines()) == 9
    assert hr.last.protect_content is None
    assert "send it only to the person it names" in hr.last.text
