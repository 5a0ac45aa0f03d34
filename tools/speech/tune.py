"""Sweep the decoder's blank penalty and confidence floor on a tuning speaker's calls.

Use a speaker the model under test was trained without, and never the final held-out one:
    python tools/speech/train.py --holdout nicolas --out /tmp/model_nic.npz
    python tools/speech/tune.py --model /tmp/model_nic.npz --speaker nicolas
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import redaction_speech as bench  # noqa: E402

from redaction.speech.network import DigitNetwork  # noqa: E402
from redaction.speech.recognizer import BuiltinRecognizer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--speaker", required=True)
    ap.add_argument("--calls", type=int, default=12)
    ap.add_argument("--quiet-calls", type=int, default=4)
    ap.add_argument("--penalties", default="1,2,4")
    ap.add_argument("--floors", default="0.3,0.5,0.7")
    ap.add_argument("--relaxed", default="4:0.3", help="digit-mode penalty:floor pairs, comma-separated")
    args = ap.parse_args()
    builder = bench.Builder(args.speaker, np.random.default_rng(11))
    calls = [builder.call(True) for _ in range(args.calls)] + [builder.call(False) for _ in range(args.quiet_calls)]
    network = DigitNetwork(args.model)
    grid = [(float(p), float(f), r) for p in args.penalties.split(",") for f in args.floors.split(",") for r in args.relaxed.split(",")]
    for penalty, floor, relaxed in grid:
        r_penalty, r_floor = (float(v) for v in relaxed.split(":"))
        recognizer = BuiltinRecognizer(network, blank_penalty=penalty, min_confidence=floor,
                                       relaxed_blank_penalty=r_penalty, relaxed_min_confidence=r_floor)
        tot = bench.run(calls, recognizer)
        if True:
            print(f"penalty {penalty:4.1f} floor {floor:.2f} digit mode {relaxed}: recall {tot.masked / tot.digits:.2%} "
                  f"leaky {tot.leaky_cards}/{tot.cards} other masked {tot.other_masked_s / tot.other_s:.2%} "
                  f"hits {tot.hits / tot.digits:.2%} false words {tot.false_words}", flush=True)


if __name__ == "__main__":
    main()
