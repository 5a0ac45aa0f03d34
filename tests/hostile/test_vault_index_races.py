"""Two updates of one recording's index entry racing: neither undoes nor loses the other.

After a recording's first commit its index entry is updated in place (a re-redaction's new
generation, a deletion's tombstone, a re-wrap's key versions). Those updates used to be
unconditional writes, so whichever wrote last won: a re-redaction committing over a fresh
tombstone brought the recording back with ciphertexts the deletion never saw, a deletion
committing over a fresh generation left that generation decryptable, and a re-wrap or a
second re-redaction committing over a generation pointed the entry at destroyed objects.
Each test holds one side at its index commit while the other runs whole, so the race
happens on every run; the commit is a compare-and-swap now, and its loser re-reads.
"""

from __future__ import annotations

import io

import pytest

from tests.hostile.test_vault_duplicate import nothing_decryptable
from tests.vault.conftest import clock, make_keys, make_store  # noqa: F401 (fixtures)
from tests.vault.conftest import make_entry
from vault import envelope
from vault.errors import VaultError, VaultInputError
from vault.regional import RegionVault, key_name
from vault.stores.base import get_bytes


class HeldAtCommit:
    """A real store that, when an object under ``prefix`` (an index entry: its first update) is
    first written, lets another operation run whole before the write goes on."""

    def __init__(self, inner, meanwhile, prefix: str = "index/"):
        self._inner, self._meanwhile, self._prefix = inner, meanwhile, prefix
        self.region = inner.region

    def _hold(self, name: str) -> None:
        if name.startswith(self._prefix) and self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()

    def writer(self, name):
        self._hold(name)
        return self._inner.writer(name)

    def replace_if(self, name, data, version):
        self._hold(name)
        return self._inner.replace_if(name, data, version)

    def create(self, name, data):
        self._hold(name)
        return self._inner.create(name, data)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def vaults(make_store, make_keys, clock, meanwhile):
    """The plain region vault, and one over the same stores held at its first index update."""
    store, key_store, keys = make_store("eu"), make_store.key_store("eu"), make_keys("eu")
    plain = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    held = RegionVault("eu", HeldAtCommit(store, lambda: meanwhile(plain)), keys, key_store=key_store, clock=clock)
    return plain, held


def stored(rv: RegionVault) -> str:
    entry = rv.put(make_entry("eu"), {"audio": io.BytesIO(b"A" * 4000), "metadata": io.BytesIO(b"{}")})
    return entry.recording_id


def readable(rv: RegionVault, rid: str) -> dict[str, bytes]:
    """Every artifact the entry lists, decrypted; each listed key's version as listed."""
    entry = rv.get(rid)
    out = {}
    for info in entry.artifacts:
        wrapped = envelope.WrappedKey.decode(get_bytes(rv.key_store, key_name(rid, info)))
        assert wrapped.version == info.key_version
        dst = io.BytesIO()
        rv.read(entry, info.kind, dst)
        out[info.kind] = dst.getvalue()
    return out


def only_listed_objects(rv: RegionVault, rid: str) -> None:
    """No ciphertext or key under the recording but those its entry lists (no orphan)."""
    entry = rv.get(rid)
    assert len(list(rv.store.names(f"data/{rid}/"))) == len(entry.artifacts)
    assert len(list(rv.key_store.names(f"keys/{rid}/"))) == len(entry.artifacts)


def test_a_re_redaction_committing_over_a_deletion_is_refused(make_store, make_keys, clock):
    rid = None
    plain, held = vaults(make_store, make_keys, clock,
                         lambda rv: rv.delete(rid, actor="operator", reason="customer request"))
    rid = stored(plain)
    with pytest.raises(VaultInputError, match=f"recording {rid} was deleted"):
        held.replace(rid, {"audio": io.BytesIO(b"R" * 3000)}, detector_version="dtmf-2")
    assert plain.get(rid).deleted
    nothing_decryptable(plain, rid)


def test_a_deletion_committing_over_a_re_redaction_destroys_it(make_store, make_keys, clock):
    """The re-redaction commits after the deletion read the entry, before it recorded itself
    (``vault.deletions``: a re-redaction begun after that finds the recording deleted)."""
    store, key_store, keys = make_store("eu"), make_store.key_store("eu"), make_keys("eu")
    plain = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    rid = stored(plain)
    held = RegionVault("eu", store, keys, clock=clock, key_store=HeldAtCommit(
        key_store, lambda: plain.replace(rid, {"audio": io.BytesIO(b"R" * 3000)}, detector_version="dtmf-2"),
        prefix="seal/deleted/"))
    deleted = held.delete(rid, actor="operator", reason="customer request")
    assert deleted.deleted and deleted.artifacts == ()
    assert plain.get(rid).deleted
    nothing_decryptable(plain, rid)


def re_redacted_under_the_primary_key(plain, rid) -> None:
    """Both changes kept: generation 2's audio, every key wrapped by the primary KEK version."""
    entry = plain.get(rid)
    assert entry.detector_version == "dtmf-2" and entry.artifact("audio").generation == 2
    assert readable(plain, rid) == {"audio": b"R" * 3000, "metadata": b"{}"}
    primary, _ = plain.keys.primary()
    assert {a.key_version for a in entry.artifacts} == {primary}
    only_listed_objects(plain, rid)


def test_a_re_wrap_committing_over_a_re_redaction_keeps_both(make_store, make_keys, clock):
    rid = None
    plain, held = vaults(make_store, make_keys, clock,
                         lambda rv: rv.replace(rid, {"audio": io.BytesIO(b"R" * 3000)}, detector_version="dtmf-2"))
    rid = stored(plain)
    plain.keys.rotate()
    held.rewrap(rid)
    re_redacted_under_the_primary_key(plain, rid)


def test_a_re_redaction_committing_over_a_re_wrap_keeps_both(make_store, make_keys, clock):
    rid = None
    plain, held = vaults(make_store, make_keys, clock, lambda rv: rv.rewrap(rid))
    rid = stored(plain)
    plain.keys.rotate()
    held.replace(rid, {"audio": io.BytesIO(b"R" * 3000)}, detector_version="dtmf-2")
    re_redacted_under_the_primary_key(plain, rid)


def test_two_re_redactions_racing_keep_one_and_leave_no_orphan(make_store, make_keys, clock):
    rid = None
    plain, held = vaults(make_store, make_keys, clock,
                         lambda rv: rv.replace(rid, {"audio": io.BytesIO(b"S" * 2000)}, detector_version="dtmf-3"))
    rid = stored(plain)
    with pytest.raises(VaultError, match=f"recording {rid} changed during the write; try again"):
        held.replace(rid, {"audio": io.BytesIO(b"R" * 3000)}, detector_version="dtmf-2")
    assert plain.get(rid).detector_version == "dtmf-3"
    assert readable(plain, rid) == {"audio": b"S" * 2000, "metadata": b"{}"}
    only_listed_objects(plain, rid)
