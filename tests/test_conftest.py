"""The suite's own conventions (tests/conftest.py): test ids never print card digits."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Modules whose parametrized ids showed card groups ("#### ####", "####********####",
#: {"card": "####"}) in every run's output, -k expressions and CI reports.
SHOWED_CARD_GROUPS = ["tests/redaction/test_numbers.py", "tests/redaction/transcripts/test_markers.py",
                      "tests/callrec/test_jsonfields.py"]


def test_generated_ids_hide_every_run_of_four_or_more_digits() -> None:
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                                *SHOWED_CARD_GROUPS], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert collected.returncode == 0, re.sub(r"\d", "#", collected.stdout[-2000:])
    ids = [line.partition("[")[2] for line in collected.stdout.splitlines() if "::" in line and "[" in line]
    assert len(ids) > 30
    offenders = [re.sub(r"\d", "#", i) for i in ids if re.search(r"\d{4}", i)]  # shown masked, if any
    assert offenders == []


def test_an_id_keeps_short_numbers_and_escapes_what_pytest_escapes() -> None:
    from tests.conftest import pytest_make_parametrize_id as make_id

    assert make_id(None, "card 4111 1111 1111 1111", "text") == "card #### #### #### ####"
    assert make_id(None, "T-1\u202e9001", "value") == "T-1\\u202e####"
    assert make_id(None, "12/27", "text") is None and make_id(None, 4111, "n") is None  # pytest's own id
