"""The audit trail: every access, refusal and deletion, one immutable object each.

Events live in the recording's region, under ``audit/<date>/``; they name who, what,
when, the outcome and a reason, never content.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from vault.errors import ObjectMissingError
from vault.index import Unreadable
from vault.stores.base import ObjectStore, get_bytes, put_bytes

_PREFIX = "audit/"


@dataclass(frozen=True)
class AuditEvent:
    """One audited action on a recording."""

    at: datetime
    #: export | delete | retention-delete | rewrap | redact
    action: str
    #: allowed | refused | done
    outcome: str
    recording_id: str
    #: e.g. ``agent:A``, ``end-user:U``, ``operator``, ``retention``
    principal: str
    reason: str = ""
    #: The HTTP request that caused it (its ``X-Request-Id``), also through a job it queued;
    #: None for the CLI's and for a job no request queued.
    request_id: str | None = None

    def encode(self) -> bytes:
        body = dataclasses.asdict(self)
        body["at"] = self.at.isoformat()
        if self.request_id is None:  # as events were before requests had ids
            del body["request_id"]
        return json.dumps(body, sort_keys=True).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> AuditEvent:
        """The stored event; ValueError, KeyError or TypeError when ``data`` is not one."""
        body = json.loads(data)
        body["at"] = datetime.fromisoformat(body["at"])
        return cls(**body)


def record(store: ObjectStore, event: AuditEvent) -> None:
    """Append ``event`` to the region's trail."""
    stamp = event.at.strftime("%Y-%m-%d/%Y%m%dT%H%M%S.%f")
    put_bytes(store, f"{_PREFIX}{stamp}-{uuid.uuid4().hex[:12]}.json", event.encode())


def events(store: ObjectStore, recording_id: str | None = None) -> Iterator[AuditEvent | Unreadable]:
    """The region's events in time order, optionally only one recording's. An object that is
    not an event (damaged, edited) is reported as ``Unreadable`` in its place (it may be the
    recording's: whose it was cannot be told), so it never hides the events after it."""
    for name in store.names(_PREFIX):
        try:
            event = AuditEvent.decode(get_bytes(store, name))
        except ObjectMissingError:
            continue  # removed since it was listed
        except (ValueError, KeyError, TypeError) as exc:  # no content echoed: only the kind
            yield Unreadable(name, f"not an audit event ({type(exc).__name__})")
            continue
        if recording_id is None or event.recording_id == recording_id:
            yield event
