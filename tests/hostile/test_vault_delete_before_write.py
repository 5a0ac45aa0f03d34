"""A deletion of a recording id with no index entry yet, racing the first write of that id.

Found in session 47: such a deletion swept the id's objects at once and answered "no
recording", so a first write committing just after it stored the recording the deletion was
asked to remove, and one whose objects it swept committed an entry whose keys were gone. Each
test runs one side whole between two steps of the other (a store that runs it when the held
side reaches the index), on both stores; the deletion now commits a tombstone with a
create-only write before it sweeps, and a first write that finds it (or loses its own
create-only commit to it) stores nothing.
"""

from __future__ import annotations

import io

import pytest

from tests.hostile.test_vault_duplicate import nothing_decryptable
from tests.vault.conftest import clock, make_keys, make_store  # noqa: F401 (fixtures)
from tests.vault.conftest import make_entry
from vault.errors import ObjectMissingError, VaultInputError
from vault.regional import RegionVault
from worker.stored.operations import delete_recording
from vault.vault import Vault

RID = make_entry("eu").recording_id
ARTIFACTS = {"audio": b"A" * 4000, "metadata": b"{}"}


class Interleaved:
    """A real store that runs ``meanwhile`` whole once, when ``method`` is first called on an
    index entry: before the call (``after=False``) or once it returned or raised."""

    def __init__(self, inner, method: str, meanwhile, *, after: bool = False):
        self._inner, self._method, self._meanwhile, self._after = inner, method, meanwhile, after
        self.region = inner.region
        self.ran: list[object] = []  # what meanwhile returned or raised

    def _run(self) -> None:
        meanwhile, self._meanwhile = self._meanwhile, None
        try:
            self.ran.append(meanwhile())
        except Exception as exc:  # noqa: BLE001 (the other side's outcome, checked by the test)
            self.ran.append(exc)

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        def held(index_name, *args, **kwargs):
            if not index_name.startswith("index/") or self._meanwhile is None:
                return attr(index_name, *args, **kwargs)
            if not self._after:
                self._run()
                return attr(index_name, *args, **kwargs)
            try:
                return attr(index_name, *args, **kwargs)
            finally:
                self._run()
        return held


def vaults(make_store, make_keys, clock, method, meanwhile, *, after=False):
    """The plain region vault, and one over the same stores whose index ``method`` lets
    ``meanwhile(plain)`` run whole first (or, ``after``, right after it)."""
    store, key_store, keys = make_store("eu"), make_store.key_store("eu"), make_keys("eu")
    plain = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    held_store = Interleaved(store, method, lambda: meanwhile(plain), after=after)
    return plain, RegionVault("eu", held_store, keys, key_store=key_store, clock=clock), held_store


def put(rv: RegionVault):
    return rv.put(make_entry("eu"), {kind: io.BytesIO(data) for kind, data in ARTIFACTS.items()})


def delete(rv: RegionVault):
    return rv.delete(RID, actor="operator", reason="customer request")


def deleted_for_good(rv: RegionVault) -> None:
    """The id's entry is a tombstone, nothing of the write is left, and it is never stored."""
    assert rv.get(RID).deleted and rv.get(RID).artifacts == ()
    nothing_decryptable(rv, RID)
    with pytest.raises(VaultInputError, match=f"recording {RID} was deleted"):
        put(rv)
    assert list(rv.store.names(f"data/{RID}/")) == list(rv.key_store.names(f"keys/{RID}/")) == []


def test_a_deletion_at_the_first_writes_commit_stops_it(make_store, make_keys, clock):
    """The write's objects are stored; the deletion runs whole before the write's commit."""
    plain, held, store = vaults(make_store, make_keys, clock, "create", delete)
    with pytest.raises(VaultInputError, match=f"recording {RID} was deleted"):
        put(held)
    assert isinstance(store.ran[0], ObjectMissingError)  # no recording was stored: the operator is told
    deleted_for_good(plain)


def test_a_first_write_between_the_deletions_read_and_its_sweep_is_deleted(make_store, make_keys, clock):
    """The deletion found no entry; the write runs whole before the deletion goes on."""
    plain, held, store = vaults(make_store, make_keys, clock, "read_versioned", put, after=True)
    deleted = delete(held)
    assert not isinstance(store.ran[0], Exception) and store.ran[0].recording_id == RID  # the write committed
    assert deleted.deleted and deleted.account_id == "acme"  # and was deleted as any stored recording
    deleted_for_good(plain)


def test_a_first_write_after_the_deletion_stores_nothing(make_store, make_keys, clock):
    """The deletion came first (a call deleted by id while its job was queued)."""
    store, key_store, keys = make_store("eu"), make_store.key_store("eu"), make_keys("eu")
    rv = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    with pytest.raises(ObjectMissingError, match=f"no recording {RID} in region eu: a tombstone now refuses "
                                                 "any later write of it"):
        delete_recording(RID, Vault({"eu": rv}), actor="operator", reason="request")
    deleted_for_good(rv)
    stone = rv.get(RID).tombstone
    assert (stone.deleted_by, stone.reason) == ("operator", "request")
    assert [(e.action, e.outcome) for e in rv.audit_events(RID)] == [("delete", "done")]
    again = delete_recording(RID, Vault({"eu": rv}), actor="operator", reason="request")  # idempotent
    assert (again.deleted, again.already_deleted) == (0, 1)
