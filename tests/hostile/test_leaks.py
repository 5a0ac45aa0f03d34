"""Leak sweep: a card number fed through every entry point never reaches Redis (keys,
values, the append-only file), the logs, the audit trail and tombstones, or the metrics.

Every command below (23 of them) gets the card number where a hostile operator or integration could
put it; each must refuse it (exit 2) or store it scrubbed. Then every place the product
writes to is read back and searched for the number, plain and with its separators removed.
"""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.worker.queue_calls import job_of, write_call
from worker.cli import main
from worker.queue.logs import JsonFormatter
from tests.cards import luhn_complete


#: Not used by any other test, so finding it anywhere means this test leaked it.
PAN = luhn_complete("491761803214759")
SPACED = " ".join(PAN[i:i + 4] for i in range(0, 16, 4))


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def cli(capsys, *argv) -> tuple[int, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse refused an argument
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def redis_dump(client) -> bytes:
    """Every key and value in Redis, read by type (DUMP would compress long strings)."""
    parts = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        parts.append(key)
        if kind == "string":
            parts.append(client.get(key) or b"")
        elif kind == "hash":
            parts += [b"%s=%s" % item for item in client.hgetall(key).items()]
        elif kind == "list":
            parts += client.lrange(key, 0, -1)
        elif kind == "set":
            parts += client.smembers(key)
        elif kind == "zset":
            parts += [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            parts += [json.dumps([[k.decode(), {a.decode(): b.decode() for a, b in v.items()}]
                                  for k, v in client.xrange(key)]).encode()]
    return b"\n".join(parts)


def files_under(directory) -> bytes:
    return b"\n".join(path.read_bytes() for path in sorted(directory.rglob("*")) if path.is_file())


def leaked(haystack: bytes) -> bool:
    flat = haystack.replace(b" ", b"").replace(b"-", b"")
    return PAN.encode() in flat or PAN[:12].encode() in flat


def test_card_number_through_every_entry_point_is_refused_or_scrubbed(
        inprocess_worker, redis_client, data_dir, tmp_path, capsys, log_stream):
    import prometheus_client

    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.queue.jobs import ProcessCall
    from worker.queue.records import JobRecords
    from worker.queue.submit import JobQueue

    def drain():
        for name in ("calls", "recordings", "batch"):
            inprocess_worker.join(name, timeout=30_000)

    # A real recording to aim the commands at.
    stored_manifest = write_call(tmp_path / "ok", "CA-LEAK-OK")
    assert cli(capsys, "enqueue", stored_manifest)[0] == 0
    drain()
    rid = JobRecords(inprocess_worker.client).get(
        job_of(str(stored_manifest.resolve())).job_id).result["recording_id"]

    refused = [
        ("enqueue", "--redact", PAN),
        ("enqueue", "--delete", PAN),
        ("enqueue", "--delete-ticket", PAN, "--account", "acme"),
        ("enqueue", "--delete-ticket", "T-1", "--account", PAN),
        ("enqueue", "--delete", rid, "--reason", f"card {SPACED}"),
        ("delete", "--recording", PAN),
        ("delete", "--recording", rid, "--reason", f"caller read {PAN}"),
        ("delete", "--recording", rid, "--reason", f"caller read {SPACED}"),
        ("delete", "--recording", rid, "--by", f"operator:{PAN}"),
        ("delete", "--ticket", PAN, "--account", "acme"),
        ("export", PAN, "-o", tmp_path / "x.wav", "--as", "agent:a1", "--account", "acme", "--tickets", "T-1"),
        ("export", rid, "-o", tmp_path / "x.wav", "--as", f"agent:{PAN}", "--account", "acme", "--tickets", "T-1"),
        ("export", rid, "-o", tmp_path / "x.wav", "--as", "agent:a1", "--account", "acme", "--tickets", PAN),
        ("status", PAN),
        ("jobs", "retry", PAN),
        ("retention", "set", "--account", PAN, "--days", "30"),
        ("retention", "sweep", "--account", PAN),
        ("batch", "--account", PAN, "--steps", "rewrap", "--detach"),
        ("audit", "--recording", PAN),
    ]
    # A manifest whose bad values are card numbers, given to every command that reads one.
    bad = write_call(tmp_path / "bad", "CA-LEAK-BAD")
    data = json.loads(bad.read_text())
    data["account"]["plan"] = PAN
    data["number"]["consent_mode"] = SPACED
    bad.write_text(json.dumps(data))
    refused += [("enqueue", bad), ("process", bad), ("assemble", bad, "-o", tmp_path / "bad.wav")]
    for argv in refused:
        code, output = cli(capsys, *argv)
        assert code == 2, (argv, output)
        assert not leaked(output.encode()), (argv, output)

    # The telephony platform enqueues it anyway (no CLI check on its way); the worker fails
    # it, and its reason goes to the job hash, the failed list and the logs.
    job = job_of(str(bad))
    JobQueue(inprocess_worker, SETTINGS).submit(job)
    drain()
    status = JobRecords(inprocess_worker.client).get(job.job_id)
    assert status.state == "failed" and status.reason.startswith("ManifestError: "), status
    code, output = cli(capsys, "jobs", "failed")
    assert code == 0 and job.job_id in output and not leaked(output.encode())
    code, output = cli(capsys, "status", job.job_id)
    assert code == 0 and not leaked(output.encode())
    # A deletion with a clean reason still works and its audit record names no digits.
    assert cli(capsys, "delete", "--recording", rid, "--reason", "customer asked")[0] == 0
    code, output = cli(capsys, "audit", "--recording", rid)
    assert code == 0 and '"reason": "customer asked"' in output

    redis_client.ping()  # the AOF is written before Redis answers the next command
    assert not leaked(redis_dump(redis_client)), "card number in Redis"
    assert not leaked(files_under(data_dir / "redis")), "card number in Redis's files (AOF)"
    assert not leaked(files_under(data_dir / "vault")), "card number in the vault (audit, index)"
    assert log_stream.getvalue() and not leaked(log_stream.getvalue().encode()), "card number in the logs"
    assert not leaked(prometheus_client.generate_latest(prometheus_client.REGISTRY)), "card number in metrics"


#: The card number's groups joined by separators that the scrubber once let through inside
#: a word holding a letter (``rec_eu_4917_6180_3214_7590``).
JOINED = ["_".join(PAN[i:i + 4] for i in range(0, 16, 4)), "+".join(PAN[i:i + 4] for i in range(0, 16, 4)),
          "/".join(PAN[i:i + 4] for i in range(0, 16, 4)), ":".join(PAN[i:i + 4] for i in range(0, 16, 4)),
          ",".join(PAN[i:i + 4] for i in range(0, 16, 4)), "\\".join(PAN[i:i + 4] for i in range(0, 16, 4))]


def leaked_joined(haystack: bytes) -> bool:
    """The number or its first 12 digits, with any separators between its digits removed."""
    import re

    flat = re.sub(rb"[\s_+/\\:,.\-]", b"", haystack)
    return PAN.encode() in flat or PAN[:12].encode() in flat


def test_card_number_joined_by_separators_is_refused_or_scrubbed(
        inprocess_worker, redis_client, data_dir, tmp_path, capsys, log_stream):
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.queue.records import JobRecords
    from worker.queue.submit import JobQueue

    def drain():
        for name in ("calls", "recordings", "batch"):
            inprocess_worker.join(name, timeout=30_000)

    for n, joined in enumerate(JOINED):
        refused = [
            ("enqueue", "--redact", f"rec_eu_{joined}"),
            ("enqueue", "--delete-ticket", "T-1", "--account", f"acme{joined}"),
            ("delete", "--recording", f"rec_us_{joined}"),
            ("export", f"rec_us_{joined}", "-o", tmp_path / "x.wav", "--as", "agent:a1", "--account", "acme",
             "--tickets", "T-1"),
            ("status", f"call-{joined}"),
            ("jobs", "retry", f"call-{joined}"),
            ("audit", "--recording", f"rec_au_{joined}"),
            ("worker", "--processes", f"x{joined}"),
            ("batch", "--account", "acme", "--steps", "rewrap", "--since", f"day {joined}", "--detach"),
        ]
        for argv in refused:
            code, output = cli(capsys, *argv)
            assert code == 2, (argv, output)
            assert not leaked_joined(output.encode()) and "####" not in output, (argv, output)

        # The telephony platform enqueues a manifest whose bad values hold the joined number;
        # the worker fails it, and the reason goes to the job hash, the failed list and the logs.
        bad = write_call(tmp_path / f"bad{n}", f"CA-JOINED-{n}")
        data = json.loads(bad.read_text())
        data["account"]["plan"] = f"gold_{joined}"
        data["number"]["consent_mode"] = f"ask-{joined}"
        bad.write_text(json.dumps(data))
        job = job_of(str(bad))
        JobQueue(inprocess_worker, SETTINGS).submit(job)
        drain()
        status = JobRecords(inprocess_worker.client).get(job.job_id)
        assert status.state == "failed" and status.reason.startswith("ManifestError: "), status
        assert "####" not in status.reason, status.reason  # named, not echoed and scrubbed
        code, output = cli(capsys, "status", job.job_id)
        assert code == 0 and not leaked_joined(output.encode())
    code, output = cli(capsys, "jobs", "failed")
    assert code == 0 and not leaked_joined(output.encode())

    redis_client.ping()  # the AOF is written before Redis answers the next command
    assert not leaked_joined(redis_dump(redis_client)), "card number in Redis"
    assert not leaked_joined(files_under(data_dir / "redis")), "card number in Redis's files (AOF)"
    assert not leaked_joined(files_under(data_dir / "vault")), "card number in the vault (audit, index)"
    assert log_stream.getvalue() and not leaked_joined(log_stream.getvalue().encode()), "card number in the logs"


#: The card number in digits that are no decimal digits but fold to them (NFKC, as the transcript
#: reader reads them): superscripts, subscripts, circled and dingbat circled digits.
FOLDED = ["".join("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"[int(d)] for d in PAN),
          "".join(chr(0x2080 + int(d)) for d in PAN),
          "".join("\u24ea" if d == "0" else chr(0x245F + int(d)) for d in PAN),
          "".join("\u24ea" if d == "0" else chr(0x277F + int(d)) for d in PAN)]


def leaked_folded(haystack: bytes) -> bool:
    """The number or its first 12 digits, read as NFKC folds them (JSON's \\u escapes read first)."""
    import re
    import unicodedata

    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), haystack.decode("utf-8", "replace"))
    flat = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in unicodedata.normalize("NFKC", text))
    flat = flat.replace(" ", "").replace("-", "")
    return PAN in flat or PAN[:12] in flat


