"""Sweep the decoder's blank penalty and confidence floor on a TUNE-split speaker's calls.

Only the tune split (tools/evalcalls/splits.py: fsdd jackson, espeak-ng en-us and en-gb) may
be tuned on; held-out speakers and voices are refused. Use a model trained without the
speaker, e.g.:
    python tools/speech/train.py --holdout jackson --out /tmp/model_jack.npz
    python tools/speech/tune.py --model /tmp/model_jack.npz --speaker fsdd-jackson
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from redaction.engine import redact_array  # noqa: E402
from redaction.speech.network import DigitNetwork  # noqa: E402
from redaction.speech.recognizer import BuiltinRecognizer  # noqa: E402
from tools.evalcalls import splits  # noqa: E402
from tools.evalcalls.calls import make_call  # noqa: E402
from tools.evalcalls.scoring import score  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--speaker", required=True, help=f"one of the tune split: {', '.join(splits.TUNE)}")
    ap.add_argument("--calls", type=int, default=12)
    ap.add_argument("--quiet-calls", type=int, default=4)
    ap.add_argument("--penalties", default="1,2,4")
    ap.add_argument("--floors", default="0.3,0.5,0.7")
    ap.add_argument("--relaxed", default="4:0.3", help="digit-mode penalty:floor pairs, comma-separated")
    args = ap.parse_args()
    if splits.split_of(args.speaker) != "tune":
        raise SystemExit(f"{args.speaker} is held out: tune only on {', '.join(splits.TUNE)}")
    calls = ([make_call(args.speaker, "card", 11, i) for i in range(args.calls)]
             + [make_call(args.speaker, "harmless", 11, i) for i in range(args.quiet_calls)])
    network = DigitNetwork(args.model)
    grid = [(float(p), float(f), r) for p in args.penalties.split(",") for f in args.floors.split(",") for r in args.relaxed.split(",")]
    for penalty, floor, relaxed in grid:
        r_penalty, r_floor = (float(v) for v in relaxed.split(":"))
        recognizer = BuiltinRecognizer(network, blank_penalty=penalty, min_confidence=floor,
                                       relaxed_blank_penalty=r_penalty, relaxed_min_confidence=r_floor)
        digits = masked = leaky = cards = 0
        speech_s = speech_masked_s = 0.0
        for call in calls:
            _, report = redact_array(call.audio, 8000, recognizer=recognizer)
            s = score(call, [tuple(m) for m in report.masked])
            digits, masked, leaky, cards = digits + s.digits, masked + s.digits_masked, leaky + s.leaky_cards, cards + s.cards
            speech_s, speech_masked_s = speech_s + s.speech_s, speech_masked_s + s.speech_masked_s
        print(f"penalty {penalty:4.1f} floor {floor:.2f} digit mode {relaxed}: recall {masked / max(digits, 1):.2%} "
              f"leaky {leaky}/{cards} speech masked {speech_masked_s / max(speech_s, 1e-9):.2%}", flush=True)


if __name__ == "__main__":
    main()
