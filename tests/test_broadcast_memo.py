"""A sending run remembers confirmed broadcasts (they never change) so that a broadcast to
3,000 people is read once, but only the latest few: the run lasts as long as the bot."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar, cast

import pytest

from bot.broadcasts import notices
from bot.infra.notices import NothingToSend, NoticeContext
from storage.broadcasts import BROADCAST, BroadcastDTO


class _Repo:
    reads: ClassVar[list[int]] = []

    def __init__(self, session: object) -> None:
        pass

    async def get(self, broadcast_id: int) -> BroadcastDTO | None:
        self.reads.append(broadcast_id)
        if broadcast_id < 0:
            return None
        return BroadcastDTO(
            broadcast_id, "message", 1, "all", None, None, "Сәлем!", None, None, "confirmed", None, None
        )


async def test_each_broadcast_is_read_once_and_only_the_latest_are_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(notices, "BroadcastRepo", _Repo)
    _Repo.reads = []
    memo: dict[Any, Any] = {("another composer", 1): "theirs"}
    context = cast(NoticeContext, SimpleNamespace(session=None, memo=memo))
    for broadcast_id in [1, 1, 2, 1, *range(3, 13), 12]:
        assert (await notices._confirmed(context, broadcast_id)).id == broadcast_id
    assert _Repo.reads == [1, 2, *range(3, 13)]  # read once each while remembered
    kept = [key[1] for key in memo if key[0] == BROADCAST]
    assert kept == list(range(5, 13))  # the latest eight
    assert memo[("another composer", 1)] == "theirs"  # other composers' keys are left alone
    with pytest.raises(NothingToSend):
        await notices._confirmed(context, -1)
