"""Review links: a signed, expiring token naming one recording and the agent it is for.

A browser cannot send an API key, so the helpdesk (which holds the key and knows the agent's
tickets) asks for a link, ``POST /v1/recordings/{id}/review-links``, and hands it to the
agent. The token carries the recording, account, principal, tickets and expiry, signed
with HMAC-SHA256 under a random secret kept in Redis (shared by every ``callrec serve``);
the page and its audio check access again and audit every view, as export does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

import redis

from vault.access import Principal
from worker.api.owners import NAMESPACE

#: Longest and default life of a link.
MAX_TTL_S = 24 * 3600
DEFAULT_TTL_S = 3600
#: Longest token a link may carry (its tickets make it grow): a longer one is never checked.
MAX_TOKEN_CHARS = 4000


@dataclass(frozen=True)
class ReviewGrant:
    recording_id: str
    principal: Principal
    expires_at: int
    #: The API key that made the link (None in a link made before links named theirs): revoked, the
    #: link is refused too.
    key_id: str | None = None


class ReviewLinks:
    def __init__(self, client: redis.Redis, *, clock=time.time) -> None:
        self.client = client
        self.clock = clock

    def _secret(self) -> bytes:
        name = f"{NAMESPACE}:review-secret"
        self.client.set(name, secrets.token_hex(32), nx=True)
        return self.client.get(name)

    def issue(self, recording_id: str, principal: Principal, ttl_s: int = DEFAULT_TTL_S,
              key_id: str | None = None) -> tuple[str, int]:
        """A token for ``principal`` to review ``recording_id`` for ``ttl_s``, made with API key ``key_id``."""
        expires_at = int(self.clock()) + ttl_s
        payload = {"r": recording_id, "k": principal.kind, "i": principal.id, "a": principal.account_id,
                   "t": sorted(principal.tickets), "e": expires_at, **({"key": key_id} if key_id else {})}
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{_b64(self._mac(body))}", expires_at

    def check(self, token: str) -> ReviewGrant | None:
        """The grant of a valid, unexpired token, else None."""
        body, _, mac = token.partition(".")
        if not body or not mac or len(token) > MAX_TOKEN_CHARS:
            return None
        if not mac.isascii() or not hmac.compare_digest(_b64(self._mac(body)), mac):  # (a str not ASCII: TypeError)
            return None
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if payload["e"] < self.clock():
            return None
        key_id = payload.get("key")  # the audit trail names the key the link was made with
        principal = Principal(payload["k"], payload["i"], payload["a"], frozenset(payload["t"]),
                              f"api-key:{key_id}" if key_id else None)
        return ReviewGrant(payload["r"], principal, payload["e"], payload.get("key"))

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._secret(), body.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
