"""A card number inside a well-formed recording id (``rec_us_<32 hex>``, the digits being
hex digits too) is refused at every entry point before it reaches Redis or the audit trail;
a recording stored under an older id that holds a long digit run stays reachable.

The sweep reads Redis, its files, the vault and the logs back as tests/hostile/test_leaks.py
does and searches them for the number.
"""

from __future__ import annotations

import json

from tests.hostile.test_leaks import PAN, cli, files_under, leaked, log_stream, redis_dump  # noqa: F401
from tests.worker.queue_calls import write_call
from vault.regions import may_hold_card_number, legacy_recording_id

#: A made-up id of the right shape holding the card number (16 digits, Luhn-valid).
MADE_UP = f"rec_us_{PAN}abcdefabcdefabcd"


def test_a_card_number_inside_a_recording_id_is_refused_before_redis_and_audit(
        inprocess_worker, redis_client, data_dir, tmp_path, capsys, log_stream):  # noqa: F811
    assert len(MADE_UP) == 39 and may_hold_card_number(MADE_UP)
    export = ("-o", tmp_path / "x.wav", "--as", "agent:a1", "--account", "acme", "--tickets", "T-1")
    for argv, option in [
        (("enqueue", "--redact", MADE_UP), "--redact"),
        (("enqueue", "--delete", MADE_UP), "--delete"),
        (("enqueue", "--delete", MADE_UP, "--reason", "customer asked"), "--delete"),
        (("delete", "--recording", MADE_UP), "--recording"),
        (("export", MADE_UP, *export), "ID"),
        (("export", MADE_UP, *export, "--transcript"), "ID"),
        (("audit", "--recording", MADE_UP), "--recording"),
    ]:
        code, output = cli(capsys, *argv)
        assert code == 2, (argv, output)
        assert f"{option}: " in output and "12 or more digits" in output, (argv, output)
        assert not leaked(output.encode()), (argv, output)
    assert not (tmp_path / "x.wav").exists()

    redis_client.ping()  # the AOF is written before Redis answers the next command
    assert not leaked(redis_dump(redis_client)), "card number in Redis"
    assert not leaked(files_under(data_dir / "redis")), "card number in Redis's files (AOF)"
    assert not (data_dir / "vault").exists() or not leaked(files_under(data_dir / "vault")), "card number in the vault"
    assert not leaked(log_stream.getvalue().encode()), "card number in the logs"


def test_a_recording_stored_under_an_older_id_with_a_long_digit_run_stays_reachable(
        inprocess_worker, redis_client, tmp_path, capsys, monkeypatch):
    from worker.calls import pipeline
    from worker.queue.records import JobRecords

    call_id = next(c for c in (f"CA-OLD-{n}" for n in range(2000))
                   if may_hold_card_number(legacy_recording_id("acme", c, "us")))
    old = legacy_recording_id("acme", call_id, "us")
    manifest = write_call(tmp_path / "old", call_id)
    with monkeypatch.context() as patched:  # stored as the pipeline named recordings before 2026-12-02
        patched.setattr(pipeline, "make_recording_id", legacy_recording_id)
        code, output = cli(capsys, "process", manifest)
    assert code == 0 and old in output, output
    tickets = json.loads(manifest.read_text())["ticket_id"]
    code, output = cli(capsys, "export", old, "-o", tmp_path / "old.wav", "--as", "agent:a1",
                       "--account", "acme", "--tickets", tickets)
    assert code == 0 and (tmp_path / "old.wav").stat().st_size > 0, output
    code, output = cli(capsys, "audit", "--recording", old)
    assert code == 0 and '"outcome": "allowed"' in output, output
    code, output = cli(capsys, "enqueue", "--redact", old)
    assert code == 0, output
    inprocess_worker.join("recordings", timeout=30_000)
    assert JobRecords(inprocess_worker.client).get(output.split()[0]).state == "done"
    assert cli(capsys, "delete", "--recording", old, "--reason", "customer asked")[0] == 0
