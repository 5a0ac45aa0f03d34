"""Retention: each account's window, applied to every stored recording, also old ones.

An account's policy is stored in its region (``accounts/<id>/policy.json``, sealed: read and
written by ``RegionVault.policy`` and ``set_policy``, ``vault.seal``); when there is
none, the window recorded with the recording applies. The window is evaluated at sweep
time, so a new or shortened window applies retroactively.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime

from callrec.errors import shown
from vault.errors import VaultInputError
from vault.index import IndexEntry

#: Longest retention window: 100 years. Longer ones mean nothing (``None`` keeps a
#: recording without limit) and overflow the date arithmetic (``datetime`` ends in 9999).
MAX_RETENTION_DAYS = 36500


def check_days(days: object, what: str = "retention_days") -> int | None:
    """``days`` when it is a valid window (1 to MAX_RETENTION_DAYS, or None), else
    VaultInputError naming ``what``."""
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int):
        raise VaultInputError(f"{what} must be a whole number of days or none")
    if days < 1:
        raise VaultInputError(f"{what} {shown(days)} must be >= 1 or none")
    if days > MAX_RETENTION_DAYS:
        raise VaultInputError(f"{what} must be at most {MAX_RETENTION_DAYS} days (100 years) or none")
    return days


@dataclass(frozen=True)
class AccountPolicy:
    """An account's retention window (None: keep without limit).

    Two hands set it: the account's calls, whose manifests carry the window the contact centre
    holds, and the account's own ``retention set`` / ``PUT /v1/retention``. The latest change
    wins: a manifest changes the window only when it carries another window than the account's
    manifests carried before (``manifest_days``), so a window set here is not undone by the next
    call still carrying the old one (session-47 audit: it was, and the sweep deleted for good
    what the account had set out to keep)."""

    account_id: str
    retention_days: int | None
    updated_at: datetime
    #: Whether a manifest's window has been seen since the policy was first written.
    manifest_seen: bool = True
    #: The window the account's manifests carried last (when ``manifest_seen``).
    manifest_days: int | None = None

    def __post_init__(self) -> None:
        check_days(self.retention_days)
        check_days(self.manifest_days)

    def following(self, manifest_days: int | None, now: datetime) -> AccountPolicy:
        """This policy after a call whose manifest carries ``manifest_days`` (itself when
        nothing changes): the manifests' window when it changed since they were last seen,
        or when nothing but manifests ever set the window; else the window set here stands."""
        if self.manifest_seen and self.manifest_days == manifest_days:
            return self
        days = manifest_days if self.manifest_seen else self.retention_days
        return AccountPolicy(self.account_id, days, now if days != self.retention_days else self.updated_at,
                             manifest_seen=True, manifest_days=manifest_days)

    def encode(self) -> bytes:
        body = dataclasses.asdict(self)
        body["updated_at"] = self.updated_at.isoformat()
        return json.dumps(body, sort_keys=True).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> AccountPolicy:
        """The stored policy; VaultInputError when it is unreadable or out of range."""
        try:
            body = json.loads(data)
            body["updated_at"] = datetime.fromisoformat(body["updated_at"])
            if "manifest_seen" not in body:  # written before manifests' windows were kept apart: the
                body["manifest_days"] = body["retention_days"]  # window was the last manifest's, or set since
            return cls(**body)
        except (ValueError, KeyError, TypeError) as exc:
            raise VaultInputError(f"retention policy is unreadable ({type(exc).__name__})") from None


def policy_name(account_id: str) -> str:
    if not account_id or "/" in account_id or account_id.startswith("."):
        raise VaultInputError(f"account id {shown(account_id)} cannot name a policy")
    return f"accounts/{account_id}/policy.json"


def effective_days(entry: IndexEntry, policy: AccountPolicy | None) -> int | None:
    """The window that applies to ``entry`` now."""
    return policy.retention_days if policy is not None else entry.retention_days


def is_due(entry: IndexEntry, policy: AccountPolicy | None, now: datetime) -> bool:
    """True when retention must delete ``entry`` at ``now``; VaultInputError when the window
    that applies is out of range (e.g. recorded by an older version that accepted any)."""
    if entry.deleted:
        return False
    try:
        days = check_days(effective_days(entry, policy))
    except VaultInputError:
        raise VaultInputError(
            f"retention window is out of range (at most {MAX_RETENTION_DAYS} days)") from None
    expires = entry.expires_at(days)
    return expires is not None and expires <= now
