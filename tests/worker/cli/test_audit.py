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
