"""``callrec assemble MANIFEST -o OUT.wav [--metadata META.json]``: assembly and beep only."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from worker.calls.assemble import assemble_manifest
from worker.calls.manifest import load_manifest
from worker.outputs import atomic_output, check_output_paths, staged_outputs
from worker.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "assemble", help="assemble a call's recorded segments into one mono WAV with the beep",
        description="Assemble a call manifest's recorded segments into one 16-bit mono WAV that "
                    "starts with the recording beep. Exit 0 done (also when the call must not "
                    "be recorded: then no audio is written), 2 bad input, 1 other failure.")
    parser.add_argument("manifest", type=Path, help="call manifest (JSON, DESIGN.md §3)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output WAV path")
    parser.add_argument("--metadata", type=Path, help="also write assembly metadata (JSON) here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    outputs = {"-o": args.output, "--metadata": args.metadata}
    check_output_paths(outputs, [args.manifest])
    _check_wav_name(args.output)
    settings = Settings.from_env()
    manifest = load_manifest(args.manifest)
    inputs = [args.manifest] + [ref.location.path for ref in (*manifest.segments, manifest.transcript)
                                if ref is not None and ref.location.path is not None]
    with staged_outputs(outputs, inputs) as staged:
        outcome = assemble_manifest(manifest, staged["-o"], settings)
        if not outcome.recorded:
            del staged["-o"]  # no audio: OUT is not written (nor left as it was replaced)
        if args.metadata is not None:
            write_json(staged["--metadata"], outcome.to_dict())
    if outcome.recorded:
        print(f"{outcome.call_id}: {outcome.recorded_duration_s:.3f} s recording of a "
              f"{outcome.call_duration_s:.3f} s call -> {args.output}")
    else:
        print(f"{outcome.call_id}: not recorded ({outcome.reason}); no audio written", file=sys.stderr)
    return 0


def _check_wav_name(output: Path) -> None:
    """Refuse an output named for another audio format than the WAV assemble writes (``-o
    rec.flac`` got a WAV under that name: session 53); a name of no audio format is the caller's."""
    from audio.formats import AUDIO_EXTENSIONS
    from callrec.errors import heading
    from worker.errors import UsageError

    ext = output.suffix.lower().lstrip(".")
    if ext != "wav" and ext in AUDIO_EXTENSIONS:
        raise UsageError(f"-o {heading(output)}: names a {output.suffix} file; assemble writes WAV (name it .wav)")


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (a TypeError, before anything is written, for what is not JSON)."""
    text = json.dumps(data, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")


def write_json_atomically(path: Path, data: Any) -> None:
    """Write JSON to ``path`` so it appears complete or not at all."""
    with atomic_output(path) as out:
        json.dump(data, out, indent=2)
        out.write("\n")
