"""``callrec demo``: the committed samples through real worker processes into the vault."""

import re

from worker.cli import main
from worker.cli.demo import SAMPLES_DIR

#: What each committed sample becomes: (call s, recorded s, redacted) or why it is not recorded.
EXPECTED = {
    "01-plain-inbound": ("32.0", "32.5", "yes"),
    "02-warm-transfer": ("51.0", "32.0", "yes"),
    "03-pause-skip": ("22.5", "16.0", "no"),
    "04-external-forward": ("24.5", "25.0", "no"),
    "05-voicemail": ("13.0", "7.5", "yes"),
    "06-opt-in-declined": "opt_in_without_consent",
    "07-recording-off": "number_recording_off",
    "08-card-keyed": ("33.0", "33.5", "yes"),
    "09-card-spoken": ("31.0", "31.5", "yes"),
}
#: Masked spans the demo shows for the keyed card sample: every key press (16 + 4 + 3 digits
#: and three #).
MASKED = {"08-card-keyed": "keyed 26"}
#: The spoken card sample: its card number, expiry and security code read aloud, found through
#: the call's AWS transcript (3 spans), and the number words Whisper heard beside them, which
#: the recognizer listening with a transcript adds (``redaction.beside_transcript``): how many
#: depends on the CPU's kernels (Whisper's words do) and on NEAR_S (none at 1.5 s; 5 on a Zen 3
#: machine without AVX-512 at 0.25 s, session 48).
SPOKEN_AT_LEAST = ("09-card-spoken", 3)


def test_samples_are_committed():
    assert set(EXPECTED) <= {p.parent.name for p in SAMPLES_DIR.glob("*/manifest.json")}
    total = sum(p.stat().st_size for p in SAMPLES_DIR.glob("*/legs/*"))
    assert total < 2_000_000


def test_demo_processes_every_sample_through_the_queue(tmp_path, capsys):
    from worker.queue.redis_server import EmbeddedRedis

    legs_before = sorted(SAMPLES_DIR.glob("*/legs/*"))
    assert main(["demo", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    count = len(list(SAMPLES_DIR.glob("*/manifest.json")))
    assert f"enqueued {count} calls; 2 worker process(es)" in captured.err
    assert f"{count}/{count} jobs finished" in captured.err
    header, rule, *rows = captured.out.strip().split("\n\n")[0].splitlines()
    assert header.split() == ["sample", "call", "state", "recording", "call", "s", "recorded", "s",
                              "redacted", "masked", "latency", "s"]
    by_sample = {row.split()[0]: row.split() for row in rows}
    assert len(by_sample) == count and all(cells[2] == "done" for cells in by_sample.values())
    for name, expected in EXPECTED.items():
        cells = by_sample[name]
        if isinstance(expected, str):
            assert cells[3:6] == ["not", "recorded:", expected]
        else:
            assert cells[3].startswith("rec_") and tuple(cells[4:7]) == expected
    for name, masked in MASKED.items():
        assert " ".join(by_sample[name][7:-1]) == masked
    name, least = SPOKEN_AT_LEAST
    kind, spans = by_sample[name][7:-1]
    assert kind == "spoken" and int(spans) >= least
    # the committed samples are untouched; the demo's copies were destroyed once stored
    assert sorted(SAMPLES_DIR.glob("*/legs/*")) == legs_before
    assert not list((tmp_path / "inbox").glob("*/*/legs/*"))  # inbox/<call_id>/<sample>/legs/
    # only ciphertext in the vault, and the embedded Redis is stopped again
    stored = [p for p in (tmp_path / "state" / "vault").rglob("*.enc")]
    assert stored and not any(p.read_bytes().startswith(b"RIFF") for p in stored)
    assert not EmbeddedRedis(tmp_path / "state").is_running()
    # the review page of a sample with masked spans was served (and the service stopped again)
    assert re.search(r"^review page of 08-card-keyed: http://127\.0\.0\.1:\d+/review/[\w.-]+$", captured.out, re.M)


def test_demo_without_samples_is_bad_input(tmp_path, capsys):
    assert main(["demo", "--samples", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no sample calls" in capsys.readouterr().err


def test_a_samples_dir_heading_the_error_is_quoted_when_it_could_blur(tmp_path, capsys):
    samples = tmp_path / "no samples here"
    samples.mkdir()
    assert main(["demo", "--samples", str(samples), "--out", str(tmp_path / "o")]) == 2
    assert f"{str(samples)!r}: no sample calls (*/manifest.json) found" in capsys.readouterr().err
