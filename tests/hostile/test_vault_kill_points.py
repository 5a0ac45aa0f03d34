"""A vault operation killed after any one of its store operations, then recovered as the product
recovers it: nothing is lost, nothing is left (session-48 audit).

Each test runs one operation (a first store, a re-redaction, a re-wrap, a deletion, a retention
policy's save) once per
store operation it makes: the n-th run dies right after its n-th read, write, list or delete
(both stores count; from then on every call fails, as no clean-up of a killed process runs),
until a run completes. Then the next delivery, the retry or the sweep runs as the worker would,
and the recording is checked: readable as one generation or the other (never neither while it
is live), and nothing under it beyond what its entry lists, no half-written file. The sweep
found one defect (a re-redaction killed before its commit left its generation beside the
entry after the retry: ``test_vault_killed_writes.py``); the rest held.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.vault.conftest import make_entry
from vault.audit import AuditEvent
from vault.audit_heads import head_prefix
from vault.errors import PolicyTamperedError
from vault.keys.local import LocalKeyring
from vault.regional import RegionVault, data_name, key_name
from vault.stores.base import get_bytes, put_bytes
from vault.stores.local import LocalStore
from vault.vault import Vault
from worker.stored.operations import delete_recording, retention_sweep

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)
FIRST = {"audio": b"A" * 5000, "metadata": b"{}"}
REDACTED = {"audio": b"R" * 3000, "metadata": b'{"redacted": 1}'}


class Killed(BaseException):
    """The process is gone."""


class Countdown:
    """Store operations of one process, both stores together; it dies after the n-th."""

    def __init__(self, n: int):
        self.n, self.count, self.dead = n, 0, False

    def start(self) -> int:
        if self.dead:
            raise Killed()
        self.count += 1
        return self.count

    def done(self, index: int) -> None:
        if self.dead or index == self.n:
            self.dead = True
            raise Killed()


class Dies:
    """A real store whose every operation counts down (a writer counts when it closes)."""

    def __init__(self, inner: LocalStore, countdown: Countdown):
        self._inner, self._countdown = inner, countdown
        self.region = inner.region

    @contextlib.contextmanager
    def writer(self, name):
        index = self._countdown.start()
        with self._inner.writer(name) as out:
            yield out
        self._countdown.done(index)

    def reader(self, name):
        index = self._countdown.start()
        opened = self._inner.reader(name)
        self._countdown.done(index)
        return opened

    def __getattr__(self, attr):
        call = getattr(self._inner, attr)
        if not callable(call):
            return call

        def counted(*args, **kwargs):
            index = self._countdown.start()
            try:
                result = call(*args, **kwargs)
                result = list(result) if attr == "names" else result
            finally:
                self._countdown.done(index)
            return result

        return counted


def streams(artifacts: dict[str, bytes]) -> dict[str, io.BytesIO]:
    return {kind: io.BytesIO(data) for kind, data in artifacts.items()}


def readable(rv: RegionVault, rid: str) -> dict[str, bytes]:
    entry = rv.get(rid)
    out = {}
    for info in entry.artifacts:
        dst = io.BytesIO()
        rv.read(entry, info.kind, dst)
        out[info.kind] = dst.getvalue()
    return out


def left_over(rv: RegionVault, root: Path, rid: str) -> list[str]:
    """What lies under ``rid`` beyond what its entry lists (half-written files too)."""
    entry = rv.find(rid)
    live = set()
    if entry is not None:
        live |= {key_name(rid, a) for a in entry.artifacts} | {data_name(rid, a) for a in entry.artifacts}
    found = {str(p.relative_to(d)) for d in (root / "vault", root / "keystore")
             for p in d.rglob("*") if p.is_file() and f"/{rid}/" in f"/{p.relative_to(d)}"}
    # the heads naming its audit events, kept after a deletion as they are (no half-written one)
    found = {n for n in found if not (n.startswith(head_prefix(rid)) and n.endswith(".json") and "/." not in n)}
    return sorted(found - live)


def vaults(root: Path, countdown: Countdown) -> tuple[RegionVault, RegionVault]:
    """A region's vault on local stores under ``root``, and the same vault whose stores die
    after ``countdown``'s store operations."""
    store, key_store = LocalStore(root / "vault", "eu"), LocalStore(root / "keystore", "eu")
    keys = LocalKeyring(root / "keys", "eu")
    dying = RegionVault("eu", Dies(store, countdown), keys, key_store=Dies(key_store, countdown), clock=lambda: NOW)
    return RegionVault("eu", store, keys, key_store=key_store, clock=lambda: NOW), dying


