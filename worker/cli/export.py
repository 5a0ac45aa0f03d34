"""``callrec export ID -o OUT --account ACC (--as agent:A --tickets T1,T2 | --as end-user:U --requester-of T)``."""

from __future__ import annotations

import argparse
from pathlib import Path

from audio.formats import AUDIO_EXTENSIONS
from callrec.errors import heading
from vault.access import Principal
from vault.regions import region_of
from worker.cli.checks import check_recording_id, reference, references
from worker.errors import UsageError
from worker.stored.operations import export_recording
from worker.outputs import check_output_paths
from worker.settings import Settings
from worker.vaults import build_vault


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="decrypt a recording's audio for someone allowed to play it",
        description="Decrypt a stored recording to OUT when the principal may play it: an agent "
                    "with access to its ticket, or the end user who requested its ticket where "
                    "the account makes recordings public. Every access and refusal is audited. "
                    "Exit 2 when refused.")
    parser.add_argument("recording_id", metavar="ID")
    parser.add_argument("-o", "--output", type=Path, required=True, help="where to write the audio")
    parser.add_argument("--format", choices=("wav", "flac", "opus"), default=None,
                        help="audio format of the export (default: as -o's extension says, .flac, .opus or "
                             ".ogg; else wav, whatever the storage codec)")
    parser.add_argument("--as", dest="principal", required=True, metavar="agent:A|end-user:U")
    parser.add_argument("--account", required=True, metavar="ACC", type=reference,
                        help="the principal's account: its tickets are the only ones meant")
    parser.add_argument("--tickets", type=references, help="tickets the agent has access to (comma-separated)")
    parser.add_argument("--requester-of", type=references, help="tickets the end user requested (comma-separated)")
    parser.add_argument("--transcript", action="store_true",
                        help="export the redacted transcript instead of the audio (kept after a "
                             "voicemail's audio is deleted)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_recording_id("ID", args.recording_id)
    kind, _, who = args.principal.partition(":")
    try:
        reference(who)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"--as {kind}:ID: {exc}") from None
    if kind == "agent" and (args.tickets is None or args.requester_of is not None):
        raise UsageError("--as agent:A needs --tickets T1,T2 (and no --requester-of)")
    if kind == "end-user" and (args.requester_of is None or args.tickets is not None):
        raise UsageError("--as end-user:U needs --requester-of T (and no --tickets)")
    audio_format = _audio_format(args.output, args.format) if not args.transcript else "wav"
    check_output_paths({"-o": args.output})
    tickets = args.tickets if kind == "agent" else args.requester_of
    principal = Principal.parse(args.principal, args.account,
                                frozenset(t.strip() for t in (tickets or "").split(",") if t.strip()))
    vault = build_vault(Settings.from_env(), regions=(region_of(args.recording_id),))
    outcome = export_recording(args.recording_id, args.output, principal, vault,
                               artifact="transcript" if args.transcript else "audio", audio_format=audio_format)
    print(f"{outcome.recording_id}: {outcome.size_bytes} bytes -> {outcome.path}")
    return 0


#: Output name extensions that say an audio format (``--format``'s names).
_EXTENSIONS = {".wav": "wav", ".flac": "flac", ".opus": "opus", ".ogg": "opus", ".oga": "opus"}


def _audio_format(output: Path, asked: str | None) -> str:
    """The export's format: ``--format``, else what ``output``'s extension says, else wav. A name
    that says another format than ``--format`` is refused: ``-o call.flac`` wrote a WAV under that
    name, which a player or a storage rule keyed on the extension misread (session 53)."""
    said = _EXTENSIONS.get(output.suffix.lower())
    if said is None and output.suffix.lower().lstrip(".") in AUDIO_EXTENSIONS:  # -o call.mp3 got a WAV
        raise UsageError(f"-o {heading(output)}: names a {output.suffix} file; export writes wav, flac or opus "
                         "audio (name it .wav, .flac, .opus or .ogg)")
    if asked is not None and said is not None and said != asked:
        raise UsageError(f"-o {heading(output)}: names a {output.suffix} file, not --format {asked} audio; "
                         f"give --format {said}, or a name that says {asked}")
    return asked or said or "wav"
