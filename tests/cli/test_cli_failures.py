"""Every way `python -m bot` was seen to end in a traceback: now one line on standard error in
plain words, exit code 1 for input to correct and 2 for the configuration (a setting, or the
database or Telegram it names), and nothing changed."""

from __future__ import annotations

import http.server
import socket
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.cli import main
from bot.infra.cli_failures import explain
from bot.infra.config import Settings
from tests.cli.conftest import write
from tests.conftest import PG_URL
from tests.factories import STAFF_CSV

HUGE = str(2**70)
TOKEN = "123456:TEST"


def _exit_code(argv: list[str]) -> int | str | None:
    """main's answer, or argparse's exit code for what it refuses while reading the arguments."""
    try:
        return main(argv)
    except SystemExit as exit:
        return exit.code


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


def _closed_port() -> int:
    """A local port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _serve(status: int, content_type: str, body: bytes) -> Iterator[str]:
    """A local web server answering every request with ``body``."""

    class Answer(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def html_server() -> Iterator[str]:
    """An HTML page for every request, as a proxy's error page or a wrong TELEGRAM_API_URL gives."""
    yield from _serve(200, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>")


@pytest.fixture
def refusing_telegram() -> Iterator[str]:
    """Telegram's answer to a token it does not know (revoked by @BotFather)."""
    yield from _serve(
        401, "application/json", b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'
    )


# ------------------------------------------------------------------------- input (exit 1)


@pytest.mark.parametrize(
    "argv",
    [
        ["grant-role", HUGE, "hr"],
        ["revoke-role", HUGE, "hr"],
        ["grant-role", "0", "hr"],
        ["campaign-start", HUGE],
        ["campaign-close", HUGE],
        ["results", HUGE],
        ["report-pdf", HUGE, "E1", "--output", "x.pdf"],
        ["quarter-start", HUGE],
        ["legacy-status", HUGE],
        ["legacy-protocol", "1", "--sitting", HUGE, "--output", "x.pdf"],
        ["campaign-create", "--kind", "360", "--year", HUGE, "--deadline", "2026-01-10"],
    ],
)
def test_ids_no_column_can_hold_are_refused_like_any_bad_id(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert _exit_code(argv) == 1
    line = _one_line(capsys)
    assert line.startswith(f"error: python -m bot {argv[0]}: argument ")
    assert "is not a" in line and "from 1 to" in line
    assert not (env / "cli.db").exists()  # refused before the database was touched


def test_a_value_that_does_not_read_is_one_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["campaign-create", "--kind", "360", "--year", "2025", "--deadline", "2025-13-40"]) == 1
    assert "argument --deadline: invalid" in _one_line(capsys)
    assert _exit_code(["campaign-start", "one"]) == 1
    assert "'one' is not a round id" in _one_line(capsys)
    assert (
        _exit_code(["legacy-start", "--year", "2025", "--deadline", "2026-01-30", "--profile", "nope"]) == 1
    )
    assert "no methodology profile 'nope'; the bundled ones are kz-2018" in _one_line(capsys)
    # Usage (no such command, an argument missing) stays exit code 2, on one line too.
    assert _exit_code(["no-such-command"]) == 2
    assert "invalid choice" in _one_line(capsys)
    assert _exit_code(["campaign-start"]) == 2
    assert "the following arguments are required: campaign_id" in _one_line(capsys)


@pytest.mark.parametrize(
    "argv",
    [
        ["results", "1", "--output", "missing/results.csv"],
        ["invites", "--output", "missing/invites.csv"],
        ["report-xlsx", "1", "--output", "missing/round.xlsx"],
        ["quarter-xlsx", "1", "--output", "missing/quarter.xlsx"],
        ["legacy-protocol", "1", "--output", "missing/protocol.pdf"],
    ],
)
def test_output_into_a_missing_folder_is_refused_before_any_work(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert _exit_code(argv) == 1
    assert "argument --output: the folder missing does not exist" in _one_line(capsys)
    assert not (env / "missing").exists()


def test_output_onto_a_folder_or_an_unreadable_input_is_one_line(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "folder").mkdir()
    assert _exit_code(["results", "1", "--output", "folder"]) == 1
    assert "folder is a folder; give a file name" in _one_line(capsys)
    assert _exit_code(["import-staff", "nowhere.csv"]) == 1
    assert _one_line(capsys) == "error: cannot read nowhere.csv: No such file or directory"


# ------------------------------------------------------------ configuration (exit 2)


def test_an_unusable_sqlite_path(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = env / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{blocker}/bagalau.db")
    assert main(["migrate"]) == 2
    assert _one_line(capsys) == (
        f"configuration error: the database sqlite+aiosqlite:///{blocker}/bagalau.db cannot be used: "
        f"{blocker} is a file, where a folder is needed"
    )


# aiosqlite (0.22.1), when SQLite cannot open the file, queues its worker thread's stop with a
# future on the loop asyncio.run has closed by then: the thread then fails on its own, after the
# command has answered. A process exits past it; here it is waited for and its warning ignored.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_folder_where_the_sqlite_file_should_be(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "a-folder.db").mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{env / 'a-folder.db'}")
    assert main(["import-staff", write(env, "staff.csv", STAFF_CSV)]) == 2
    assert _one_line(capsys).endswith("a-folder.db cannot be used: unable to open database file")
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            thread.join(timeout=10)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("garbage", "configuration error in DATABASE_URL: not a database URL; expected sqlite:///"),
        ("mysql://user@localhost/hr", "configuration error in DATABASE_URL: 'mysql' is not supported"),
        ("postgresql+psycopg2://u@h/db", "'postgresql+psycopg2' is not supported"),
    ],
)
def test_a_database_url_the_bot_cannot_use(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, expected: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) == 2
    assert expected in _one_line(capsys)


def test_postgresql_refusing_connections(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://hr:secret-password@127.0.0.1:{port}/bagalau")
    for argv in (["migrate"], ["campaign-start", "1"], ["run"]):
        monkeypatch.setenv("BOT_TOKEN", TOKEN)
        assert main(argv) == 2
        line = _one_line(capsys)
        assert line == (
            f"configuration error: the database postgresql://hr:***@127.0.0.1:{port}/bagalau cannot be used: "
            "the connection was refused (is the server running, at that host and port?)"
        )


@pytest.mark.skipif(PG_URL is None, reason="TEST_DATABASE_URL is not set")
def test_a_postgresql_database_that_does_not_exist(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert PG_URL is not None
    missing = make_url(PG_URL).set(database="bagalau_never_created").render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", missing)
    assert main(["migrate"]) == 2
    assert _one_line(capsys).endswith('cannot be used: database "bagalau_never_created" does not exist')


@pytest.mark.parametrize("command", ["invites", "run"])
def test_telegram_unreachable(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", url)
    assert main([command]) == 2
    line = _one_line(capsys)
    assert line.startswith(f"configuration error: cannot reach Telegram at {url} (")
    assert line.endswith("): check TELEGRAM_API_URL and the network")
    assert TOKEN not in line


@pytest.mark.parametrize("command", ["invites", "run"])
def test_telegram_answering_html(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    html_server: str,
    command: str,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", html_server)
    assert main([command]) == 2
    assert _one_line(capsys) == (
        f"configuration error: {html_server} does not answer as Telegram's Bot API does (not JSON): "
        "check TELEGRAM_API_URL"
    )


@pytest.mark.parametrize("command", ["invites", "run"])
def test_a_token_telegram_does_not_know(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    refusing_telegram: str,
    command: str,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", refusing_telegram)
    assert main([command]) == 2
    assert _one_line(capsys) == (
        "configuration error: Telegram refused BOT_TOKEN: take the bot's token from @BotFather again"
    )


@pytest.mark.parametrize("token", ["garbage", "123456", "abc:def", "123456:has space"])
def test_a_malformed_token_is_refused_without_being_shown(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], token: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", token)
    for argv in (["run"], ["invites"], ["migrate"]):
        assert main(argv) == 2
        line = _one_line(capsys)
        assert line == (
            "configuration error in BOT_TOKEN: not a token as @BotFather gives it "
            "(digits, a colon, then letters and digits)"
        )
        assert token not in line


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("LOG_LEVEL", "LOUD", "unknown log level 'LOUD'; one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        (
            "METHODOLOGY_PROFILE",
            "kz-2099",
            "no methodology profile 'kz-2099'; the bundled ones are kz-2018, kz-2018-koksu, kz-2023, kz-2024",
        ),
        (
            "METHODOLOGY_PROFILE",
            "../methodology/kz-2023",  # a path: a body's own profile file (docs/profiles.md)
            "../methodology/kz-2023: cannot be read: No such file or directory",
        ),
        ("HR_ADMIN_IDS", HUGE, "Input should be less than or equal to 4503599627370495"),
    ],
)
def test_a_bad_setting_is_refused_by_every_command_alike(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    expected: str,
) -> None:
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    for argv in (
        ["migrate"],
        ["run"],
        ["campaign-create", "--kind", "360", "--year", "2025", "--deadline", "2099-01-10"],
    ):
        assert main(argv) == 2
        assert _one_line(capsys) == f"configuration error in {name}: {expected}"
    assert not (env / "cli.db").exists()


def test_a_lower_case_log_level_is_taken(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "warning")
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out == "database is up to date\n"


def test_failures_during_a_command_are_told_by_kind(env: Path) -> None:
    """What the migration step cannot catch: the database failing later, a file that cannot be
    written (as root in the test, permissions do not stop it), and a fault in the bot."""
    settings = Settings(_env_file=None)
    locked = OperationalError("UPDATE campaigns …", {}, sqlite3.OperationalError("database is locked"))
    assert explain(locked, settings) == (2, "configuration error: the database failed: database is locked")
    lost = ConnectionResetError(104, "Connection reset by peer")
    assert explain(lost, settings) == (
        2,
        "configuration error: the database failed: Connection reset by peer",
    )
    denied = PermissionError(13, "Permission denied", "reports/round.xlsx")
    assert explain(denied, settings) == (1, "error: reports/round.xlsx: Permission denied")
    assert explain(KeyError("a bug"), settings) is None  # keeps its traceback
