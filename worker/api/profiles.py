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

from worker.api.errors import ProfileError
from worker.api.owners import NAMESPACE
from worker.calls.manifest import parse_manifest

ACCOUNT_FIELDS = ("plan", "region", "retention_days", "recordings_public", "pause_behavior", "redaction")
_SID = re.compile(r"AC[0-9a-fA-F]{32}")


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
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def put(self, account_id: str, profile: dict[str, Any]) -> None:
        self.client.set(f"{NAMESPACE}:profile:{account_id}", json.dumps(profile, sort_keys=True))

    def get(self, account_id: str) -> dict[str, Any] | None:
        found = self.client.get(f"{NAMESPACE}:profile:{account_id}")
        return json.loads(found) if found else None


def account_document(account_id: str, profile: dict[str, Any]) -> dict[str, Any]:
    """The manifest's ``account`` object of a profile."""
    return {"id": account_id, **{name: profile[name] for name in ACCOUNT_FIELDS}}
