"""The ``callrec`` command line: one module per subcommand, registered below.

Exit codes (DESIGN.md §3): 0 done, 2 bad input (message on stderr), 1 other failure.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from worker.errors import SERVICE_ERRORS, is_permanent
from worker.lifecycle import cap_math_threads
from worker.settings import Settings

#: Subcommand modules under ``worker.cli``; each defines ``register(subparsers)`` that
#: adds its parser and sets ``func(args) -> int`` as the parser default.
COMMANDS: tuple[str, ...] = (
    "assemble", "demo", "redact",
    "process", "export", "delete", "retention", "keys", "audit",
    "worker", "enqueue", "status", "jobs", "batch", "health",
)

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with the message on stderr, as our contract says."""

    def error(self, message: str) -> None:  # pragma: no cover - argparse glue
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"callrec: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="callrec", description="Call-recording post-processing.")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"worker.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cap_math_threads(Settings.from_env())
        return int(args.func(args) or EXIT_OK)
    except SERVICE_ERRORS as exc:
        print(f"callrec {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT if is_permanent(exc) else EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
