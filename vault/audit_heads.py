"""Which audit events each recording's trail holds, recorded in the key store (its head).

An event's MAC (``vault.seal``) shows it edited, moved or forged, not that it is gone: whoever
writes the object store could remove a refusal unseen (session 56). The key store, which they
cannot write (``seal/`` lives there), therefore holds the object names of the recording's events,
kept by the day each event's name carries (``seal/audit/<recording>/<YYYY-MM-DD>.json``), and a
trail that lacks one of them reports it missing. Kept in one ``head.json`` instead (session 56
before its review), every audited access (each Range request of a play) read and rewrote all the
recording's names: at 10,000 names 610 KB, 19 ms an add locally, a 610 KB GET and conditional PUT
on S3; now it rewrites its day's (every event name has carried its day since the first trail).

An event is written first and named in its head after, by a compare-and-swap that adds its name
to whatever the day's head names then: two writers of one recording's events (two plays at once)
never drop each other's name, and a head never names an event not yet written. A writer killed
between the two leaves an event the head does not name: read as any other (a removal of it
unseen), never a false report. A reader reads the heads (it lists the recording's folder) before it
lists the trail, so an event written while it reads is listed or not named yet. A recording with no
head (events written before heads, until ``keys migrate`` names them) is read as before: nothing is
known missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from vault.errors import ObjectChangedError, ObjectExistsError, ObjectMissingError
from vault.stores.base import ObjectStore, get_bytes, versioned, write_versioned

#: Where the heads live in the key store, one folder per recording (its killed writes' leftovers
#: are found without listing every recording's).
PREFIX = "seal/audit/"
#: Compare-and-swap attempts of one head write before giving up (each lost one is another
#: writer's success).
_TRIES = 32
#: A day as an event's name carries it.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class AuditHeads:
    """The heads of one region's recordings, in its key store."""

    def __init__(self, key_store: ObjectStore):
        self._key_store = key_store

    def add(self, recording_id: str, names: Iterable[str]) -> None:
        """Name ``names`` (events already written) in the recording's heads, each in its day's."""
        by_day: dict[str, set[str]] = {}
        for event in names:
            by_day.setdefault(_day(event), set()).add(event)
        for day, events in sorted(by_day.items()):
            self._add(f"{head_prefix(recording_id)}{day}.json", events)

    def _add(self, name: str, names: set[str]) -> None:
        self._key_store.discard_partial(name)  # a killed writer's half-written head
        for _ in range(_TRIES):
            stored, version = versioned(self._key_store, name)
            held = [] if stored is None else _names(stored)
            wanted = sorted(set(held) | names)
            if wanted == held:
                return
            data = json.dumps({"events": wanted}).encode("utf-8")
            try:
                write_versioned(self._key_store, name, data, version)
                return
            except (ObjectExistsError, ObjectChangedError):
                continue
        raise ObjectChangedError(f"{name}: changed by other writers {_TRIES} times; try again")

    def of(self, recording_id: str) -> frozenset[str]:
        """The events the recording's heads name (none without a head)."""
        return frozenset(n for name in self._key_store.names(head_prefix(recording_id)) for n in self._read(name))

    def every(self) -> Iterator[tuple[str, frozenset[str]]]:
        """Each recording with a head, and the events its heads name."""
        held: dict[str, set[str]] = {}
        for name in self._key_store.names(PREFIX):
            recording_id, _, leaf = name.removeprefix(PREFIX).partition("/")
            if leaf.endswith(".json") and "/" not in leaf:
                held.setdefault(recording_id, set()).update(self._read(name))
        for recording_id, names in held.items():
            yield recording_id, frozenset(names)

    def _read(self, name: str) -> list[str]:
        try:
            return _names(get_bytes(self._key_store, name))
        except ObjectMissingError:
            return []  # removed since it was listed


def head_prefix(recording_id: str) -> str:
    """The folder of the recording's heads (one per day of its events)."""
    return f"{PREFIX}{recording_id}/"


def _day(event: str) -> str:
    """The day an event's name carries (``audit/<YYYY-MM-DD>/...``: ``vault.audit.event_name``)."""
    day = event.split("/")[1] if event.count("/") >= 2 else ""
    if not _DAY.fullmatch(day):
        raise ValueError(f"{event!r} is not an audit event's name (audit/<YYYY-MM-DD>/...)")
    return day


def _names(data: bytes) -> list[str]:
    """A head's names; an unreadable head (nobody but the vault writes the key store) names none."""
    try:
        names = json.loads(data)["events"]
    except (ValueError, KeyError, TypeError):
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
