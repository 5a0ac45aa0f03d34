"""``callrec redact IN -o OUT [--report R.json] [--transcript T --transcript-format F]
[--transcript-out T2] [--mask tone|silence|noise]``: mask card data in one recording.

OUT keeps IN's rate, length, channels and sample format and equals IN outside the masked
spans when OUT's format (its extension) is lossless; a lossy one (MP3, Ogg) is encoded anew. Keyed digits (DTMF) are always found; spoken card data comes from the transcript
when one is given, else from the speech recognizer when one is configured; that recognizer
listens in verification either way (unless CALLREC_VERIFY_LISTEN is off). A transcript is
written back redacted in its own format (default: OUT's name with ``.transcript`` and T's
extension). Nothing is written when an input is bad or the output fails verification.
"""

from __future__ import annotations

import argparse
import json
import shutil
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from audio.decode import AudioSource, DecodeLimits, libsndfile_reads, open_source
from audio.errors import AudioInputError
from audio.formats import output_format
from callrec.file_identity import identity
from redaction import transcripts
from redaction.engine import open_audio, redact_source
from redaction.errors import RedactionInputError
from redaction.masker import MODES
from worker.errors import UsageError
from worker.outputs import check_output_paths, staged_outputs
from worker.calls.limits import InputLimits
from worker.calls.recognizers import make_recognizer
from worker.calls.redacting import config_from, load_transcript
from worker.settings import Settings
from worker.workdirs import WorkDir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "redact",
        help="mask keyed and spoken card data in a recording",
        description="Mask card numbers, expiry dates and security codes (keyed or spoken) in a "
        "recording. Exit 0 done, 2 bad input, 1 other failure (including failed verification).",
    )
    parser.add_argument("input", type=Path, help="recording to redact (WAV, FLAC, ...)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="redacted recording")
    parser.add_argument("--report", type=Path, help="write the redaction report (JSON, no digits) here")
    parser.add_argument("--transcript", type=Path, help="word-timed transcript on the recording's clock")
    parser.add_argument(
        "--transcript-format", choices=transcripts.CHOICES,
        help="format of --transcript (auto: recognised from its shape)"
    )
    parser.add_argument("--transcript-out", type=Path, help="where the redacted transcript goes")
    parser.add_argument("--mask", choices=MODES, help="how masked spans sound (default: CALLREC_MASK)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if (args.transcript is None) != (args.transcript_format is None):
        raise UsageError("--transcript and --transcript-format go together")
    if args.transcript_out is not None and args.transcript is None:
        raise UsageError("--transcript-out needs --transcript")
    transcript_out = args.transcript_out
    if args.transcript is not None and transcript_out is None:
        transcript_out = args.output.with_suffix(".transcript" + (args.transcript.suffix or ".txt"))
    outputs = {"-o": args.output, "--report": args.report, "--transcript-out": transcript_out}
    inputs = [p for p in (args.input, args.transcript) if p is not None]
    check_output_paths(outputs, inputs)  # before the inputs: a bad path costs no decoding
    try:  # so is a name of no audio format (it failed after the search, naming the staged file)
        output_format(args.output, "PCM_16")
    except AudioInputError as exc:
        raise UsageError(f"-o {exc}") from None
    settings = Settings.from_env()
    input_limits = InputLimits.from_settings(settings)
    limits = input_limits.audio()  # as the pipeline takes its audio
    # A transcode of the input is unredacted audio: in a locked work dir, swept if this dies.
    with WorkDir() as scratch, ExitStack() as opened:
        seen = _identity(args.input)  # (None when missing: open_input says so)
        source = open_input(args.input, limits, scratch)  # before the transcript: a bad input is named first
        if source is not None:
            opened.enter_context(source)
        config = config_from(replace(settings, mask=args.mask) if args.mask else settings)

        transcript = written = None
        recognizer = listener = None
        if args.transcript is not None:
            if source is None:  # its length bounds the transcript's
                source = opened.enter_context(open_audio(args.input, limits, scratch))
            transcript = load_transcript(args.transcript, args.transcript_format,
                                         *input_limits.transcript_bytes(source.duration_s, "recording"))
            written = transcripts.write_back(transcript)  # before anything is written
            # The transcript gives words, and the recognizer still listens, in pass 1 and in
            # verification (a transcript on the wrong clock or missing a word must not leave audible
            # digits: worker.calls.redacting.redact_assembled says why from pass 1).
            recognizer = listener = make_recognizer(settings) if settings.verify_listen else None
        else:
            recognizer = listener = make_recognizer(settings)

        with staged_outputs(outputs, inputs) as staged:
            if source is None:  # what libsndfile cannot read: transcoded here, or refused with the reason
                source = opened.enter_context(open_audio(args.input, limits, scratch))
            # Masked and verified in the private work dir (swept if this dies: a round's output holds
            # what verification has not masked yet), then copied beside OUT (session 55).
            masked = scratch / f"redacted{staged['-o'].suffix}"
            report = redact_source(
                source,
                masked,
                words=transcript.words if transcript is not None else None,
                words_detector=f"transcript:{transcript.format}" if transcript is not None else "transcript",
                recognizer=recognizer,
                verify_recognizer=listener,
                config=config,
                spans=transcripts.detections(transcript) if transcript is not None else (),
            )
            shutil.copyfile(masked, staged["-o"])
            masked.unlink()
            if "--transcript-out" in staged and written is not None:
                staged["--transcript-out"].write_text(written.text, encoding="utf-8")
            if "--report" in staged:
                body = report.to_dict()
                if transcript is not None and written is not None:
                    body["transcript"] = {"format": transcript.format, "removed_fields": list(written.removed)}
                staged["--report"].write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
            if _identity(args.input) != seen:  # read once a pass: the masks found are of what it was
                raise RedactionInputError(f"input {args.input}: changed while it was redacted (its size or "
                                          "times); nothing written")
    entities = sorted({span.entity for span in report.spans})
    print(
        f"{args.input} -> {args.output}: {len(report.spans)} span(s) "
        f"({', '.join(entities) or 'nothing found'}), {report.masked_s:.2f} s masked, "
        f"{'verified' if report.verified else 'not verified'}"
    )
    return 0


def _identity(path: Path) -> tuple[int, ...] | None:
    """The file at ``path`` as far as a change would show (``callrec.file_identity``). A WAV is
    read again for each pass (session 54: one rewritten between them was written out with the
    masks found in what it held before)."""
    try:
        return identity(path.stat())
    except OSError:
        return None


def open_input(path: Path, limits: DecodeLimits | None = None, temp_parent: Path | None = None) -> AudioSource | None:
    """Refuse an input that is not a readable, whole recording file within ``limits``, naming what it is.

    A pipe or device is never opened (it could block or never end); a WAV whose data is
    shorter than its header says is refused as ``callrec assemble`` refuses it. A WAV that
    libsndfile reads is opened here, and returned for the redaction to read (a streaming
    writer's, its sizes never filled in, is transcoded under ``temp_parent``: once); None for
    anything else, which the redaction opens (``redaction.engine.open_audio``).
    """
    if not path.exists():
        raise RedactionInputError(f"input {path}: no such file")
    if path.is_dir():
        raise RedactionInputError(f"input {path}: is a directory, not a recording")
    if not path.is_file():
        raise RedactionInputError(f"input {path}: is not a regular file (a pipe, device or socket)")
    try:
        with path.open("rb") as handle:
            riff = handle.read(4) == b"RIFF"
    except OSError as exc:
        raise RedactionInputError(f"input {path}: cannot read ({exc.strerror})") from exc
    if not (riff and libsndfile_reads(path)):
        return None
    try:
        return open_source(path, limits, temp_parent)
    except AudioInputError as exc:
        raise RedactionInputError(f"input {exc}") from exc

