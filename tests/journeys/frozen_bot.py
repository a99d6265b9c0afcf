"""``python -m tests.journeys.frozen_bot run``: the bot, as ``python -m bot run`` starts it, with
its clock set to ``JOURNEY_NOW`` (an ISO moment) when it starts, so that every date a journey's
screens show is the same on every run (docs/screens/README.md).

The clock is moved with time-machine inside this process: the bot's own code still reads
``SystemClock`` and nothing in it knows it is being tested. The clock goes on ticking from that
moment: the outbox is an APScheduler interval job, which a stopped clock would never run. A
journey lasts well under the hour, so the date and the hour a screen shows are stable; a
screen that shows the minutes of the present moment has them masked (tests/journeys/walk.py).

A journey moves the clock on (to the day a calibration session sits) by writing the new moment
into the file ``JOURNEY_CLOCK_FILE`` names; a thread here moves the clock to it."""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import time_machine

from bot.cli import main


def _follow(control: Path, traveller: time_machine.Traveller) -> None:
    seen = ""
    while True:
        wanted = control.read_text("utf-8").strip() if control.exists() else ""
        if wanted and wanted != seen:
            traveller.move_to(datetime.fromisoformat(wanted))
            seen = wanted
        time.sleep(0.05)  # the real sleep: time-machine leaves the monotonic clock alone


def run() -> int:
    moment = datetime.fromisoformat(os.environ["JOURNEY_NOW"])
    with time_machine.travel(moment, tick=True) as traveller:
        if control := os.environ.get("JOURNEY_CLOCK_FILE"):
            threading.Thread(target=_follow, args=(Path(control), traveller), daemon=True).start()
        return main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(run())
