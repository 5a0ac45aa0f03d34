"""The ``callrec`` command line: one module per subcommand, listed in ``COMMANDS``.

Start-up is lazy: ``callrec --help`` lists the subcommands from ``COMMANDS`` without
importing any of them, and ``callrec NAME ...`` imports ``worker.cli.NAME`` alone (each
module's imports, numpy, the vault, Redis..., are paid only by the command that needs them).

Exit codes (DESIGN.md §3): 0 done, 2 bad input (message on stderr), 1 other failure. Output
cut short by its reader (``callrec audit | head``) ends quietly with 0.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

#: Subcommand name -> one-line help for the listing. Adding a subcommand is one line here
#: plus a module ``worker.cli.NAME`` whose ``register(subparsers)`` adds its parser and sets
#: ``func(args) -> int`` as the parser default.
COMMANDS: dict[str, str] = {
    "assemble": "assemble a call's recorded segments into one mono WAV with the beep",
    "demo": "run every sample call through queue workers into the local vault",
    "redact": "mask keyed and spoken card data in a recording",
    "process": "assemble, redact, encrypt and store one call (no queue)",
    "export": "decrypt a recording's audio for someone allowed to play it",
    "delete": "delete recordings beyond recovery (crypto-shredding)",
    "retention": "apply or set accounts' retention windows",
    "keys": "rotate key-encryption keys and re-wrap data keys",
    "audit": "print audited accesses, refusals and deletions",
    "worker": "run queue workers (Dramatiq on Redis)",
    "enqueue": "put post-call or stored-recording jobs on the queue",
    "status": "show a queued job's status",
    "jobs": "list failed jobs and retry them",
    "batch": "reprocess an account's stored recordings through the queue",
    "health": "report whether Redis, worker processes and the metrics server are up",
    "redis": "start, stop or show the embedded Redis",
    "serve": "run the HTTP API of the add-on and the review page",
    "api-keys": "create, list or revoke an account's HTTP API keys",
}

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
#: Ctrl-C (SIGINT): 128 + 2, as a shell reports a command the signal ended.
EXIT_INTERRUPTED = 130
#: Commands that run servers and configure their own logs (at ``CALLREC_LOG_LEVEL``) and
#: signals, and sweep their temp dir.
SERVING = frozenset({"worker", "serve"})
#: One-shot commands that hold audio in work dirs (``worker.workdirs``): they settle the temp
#: dir and sweep what dead processes left there before they start.
WORKING = frozenset({"assemble", "redact", "process", "export"})


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with the message on stderr, as our contract says."""

    def error(self, message: str) -> None:  # pragma: no cover - argparse glue
        from worker.errors import scrub_digits

        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"callrec: error: {scrub_digits(message, card_numbers_only=True)}\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: the subcommand named there gets its full parser (its module
    imported); every other one is a placeholder carrying its help line. With ``argv`` None
    every subcommand is registered in full (slow: imports them all)."""
    chosen = _chosen_command(argv)
    parser = _Parser(prog="callrec", description="Call-recording post-processing.")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, help_line in COMMANDS.items():
        if argv is None or name == chosen:
            importlib.import_module(f"worker.cli.{name.replace('-', '_')}").register(subparsers)
        else:
            subparsers.add_parser(name, help=help_line)
    return parser


def _chosen_command(argv: Sequence[str] | None) -> str | None:
    """The first positional word of ``argv`` (the top-level parser has no other options)."""
    for word in argv or ():
        if not word.startswith("-"):
            return word
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    from callrec.errors import CallrecError, is_permanent
    from worker.errors import scrub_digits
    from worker.settings import Settings

    if args.command not in SERVING:
        _warnings_as_json()
        _terminate_as_exit()
    try:
        if args.command in WORKING:
            _swept_temp_dir()
        settings = Settings.from_env()
        _check_host_lists(settings)
        _cap_math_threads(settings)
        return int(args.func(args) or EXIT_OK)
    except BrokenPipeError:
        # The reader stopped reading (``callrec audit | head``): not a failure of ours.
        # Point stdout at /dev/null so the interpreter's final flush raises nothing either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_OK
    except CallrecError as exc:
        print(f"callrec {args.command}: {scrub_digits(str(exc), card_numbers_only=True)}", file=sys.stderr)
        return EXIT_BAD_INPUT if is_permanent(exc) else EXIT_FAILURE
    except KeyboardInterrupt:
        # Ctrl-C: the clean-ups ran as the exception left each block; one line and the shell's
        # 128 + SIGINT, not Python's traceback of wherever the command was (session 53)
        print(f"callrec {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _check_host_lists(settings) -> None:
    """The host and token lists of the fetch settings (``worker.calls.fetch_hosts``), read where a
    fetch or a Twilio callback uses them, are checked before any work too: a bad entry stops
    every command, exit 2 naming the setting (``serve`` answered every Twilio callback 422 and a
    worker failed every https call as bad input: session-50 audit)."""
    from worker.calls.fetch_hosts import parse_hosts, parse_twilio_hosts, parse_twilio_tokens

    parse_hosts(settings.fetch_hosts)
    parse_twilio_hosts(settings.twilio_hosts)
    parse_twilio_tokens(settings.twilio_auth_tokens)


def _warnings_as_json() -> None:
    """A one-shot command's warnings and errors (a deletion's leftovers reclaimed, a library's)
    as the workers log them: JSON lines on stderr, their text scrubbed, a foreign exception's
    message left out (``worker.queue.logs``). Unconfigured, Python's last-resort handler printed
    a record's bare message with its traceback, unscrubbed. INFO stays off (faster-whisper
    logs each window it hears). A host that configured logging before (a test) keeps its own."""
    import logging

    if logging.getLogger().handlers:
        return
    from worker.queue import logs

    logs.configure("WARNING")


def _terminate_as_exit() -> None:
    """SIGTERM (kill's, timeout's, systemd's and docker's default) ends a one-shot command as
    an exception would, with exit status 143: its clean-ups run (work dirs with unredacted
    audio removed, staged outputs discarded, an ffmpeg child stopped). Python's default ended
    the process at once and left them all. So does SIGHUP (the terminal or ssh session closed
    under the command: exit 129; session 53, it still ended at once). A second signal during
    the clean-ups is ignored. A SIGHUP a nohup ignores stays ignored."""
    import signal

    def terminated(signum: int, frame: object) -> None:
        for ignored in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(ignored, signal.SIG_IGN)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:  # nohup's choice stands
        signal.signal(signal.SIGHUP, terminated)


def _swept_temp_dir() -> None:
    """Settle the temp dir (an unusable one is an error: ``worker.workdirs.settle_temp_dir``)
    and remove the work dirs of dead processes in it (a ``callrec process`` SIGKILLed mid-call
    left the assembled call there), each logged as the workers log it (no metric here)."""
    import logging

    from worker import workdirs

    workdirs.settle_temp_dir()
    workdirs.sweep_logged(logging.getLogger("callrec.workdirs"))


def _cap_math_threads(settings) -> None:
    """``worker.queue.lifecycle.cap_math_threads`` without importing the queue (Dramatiq, Redis)
    into every command: limit numeric libraries' thread pools (0: leave them)."""
    if settings.math_threads:
        import threadpoolctl

        threadpoolctl.threadpool_limits(limits=settings.math_threads)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
