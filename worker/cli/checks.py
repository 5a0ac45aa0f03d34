"""Checks of free text and ids typed on the command line, made before anything is done.

Free text ends up in the audit trail, tombstones and job messages, so it is bounded and
holds nothing that could be card data (worker.errors.scrub_digits would change it).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from callrec.errors import shown

from worker.errors import UsageError, scrub_digits

#: Longest free-text reason (deletions) kept in the audit trail.
MAX_REASON_CHARS = 200


def check_free_text(option: str, text: str, *, max_chars: int = MAX_REASON_CHARS) -> str:
    """Return ``text`` when it is short, printable and holds no run of card-like digits."""
    if not text.strip():
        raise UsageError(f"{option}: give some text")
    if len(text) > max_chars:
        raise UsageError(f"{option}: at most {max_chars} characters, got {len(text)}")
    if not text.isprintable():
        raise UsageError(f"{option}: control characters are not allowed")
    if scrub_digits(text) != text:
        raise UsageError(f"{option}: runs of 4 or more digits are not allowed (they could be "
                         "card data, which is never written to the audit trail)")
    return text


def check_recording_id(option: str, recording_id: str) -> str:
    """Return ``recording_id`` when it has the recording id format and holds no run of
    card-number length, without echoing it. Ids generated since 2026-12-02 hold at most 3
    digits in a row; an older id holding a long run is taken when it names a stored recording
    (looked up in its region's vault), so only a made-up one is refused."""
    from vault.errors import VaultInputError
    from vault.regions import may_hold_card_number, region_of

    from worker.settings import Settings
    from worker.vaults import served_regions

    try:
        region = region_of(recording_id)
    except VaultInputError:
        raise UsageError(f"{option}: not a recording id (want rec_<us|eu|au>_<32 hex digits>)") from None
    served = served_regions(Settings.from_env())
    if region not in served:  # (a us deployment made itself a vault and a KEK of eu: session 53)
        raise UsageError(f"{option}: not a recording of a region served here (CALLREC_REGIONS: {','.join(served)})")
    # in <32 hex> letters end every run, so only 12+ digits in a row count here
    if may_hold_card_number(recording_id) and not _stored(recording_id, region):
        raise UsageError(f"{option}: not a recording id: it holds a run of 12 or more digits "
                         "(card-number length), and no stored recording has that id")
    return recording_id


def _stored(recording_id: str, region: str) -> bool:
    """Whether the vault of ``region`` has an index entry (live or deleted) for the id."""
    from worker.settings import Settings
    from worker.vaults import build_vault

    return build_vault(Settings.from_env(), regions=(region,)).for_recording(recording_id).find(recording_id) is not None


def reference(text: str) -> str:
    """argparse type of account and ticket ids: a short reference that cannot hold a card number
    (``INC-2026-12-01-000123`` is taken, ``4111.1111.1111.1111`` is not; worker.queue.jobs)."""
    from worker.queue.jobs import reference_problem

    problem = reference_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def references(text: str) -> str:
    """argparse type of a comma-separated list of ticket ids."""
    for item in text.split(","):
        if item.strip():
            reference(item.strip())
    return text


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (exit 2 naming the value otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{shown(text)} must be at least 1")
    return value


def positive_up_to(highest: int, why: str) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to ``highest`` (``why``: what sets that). A count
    of processes no machine holds forked until it was killed (session-50 audit)."""
    def checked(text: str) -> int:
        value = positive(text)
        if value > highest:
            raise argparse.ArgumentTypeError(f"{shown(text)} is more than {highest} ({why})")
        return value
    return checked


#: Most worker processes per CPU (each holds its own recognizer, ~400 MB) and threads per process.
PROCESSES_PER_CPU = 4
MAX_THREADS = 16


def worker_processes() -> Callable[[str], int]:
    """The argparse type of a count of worker processes: 1 to ``PROCESSES_PER_CPU`` a CPU."""
    cpus = os.cpu_count() or 1
    return positive_up_to(PROCESSES_PER_CPU * cpus, f"{PROCESSES_PER_CPU} a CPU, {cpus} CPU(s) here")
