"""Operator commands under hostile or careless use: ids that cannot be, pipes closed early,
health checks without workers, the embedded Redis left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from worker.cli import main


def test_enqueue_of_a_malformed_recording_id_is_refused_before_the_queue(redis_client, capsys):
    for option in ("--delete", "--redact"):
        assert main(["enqueue", option, "rec_us_zz"]) == 2
        assert f"{option}: not a recording id (want rec_<us|eu|au>_<32 hex digits>)" in capsys.readouterr().err
    assert not redis_client.keys("callrec:job:*")


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path):
    """``callrec audit | head -1``: no BrokenPipeError traceback, exit 0."""
    env = {**os.environ, "CALLREC_DATA_DIR": str(tmp_path)}
    script = ("import sys\nfrom worker.cli import main\n"
              "from worker.cli import audit\n"
              "audit.run = lambda args: [print('{\"event\": %d}' % n) for n in range(200000)] and 0\n"
              "sys.exit(main(['audit']))\n")
    pipeline = subprocess.run(f"{sys.executable} -c \"$SCRIPT\" | head -1; exit ${{PIPESTATUS[0]}}",
                              shell=True, executable="/bin/bash", capture_output=True, text=True,
                              env={**env, "SCRIPT": script}, cwd=Path(__file__).resolve().parents[2])
    assert pipeline.stdout == '{"event": 0}\n'
    assert pipeline.returncode == 0 and pipeline.stderr == ""


_S3 = {"CALLREC_STORE": "s3"}
_NOT_BUNDLE = "not-a-bundle.pem"


@pytest.mark.parametrize("env, problem", [
    ({"CALLREC_TWILIO_AUTH_TOKENS": "abc"}, "CALLREC_TWILIO_AUTH_TOKENS: each entry is AccountSid:AuthToken"),
    ({"CALLREC_FETCH_HOSTS": "media.example.com:https"}, "CALLREC_FETCH_HOSTS: entry media.example.com:https is not host or host:port"),
    ({"CALLREC_TWILIO_HOSTS": "https://api.twilio.com/"}, "CALLREC_TWILIO_HOSTS: entry https://api.twilio.com/ is not host or host:port"),
    ({"CALLREC_API_INBOX": "relative/inbox"}, "setting CALLREC_API_INBOX: 'relative/inbox' is not an absolute directory"),
    ({"CALLREC_API_PUBLIC_URL": "callrec.example.com"}, "setting CALLREC_API_PUBLIC_URL: 'callrec.example.com' is not an http:// or https:// URL with a host"),
    # session 51: a worker started from another directory used another vault, or failed at its first job
    ({"CALLREC_DATA_DIR": "state"}, "setting CALLREC_DATA_DIR: 'state' is not an absolute directory"),
    ({"CALLREC_KEY_STORE_DIR": "./keystore"}, "setting CALLREC_KEY_STORE_DIR: './keystore' is not an absolute directory"),
    ({"CALLREC_AWS_REGIONS": "us=us-east-1,eu"}, "setting CALLREC_AWS_REGIONS: 'eu' is not region=aws-region"),
    ({"CALLREC_AWS_REGIONS": "us=us-east-1,ue=eu-central-1"}, "setting CALLREC_AWS_REGIONS: 'ue' is not a storage region (us, eu, au)"),
    ({"CALLREC_AWS_REGIONS": "us=us-east-1,eu=eu-central1"}, "setting CALLREC_AWS_REGIONS: 'eu-central1' is not an AWS region (such as eu-central-1)"),
    ({**_S3, "CALLREC_AWS_REGIONS": "us=us-east-1,au=ap-southeast-2"}, "setting CALLREC_AWS_REGIONS: names no AWS region for 'eu' (CALLREC_REGIONS)"),
    ({"CALLREC_REGIONS": "us,ue"}, "setting CALLREC_REGIONS: 'us,ue': give one or more of us, eu, au"),
    ({"CALLREC_S3_BUCKET": "callrec-{reg}"}, "setting CALLREC_S3_BUCKET: 'callrec-{reg}' may name no other field than {region}"),
    ({"CALLREC_S3_BUCKET": "Callrec_{region}"}, "setting CALLREC_S3_BUCKET: 'Callrec_us' is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each end, not an IP address)"),
    ({"CALLREC_S3_KEY_BUCKET": "callrec-keys-{region}-"}, "setting CALLREC_S3_KEY_BUCKET: 'callrec-keys-us-' is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each end, not an IP address)"),
    ({**_S3, "CALLREC_S3_BUCKET": "callrec-recordings"}, "setting CALLREC_S3_BUCKET: 'callrec-recordings' is the bucket of regions us and eu: each region needs its own ({region})"),
    ({**_S3, "CALLREC_S3_KEY_BUCKET": "callrec-{region}"}, "setting CALLREC_S3_KEY_BUCKET: 'callrec-us' is the recordings' bucket (CALLREC_S3_BUCKET): the key store must be a bucket of its own"),
    ({"CALLREC_KMS_KEY": "alias/callrec-{0}"}, "setting CALLREC_KMS_KEY: 'alias/callrec-{0}' may name no other field than {region}"),
    ({"CALLREC_FETCH_CA_FILE": "/nonexistent/ca.pem"}, "setting CALLREC_FETCH_CA_FILE: '/nonexistent/ca.pem' cannot be read as a CA bundle (FileNotFoundError)"),
    ({"CALLREC_FETCH_CA_FILE": _NOT_BUNDLE}, "setting CALLREC_FETCH_CA_FILE: {bundle} cannot be read as a CA bundle (SSLError)"),
], ids=lambda value: "-".join(value) if isinstance(value, dict) else "refused")
def test_a_setting_refused_only_where_it_is_used_stops_every_command(tmp_path, monkeypatch, capsys, env, problem):
    """Found by the session-50 audit: `callrec serve` started with these, then answered every
    Twilio callback `422 invalid_manifest` naming CALLREC_TWILIO_AUTH_TOKENS (a callback Twilio
    does not send again), failed every https call as bad input, or signed review links and
    checked Twilio signatures against a URL no client reaches; a relative inbox was read from
    wherever the process started. Like a number out of range (README, "Configuration"), each
    stops every command before any work, exit 2, naming the setting. Session 51: a relative data
    dir or key store (each process its own vault, by where it started), the AWS regions, the
    buckets and the KMS key (a traceback or exit 2 at the first store or key use), the CA bundle
    (every https fetch and webhook delivery failed)."""
    from callrec.errors import shown

    for name, value in env.items():
        if value == _NOT_BUNDLE:
            (tmp_path / value).write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
            value = str(tmp_path / value)
            problem = problem.replace("{bundle}", shown(value))  # (a path with digits is not echoed)
        monkeypatch.setenv(name, value)
    assert main(["assemble", str(tmp_path / "manifest.json"), "-o", str(tmp_path / "out.wav")]) == 2
    assert capsys.readouterr().err == f"callrec assemble: {problem}\n"


@pytest.mark.parametrize("argv", [["worker", "--processes", "100000"], ["worker", "--threads", "100000"],
                                  ["demo", "--processes", "100000"], ["jobs", "failed", "--limit", "99999999999999999999999"]])
def test_a_count_past_what_the_machine_or_redis_holds_is_refused_as_an_argument(argv, capsys):
    """Found by the session-50 audit: `callrec worker --processes 100000` (a typo) forked worker
    processes until it was killed, 141 of them within 30 s (load average 42); `jobs failed
    --limit 99999999999999999999999` was exit 1, "Redis ... did not answer (ResponseError)".
    Each is refused as the argument it is (exit 2), before anything starts."""
    from worker.cli import build_parser

    with pytest.raises(SystemExit) as stopped:
        build_parser(argv).parse_args(argv)
    assert stopped.value.code == 2
    assert f"argument {argv[-2]}" in capsys.readouterr().err


@pytest.mark.parametrize("rate", ["nan", "inf", "1e-300"])
def test_a_batch_rate_that_is_no_rate_is_refused(rate, capsys):
    """Found by the session-50 audit: `batch --rate nan` paced nothing (every comparison with
    NaN is false: the whole account enqueued at once), and `--rate 1e-300` waited 1e300 s after
    the first job, an OverflowError's traceback."""
    from worker.cli import build_parser

    argv = ["batch", "--account", "acme", "--steps", "redact", "--rate", rate]
    with pytest.raises(SystemExit) as stopped:
        build_parser(argv).parse_args(argv)
    assert stopped.value.code == 2
    assert "argument --rate: " in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["delete", "--recording"], ["export", "-o", "out.wav", "--account", "acme",
                                                             "--as", "agent:ann", "--tickets", "T-1"],
                                  ["audit", "--recording"]], ids=["delete", "export", "audit"])
