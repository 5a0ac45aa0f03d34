"""Write the small test fixture tests/redaction/speech/fixtures/jackson_digits.wav.

Four fsdd-dev digits by jackson with short gaps, through the telephone channel, 8 kHz G.711
mu-law. Jackson is in the tune split (tools/evalcalls/splits.py), and the built-in network was
trained on him: tests may be shaped by his recordings, never by a held-out speaker's (theo,
nicolas). Derived from FSDD: CC BY-SA 4.0 (see fixtures/ATTRIBUTION.md).
    python tools/speech/make_fixture.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools.speech import channel  # noqa: E402
from tools.speech.sequences import FSDD_DIR, trim  # noqa: E402

#: (digit, take) read in order; the test expects these digits.
TAKES = ((4, 3), (0, 7), (9, 11), (2, 5))
OUT = ROOT / "tests" / "redaction" / "speech" / "fixtures" / "jackson_digits.wav"


def main() -> None:
    rng = np.random.default_rng(4)
    parts = [np.zeros(4000, np.float32)]
    for digit, take in TAKES:
        audio, _ = sf.read(FSDD_DIR / f"{digit}_jackson_{take}.wav", dtype="float32")
        parts += [trim(audio), np.zeros(1200, np.float32)]
    parts.append(np.zeros(4000, np.float32))
    x = channel.telephone(np.concatenate(parts), rng, level_dbfs=-26.0, snr_db=30.0)
    sf.write(OUT, x, 8000, subtype="ULAW")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
