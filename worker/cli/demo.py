"""``callrec demo``: assemble every sample call and print what happened to each.

A first, queue-less demo: each ``samples/*/manifest.json`` goes through assembly (the
pipeline that exists so far) into ``out/demo/``; per call it prints the call and recorded
durations, cut time by reason, beep offsets and the output path.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from worker.assemble import AssemblyOutcome, assemble_manifest
from worker.cli.assemble import write_json_atomically
from worker.errors import UsageError
from worker.manifest import load_manifest
from worker.settings import Settings

#: The committed sample calls (the repository's samples/ directory).
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run every sample call through the pipeline")
    parser.add_argument("--samples", type=Path, default=SAMPLES_DIR,
                        help="directory of sample calls (<name>/manifest.json)")
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="where outputs go")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    manifests = sorted(args.samples.glob("*/manifest.json"))
    if not manifests:
        raise UsageError(f"{args.samples}: no sample calls (*/manifest.json) found")
    args.out.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env()
    for path in manifests:
        name = path.parent.name
        manifest = load_manifest(path)
        outcome = assemble_manifest(manifest, args.out / f"{name}.wav", settings)
        write_json_atomically(args.out / f"{name}.json", outcome.to_dict())
        plan = f"{manifest.account.plan}, {manifest.account.region}, {manifest.direction}"
        print(format_table(f"{name} ({manifest.call_id}: {plan})", outcome, args.out / f"{name}.wav"))
        print()
    return 0


def format_table(title: str, outcome: AssemblyOutcome, out_path: Path) -> str:
    """A small two-column table describing one assembled call."""
    rows = [("call duration", f"{outcome.call_duration_s:.3f} s")]
    if not outcome.recorded:
        rows += [("recorded", f"no: {outcome.reason}"), ("output", "none (segments to be destroyed)")]
    else:
        beeps_s = sum(b.end_s - b.start_s for b in outcome.beeps if b.kind != "reminder")
        call_s = outcome.time_map.recorded_call_s
        rows.append(("recorded duration", f"{outcome.recorded_duration_s:.3f} s "
                                          f"(beeps {beeps_s:.3f} s + call {call_s:.3f} s)"))
        cut = ", ".join(f"{reason} {s:.3f} s" for reason, s in outcome.cut_s_by_reason().items())
        rows.append(("cut", cut or "none"))
        silenced = sum(c.duration_s for c in outcome.silenced)
        if silenced:
            rows.append(("kept as silence", f"paused {silenced:.3f} s"))
        rows.append(("beeps at", ", ".join(f"{b.start_s:.3f} s ({b.kind})" for b in outcome.beeps)))
        rows.append(("output", f"{out_path} ({outcome.rate_hz} Hz, {outcome.frames} frames)"))
    width = max(len(label) for label, _ in rows)
    lines = [title, "-" * len(title)]
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    return "\n".join(lines)
