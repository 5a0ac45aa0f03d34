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


@pytest.mark.parametrize("setting, value, problem", [
    ("CALLREC_TWILIO_AUTH_TOKENS", "abc", "CALLREC_TWILIO_AUTH_TOKENS: each entry is AccountSid:AuthToken"),
    ("CALLREC_FETCH_HOSTS", "media.example.com:https", "CALLREC_FETCH_HOSTS: entry media.example.com:https is not host or host:port"),
    ("CALLREC_TWILIO_HOSTS", "https://api.twilio.com/", "CALLREC_TWILIO_HOSTS: entry https://api.twilio.com/ is not host or host:port"),
    ("CALLREC_API_INBOX", "relative/inbox", "setting CALLREC_API_INBOX: 'relative/inbox' is not an absolute directory"),
    ("CALLREC_API_PUBLIC_URL", "callrec.example.com", "setting CALLREC_API_PUBLIC_URL: 'callrec.example.com' is not an http:// or https:// URL with a host"),
])
def test_a_setting_refused_only_where_it_is_used_stops_every_command(tmp_path, monkeypatch, capsys, setting, value, problem):
    """Found by the session-50 audit: `callrec serve` started with these, then answered every
    Twilio callback `422 invalid_manifest` naming CALLREC_TWILIO_AUTH_TOKENS (a callback Twilio
    does not send again), failed every https call as bad input, or signed review links and
    checked Twilio signatures against a URL no client reaches; a relative inbox was read from
    wherever the process started. Like a number out of range (README, "Configuration"), each
    stops every command before any work, exit 2, naming the setting."""
    monkeypatch.setenv(setting, value)
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
