"""An account's profile: what a manifest says of the account, for ingress that lacks it.

A Twilio recording callback or an Amazon Connect contact record knows the call, not the
helpdesk account's plan, region or retention; the account sets those once
(``PUT /v1/profile``), with the Twilio Account SID whose callbacks it accepts. Profiles are
checked by the manifest parser, so a bad one is refused with the manifest's wording.
"""

from __future__ import annotations

import json
import re
from typing import Any

import redis
from starlette.concurrency import run_in_threadpool

from worker.api.errors import ApiError, ProfileError
from worker.api.owners import NAMESPACE
from worker.calls.manifest import parse_manifest

ACCOUNT_FIELDS = ("plan", "region", "retention_days", "recordings_public", "pause_behavior", "redaction")
_SID = re.compile(r"AC[0-9a-fA-F]{32}")


async def required_profile(services, account_id: str) -> dict[str, Any]:
    """The account's profile, for a keyed route that cannot serve without one: else ``409``
    ``no_profile``, the one answer every such route gives (``GET /v1/profile``, Amazon Connect
    ingress). A Twilio callback, which carries no key, is refused as one from another AccountSid
    instead: its sender learns nothing of the account. Redis is read in the thread pool."""
    profile = await run_in_threadpool(profiles_of(services).get, account_id)
    if profile is None:
        raise ApiError(409, "no_profile", "this account has no profile: set its plan and region first (PUT /v1/profile)")
    return profile


def check_profile(account_id: str, body: Any) -> dict[str, Any]:
    """A checked profile: the manifest's account fields, optionally ``twilio_account_sid``."""
    if not isinstance(body, dict):
        raise ProfileError("profile", "profile: expected an object")
    unknown = sorted(set(body) - set(ACCOUNT_FIELDS) - {"twilio_account_sid"})
    if unknown:
        raise ProfileError(unknown[0], f"{unknown[0]}: unknown field")
    sid = body.get("twilio_account_sid")
    if sid is not None and (not isinstance(sid, str) or not _SID.fullmatch(sid)):
        raise ProfileError("twilio_account_sid", "twilio_account_sid: expected AC followed by 32 hex digits")
    account = {name: body.get(name) for name in ACCOUNT_FIELDS}
    probe = {"call_id": "probe", "ticket_id": "probe", "account": {"id": account_id, **account},
             "number": {"id": "probe", "recording": True, "consent_mode": "none"}, "direction": "inbound",
             "consent": "none", "events": [{"type": "agent", "start": 0, "end": 1}], "controls": [],
             "segments": []}
    from worker.errors import ManifestError

    try:
        parse_manifest(probe, "/nonexistent")
    except ManifestError as exc:
        message = str(exc).removeprefix("account.")
        raise ProfileError(message.split(":", 1)[0], message) from None
    return {**account, **({"twilio_account_sid": sid} if sid else {})}


class ProfileStore:
    """Profiles in Redis, and which account each Twilio Account SID is: a SID is named by one
    account's profile at a time (its claim), the account the operator gave it to
    (``sid_accounts``, from ``CALLREC_TWILIO_AUTH_TOKENS``'s ``account=AC...:token``) or else the
    first to name it, until its profile names it no more. Before, any account could name another
    tenant's SID and have its manifests' Twilio URLs fetched with that tenant's token."""

    def __init__(self, client: redis.Redis, sid_accounts: dict[str, str] | None = None) -> None:
        self.client = client
        self.sid_accounts = sid_accounts or {}

    def put(self, account_id: str, profile: dict[str, Any]) -> None:
        """Store ``profile``; ApiError 409 (nothing stored) when it names a SID that is another
        account's. A SID the account's profile named before and names no more is let go."""
        sid = profile.get("twilio_account_sid")
        if sid is not None and self.sid_accounts.get(sid, account_id) != account_id:
            raise _taken()
        name = f"{NAMESPACE}:profile:{account_id}"
        with self.client.pipeline() as pipe:
            while True:
                try:
                    watched = [name] + ([self._claim(sid)] if sid else [])
                    pipe.watch(*watched)
                    old = json.loads(pipe.get(name) or "null") or {}
                    if sid is not None and (pipe.get(self._claim(sid)) or account_id.encode()) != account_id.encode():
                        raise _taken()
                    old_sid = old.get("twilio_account_sid")
                    pipe.multi()
                    pipe.set(name, json.dumps(profile, sort_keys=True))
                    if sid is not None:
                        pipe.set(self._claim(sid), account_id)
                    pipe.execute()
                    break
                except redis.WatchError:
                    continue
        if old_sid and old_sid != sid:
            self._let_go(account_id, old_sid)

    def get(self, account_id: str) -> dict[str, Any] | None:
        found = self.client.get(f"{NAMESPACE}:profile:{account_id}")
        return json.loads(found) if found else None

    def owned_sid(self, account_id: str, profile: dict[str, Any] | None) -> str | None:
        """The SID ``profile`` (the account's, as :meth:`get` read it) names when it is the
        account's (claimed now when no account has claimed it: a profile stored before claims
        existed); else None. ``profile`` may be stale (the account let the SID go since it was
        read): a claim is made only while the stored profile still names the SID."""
        sid = (profile or {}).get("twilio_account_sid")
        if sid is None or self.sid_accounts.get(sid, account_id) != account_id:
            return None
        holder = self.client.get(self._claim(sid))
        if holder is None:
            self._claim_named(account_id, sid)
            holder = self.client.get(self._claim(sid))
        return sid if holder == account_id.encode() else None

    def _claim_named(self, account_id: str, sid: str) -> None:
        """Claim ``sid`` for the account when nobody has and its stored profile names it."""
        name = f"{NAMESPACE}:profile:{account_id}"
        with self.client.pipeline() as pipe:
            try:
                pipe.watch(name, self._claim(sid))
                stored = json.loads(pipe.get(name) or "null") or {}
                if stored.get("twilio_account_sid") == sid and pipe.get(self._claim(sid)) is None:
                    pipe.multi()
                    pipe.set(self._claim(sid), account_id)
                    pipe.execute()
            except redis.WatchError:
                pass  # the profile or the claim changed meanwhile: whoever changed it decides

    def _let_go(self, account_id: str, sid: str) -> None:
        with self.client.pipeline() as pipe:
            try:
                pipe.watch(self._claim(sid))
                if pipe.get(self._claim(sid)) == account_id.encode():
                    pipe.multi()
                    pipe.delete(self._claim(sid))
                    pipe.execute()
            except redis.WatchError:
                pass  # claimed again meanwhile: not ours to let go

    @staticmethod
    def _claim(sid: str) -> str:
        return f"{NAMESPACE}:twilio-sid:{sid}"


def profiles_of(services) -> ProfileStore:
    """The profile store of ``services``, with the SIDs its settings give to accounts."""
    from worker.calls.fetch_hosts import twilio_sid_accounts

    return ProfileStore(services.client, twilio_sid_accounts(services.settings.twilio_auth_tokens))


def _taken() -> ApiError:
    return ApiError(409, "conflict", "twilio_account_sid: another account's profile names this Account SID "
                    "(the operator gives each SID to one account)", "twilio_account_sid")


def account_document(account_id: str, profile: dict[str, Any]) -> dict[str, Any]:
    """The manifest's ``account`` object of a profile."""
    return {"id": account_id, **{name: profile[name] for name in ACCOUNT_FIELDS}}