def test_a_recording_id_with_a_line_break_after_it_is_refused_with_nothing_written(tmp_path, monkeypatch, capsys,
                                                                                 argv):
    """Found by hand (session 53): ``rec_us_<32 hex>\\n`` passed the id's form (``$`` takes a final
    newline), so ``delete`` wrote a tombstone named ``index/rec_us_...\\n.json`` and an audit record
    for it, and printed the line break into its message."""
    monkeypatch.setenv("CALLREC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    rid = "rec_us_" + "a" * 32 + "\n"
    argv = [*argv[:2], rid, *argv[2:]] if argv[0] != "export" else ["export", rid, *argv[1:]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "not a recording id (want rec_<us|eu|au>_<32 hex digits>)" in err and "aaaa" not in err
    assert not list((tmp_path / "data").rglob("*.json"))
    assert not (tmp_path / "out.wav").exists()


@pytest.mark.parametrize("argv", [["delete", "--recording", "{rid}"],
                                  ["export", "{rid}", "-o", "out.wav", "--account", "acme", "--as", "agent:ann",
                                   "--tickets", "T-1"],
                                  ["audit", "--recording", "{rid}"]], ids=["delete", "export", "audit"])
def test_a_recording_id_of_a_region_this_deployment_does_not_serve_is_refused(tmp_path, monkeypatch, capsys, argv):
    """Found by hand (session 53): with ``CALLREC_REGIONS=us`` an id ``rec_eu_...`` made this us
    deployment a vault, a key-encryption key and a tombstone (or an audit record) of region eu on
    its own disk, or with S3 reached for eu's bucket. A region not served is the operator's
    mistake to name (exit 2), as the API answers 404 for one: nothing of eu is made here."""
    monkeypatch.setenv("CALLREC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CALLREC_REGIONS", "us")
    monkeypatch.chdir(tmp_path)
    rid = "rec_eu_" + "b" * 32
    assert main([arg.replace("{rid}", rid) for arg in argv]) == 2
    assert capsys.readouterr().err.endswith("not a recording of a region served here (CALLREC_REGIONS: us)\n")
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").rglob("*eu*"))
    assert not (tmp_path / "out.wav").exists()
