"""The record of each account's policy bytes in the key store (``vault.policy_digests``)."""

from __future__ import annotations

import hashlib
import json

import pytest

from vault.errors import ObjectChangedError, ObjectExistsError, ObjectMissingError, PolicyTamperedError, StoreError
from vault.policy_digests import PolicyDigests
from vault.retention import AccountPolicy
from vault.stores.base import get_bytes, put_bytes, versioned, write_versioned

REFUSED = "^retention policy of account acme is not the one last written"


def test_without_a_record_any_bytes_pass_to_their_mac(make_key_store):
    digests = PolicyDigests(make_key_store("eu"))
    digests.check("acme", b"anything")
    digests.check("acme", None)


def test_a_save_accepts_its_bytes_and_then_only_them(make_key_store):
    digests = PolicyDigests(make_key_store("eu"))
    with digests.saving("acme", b"one", lambda: None):
        digests.check("acme", b"one")
    with digests.saving("acme", b"two", lambda: pytest.fail("asked with a record")):
        digests.check("acme", b"one")  # the object not written yet: the old bytes still read
        digests.check("acme", b"two")
    digests.check("acme", b"two")
    for replayed in (b"one", None, b"three"):
        with pytest.raises(PolicyTamperedError, match=REFUSED):
            digests.check("acme", replayed)


def test_the_first_save_accepts_the_bytes_it_replaces_while_it_writes(make_key_store):
    digests = PolicyDigests(make_key_store("eu"))
    with digests.saving("acme", b"new", lambda: b"written before records"):
        digests.check("acme", b"written before records")
    with pytest.raises(PolicyTamperedError, match=REFUSED):
        digests.check("acme", b"written before records")


def test_two_saves_racing_keep_each_others_digest_until_the_last_ends(make_key_store):
    digests = PolicyDigests(make_key_store("eu"))
    with digests.saving("acme", b"zero", lambda: None):
        pass
    first = digests.saving("acme", b"first", lambda: None)
    first.__enter__()
    with digests.saving("acme", b"second", lambda: None):
        first.__exit__(None, None, None)  # its record changed meanwhile: left to the second
        for written in (b"zero", b"first", b"second"):
            digests.check("acme", written)
    digests.check("acme", b"second")
    for older in (b"zero", b"first"):
        with pytest.raises(PolicyTamperedError, match=REFUSED):
            digests.check("acme", older)


def test_an_unreadable_record_refuses(make_key_store):
    key_store = make_key_store("eu")
    key_store.create("seal/policy-digests/acme/sha256.json", b"[]")
    with pytest.raises(PolicyTamperedError, match="^retention policy record is unreadable$"):
        PolicyDigests(key_store).check("acme", b"one")
    with PolicyDigests(key_store).saving("acme", b"mended", lambda: pytest.fail("asked with a record")):
        pass
    PolicyDigests(key_store).check("acme", b"mended")


def test_an_accounts_first_save_killed_before_its_object_leaves_no_policy_that_reads(make_key_store):
    """The record is written before the object: killed in between, the account still has no
    policy, which must read as none (not as one deleted) until a save ends."""
    digests = PolicyDigests(make_key_store("eu"))
    killed = digests.saving("acme", b"first", lambda: None)
    killed.__enter__()  # and never left
    digests.check("acme", None)
    with digests.saving("acme", b"second", lambda: pytest.fail("asked with a record")):
        pass
    with pytest.raises(PolicyTamperedError, match=REFUSED):
        digests.check("acme", None)


@pytest.mark.parametrize("lost", [ObjectChangedError, ObjectExistsError])
def test_a_save_whose_object_write_lost_its_compare_and_swap_leaves_the_record_as_it_was(make_key_store, lost):
    """Its bytes were never written: accepting them (and keeping what they replace accepted)
    would leave an older copy accepted until the next save (``RegionVault._update_policy``)."""
    key_store = make_key_store("eu")
    digests = PolicyDigests(key_store)
    with digests.saving("acme", b"one", lambda: None):
        pass
    before = get_bytes(key_store, "seal/policy-digests/acme/sha256.json")
    with pytest.raises(lost, match="^another write$"), digests.saving("acme", b"lost", lambda: pytest.fail("asked")):
        raise lost("another write")
    assert get_bytes(key_store, "seal/policy-digests/acme/sha256.json") == before
    with pytest.raises(PolicyTamperedError, match=REFUSED):
        digests.check("acme", b"lost")


