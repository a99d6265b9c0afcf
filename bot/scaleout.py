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
- Sending the outbox needs nothing here: instances claim rows with ``FOR UPDATE SKIP LOCKED``
  on PostgreSQL (storage/outbox.py), so each row goes to one of them.
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


def conversation_state(redis: Redis | None) -> tuple[BaseStorage, BaseEventIsolation]:
    """FSM storage and per-person event isolation: in Redis when there is one, else in memory."""
    if redis is None:
        return MemoryStorage(), SimpleEventIsolation()
    keys = DefaultKeyBuilder(prefix=KEY_PREFIX, with_destiny=True)
    return RedisStorage(redis, key_builder=keys), RedisEventIsolation(redis, key_builder=keys)


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
