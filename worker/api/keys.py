"""Per-account API keys: shown once when created, stored as a SHA-256 digest in Redis.

A key reads ``crk_<key id>_<secret>``: the id finds the record, the secret is compared by
digest in constant time. A secret is 32 random bytes, so a fast hash is enough (there is
nothing to brute-force, unlike a password). A key sees only its own account.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

import redis

from callrec.errors import shown
from vault.regions import card_number_problem, may_hold_card_number
from worker.errors import UsageError, scrub_digits

#: Account ids: the job references' pattern (worker.queue.jobs).
ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+@-]{0,127}")
_KEY = re.compile(r"crk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class ApiKey:
    """One key's record (its digest, never its secret)."""

    key_id: str
    account_id: str
    created_at: float
    label: str = ""
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def check_account(account_id: str) -> str:
    if not isinstance(account_id, str) or not ACCOUNT.fullmatch(account_id):
        raise UsageError(f"account {shown(account_id)} is not a valid account id")
    return account_id


class KeyStore:
    """API keys in Redis: ``callrec:api:key:<id>`` hashes, one set of ids per account.

    ``cache_s`` keeps a verified key in this process that long (a Redis round trip saved per
    request); a revocation then takes effect within ``cache_s``.
    """

    def __init__(self, client: redis.Redis, *, namespace: str = "callrec:api", clock=time.time,
                 cache_s: float = 0.0) -> None:
        self.client = client
        self.namespace = namespace
        self.clock = clock
        self.cache_s = cache_s
        self._verified: dict[str, tuple[float, ApiKey]] = {}

    def create(self, account_id: str, label: str = "") -> tuple[ApiKey, str]:
        """A new key for ``account_id``: its record and the key text (shown once)."""
        check_account(account_id)
        problem = card_number_problem(account_id)
        if problem is not None:  # list and revoke still reach a key made before
            raise UsageError(f"--account: {problem}")
        if len(label) > 100 or not label.isprintable():
            raise UsageError("--label: at most 100 printable characters")
        if scrub_digits(label) != label:  # free text, judged as delete's --reason is (never echoed)
            raise UsageError("--label: runs of 4 or more digits are not allowed (they could be card "
                             "data, and a label is stored and printed by api-keys list)")
        key_id = secrets.token_hex(8)
        while may_hold_card_number(key_id):  # it is named in jobs and the audit trail: about 1 in 1000
            key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        record = ApiKey(key_id, account_id, round(self.clock(), 3), label)
        with self.client.pipeline() as pipe:
            pipe.hset(self._key(key_id), mapping={"account_id": account_id, "digest": _digest(secret),
                                                  "created_at": f"{record.created_at:.3f}", "label": label})
            pipe.sadd(self._account(account_id), key_id)
            pipe.execute()
        return record, f"crk_{key_id}_{secret}"

    def verify(self, text: str) -> ApiKey | None:
        """The active key ``text`` is, or None (unknown, malformed, revoked, wrong secret)."""
        match = _KEY.fullmatch(text or "")
        if match is None:
            return None
        key_id, secret = match.groups()
        digest = _digest(secret)
        cached = self._verified.get(digest)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        values = self.client.hgetall(self._key(key_id))
        if not values or not hmac.compare_digest(values[b"digest"].decode(), digest):
            return None
        record = _record(key_id, values)
        if not record.active:
            return None
        if self.cache_s > 0:
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[digest] = (time.monotonic() + self.cache_s, record)
        return record

    def active(self, key_id: str) -> bool:
        """Whether key ``key_id`` exists and is not revoked (read from Redis each time: a review link
        made with it is refused the moment it is revoked)."""
        values = self.client.hgetall(self._key(key_id))
        return bool(values) and b"revoked_at" not in values

    def list(self, account_id: str) -> list[ApiKey]:
        check_account(account_id)
        ids = sorted(i.decode() for i in self.client.smembers(self._account(account_id)))
        found = [(i, self.client.hgetall(self._key(i))) for i in ids]
        return sorted((_record(i, v) for i, v in found if v), key=lambda k: (k.created_at, k.key_id))

    def revoke(self, account_id: str, key_id: str) -> ApiKey:
        """Revoke one of the account's keys (idempotent); UsageError when it has no such key."""
        check_account(account_id)
        if not self.client.sismember(self._account(account_id), key_id):
            raise UsageError(f"account {account_id} has no API key {shown(key_id)}")
        self.client.hsetnx(self._key(key_id), "revoked_at", f"{self.clock():.3f}")
        return _record(key_id, self.client.hgetall(self._key(key_id)))

    def _key(self, key_id: str) -> str:
        return f"{self.namespace}:key:{key_id}"

    def _account(self, account_id: str) -> str:
        return f"{self.namespace}:account-keys:{account_id}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _record(key_id: str, values: dict[bytes, bytes]) -> ApiKey:
    revoked = values.get(b"revoked_at")
    return ApiKey(key_id, values[b"account_id"].decode(), float(values[b"created_at"]),
                  values.get(b"label", b"").decode(), float(revoked) if revoked else None)