def test_a_save_failing_otherwise_keeps_both_accepted(make_key_store):
    """A store error may come after the write landed: the old and the new bytes stay accepted,
    as after a crash, until the next save or ``settle``."""
    digests = PolicyDigests(make_key_store("eu"))
    with digests.saving("acme", b"one", lambda: None):
        pass
    with pytest.raises(StoreError, match="^timed out$"), digests.saving("acme", b"two", lambda: None):
        raise StoreError("timed out")
    digests.check("acme", b"one")
    digests.check("acme", b"two")


def test_an_accounts_record_lies_in_a_folder_of_its_own(make_key_store):
    """Session 56: every call reclaims what a killed save of its account's record left, and
    with every account's record in one folder that listed them all (10,000 accounts: 10,000
    names per call). Each account's record, and its leftovers, are in its own folder now."""
    key_store = make_key_store("eu")
    digests = PolicyDigests(key_store)
    for account in ("acme", "acme.json", "other"):
        with digests.saving(account, account.encode(), lambda: None):
            pass
    assert list(key_store.names("seal/policy-digests/acme/")) == ["seal/policy-digests/acme/sha256.json"]
    assert json.loads(get_bytes(key_store, "seal/policy-digests/acme.json/sha256.json"))["previous"] == []


def test_a_record_kept_under_its_older_name_is_moved_when_first_read(make_key_store):
    """Records written before session 56 (``seal/policies/<account>.json``) still refuse an older
    copy: the first read or save of the account moves its record to its folder."""
    key_store = make_key_store("eu")
    key_store.create("seal/policies/acme.json", json.dumps({"sha256": _sha(b"kept"), "previous": []}).encode())
    digests = PolicyDigests(key_store)
    with pytest.raises(PolicyTamperedError, match=REFUSED):
        digests.check("acme", b"older")
    digests.check("acme", b"kept")
    assert list(key_store.names("seal/policy-digests/")) == ["seal/policy-digests/acme/sha256.json"]
    with digests.saving("acme", b"new", lambda: pytest.fail("asked with a record")):
        digests.check("acme", b"kept")
    digests.check("acme", b"new")


def test_moving_every_older_record_leaves_none_and_refuses_as_before(make_key_store):
    key_store = make_key_store("eu")
    for account in ("acme", "b.json"):
        key_store.create(f"seal/policies/{account}.json",
                         json.dumps({"sha256": _sha(account.encode()), "previous": []}).encode())
    digests = PolicyDigests(key_store)
    assert digests.move_older_records() == 2
    assert digests.move_older_records() == 0
    assert list(key_store.names("seal/policies/")) == []
    for account in ("acme", "b.json"):
        digests.check(account, account.encode())
        with pytest.raises(PolicyTamperedError):
            digests.check(account, None)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_keys_migrate_moves_the_older_records(make_region):
    rv = make_region("eu")
    rv.set_policy("acme", 30)
    record = get_bytes(rv.key_store, "seal/policy-digests/acme/sha256.json")
    rv.key_store.delete("seal/policy-digests/acme/sha256.json")
    rv.key_store.create("seal/policies/acme.json", record)  # as kept before session 56
    rv.key_store.create("seal/policies/gone.json", record)  # an account whose policy object is gone
    rv.migrate_policies()
    assert list(rv.key_store.names("seal/policies/")) == []
    assert list(rv.key_store.names("seal/policy-digests/gone/")) == ["seal/policy-digests/gone/sha256.json"]
    assert get_bytes(rv.key_store, "seal/policy-digests/acme/sha256.json") == record


def _older_workers_save(key_store, data: bytes, replaced: bytes | None) -> None:
    """A save by a worker from before session 56: it writes the record under the older name (created
    when there is none) with the bytes it replaces, and narrows it."""
    _, version = versioned(key_store, "seal/policies/acme.json")
    write_versioned(key_store, "seal/policies/acme.json", json.dumps({"sha256": _sha(data), "previous": [
        None if replaced is None else _sha(replaced)]}).encode(), version)
    stored, version = key_store.read_versioned("seal/policies/acme.json")
    key_store.replace_if("seal/policies/acme.json", json.dumps({"sha256": _sha(data), "previous": []}).encode(),
                         version)