def every_kill_point(tmp_path: Path, prepare: Callable[[RegionVault], None],
                     operation: Callable[[RegionVault, str], None],
                     recover: Callable[[RegionVault, str], None],
                     check: Callable[[RegionVault, str, bool], None]) -> int:
    """Run ``operation`` killed after its 1st, 2nd... store operation until it completes;
    after each kill, ``check(rv, rid, killed=True)``, ``recover``, then ``check(.., False)``
    and nothing left over. Returns the number of kill points."""
    n = 0
    while True:
        n += 1
        root = tmp_path / str(n)
        plain, dying = vaults(root, Countdown(n))
        prepare(plain)
        rid = make_entry("eu").recording_id
        try:
            operation(dying, rid)
        except Killed:
            check(plain, rid, True)
        else:
            return n - 1
        recover(plain, rid)
        check(plain, rid, False)
        assert left_over(plain, root, rid) == [], f"killed after store operation {n}"


def test_a_first_store_killed_anywhere_is_stored_once_by_the_next_delivery(tmp_path):
    def redelivered(rv, rid):
        if rv.find(rid) is None:
            rv.put(make_entry("eu"), streams(FIRST))
        else:
            rv.clear_leftovers(rv.get(rid))  # the delivery that finds it stored

    def stored_once(rv, rid, killed):
        if not killed:
            assert readable(rv, rid) == FIRST

    assert every_kill_point(tmp_path, lambda rv: None, lambda rv, rid: rv.put(make_entry("eu"), streams(FIRST)),
                            redelivered, stored_once) >= 15


def test_a_re_redaction_killed_anywhere_leaves_a_playable_generation_and_nothing_once_retried(tmp_path):
    def re_redaction(rv, rid):
        rv.replace(rid, streams(REDACTED), based_on=rv.get(rid), detector_version="new")

    def retried(rv, rid):  # as redact_stored runs it
        entry = rv.get(rid)
        rv.clear_leftovers(entry)
        if entry.detector_version != "new":
            rv.replace(rid, streams(REDACTED), based_on=entry, detector_version="new")

    def playable(rv, rid, killed):
        assert readable(rv, rid) in ((FIRST, REDACTED) if killed else (REDACTED,))

    assert every_kill_point(tmp_path, lambda rv: rv.put(make_entry("eu"), streams(FIRST)), re_redaction,
                            retried, playable) >= 15


def test_a_re_wrap_killed_anywhere_leaves_the_recording_readable_and_nothing_once_retried(tmp_path):
    def stored_then_rotated(rv):
        rv.put(make_entry("eu"), streams(FIRST))
        rv.keys.rotate()

    def readable_under_the_primary(rv, rid, killed):
        assert readable(rv, rid) == FIRST
        if not killed:
            assert rv.get(rid).key_versions() == (rv.keys.primary()[0],)

    assert every_kill_point(tmp_path, stored_then_rotated, lambda rv, rid: rv.rewrap(rid),
                            lambda rv, rid: rv.rewrap(rid), readable_under_the_primary) >= 5


def test_a_deletion_killed_anywhere_is_finished_by_its_retry(tmp_path):
    def retried(rv, rid):
        delete_recording(rid, Vault({"eu": rv}), actor="operator", reason="request")

    def deleted(rv, rid, killed):
        if not killed:
            assert rv.get(rid).deleted

    assert every_kill_point(tmp_path, lambda rv: rv.put(make_entry("eu"), streams(FIRST)),
                            lambda rv, rid: rv.delete(rid, actor="operator", reason="request"),
                            retried, deleted) >= 10


def _delete_events(rv: RegionVault, rid: str) -> list[tuple[str, str, str]]:
    return [(e.action, e.principal, e.reason) for e in rv.audit_events(rid)
            if isinstance(e, AuditEvent) and e.action in ("delete", "retention-delete")]


def test_a_deletion_killed_anywhere_gets_its_delete_event_from_the_retry_or_the_sweep(tmp_path):
    """Session-56 review: a deletion killed after its record (``vault.deletions``) and before its
    tombstone reads as deleted, so the retry and the sweep took the "already deleted" path
    (``reclaim``), which wrote the tombstone back and no event: the trail held no deletion (15 of
    22 kill points for the retry, 15 for the sweep). Now the write-back writes the owed
    event, once; only the kill between the tombstone's write and its event still leaves none."""
    trails: dict[str, list[list[tuple[str, str, str]]]] = {"retry": [], "sweep": []}
    later = datetime(2030, 1, 1, tzinfo=UTC)

    def recovered(how):
        def recover(rv, rid):
            if how == "retry":
                delete_recording(rid, Vault({"eu": rv}), actor="operator", reason="request")
                delete_recording(rid, Vault({"eu": rv}), actor="operator", reason="request")  # once only
            else:
                retention_sweep(Vault({"eu": rv}), now=later)
                retention_sweep(Vault({"eu": rv}), now=later)
            trails[how].append(_delete_events(rv, rid))
        return recover

    def deleted(rv, rid, killed):
        if not killed:
            assert rv.get(rid).deleted

    stored = lambda rv: rv.put(make_entry("eu"), streams(FIRST))  # noqa: E731
    stored_due = lambda rv: rv.put(make_entry("eu", retention_days=1), streams(FIRST))  # noqa: E731
    deletion = lambda rv, rid: rv.delete(rid, actor="operator", reason="request")  # noqa: E731
    sweep = lambda rv, rid: retention_sweep(Vault({"eu": rv}), now=later)  # noqa: E731
    assert every_kill_point(tmp_path / "retry", stored, deletion, recovered("retry"), deleted) == 22
    assert every_kill_point(tmp_path / "sweep", stored_due, sweep, recovered("sweep"), deleted) == 37
    for how, reason, owing in (("retry", "request", 14), ("sweep", "retention window of 1 days", 14)):
        action, actor = ("delete", "operator") if how == "retry" else ("retention-delete", "retention")
        found = trails[how]
        assert found.count([]) == 1, (how, found)  # killed after the tombstone's write, before its event
        owed = [(action, actor, f"{reason} (finished after an interruption)")]
        done = [(action, actor, reason)]
        assert all(t in ([], owed, done) for t in found), (how, found)
        assert found.count(owed) == owing, (how, found)


