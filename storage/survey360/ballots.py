"""Sealing answers so that whoever reads the database cannot read them (docs/security.md).

A draft answer, a submitted questionnaire (a *ballot*) and an update waiting in the inbox
(which may be a press giving an answer) are stored only as AES-GCM
ciphertext under keys derived (HKDF-SHA256) from BALLOT_SECRET, which lives in the
environment or ``.env``, never in the database. Drafts use one key; each round's ballots a key
of their own, so a ballot cannot be replayed into another round. The associated data binds a
draft to its assignment and statement and a ballot to its round: a ciphertext moved to another
row fails to open instead of counting there.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.ext.asyncio import AsyncSession

SESSION_KEY = "ballot_keys"  # where a session finds its keys (``session.info``, storage/db.py)
MIN_SECRET_LENGTH = 32
_NONCE = 12  # AES-GCM's standard nonce, random for every seal
# Every ballot's plain text is padded to a multiple of this, so that a ciphertext's length
# does not tell a heads' questionnaire (36 statements) from an employees' (24).
_BALLOT_BLOCK = 1024


class MissingBallotSecretError(RuntimeError):
    """Raised when answers are to be sealed or opened without a usable BALLOT_SECRET."""

    MESSAGE = (
        "BALLOT_SECRET is not set or shorter than {n} characters: it seals answers so that the "
        "database alone cannot tell who answered what (docs/security.md). Put BALLOT_SECRET=<a "
        'random value, e.g. from python -c "import secrets; print(secrets.token_urlsafe(48))"> '
        "into .env (see .env.example) and keep it outside the database's backups; changing or "
        "losing it makes unsubmitted drafts and a running round's ballots unreadable."
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE.format(n=MIN_SECRET_LENGTH))


class SealBrokenError(RuntimeError):
    """A sealed value failed to open: another secret, or a ciphertext altered or moved."""


@dataclass(frozen=True, slots=True)
class Ballot:
    """One sealed questionnaire's content, or (from migration 0018) a person's answers already
    tallied before ballots existed: counts per statement and score."""

    subject_id: int
    counts: tuple[tuple[int, int, int], ...]  # (statement_no, score, count)


class BallotKeys:
    def __init__(self, secret: str | None) -> None:
        if secret is None or len(secret.strip()) < MIN_SECRET_LENGTH:
            raise MissingBallotSecretError
        self._secret = secret.strip().encode()
        self._drafts = AESGCM(self._derive(b"bagalau drafts"))
        self._updates = AESGCM(self._derive(b"bagalau inbox"))
        self._rounds = cache(self._round_key)

    def _derive(self, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(self._secret)

    def _round_key(self, campaign_id: int) -> AESGCM:
        return AESGCM(self._derive(b"bagalau ballots of round %d" % campaign_id))

    def seal_draft(self, assignment_id: int, statement_no: int, score: int) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._drafts.encrypt(
            nonce, bytes((score,)), _draft_context(assignment_id, statement_no)
        )

    def open_draft(self, assignment_id: int, statement_no: int, sealed: bytes) -> int:
        try:
            plain = self._drafts.decrypt(
                sealed[:_NONCE], sealed[_NONCE:], _draft_context(assignment_id, statement_no)
            )
        except InvalidTag as error:
            raise SealBrokenError("a draft answer failed to open") from error
        return plain[0]

    def seal_ballot(self, campaign_id: int, ballot: Ballot) -> bytes:
        plain = json.dumps({"s": ballot.subject_id, "c": ballot.counts}, separators=(",", ":")).encode()
        padded = plain.ljust(-(-len(plain) // _BALLOT_BLOCK) * _BALLOT_BLOCK)
        nonce = os.urandom(_NONCE)
        return nonce + self._rounds(campaign_id).encrypt(nonce, padded, _ballot_context(campaign_id))

    def open_ballot(self, campaign_id: int, sealed: bytes) -> Ballot:
        try:
            plain = self._rounds(campaign_id).decrypt(
                sealed[:_NONCE], sealed[_NONCE:], _ballot_context(campaign_id)
            )
        except InvalidTag as error:
            raise SealBrokenError(f"a ballot of round {campaign_id} failed to open") from error
        content = json.loads(plain)
        return Ballot(content["s"], tuple((no, score, count) for no, score, count in content["c"]))

    def seal_update(self, update_id: int, payload: str) -> str:
        """An update waiting in the inbox (storage/inbox.py), as text for its column: a press
        carries the assignment, the statement and the score, and the row's dead copies
        (PostgreSQL's dead tuples, SQLite's log frames) outlive its deletion."""
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._updates.encrypt(nonce, payload.encode(), _update_context(update_id))
        return base64.b64encode(sealed).decode("ascii")

    def open_update(self, update_id: int, sealed_text: str) -> str:
        sealed = base64.b64decode(sealed_text)
        try:
            plain = self._updates.decrypt(sealed[:_NONCE], sealed[_NONCE:], _update_context(update_id))
        except InvalidTag as error:
            raise SealBrokenError(f"update {update_id} in the inbox failed to open") from error
        return plain.decode()


def ballot_of(subject_id: int, answers: Mapping[int, int]) -> Ballot:
    """A submitted questionnaire's ballot: each answer once."""
    return Ballot(subject_id, tuple((no, score, 1) for no, score in sorted(answers.items())))


def counted(subject_id: int, counts: Iterable[tuple[int, int, int]]) -> Ballot:
    return Ballot(subject_id, tuple(sorted(counts)))


def _draft_context(assignment_id: int, statement_no: int) -> bytes:
    return b"draft %d %d" % (assignment_id, statement_no)


def _update_context(update_id: int) -> bytes:
    return b"update %d" % update_id


def _ballot_context(campaign_id: int) -> bytes:
    return b"ballot of round %d" % campaign_id


def keys_of(session: AsyncSession) -> BallotKeys:
    """The keys the session was made with (``create_sessionmaker(..., ballot_secret=...)``)."""
    keys = session.info.get(SESSION_KEY)
    if keys is None:
        raise MissingBallotSecretError
    assert isinstance(keys, BallotKeys)
    return keys
