"""Which audit events each recording's trail holds, recorded in the key store (its head).

An event's MAC (``vault.seal``) shows it edited, moved or forged, not that it is gone: whoever
writes the object store could remove a refusal unseen (session 56). The key store, which they
cannot write (``seal/`` lives there), therefore holds ``seal/audit/<recording>/head.json``: the
object names of the recording's events, and a trail that lacks one of them reports it missing.

An event is written first and named in its head after, by a compare-and-swap that adds its name
to whatever the head names then: two writers of one recording's events (two plays at once) never
drop each other's name, and a head never names an event not yet written. A writer killed between
the two leaves an event the head does not name: read as any other (a removal of it unseen), never
a false report. A reader reads the head before it lists the trail, so an event written while it
reads is listed or not named yet. A recording with no head (events written before heads, until
``keys migrate`` names them) is read as before: nothing is known missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from vault.errors import ObjectChangedError, ObjectExistsError, ObjectMissingError
from vault.stores.base import ObjectStore, get_bytes

#: Where the heads live in the key store, one folder per recording (its killed writes' leftovers
#: are found without listing every recording's).
PREFIX = "seal/audit/"
#: Compare-and-swap attempts of one head write before giving up (each lost one is another
#: writer's success).
_TRIES = 32


class AuditHeads:
    """The heads of one region's recordings, in its key store."""

    def __init__(self, key_store: ObjectStore):
        self._key_store = key_store

    def add(self, recording_id: str, names: Iterable[str]) -> None:
        """Name ``names`` (events already written) in the recording's head, beside what it names."""
        name = head_name(recording_id)
        self._key_store.discard_partial(name)  # a killed writer's half-written head
        for _ in range(_TRIES):
            try:
                stored, version = self._key_store.read_versioned(name)
            except ObjectMissingError:
                stored, version = None, None
            held = [] if stored is None else _names(stored)
            wanted = sorted(set(held) | set(names))
            if wanted == held:
                return
            data = json.dumps({"events": wanted}).encode("utf-8")
            try:
                if version is None:
                    self._key_store.create(name, data)
                else:
                    self._key_store.replace_if(name, data, version)
                return
            except (ObjectExistsError, ObjectChangedError):
                continue
        raise ObjectChangedError(f"{name}: changed by other writers {_TRIES} times; try again")

    def of(self, recording_id: str) -> frozenset[str]:
        """The events the recording's head names (none without a head)."""
        try:
            return frozenset(_names(get_bytes(self._key_store, head_name(recording_id))))
        except ObjectMissingError:
            return frozenset()

    def every(self) -> Iterator[tuple[str, frozenset[str]]]:
        """Each recording with a head, and the events it names."""
        for name in self._key_store.names(PREFIX):
            recording_id, _, leaf = name.removeprefix(PREFIX).partition("/")
            if leaf == "head.json":
                yield recording_id, self.of(recording_id)


def head_name(recording_id: str) -> str:
    return f"{PREFIX}{recording_id}/head.json"


def _names(data: bytes) -> list[str]:
    """A head's names; an unreadable head (nobody but the vault writes the key store) names none."""
    try:
        names = json.loads(data)["events"]
    except (ValueError, KeyError, TypeError):
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
