"""The audit trail: every access, refusal and deletion, one immutable object each.

Events live in the recording's region, under ``audit/<date>/``; they name who, what,
when, the outcome and a reason, never content. Each is sealed (``IndexSealer.seal_event``: a
MAC over its object name and fields); one that does not verify is ``Tampered`` where it was. One
its recording's head names (``vault.audit_heads``) that is gone, or no longer an event, is
``Missing`` from the recording's trail (session 56).
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from vault.audit_heads import AuditHeads
from vault.errors import ObjectMissingError
from vault.index import Unreadable
from vault.stores.base import ObjectStore, get_bytes, put_bytes

_PREFIX = "audit/"
#: An event's object name (``event_name``: every name has carried its day since the first trail).
_EVENT_NAME = re.compile(r"audit/\d{4}-\d{2}-\d{2}/[^/]+\.json")
#: Why a ``Tampered`` event is not shown (never its content).
DOES_NOT_VERIFY = "does not verify (altered, moved, or not written by this vault)"


class Sealer(Protocol):
    """Seals and verifies stored events (``vault.seal.IndexSealer``)."""

    def seal_event(self, name: str, body: bytes) -> bytes: ...

    def event_verifies(self, name: str, doc: dict) -> bool: ...

    def may_seal_bare_events(self) -> bool: ...


@dataclass(frozen=True)
class Tampered(Unreadable):
    """An event whose MAC does not verify (edited, moved, another vault's, bare once the
    region's events are sealed): named by its object, never shown."""


@dataclass(frozen=True)
class Missing(Tampered):
    """An event the recording's head names that the trail lacks (removed, or junk put over it):
    named by its object and its recording."""


def _missing(name: str, recording_id: str) -> Missing:
    return Missing(name, f"missing from the trail of {recording_id} (removed, or no longer an event)")


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
    def of(cls, doc: object) -> AuditEvent:
        """The event stored as ``doc`` (its JSON object, its ``mac`` left out); ValueError, KeyError
        or TypeError when it is not one."""
        if not isinstance(doc, dict):
            raise TypeError("not an object")
        body = {k: v for k, v in doc.items() if k != "mac"}
        body["at"] = datetime.fromisoformat(body["at"])
        return cls(**body)


def event_name(at: datetime) -> str:
    """A new event's object name: its day, its time stamp and a random tag of 12 hex digits
    that begins with a letter, so the stamp's 12 digits (``211500.123456``) never run on into
    the tag's to card-number length (an error naming the event shows it whole: session 56)."""
    tag = uuid.uuid4().hex
    return f"{_PREFIX}{at.strftime('%Y-%m-%d/%Y%m%dT%H%M%S.%f')}-{'abcdef'[int(tag[0], 16) % 6]}{tag[1:12]}.json"


def record(store: ObjectStore, event: AuditEvent, sealer: Sealer, heads: AuditHeads) -> None:
    """Append ``event``, sealed, to the region's trail, then name it in its recording's head."""
    name = event_name(event.at)
    put_bytes(store, name, sealer.seal_event(name, event.encode()))
    heads.add(event.recording_id, [name])


def events(store: ObjectStore, sealer: Sealer, heads: AuditHeads,
           recording_id: str | None = None) -> Iterator[AuditEvent | Unreadable]:
    """The region's events in time order, optionally only one recording's. An object that is
    not an event (damaged) is reported as ``Unreadable`` in its place, so it never hides the
    events after it; an event that does not verify as ``Tampered`` in the trail of the recording
    it names; after them, each event a recording's head names that is not among its events as
    ``Missing`` (the heads are read first: an event written meanwhile is never taken for one).
    Held meanwhile: the names the heads name and are not found yet, nothing per listed event; but
    the region's whole trail (no ``recording_id``) first reads every recording's heads (one
    key-store read per recording and day of its events) and holds all the names they name."""
    expected = ({rid: set(names) for rid, names in heads.every()} if recording_id is None
                else {recording_id: set(heads.of(recording_id))})
    for name, doc, event in _stored(store):
        if isinstance(event, Unreadable):
            yield event
            continue
        if recording_id is not None and event.recording_id != recording_id:
            continue
        expected.get(event.recording_id, set()).discard(name)
        yield event if sealer.event_verifies(name, doc) else Tampered(name, DOES_NOT_VERIFY)
    for rid in sorted(expected):
        for name in sorted(expected[rid]):
            yield _missing(name, rid)


def migrated(store: ObjectStore, sealer: Sealer, seal_bare: bool) -> Iterator[tuple[str, AuditEvent, bool]]:
    """The region's events that verify (what a recording's head may name), each read once, with their
    names and whether it was stored without a MAC (an older vault's) and sealed here, which
    happens only when ``seal_bare`` (the caller's one answer of ``Sealer.may_seal_bare_events``,
    which it also acts on); objects that are not events are left out."""
    for name, doc, event in _stored(store):
        if not isinstance(event, AuditEvent):
            continue
        if seal_bare and "mac" not in doc:
            put_bytes(store, name, sealer.seal_event(name, event.encode()))
            yield name, event, True
        elif sealer.event_verifies(name, doc):
            yield name, event, False


def _stored(store: ObjectStore) -> Iterator[tuple[str, dict, AuditEvent | Unreadable]]:
    """Each object of the trail, in name (time) order: its name, its document and its event, or
    ``Unreadable`` (naming only the kind of error, no content echoed) when it is not one (or
    its name is no event's: a head names events by their day, ``vault.audit_heads``); one
    removed since it was listed is passed by (``events`` reports it when a head names it)."""
    for name in store.names(_PREFIX):
        if not _EVENT_NAME.fullmatch(name):
            yield name, {}, Unreadable(name, "not an audit event's name")
            continue
        try:
            doc = json.loads(get_bytes(store, name))
            event = AuditEvent.of(doc)
        except ObjectMissingError:
            continue
        except (ValueError, KeyError, TypeError) as exc:
            yield name, {}, Unreadable(name, f"not an audit event ({type(exc).__name__})")
            continue
        yield name, doc, event
