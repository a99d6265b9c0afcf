"""Run the Bot API stand-in standalone for manual tries.

    python -m tests.stand_in --port 8081 --token 123456:TEST --user 1001:Alice

Then start the bot with ``TELEGRAM_API_URL=<printed base url>`` and drive it via the control API:

    curl -d user_id=1001 -d text=/start  http://127.0.0.1:8081/_stand_in/send_text
    curl -d user_id=1001 -d text=Қазақша http://127.0.0.1:8081/_stand_in/press_button
    curl 'http://127.0.0.1:8081/_stand_in/messages?chat_id=1001'

(other actions: add_user, share_contact, press, requests). With ``--webhook-target`` it plays
Telegram in webhook mode too: once the bot calls setWebhook, updates are POSTed to the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from .server import BotApiStandIn


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.stand_in", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--bot-username", default="bagalau_test_bot")
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="ID:FIRST_NAME[:PHONE]",
        help="pre-register a scripted user (repeatable)",
    )
    parser.add_argument(
        "--webhook-target",
        action="append",
        default=[],
        metavar="URL",
        help="once the bot sets a webhook, POST updates here (e.g. http://127.0.0.1:8443, a proxy in "
        "front of the instances) instead of serving getUpdates; repeatable: taken in turn",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every API call")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    stand_in = BotApiStandIn(token=args.token, bot_username=args.bot_username)
    stand_in.webhook_targets = list(args.webhook_target)
    for spec in args.user:
        user_id, _, rest = spec.partition(":")
        first_name, _, phone = rest.partition(":")
        stand_in.add_user(int(user_id), first_name or "Test", phone_number=phone or None)
    await stand_in.start(host=args.host, port=args.port)
    print(stand_in.base_url, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await stand_in.stop()


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
