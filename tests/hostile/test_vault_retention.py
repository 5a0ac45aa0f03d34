"""Hostile retention windows: refused where they enter, skipped (and reported) by the sweep.

One oversized window used to be accepted and then stop every later sweep with OverflowError,
so retention stopped for every account (issue 10, defect 5).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.worker.cli.vault_cli import run, use_data_dir
from vault.errors import PolicyTamperedError, VaultInputError
from vault.index import IndexEntry
from vault.regions import recording_id
from vault.retention import MAX_RETENTION_DAYS, AccountPolicy
from vault.stores.base import get_bytes, put_bytes
from worker.stored.operations import retention_sweep, set_retention
from worker.vaults import build_vault

LONG_AGO = datetime.now(UTC) - timedelta(days=400)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    return use_data_dir(monkeypatch, tmp_path)


def store(settings, account: str, call: str, retention_days: int | None) -> str:
    """A tiny recording stored through the vault (no audio pipeline: only retention matters)."""
    region_vault = build_vault(settings, regions=("eu",), clock=lambda: LONG_AGO).region("eu")
    entry = IndexEntry(recording_id(account, call, "eu"), account, call, "T-1", "call", "eu", LONG_AGO,
                       retention_days, False, False, "test", "")
    return region_vault.put(entry, {"audio": io.BytesIO(b"audio"), "metadata": io.BytesIO(b"{}")}).recording_id


@pytest.mark.parametrize("days", ["99999999999", str(MAX_RETENTION_DAYS + 1)])
def test_set_refuses_an_out_of_range_window(settings, capsys, days):
    code, out, err = run(capsys, "retention", "set", "--account", "acme", "--days", days)
    assert (code, out) == (2, "")
    assert f"--days {days}: must be at most {MAX_RETENTION_DAYS} (100 years) or --none" in err
    assert list(build_vault(settings).region("eu").store.names("accounts/")) == []  # nothing written


def test_longest_window_is_accepted(settings, capsys):
    code, out, _ = run(capsys, "retention", "set", "--account", "acme", "--days", str(MAX_RETENTION_DAYS),
                       "--region", "eu")
    assert code == 0 and f"{MAX_RETENTION_DAYS} days" in out
    assert build_vault(settings).region("eu").policy("acme").retention_days == MAX_RETENTION_DAYS


def test_operation_and_policy_refuse_it_too(settings):
    with pytest.raises(VaultInputError, match=f"at most {MAX_RETENTION_DAYS}"):
        set_retention("acme", 99999999999, build_vault(settings), regions=("eu",))
    with pytest.raises(VaultInputError, match=f"at most {MAX_RETENTION_DAYS}"):
        AccountPolicy("acme", MAX_RETENTION_DAYS + 1, LONG_AGO)


def test_sweep_skips_and_reports_a_bad_stored_policy(settings, capsys):
    bad = store(settings, "evil", "CA1", None)
    due = store(settings, "acme", "CA2", 30)
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    # A policy an older version accepted (or someone wrote into the store).
    body = {"account_id": "evil", "retention_days": 99999999999, "updated_at": LONG_AGO.isoformat()}
    put_bytes(region_vault.store, "accounts/evil/policy.json", json.dumps(body).encode())

    report = retention_sweep(build_vault(settings))

    assert (report.scanned, report.due, report.deleted, report.kept) == (2, 1, 1, 0)
    assert report.skipped == ((bad, "accounts/evil/policy.json: does not verify (altered, or not written by this "
                                   "vault); `callrec retention set` mends it"),)
    vault = build_vault(settings, regions=("eu",))
    assert vault.get(due).deleted and not vault.get(bad).deleted
    code, out, err = run(capsys, "retention", "sweep")
    assert code == 1
    assert out == "scanned 2, due 0, deleted 0, kept 0, already deleted 1, skipped 1\n"
    assert err == (f"callrec retention: skipped {bad}: accounts/evil/policy.json: does not verify (altered, or not "
                   "written by this vault); `callrec retention set` mends it\n")


def test_sweep_skips_a_recording_whose_own_window_overflows(settings):
    huge = store(settings, "acme", "CA1", 99999999999)  # recorded window, no account policy
    due = store(settings, "acme2", "CA2", 30)
    report = retention_sweep(build_vault(settings))
    assert report.deleted == 1 and build_vault(settings, regions=("eu",)).get(due).deleted
    assert report.skipped == ((huge, f"retention window is out of range (at most {MAX_RETENTION_DAYS} days)"),)


@pytest.mark.parametrize("how", ["window edited", "mac stripped", "another account's moved here"])
def test_a_policy_altered_in_the_object_store_deletes_nothing(settings, capsys, how):
    """Found by the session-55 red team: index entries carry a MAC because whoever can write the
    object store (backed up freely) could grant access by editing them, but the account's
    retention policy beside them carried none: a window edited to 1 day in
    ``accounts/<id>/policy.json`` had the next sweep destroy every recording of the account
    older than a day, for good. Now a policy is sealed like an entry (under the region's index
    key, bound to its name); one that does not verify is skipped by the sweep (exit 1, named)
    and deletes nothing, and ``retention set`` writes a good one over it."""
    kept = store(settings, "acme", "CA1", None)
    run(capsys, "retention", "set", "--account", "acme", "--none", "--region", "eu")
    run(capsys, "retention", "set", "--account", "evil", "--days", "1", "--region", "eu")
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    name = "accounts/acme/policy.json"
    body = json.loads(get_bytes(region_vault.store, name))
    if how == "window edited":
        body["retention_days"] = 1
    elif how == "mac stripped":
        body.pop("mac", None)
        body["retention_days"] = 1
    else:
        body = json.loads(get_bytes(region_vault.store, "accounts/evil/policy.json"))
        body["account_id"] = "acme"
    put_bytes(region_vault.store, name, json.dumps(body).encode())

    code, out, err = run(capsys, "retention", "sweep")
    assert code == 1 and out == "scanned 1, due 0, deleted 0, kept 0, already deleted 0, skipped 1\n"
    assert err == (f"callrec retention: skipped {kept}: accounts/acme/policy.json: does not verify (altered, or not "
                   "written by this vault); `callrec retention set` mends it\n")
    assert not build_vault(settings, regions=("eu",)).get(kept).deleted
    code, _, _ = run(capsys, "retention", "set", "--account", "acme", "--none", "--region", "eu")
    assert code == 0 and build_vault(settings, regions=("eu",)).region("eu").policy("acme").retention_days is None


def test_an_older_vaults_bare_policy_is_taken_until_keys_migrate_seals_it(settings, capsys):
    """Policies written before they were sealed are read as they are until `keys migrate`
    seals them; after that a bare one is refused (never sealed by a later migration)."""
    kept = store(settings, "acme", "CA1", None)
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    region_vault.key_store.delete("seal/policies-sealed.json")  # a vault from before sealed policies
    body = {"account_id": "acme", "retention_days": None, "updated_at": LONG_AGO.isoformat(),
            "manifest_seen": True, "manifest_days": None}
    put_bytes(region_vault.store, "accounts/acme/policy.json", json.dumps(body).encode())
    assert build_vault(settings, regions=("eu",)).region("eu").policy("acme").retention_days is None
    code, out, _ = run(capsys, "keys", "migrate", "--region", "eu")
    assert code == 0 and out.endswith(", authenticated 1 retention policy\n")
    assert "mac" in json.loads(get_bytes(region_vault.store, "accounts/acme/policy.json"))
    put_bytes(region_vault.store, "accounts/acme/policy.json", json.dumps({**body, "retention_days": 1}).encode())
    code, out, _ = run(capsys, "keys", "migrate", "--region", "eu")
    assert code == 0 and "retention polic" not in out
    assert run(capsys, "retention", "sweep")[0] == 1
    assert not build_vault(settings, regions=("eu",)).get(kept).deleted


def test_a_call_leaves_a_policy_that_does_not_verify_as_it_is(settings, capsys):
    """Found by the session-55 review: a policy whose MAC was spoilt in the object store was
    taken for none by the next call's ``follow_manifest``, which wrote a fresh sealed one from
    the manifest's window over it: the window the account had set (``--none``) was silently
    replaced by the manifest's 30 days and the next sweep deleted the account's recordings.
    Now the call leaves it as it is (PolicyTamperedError, which the pipeline logs); only
    ``retention set`` writes over it."""
    kept = store(settings, "acme", "CA1", 30)
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    region_vault.follow_manifest("acme", 30)  # the first call's manifest carried 30 days
    run(capsys, "retention", "set", "--account", "acme", "--none", "--region", "eu")
    name = "accounts/acme/policy.json"
    body = json.loads(get_bytes(region_vault.store, name))
    body["mac"] = "AAAA"
    spoilt = json.dumps(body).encode()
    put_bytes(region_vault.store, name, spoilt)

    with pytest.raises(PolicyTamperedError, match="^accounts/acme/policy.json: does not verify"):
        region_vault.follow_manifest("acme", 30)
    assert get_bytes(region_vault.store, name) == spoilt
    code, out, _ = run(capsys, "retention", "sweep")
    assert code == 1 and out == "scanned 1, due 0, deleted 0, kept 0, already deleted 0, skipped 1\n"
    assert not build_vault(settings, regions=("eu",)).get(kept).deleted
    run(capsys, "retention", "set", "--account", "acme", "--none", "--region", "eu")  # the mend
    assert region_vault.follow_manifest("acme", 30).retention_days is None
    assert run(capsys, "retention", "sweep")[0] == 0 and not build_vault(settings, regions=("eu",)).get(kept).deleted


@pytest.mark.parametrize("how", ["an older copy put back", "deleted"])
def test_an_older_policy_put_back_or_the_policy_deleted_deletes_nothing(settings, capsys, how):
    """Found by the session-55 review: a policy's MAC binds its name and content, not its age, so
    a sealed copy of an older policy put back from a backup of the object store verified (the
    sweep deleted by its 1 day), and so did no policy at all (deleted: each recording's own 30
    days applied). Now the key store, which a writer of the object store cannot write, records
    the digest of the policy each save wrote (``vault.policy_digests``): a policy whose record
    names other bytes, or that is gone, is skipped by the sweep (exit 1) and left as it is by
    the next call; ``retention set`` mends it."""
    kept = store(settings, "acme", "CA1", 30)
    run(capsys, "retention", "set", "--account", "acme", "--days", "1", "--region", "eu")
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    name = "accounts/acme/policy.json"
    older = get_bytes(region_vault.store, name)
    run(capsys, "retention", "set", "--account", "acme", "--none", "--region", "eu")
    if how == "deleted":
        region_vault.store.delete(name)
    else:
        put_bytes(region_vault.store, name, older)

    code, out, err = run(capsys, "retention", "sweep")
    assert code == 1 and out == "scanned 1, due 0, deleted 0, kept 0, already deleted 0, skipped 1\n"
    assert err == (f"callrec retention: skipped {kept}: retention policy of account acme is not the one last "
                   "written (deleted, or an older copy put back); `callrec retention set` mends it\n")
    with pytest.raises(PolicyTamperedError, match="^retention policy of account acme is not the one last written"):
        region_vault.follow_manifest("acme", 30)
    assert not build_vault(settings, regions=("eu",)).get(kept).deleted
    run(capsys, "retention", "set", "--account", "acme", "--none", "--region", "eu")
    assert run(capsys, "retention", "sweep")[0] == 0 and not build_vault(settings, regions=("eu",)).get(kept).deleted


class Killed(BaseException):
    """The process killed at that point."""


@contextlib.contextmanager
def killed_at_policy_write(into, *, landed: bool) -> Iterator[None]:
    """The process killed in the block at the write of a policy object into the store ``into``
    (a compare-and-swap: ``create`` or ``replace_if``), before it or once it ``landed``."""
    with pytest.MonkeyPatch.context() as patch, pytest.raises(Killed):
        for method in ("create", "replace_if"):
            def killed(name, *args, real=getattr(into, method)):
                if not name.endswith("/policy.json"):
                    return real(name, *args)
                if landed:
                    real(name, *args)
                raise Killed
            patch.setattr(into, method, killed)
        yield


@pytest.mark.parametrize("when", ["before its object write", "after its object write"])
def test_a_policy_save_killed_between_its_record_and_its_object_leaves_one_that_reads(settings, capsys, when):
    """A save records the new policy's digest (beside the one it replaces) in the key store before
    it writes the object, and the new digest alone after: killed in between, the next read takes
    the policy the object holds (old or new), and the next save refuses the copy it replaced."""
    store(settings, "acme", "CA1", None)
    run(capsys, "retention", "set", "--account", "acme", "--none", "--region", "eu")
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    name = "accounts/acme/policy.json"
    before = get_bytes(region_vault.store, name)
    with killed_at_policy_write(region_vault.store, landed=when == "after its object write"):
        region_vault.set_policy("acme", 7)
    assert build_vault(settings, regions=("eu",)).region("eu").policy("acme").retention_days == (
        None if when == "before its object write" else 7)
    run(capsys, "retention", "set", "--account", "acme", "--days", "3650", "--region", "eu")
    put_bytes(region_vault.store, name, before)
    assert run(capsys, "retention", "sweep")[0] == 1


def test_a_save_killed_after_its_object_write_is_settled_by_the_next_call(settings, capsys):
    """Found by the session-55 review: a save killed after its object write, before its record was
    narrowed, left the replaced policy's digest accepted; the account's calls save nothing while its
    policy is unchanged, so an older copy put back verified for good. The next call settles the
    record (the object holds the record's newest bytes: that save ended in all but name)."""
    kept = store(settings, "acme", "CA1", 30)
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    region_vault.set_policy("acme", 1)
    region_vault.follow_manifest("acme", None)  # a call: the policy as the account's calls leave it
    name = "accounts/acme/policy.json"
    older = get_bytes(region_vault.store, name)
    with killed_at_policy_write(region_vault.store, landed=True):
        region_vault.set_policy("acme", None)
    written = get_bytes(region_vault.store, name)
    assert region_vault.follow_manifest("acme", None).retention_days is None
    assert get_bytes(region_vault.store, name) == written  # unchanged: nothing saved
    put_bytes(region_vault.store, name, older)  # the 1-day copy put back
    with pytest.raises(PolicyTamperedError, match="^retention policy of account acme is not the one last written"):
        region_vault.policy("acme")
    assert run(capsys, "retention", "sweep")[0] == 1 and not build_vault(settings, regions=("eu",)).get(kept).deleted


def test_keys_migrate_records_the_policies_it_seals(settings, capsys):
    """An older vault's bare policy sealed by `keys migrate` is recorded too: deleted, it is refused."""
    kept = store(settings, "acme", "CA1", 30)
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    region_vault.key_store.delete("seal/policies-sealed.json")  # a vault from before sealed policies
    body = {"account_id": "acme", "retention_days": None, "updated_at": LONG_AGO.isoformat(),
            "manifest_seen": True, "manifest_days": None}
    put_bytes(region_vault.store, "accounts/acme/policy.json", json.dumps(body).encode())
    assert run(capsys, "keys", "migrate", "--region", "eu")[1].endswith(", authenticated 1 retention policy\n")
    region_vault.store.delete("accounts/acme/policy.json")
    assert run(capsys, "retention", "sweep")[0] == 1
    assert not build_vault(settings, regions=("eu",)).get(kept).deleted


def test_an_accounts_first_policy_save_killed_before_its_object_leaves_it_none(settings, capsys):
    """The first call of an account records its policy's digest, then is killed before the
    policy is written: the account has no policy (not one deleted), and the call's redelivery
    writes it."""
    kept = store(settings, "acme", "CA1", None)
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    with killed_at_policy_write(region_vault.store, landed=False):
        region_vault.follow_manifest("acme", 3650)
    assert region_vault.policy("acme") is None
    assert run(capsys, "retention", "sweep")[0] == 0
    assert region_vault.follow_manifest("acme", 3650).retention_days == 3650
    assert region_vault.policy("acme").retention_days == 3650
    assert not build_vault(settings, regions=("eu",)).get(kept).deleted


def test_keys_migrate_records_the_policies_sealed_before_records(settings, capsys):
    """A policy sealed before digests were recorded (session 55, between the two) is judged by its
    MAC alone, so an older copy put back verified; `keys migrate` records it as it is."""
    kept = store(settings, "acme", "CA1", 30)
    run(capsys, "retention", "set", "--account", "acme", "--days", "1", "--region", "eu")
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    older = get_bytes(region_vault.store, "accounts/acme/policy.json")
    run(capsys, "retention", "set", "--account", "acme", "--none", "--region", "eu")
    region_vault.key_store.delete("seal/policy-digests/acme/sha256.json")  # as written before records
    code, out, _ = run(capsys, "keys", "migrate", "--region", "eu")
    assert code == 0 and "retention polic" not in out  # none sealed: only recorded
    put_bytes(region_vault.store, "accounts/acme/policy.json", older)
    assert run(capsys, "retention", "sweep")[0] == 1
    assert not build_vault(settings, regions=("eu",)).get(kept).deleted


def test_a_skipped_policys_reason_keeps_no_card_number_an_account_id_holds(settings, capsys):
    """Session 56's last read: the reason a sweep skips a recording (a policy that does not verify, one
    not last written) names its account, and an account id of a card number's digits (an id the vault
    takes from older manifests or callers) went whole to the report and the command's stderr."""
    card = "4111111111111111"
    kept = store(settings, card, "CA1", 30)
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    region_vault.set_policy(card, 1)
    older = get_bytes(region_vault.store, f"accounts/{card}/policy.json")
    region_vault.set_policy(card, None)
    put_bytes(region_vault.store, f"accounts/{card}/policy.json", older)
    report = retention_sweep(build_vault(settings))
    assert [rid for rid, _ in report.skipped] == [kept] and card not in report.skipped[0][1]
    code, out, err = run(capsys, "retention", "sweep")
    assert code == 1 and "retention policy of account" in err and card not in err + out
