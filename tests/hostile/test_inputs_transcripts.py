"""Hostile transcripts (session 56's red team): what a provider that lies or writes oddly hands
``callrec redact --transcript``; a card number in it must be masked and written back redacted,
in any script and however its groups are joined, or the transcript refused naming the problem."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from worker.cli import main

CARD_GROUPS = ("4111", "1111", "1111", "1111")


@pytest.fixture(autouse=True)
def transcript_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The transcript's words alone: no recognizer listening beside them."""
    monkeypatch.setenv("CALLREC_RECOGNIZER", "none")
    monkeypatch.setenv("CALLREC_VERIFY_LISTEN", "false")


def redact_simple(tmp_path: Path, words: list[str]) -> tuple[int, dict, str]:
    """``redact`` of 6 s of noise with a simple transcript "my card is WORDS...": (exit status,
    the report, the transcript written back)."""
    audio = tmp_path / "call.wav"
    sf.write(audio, np.random.default_rng(3).normal(0, 0.03, 6 * 8000).astype(np.float32), 8000, subtype="PCM_16")
    lines = ["0.20 0.50 my", "0.50 0.80 card", "0.80 1.00 is"]
    lines += [f"{1.0 + 0.7 * k:.2f} {1.6 + 0.7 * k:.2f} {word}" for k, word in enumerate(words)]
    transcript = tmp_path / "t.txt"
    transcript.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report, written = tmp_path / "r.json", tmp_path / "t.out.txt"
    code = main(["redact", str(audio), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                 "--transcript-format", "simple", "--transcript-out", str(written), "--report", str(report)])
    return code, json.loads(report.read_text()), written.read_text(encoding="utf-8")


def ascii_digits(text: str) -> str:
    """``text`` folded (NFKC) with every decimal digit of any script as its ASCII digit."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("joined", [
    "\u00b7".join(CARD_GROUPS),  # middle dot
    "\u2022".join(CARD_GROUPS),  # bullet
    "\u30fb".join(CARD_GROUPS),  # katakana middle dot
    "\u066c".join("".join(chr(0x660 + int(d)) for d in group) for group in CARD_GROUPS),  # Arabic-Indic, grouped
    "\u2800".join(CARD_GROUPS),  # braille blank: shows as a space, is no white space
    "+".join(CARD_GROUPS),
    "=".join(CARD_GROUPS),
    "@".join(CARD_GROUPS),
    "^".join(CARD_GROUPS),
    "\\".join(CARD_GROUPS),
    "`".join(CARD_GROUPS),
])
def test_a_card_joined_inside_one_word_by_any_symbol_is_masked_and_written_back_redacted(tmp_path, joined):
    """A word is parted into its digits by white space and a list of punctuation and symbols
    (session 54); a card whose groups another character joins (a middle dot or bullet, the
    Arabic thousands separator between Arabic-Indic digits, a braille blank, "+", "=", "@")
    was one ordinary word: nothing masked, and the transcript written back "redacted" held the
    whole number. Any character that is neither a letter nor a digit parts digits on either side."""
    code, report, written = redact_simple(tmp_path, [joined])
    assert code == 0
    assert [(s["entity"], s["detector"]) for s in report["spans"]] == [("card_number", "transcript:simple")]
    body = ascii_digits(written)
    assert not any(group in body for group in ("4111", "1111")), written