def test_an_older_workers_save_after_the_move_is_merged_into_the_record(make_key_store):
    """Session-56 review: a record under the older name was read only when the new one was missing,
    so the policy a not-yet-upgraded worker saved was refused by every new worker. Both records'
    digests are now merged (the older worker's newest first); the older name is kept (an older
    worker reads it) until ``keys migrate``."""
    key_store = make_key_store("eu")
    digests = PolicyDigests(key_store)
    with digests.saving("acme", b"new worker's", lambda: None):
        pass
    _older_workers_save(key_store, b"old worker's", b"new worker's")
    read = digests.check("acme", b"old worker's")
    assert list(key_store.names("seal/policies/")) == ["seal/policies/acme.json"]
    record = json.loads(get_bytes(key_store, "seal/policy-digests/acme/sha256.json"))
    assert record == {"sha256": _sha(b"old worker's"), "previous": [_sha(b"new worker's")]}
    digests.settle("acme", b"old worker's", read)  # the next call with the policy unchanged narrows it
    for replayed in (b"new worker's", None):
        with pytest.raises(PolicyTamperedError, match=REFUSED):
            digests.check("acme", replayed)


def test_keys_migrate_merges_an_older_workers_save_and_a_killed_move(make_key_store):
    """``move_older_records`` merges a record under the older name beside a new one (it counted
    and left it: 0 moved, kept for good); a reader killed between its copy and its removal
    (both names, the same record) is moved once, not counted again every run."""
    key_store = make_key_store("eu")
    digests = PolicyDigests(key_store)
    with digests.saving("acme", b"new worker's", lambda: None):
        pass
    _older_workers_save(key_store, b"old worker's", b"new worker's")
    key_store.create("seal/policy-digests/b/sha256.json", json.dumps({"sha256": _sha(b"b"), "previous": []}).encode())
    key_store.create("seal/policies/b.json", json.dumps({"sha256": _sha(b"b"), "previous": []}).encode())
    assert (digests.move_older_records(), digests.move_older_records()) == (2, 0)
    assert list(key_store.names("seal/policies/")) == []
    assert json.loads(get_bytes(key_store, "seal/policy-digests/b/sha256.json")) == {"sha256": _sha(b"b"),
                                                                                      "previous": []}
    digests.check("acme", b"old worker's")
    digests.check("b", b"b")


def test_a_policy_an_older_worker_saved_after_the_move_reads(make_region):
    """The reviewer's mixed-version run: a new worker's call moved the record, an older worker's
    call saved 90 days under the older name; the new worker refused it (PolicyTamperedError).
    A vault from before session 56 (a new one is marked as holding no older records)."""
    make_region("eu").follow_manifest("acme", 30)
    make_region("eu").key_store.delete("seal/policy-records-moved.json")
    rv = make_region("eu")
    name = "accounts/acme/policy.json"
    before = get_bytes(rv.store, name)
    saved = rv._sealer.seal_policy(name, AccountPolicy("acme", 90, rv.clock(), manifest_days=90).encode())
    _older_workers_save(rv.key_store, saved, before)
    put_bytes(rv.store, name, saved)
    assert rv.policy("acme").retention_days == 90
    assert rv.follow_manifest("acme", 90).retention_days == 90
    put_bytes(rv.store, name, before)  # the policy it replaced, put back
    with pytest.raises(PolicyTamperedError, match=REFUSED):
        rv.policy("acme")


class _AfterReading:
    """A key store that runs ``then`` once, right after the first read of ``name`` (another
    worker's write slipped in between a reader's steps)."""

    def __init__(self, inner, name: str, then):
        self._inner, self._name, self._then = inner, name, then
        self.region = inner.region

    def __getattr__(self, attr):
        call = getattr(self._inner, attr)
        if attr not in ("reader", "read_versioned"):
            return call

        def read(name, *args):
            result = call(name, *args)
            if name == self._name and self._then is not None:
                then, self._then = self._then, None
                then()
            return result

        return read


def test_an_older_workers_save_while_a_new_worker_merges_its_last_is_kept(make_key_store):
    """Session-58 review (item 1): a new worker's read merged the older name's record and then
    deleted that name; an older worker's save landing in between was deleted unmerged, and its
    policy refused on every later call. A read merges and never deletes (``keys migrate`` does)."""
    key_store = make_key_store("eu")
    with PolicyDigests(key_store).saving("acme", b"new worker's", lambda: None):
        pass
    _older_workers_save(key_store, b"old worker's", b"new worker's")
    meanwhile = _AfterReading(key_store, "seal/policies/acme.json",
                              lambda: _older_workers_save(key_store, b"old worker's again", b"old worker's"))
    PolicyDigests(meanwhile).check("acme", b"old worker's")
    digests = PolicyDigests(key_store)
    digests.check("acme", b"old worker's again")
    for replayed in (b"new worker's", None):
        digests.settle("acme", b"old worker's again", digests.check("acme", b"old worker's again"))
        with pytest.raises(PolicyTamperedError, match=REFUSED):
            digests.check("acme", replayed)


