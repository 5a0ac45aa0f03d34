"""``callrec audit``: the trail of exports, refusals and deletions."""

from __future__ import annotations

import json

from tests.worker.cli.vault_cli import run, stored_call, use_data_dir


def test_trail_in_time_order(tmp_path, monkeypatch, capsys):
    settings = use_data_dir(monkeypatch, tmp_path)
    rid = stored_call(tmp_path, settings)
    other = stored_call(tmp_path, settings, "CA2", region="us")
    run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "a.wav", "--as", "agent:a1", "--tickets", "T-7")
    run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "b.wav", "--as", "agent:a2", "--tickets", "T-1")
    run(capsys, "delete", "--recording", other, "--by", "operator:o", "--reason", "asked")
    code, out, _ = run(capsys, "audit", "--recording", rid)
    events = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(e["region"], e["action"], e["outcome"], e["principal"], e["reason"]) for e in events] == [
        ("eu", "export", "allowed", "agent:a1", ""),
        ("eu", "export", "refused", "agent:a2", "agent has no access to the ticket"),
    ]
    code, out, _ = run(capsys, "audit", "--region", "us")
    assert [json.loads(line)["action"] for line in out.splitlines()] == ["delete"]
    assert len(run(capsys, "audit")[1].splitlines()) == 3


def test_an_unreadable_event_is_named_and_the_rest_of_the_trail_still_printed(tmp_path, monkeypatch, capsys):
    """One audit object that is not an event (a damaged disk, a hand edit) used to end
    ``callrec audit`` with a traceback at that object (and every review page of its region with a
    500): the events after it were never shown."""
    settings = use_data_dir(monkeypatch, tmp_path)
    rid = stored_call(tmp_path, settings)
    run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "a.wav", "--as", "agent:a1", "--tickets", "T-7")
    run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "b.wav", "--as", "agent:a2", "--tickets", "T-1")
    trail = settings.data_dir / "vault" / "eu" / "audit"
    (day,) = trail.iterdir()
    (day / "00000000T000000.000000-000000000000.json").write_bytes(b'{"at": "2026')
    (day / "00000000T000000.000001-000000000000.json").write_bytes(b'{"at": "2026-01-01T00:00:00", "x": 1}')
    code, out, err = run(capsys, "audit", "--recording", rid)
    assert code == 1
    assert [json.loads(line)["principal"] for line in out.splitlines()] == ["agent:a1", "agent:a2"]
    assert err == (f"callrec audit: skipped audit/{day.name}/00000000T000000.000000-000000000000.json: "
                   "not an audit event (JSONDecodeError)\n"
                   f"callrec audit: skipped audit/{day.name}/00000000T000000.000001-000000000000.json: "
                   "not an audit event (TypeError)\n")
