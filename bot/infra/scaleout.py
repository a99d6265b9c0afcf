"""What several bot instances share when REDIS_URL is set, and its single-process stand-ins.

- Conversation state (aiogram's FSM: a half-typed comment, an upload awaiting confirmation)
  and the one-update-at-a-time-per-person rule live in Redis, so that the instance which
  receives the next update from someone knows where they are. Without Redis both live in
  the process's memory, which is right for one process.
- The scheduler's periodic jobs (the deadline keeper, the nightly purge) run on every
  instance's clock, but ``JobGate`` lets one instance a period through: the first to claim the
  period's key in Redis runs the job; the key expires just before the next period. Each job is
  idempotent anyway (the outbox's unique keys, the sessions' row locks), so the gate saves work
  and log noise rather than guarding correctness.
- Sending the outbox: instances claim rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL
  (storage/outbox.py), so each row goes to one of them. Telegram's budget, though, is the
  bot's, not an instance's: 30 messages a second in all, one a second per chat, and a 429's
  pause for everyone. ``SharedBudget`` keeps that budget in Redis, on Redis's clock, so that
  two instances together send no faster than one (bot/infra/outbox.py's pacing asks it first).
"""

from __future__ import annotations

import logging

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

KEY_PREFIX = "bagalau"
# A period's key lives a little less than the period, so that the next one can be claimed even
# when the instances' clocks and schedulers drift by a few seconds.
GATE_SHARE = 0.9


def connect_redis(url: str | None) -> Redis | None:
    return Redis.from_url(url, health_check_interval=30) if url else None


# How long a person's one-update-at-a-time lock outlives the instance holding it. An instance
# killed while handling someone's update leaves the lock behind, and their next updates (on any
# instance) wait until it expires: aiogram's default of 60 s froze them for a minute (the
# scale-out test's kill caught it). An update is handled in well under a second; one that takes
# longer than this (a large import) merely lets the person's next update run beside it, and the
# database's row locks and conditional writes keep that correct.
PERSON_LOCK_SECONDS = 10


def conversation_state(redis: Redis | None) -> tuple[BaseStorage, BaseEventIsolation]:
    """FSM storage and per-person event isolation: in Redis when there is one, else in memory."""
    if redis is None:
        return MemoryStorage(), SimpleEventIsolation()
    keys = DefaultKeyBuilder(prefix=KEY_PREFIX, with_destiny=True)
    isolation = RedisEventIsolation(redis, key_builder=keys, lock_kwargs={"timeout": PERSON_LOCK_SECONDS})
    return RedisStorage(redis, key_builder=keys), isolation


class JobGate:
    """One instance per period runs a periodic job (see the module's docstring)."""

    def __init__(self, redis: Redis | None, instance: str = "bot") -> None:
        self.redis, self.instance = redis, instance

    async def claim(self, job: str, period_seconds: float) -> bool:
        """True if this instance runs ``job`` this period. Without Redis there is one instance."""
        if self.redis is None:
            return True
        ttl = max(1, int(period_seconds * GATE_SHARE * 1000))
        try:
            claimed = await self.redis.set(f"{KEY_PREFIX}:job:{job}", self.instance, nx=True, px=ttl)
        except RedisError:
            # The jobs are idempotent: running on every instance while Redis is away is waste,
            # not harm, whereas skipping them would let deadlines pass unremarked.
            log.warning("job %s: Redis is unavailable, running it here regardless", job)
            return True
        if not claimed:
            log.debug("job %s: another instance has this period", job)
        return bool(claimed)


# Reserves the next slot on a grid ``interval`` apart, on Redis's clock (microseconds), so that
# every instance takes its turn from one queue. A slot claimed a little late keeps the grid;
# after a stall (more than an interval idle) the grid starts again from now, so the sends held
# up by it never go out in a burst. A 429's pause holds every slot until it ends. Returns how
# long the caller waits for its slot.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local due = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('GET', KEYS[2]) or '0'))
local base = due
if now - due >= interval then base = now end
local free_at = base + interval
redis.call('SET', KEYS[1], string.format('%d', free_at), 'PX', math.floor((free_at - now) / 1000) + 60000)
return math.max(0, base - now)
"""
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_at = math.max(now + tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%d', until_at), 'PX', math.floor((until_at - now) / 1000) + 1000)
return until_at - now
"""
# Claims a chat's turn: the key lives while the chat must not get another message.
_CHAT_TURN = """
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return left end
redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
return 0
"""
_MICRO = 1_000_000


class SharedBudget:
    """Telegram's sending budget in Redis, for every instance of the bot (see the module's
    docstring). Each call may raise ``RedisError``; the pacing then falls back to its own
    process-local bookkeeping, which is right for one instance and merely optimistic for more
    (Telegram answers 429 and everyone waits)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._reserve = redis.register_script(_RESERVE)
        self._pause = redis.register_script(_PAUSE)
        self._chat_turn = redis.register_script(_CHAT_TURN)
        self._slots, self._paused = f"{KEY_PREFIX}:send:next", f"{KEY_PREFIX}:send:paused"

    async def reserve(self, interval: float) -> float:
        """Take the bot's next send slot; the seconds until it comes."""
        wait = await self._reserve(keys=[self._slots, self._paused], args=[round(interval * _MICRO)])
        return int(wait) / _MICRO

    async def pause(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (Telegram answered 429)."""
        await self._pause(keys=[self._paused], args=[round(seconds * _MICRO)])

    async def chat_turn(self, chat_id: int, interval: float) -> float:
        """Claim ``chat_id``'s next message for this instance: 0 if it is ours (the chat is
        then held for ``interval``, until ``chat_used`` measures the gap from the send's end),
        else the seconds to wait before asking again."""
        wait = await self._chat_turn(keys=[self._chat(chat_id)], args=[max(1, round(interval * 1000))])
        return int(wait) / 1000

    async def chat_used(self, chat_id: int, interval: float) -> None:
        await self.redis.set(self._chat(chat_id), 1, px=max(1, round(interval * 1000)))

    @staticmethod
    def _chat(chat_id: int) -> str:
        return f"{KEY_PREFIX}:send:chat:{chat_id}"
