"""The audit trail cannot be rewritten unnoticed (PCI DSS 10.5).

Until session 55 audit events were plain JSON in the object store: whoever could write it could
edit a refusal into an allowed export, move an event to another recording or forge one, and
``callrec audit`` and the review page showed it as true. Each event is sealed now (a MAC over its
object name and fields under the region's index key); the readers name one that does not verify
by its object, never its content. Since session 56 each recording's head in the key store names
its events, and one removed is named missing.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from tests.worker.cli.vault_cli import run, use_data_dir
from vault.audit import DOES_NOT_VERIFY
from vault.errors import AuditTamperedError
from vault.index import IndexEntry
from vault.regions import recording_id
from vault.stores.base import get_bytes, put_bytes
from worker.api.errors import from_service_error
from worker.api.review import verified_trail
from worker.vaults import build_vault

AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
MISSING, WHY = "missing from the trail of", "(removed, or no longer an event)"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    return use_data_dir(monkeypatch, tmp_path)


def region(settings):
    return build_vault(settings, regions=("eu",)).region("eu")


def stored(settings, call: str = "CA1") -> str:
    entry = IndexEntry(recording_id("acme", call, "eu"), "acme", call, "T-1", "call", "eu", AT, None, False, False,
                       "test", "")
    return region(settings).put(entry, {"audio": io.BytesIO(b"audio"), "metadata": io.BytesIO(b"{}")}).recording_id


def trail(settings, rid: str) -> list[str]:
    """``rid``'s audit object names, in time order, after an allowed and a refused export."""
    rv = region(settings)
    rv.audit("export", "allowed", rid, "agent:ann", "r")
    rv.audit("export", "refused", rid, "agent:eve", "agent has no access to the ticket")
    return list(rv.store.names("audit/"))


def rewrite(settings, name: str, change) -> None:
    store = region(settings).store
    body = json.loads(get_bytes(store, name))
    change(body)
    put_bytes(store, name, json.dumps(body).encode())


def test_a_refusal_edited_into_an_allowed_export_is_named_by_callrec_audit_never_shown(settings, capsys):
    rid = stored(settings)
    allowed, refused = trail(settings, rid)
    rewrite(settings, refused, lambda b: b.update(outcome="allowed", reason="ok-4111111111111111"))
    code, out, err = run(capsys, "audit", "--recording", rid)
    assert code == 1
    assert [json.loads(line)["outcome"] for line in out.splitlines()] == ["allowed"]
    assert err == f"callrec audit: tampered {refused}: {DOES_NOT_VERIFY}; not shown\n"
    assert "4111" not in out + err and "agent:eve" not in out + err


def review_page_refuses(settings, rid: str, message: str) -> None:
    """The review page's trail of ``rid`` is refused with ``message``, answered 400 bad_request."""
    with pytest.raises(AuditTamperedError) as caught:
        verified_trail(region(settings), rid)
    assert str(caught.value) == message
    answer = from_service_error(caught.value)
    assert (answer.status, answer.code) == (400, "bad_request")


def test_the_review_page_refuses_a_trail_with_a_tampered_event_as_it_does_a_tampered_entry(settings):
    rid = stored(settings)
    allowed, refused = trail(settings, rid)
    assert [e.outcome for e in verified_trail(region(settings), rid)] == ["allowed", "refused"]
    rewrite(settings, refused, lambda b: b.update(outcome="allowed"))
    review_page_refuses(settings, rid, f"audit event {refused} {DOES_NOT_VERIFY}")


def test_an_event_forged_into_another_recordings_trail_is_named(settings, capsys):
    rid, other = stored(settings, "CA1"), stored(settings, "CA2")
    allowed, _ = trail(settings, rid)
    rewrite(settings, allowed, lambda b: b.update(recording_id=other))
    code, out, err = run(capsys, "audit", "--recording", other)
    assert (code, out, err) == (1, "", f"callrec audit: tampered {allowed}: {DOES_NOT_VERIFY}; not shown\n")
    code, out, err = run(capsys, "audit", "--recording", rid)  # and gone from its own (session 56)
    assert code == 1 and [json.loads(line)["outcome"] for line in out.splitlines()] == ["refused"]
    assert err == f"callrec audit: audit event {allowed} {MISSING} {rid} {WHY}\n"


def test_a_removed_refusal_is_named_missing_by_callrec_audit_and_the_review_page(settings, capsys):
    """Session 56: an event removed from the object store went unseen (a refusal deleted, the
    trail showed only the allowed exports); each recording's head in the key store names its
    events now."""
    rid = stored(settings)
    allowed, refused = trail(settings, rid)
    region(settings).store.delete(refused)
    code, out, err = run(capsys, "audit", "--recording", rid)
    assert code == 1 and [json.loads(line)["outcome"] for line in out.splitlines()] == ["allowed"]
    assert err == f"callrec audit: audit event {refused} {MISSING} {rid} {WHY}\n"
    assert run(capsys, "audit")[0] == 1  # the whole trail too
    review_page_refuses(settings, rid, f"audit event {refused} {MISSING} {rid} {WHY}")


def test_keys_migrate_names_an_older_vaults_events_in_heads_after_which_a_removal_is_seen(settings, capsys):
    rid = stored(settings)
    allowed, refused = trail(settings, rid)
    for head in list(region(settings).key_store.names(f"seal/audit/{rid}/")):  # a vault from before heads
        region(settings).key_store.delete(head)
    region(settings).store.delete(allowed)
    assert run(capsys, "audit", "--recording", rid)[0] == 0  # unseen, as before heads
    assert run(capsys, "keys", "migrate", "--region", "eu")[0] == 0
    assert run(capsys, "audit", "--recording", rid)[0] == 0
    region(settings).store.delete(refused)
    code, out, err = run(capsys, "audit", "--recording", rid)
    assert (code, out, err) == (1, "", f"callrec audit: audit event {refused} {MISSING} {rid} {WHY}\n")


def test_keys_migrate_seals_an_older_vaults_bare_events_after_which_a_bare_one_is_tampering(settings, capsys):
    rid = stored(settings)
    names = trail(settings, rid)
    region(settings).key_store.delete("seal/audit-sealed.json")  # a vault from before sealed events
    for name in names:
        rewrite(settings, name, lambda b: b.pop("mac"))
    code, out, err = run(capsys, "audit", "--recording", rid)
    assert (code, len(out.splitlines()), err) == (0, 2, "")
    code, out, _ = run(capsys, "keys", "migrate", "--region", "eu")
    assert code == 0 and out.endswith(", authenticated 2 audit event(s)\n")
    assert run(capsys, "audit", "--recording", rid)[0] == 0
    rewrite(settings, names[1], lambda b: b.pop("mac"))
    code, out, _ = run(capsys, "keys", "migrate", "--region", "eu")
    assert code == 0 and "audit event" not in out
    code, out, err = run(capsys, "audit", "--recording", rid)
    assert (code, len(out.splitlines())) == (1, 1)
    assert err == f"callrec audit: tampered {names[1]}: {DOES_NOT_VERIFY}; not shown\n"