def _older_workers_check(key_store, data: bytes) -> bool:
    """Whether a worker from before session 56 takes ``data`` as the policy: it reads the older
    name alone, and judges by the MAC alone without a record there."""
    try:
        record = json.loads(get_bytes(key_store, "seal/policies/acme.json"))
    except ObjectMissingError:
        return True
    return _sha(data) in [record["sha256"], *record["previous"]]


def test_while_an_older_name_is_kept_a_save_writes_it_too(make_key_store):
    """With the older name kept until ``keys migrate``, an older worker reads it: a new worker's
    save writes its record there too, so older workers take the new policy (and refuse what it
    replaced), and a new worker never takes that record's digest for an older worker's save."""
    key_store = make_key_store("eu")
    digests = PolicyDigests(key_store)
    _older_workers_save(key_store, b"old worker's", None)
    with digests.saving("acme", b"new worker's", lambda: pytest.fail("asked with a record")):
        assert _older_workers_check(key_store, b"old worker's")
        assert _older_workers_check(key_store, b"new worker's")
    assert (_older_workers_check(key_store, b"new worker's"), _older_workers_check(key_store, b"old worker's")) == (
        True, False)
    digests.settle("acme", b"new worker's", digests.check("acme", b"new worker's"))
    with pytest.raises(PolicyTamperedError, match=REFUSED):
        digests.check("acme", b"old worker's")
    assert json.loads(get_bytes(key_store, "seal/policy-digests/acme/sha256.json")) == {
        "sha256": _sha(b"new worker's"), "previous": []}


def _key_reads(key_store, monkeypatch) -> list[str]:
    """The names ``key_store`` is read by from now on (``reader``: the local store's
    ``read_versioned`` reads through it; on S3 each read is one GET)."""
    reads: list[str] = []
    for method in ("reader", "read_versioned"):
        real = getattr(key_store, method)
        monkeypatch.setattr(key_store, method, lambda name, real=real: reads.append(name) or real(name))
    return reads


def test_once_every_older_record_is_moved_a_read_skips_the_older_name(make_key_store, monkeypatch):
    """Session-58 review (item 5): every check and save read the older name too, one key-store
    read more per stored call (a GET's miss on S3) for good. ``move_older_records`` marks the
    key store (``seal/policy-records-moved.json``), read once per process; a vault not marked
    reads both names."""
    key_store = make_key_store("eu")
    _older_workers_save(key_store, b"kept", None)
    before = _key_reads(key_store, monkeypatch)
    PolicyDigests(key_store).check("acme", b"kept")
    assert sorted(set(before)) == ["seal/policies/acme.json", "seal/policy-digests/acme/sha256.json",
                                   "seal/policy-records-moved.json"]
    assert PolicyDigests(key_store).move_older_records() == 1
    digests = PolicyDigests(key_store)
    after = _key_reads(key_store, monkeypatch)
    digests.check("acme", b"kept")
    digests.check("acme", b"kept")
    assert sorted(set(after)) == ["seal/policy-digests/acme/sha256.json", "seal/policy-records-moved.json"]
    assert after.count("seal/policy-records-moved.json") == 1


def test_keys_migrate_run_again_still_merges_an_older_name(make_key_store):
    """A worker rolled back (or one not upgraded when ``keys migrate`` ran) saves under the older
    name again: skipped by reads once marked, so the next ``keys migrate`` merges and removes it."""
    key_store = make_key_store("eu")
    digests = PolicyDigests(key_store)
    with digests.saving("acme", b"new worker's", lambda: None):
        pass
    assert digests.move_older_records() == 0
    _older_workers_save(key_store, b"old worker's", b"new worker's")
    with pytest.raises(PolicyTamperedError, match=REFUSED):
        digests.check("acme", b"old worker's")
    assert PolicyDigests(key_store).move_older_records() == 1
    assert list(key_store.names("seal/policies/")) == []
    digests.check("acme", b"old worker's")


def test_a_new_vault_is_marked_as_having_no_older_records(make_region):
    rv = make_region("eu")
    rv.follow_manifest("acme", 30)
    assert list(rv.key_store.names("seal/policy-records-moved.json")) == ["seal/policy-records-moved.json"]