def test_a_deletion_killed_anywhere_leaves_the_recording_whole_or_deleted_and_its_older_entry_deleted(tmp_path):
    """The deletion's record (``vault.deletions``) is written before anything is destroyed: killed
    at any step, the recording reads whole or deleted, never listed live with keys gone (until
    session 56 it did until the deletion was retried); once deleted, its older entry put back
    reads as deleted."""
    older: dict[str, bytes] = {}

    def stored(rv):
        rid = rv.put(make_entry("eu"), streams(FIRST)).recording_id
        older["entry"] = get_bytes(rv.store, f"index/{rid}.json")

    def whole_or_deleted(rv, rid, killed):
        if killed:
            assert rv.get(rid).deleted or readable(rv, rid) == FIRST
            return
        put_bytes(rv.store, f"index/{rid}.json", older["entry"])  # a backup's copy put back
        assert rv.get(rid).deleted and [e.deleted for e in rv.scan()] == [True]

    assert every_kill_point(tmp_path, stored, lambda rv, rid: rv.delete(rid, actor="operator", reason="request"),
                            lambda rv, rid: delete_recording(rid, Vault({"eu": rv}), actor="operator", reason="r"),
                            whole_or_deleted) >= 10


def test_an_audited_access_killed_anywhere_never_reads_as_a_removal(tmp_path):
    """Session 56: a recording's head names its events, written after each event. Killed
    anywhere, the trail holds the events before and maybe the new one, none reported missing or
    tampered; the next access is named in the head beside them."""
    def prepared(rv):
        rid = rv.put(make_entry("eu"), streams(FIRST)).recording_id
        rv.audit("export", "allowed", rid, "agent:ann", "before")

    def next_play(rv, rid):
        rv.audit("export", "allowed", rid, "agent:ann", "after")

    def whole(rv, rid, killed):
        trail = list(rv.audit_events(rid))
        assert all(isinstance(e, AuditEvent) for e in trail), trail
        reasons = sorted(e.reason for e in trail)  # one clock: in no particular order
        assert reasons in ((["before"], ["before", "killed"]) if killed else
                           (["after", "before"], ["after", "before", "killed"]))
        if not killed:
            for event in rv.store.names("audit/"):  # each one now named: its removal would be seen
                rv.store.delete(event)
            assert len(list(rv.audit_events(rid))) >= 2

    killed = lambda rv, rid: rv.audit("export", "allowed", rid, "agent:ann", "killed")  # noqa: E731
    assert every_kill_point(tmp_path, prepared, killed, next_play, whole) >= 4


def test_a_policy_save_killed_anywhere_leaves_a_policy_that_reads_and_the_next_call_narrows_it(tmp_path):
    """``retention set`` killed after each of its store operations (the policy's write a
    compare-and-swap since session 56): the policy reads as the old one or the new one, never
    refused; the account's next call leaves it readable, no temporary file beside it, and an
    older copy put back refused."""
    name = "accounts/acme/policy.json"
    n = 0
    while True:
        n += 1
        root = tmp_path / str(n)
        plain, dying = vaults(root, Countdown(n))
        store = plain.store
        plain.set_policy("acme", 30)
        first = get_bytes(store, name)
        try:
            dying.set_policy("acme", 7)
        except Killed:
            pass
        else:
            break
        days = plain.policy("acme").retention_days
        assert days in (30, 7), f"killed after store operation {n}"
        assert plain.follow_manifest("acme", 90).retention_days == days  # the account's own window stands
        assert [p.name for d in (root / "vault", root / "keystore") for p in d.rglob("*") if ".tmp-" in p.name] == []
        put_bytes(store, name, first)
        with pytest.raises(PolicyTamperedError, match="^retention policy of account acme is not the one last written"):
            plain.policy("acme")
    assert n - 1 == 10  # store operations of one save, both stores counted (the older name skipped: the mark read once)