def test_card_number_in_digits_that_fold_to_decimal_ones_is_scrubbed(
        inprocess_worker, redis_client, data_dir, tmp_path, capsys, log_stream):
    """Error texts pass one scrubber (``worker.errors.scrub_digits``), which found digits by their
    decimal kind (``\\d``): a card number written in superscripts or circled digits (a leg's file
    name, echoed in "no such file") went whole to the CLI's stderr, the job's reason in Redis and
    the worker's log, where the ASCII and fullwidth forms are hidden. Every digit counts."""
    from tests.worker.conftest import QUEUE_SETTINGS as SETTINGS
    from worker.queue.records import JobRecords
    from worker.queue.submit import JobQueue

    for n, folded in enumerate(FOLDED):
        manifest = write_call(tmp_path / f"call{n}", f"CA-FOLDED-{n}")
        data = json.loads(manifest.read_text())
        data["segments"][0]["uri"] = f"file:CA-FOLDED-{n}-{folded}.wav"  # named for its call: in the inbox
        manifest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        code, output = cli(capsys, "process", manifest)
        assert code == 2 and "no such file" in output and not leaked_folded(output.encode()), output
        job = job_of(str(manifest))
        JobQueue(inprocess_worker, SETTINGS).submit(job)
        for name in ("calls", "recordings", "batch"):
            inprocess_worker.join(name, timeout=30_000)
        status = JobRecords(inprocess_worker.client).get(job.job_id)
        assert status.state == "failed" and "no such file" in status.reason, status
        assert not leaked_folded(status.reason.encode()), status.reason
    redis_client.ping()
    assert not leaked_folded(redis_dump(redis_client)), "card number in Redis"
    assert log_stream.getvalue() and not leaked_folded(log_stream.getvalue().encode()), "card number in the logs"
