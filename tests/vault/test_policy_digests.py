"""The record of each account's policy bytes in the key store (``vault.policy_digests``)."""

from __future__ import annotations

import pytest

from vault.errors import ObjectChangedError, ObjectExistsError, PolicyTamperedError, StoreError
from vault.policy_digests import PolicyDigests
from vault.stores.base import get_bytes

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
    key_store.create("seal/policies/acme.json", b"[]")
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
    before = get_bytes(key_store, "seal/policies/acme.json")
    with pytest.raises(lost, match="^another write$"), digests.saving("acme", b"lost", lambda: pytest.fail("asked")):
        raise lost("another write")
    assert get_bytes(key_store, "seal/policies/acme.json") == before
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
