"""The gate's recall and Whisper's coverage on TUNE calls, without running Whisper (fast).

    python -m tools.evalcalls.gate_recall [--voices fsdd-jackson,...] [--seeds 11-18] [--harmless]
                                          [--min-mass 0.02] [--hears numbers|speech] [--model NET.npz]

For each call: the regions the default recognizer's gate passes (``redaction.speech.gate``,
the number network at ``--min-mass``), the pieces Whisper would hear around them
(``windows.pieces_for``; ``--hears speech``: every speech region passes, as
``CALLREC_WHISPER_HEARS=speech``), and per voice:
sensitive digits inside the gate's regions (>= MASKED_SHARE of their sound, as scoring.py),
inside the pieces, and the share of the calls' length Whisper hears (pieces summed, so
overlapping pieces count twice). TUNE voices only; no digit values are printed. ``--model``:
another network's weights (``tools/speech/train.py --out``), e.g. one trained without fsdd-jackson,
to measure the gate on a human it never heard.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from tools.evalcalls import splits  # noqa: E402
from tools.evalcalls.calls import make_call  # noqa: E402
from tools.evalcalls.diagnose import seeds_of  # noqa: E402
from tools.evalcalls.scoring import MASKED_SHARE, coverage_s  # noqa: E402
from tools.evalcalls.voices import RATE_HZ  # noqa: E402


def measure(call, network, min_mass: float) -> dict:  # noqa: ANN001
    from redaction.speech.gate import NumberGate, gated_regions  # noqa: PLC0415
    from redaction.speech.windows import pieces_for  # noqa: PLC0415

    blocks = (call.audio[i : i + 65536] for i in range(0, call.audio.size, 65536))
    gate = NumberGate(network, min_mass)
    regions = [(r.start_s, r.end_s) for r in gated_regions(blocks, RATE_HZ, gate)]
    pieces = [(p.start_s, p.end_s) for p in pieces_for(regions, call.duration_s, pauses=gate.passes_every_region)]

    def inside(span, intervals) -> bool:  # noqa: ANN001
        a, b = span.start / RATE_HZ, span.end / RATE_HZ
        return coverage_s(a, b, intervals) >= MASKED_SHARE * (b - a)

    sensitive = [s for s in call.spans if s.sensitive]
    return {"digits": sum(s.digits for s in sensitive),
            "in_gate": sum(s.digits for s in sensitive if inside(s, regions)),
            "in_pieces": sum(s.digits for s in sensitive if inside(s, pieces)),
            "heard_s": sum(b - a for a, b in pieces), "duration_s": call.duration_s}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--voices", default=",".join(splits.TUNE))
    ap.add_argument("--seeds", default="11-18")
    ap.add_argument("--harmless", action="store_true", help="also one harmless call per voice and seed (coverage)")
    ap.add_argument("--min-mass", type=float, default=None, help="the gate's threshold (default: the product's)")
    ap.add_argument("--hears", default="numbers", help="numbers (gated regions) or speech (every speech region)")
    ap.add_argument("--model", type=Path, default=None, help="the network's weights (default: the product's)")
    ap.add_argument("--script", default="dev", choices=("dev", "alt", "alt-us"), help="the calls' wording (scripts.py; unseen is held out)")
    args = ap.parse_args()
    from redaction.speech.gate import MIN_NUMBER_MASS  # noqa: PLC0415
    from redaction.speech.network import DigitNetwork  # noqa: PLC0415

    voices = [v for v in args.voices.split(",") if v]
    for voice in voices:
        if splits.split_of(voice) != "tune":
            raise SystemExit(f"{voice!r} is held out: the bench reports it, nobody studies it (splits.py)")
    network = DigitNetwork() if args.model is None else DigitNetwork(args.model)
    min_mass = MIN_NUMBER_MASS if args.min_mass is None else args.min_mass
    min_mass = 0.0 if args.hears == "speech" else min_mass
    kinds = ["card"] + (["harmless"] if args.harmless else [])
    totals: dict[str, dict[str, dict]] = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    for seed in seeds_of(args.seeds):
        for voice in voices:
            for kind in kinds:
                m = measure(make_call(voice, kind, seed, 0, script=args.script), network, min_mass)
                for group in (voice, "all"):
                    for name, value in m.items():
                        totals[group][kind][name] += value
    weights = args.model or "the product's"
    print(f"gate at min mass {min_mass}, Whisper hears {args.hears}; seeds {args.seeds}; network {weights}; "
          f"{args.script} wording")
    print(f"{'voice':20} {'digits':>6} {'in gate':>8} {'recall':>7} {'in pieces':>9} {'heard/card':>10} "
          f"{'heard/harmless':>14}")
    for group, by_kind in totals.items():
        card, harmless = by_kind["card"], by_kind.get("harmless")
        cover = f"{harmless['heard_s'] / harmless['duration_s']:14.1%}" if harmless else f"{'-':>14}"
        print(f"{group:20} {card['digits']:6.0f} {card['in_gate']:8.0f} {card['in_gate'] / max(card['digits'], 1):7.2%} "
              f"{card['in_pieces'] / max(card['digits'], 1):9.2%} {card['heard_s'] / card['duration_s']:10.1%} {cover}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
