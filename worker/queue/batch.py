"""Batch reprocessing: one job per stored recording that is not yet at the target versions.

A batch is named by what it asks for (account, since, steps) and the targets it aims at (the
current detector version, each region's primary key version), so running the same command
again is the same batch: recordings already at the targets count as done without a job,
jobs still queued are not sent twice, failed ones are sent again, and a run after everything
finished enqueues nothing. The plan reads index entries only; nothing is decrypted.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from vault.errors import VaultInputError
from vault.index import IndexEntry
from vault.regions import may_hold_card_number
from worker.queue.jobs import Reprocess, check_steps


@dataclass(frozen=True)
class BatchRequest:
    """What an operator asked for."""

    account: str
    steps: tuple[str, ...]
    since: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", check_steps(self.steps))


@dataclass(frozen=True)
class Targets:
    """Where a recording must be for the batch to leave it alone."""

    #: None when the batch does not redact (its id then ignores the detector).
    detector_version: str | None
    #: region -> primary key-encryption-key version.
    key_versions: Mapping[str, str]


@dataclass(frozen=True)
class BatchPlan:
    """The batch's id and its recordings: those needing a job and those already there."""

    batch_id: str
    steps: tuple[str, ...]
    work: tuple[str, ...]
    settled: tuple[str, ...]
    #: Recordings it would redact that are past their retention window, left out of a batch
    #: that does not apply retention: no one re-processes them, the sweep deletes them.
    past_window: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return len(self.work) + len(self.settled)


def needs_work(entry: IndexEntry, steps: tuple[str, ...], targets: Targets,
               retention_due: Callable[[IndexEntry], bool]) -> bool:
    """True when one of ``steps`` would change ``entry``; True too when the retention step cannot
    judge it (its own window out of range: VaultInputError): its job fails for it alone, as the
    sweep skips it, and the rest of the batch is done. ``retention_due`` has read the account's
    policy before (``effects.retention_judge``): one out of range refuses the batch there."""
    if "redact" in steps and (not entry.redacted or entry.detector_version != targets.detector_version):
        return True
    if "rewrap" in steps and any(v != targets.key_versions.get(entry.region) for v in entry.key_versions()):
        return True
    if "retention" not in steps:
        return False
    try:
        return retention_due(entry)
    except VaultInputError:
        return True


def plan_batch(request: BatchRequest, entries: Iterable[IndexEntry], targets: Targets,
               retention_due: Callable[[IndexEntry], bool], *,
               past_window: Callable[[IndexEntry], bool]) -> BatchPlan:
    """Select the account's live recordings (created since ``since``) and split them; one to
    redact past its retention window is left out unless the batch applies retention (which
    deletes it: ``BatchPlan.past_window``). ``retention_due`` is the retention step's judgement
    (the sweep's), ``past_window`` the one its redaction refuses by (``effects.past_window``)."""
    work: list[str] = []
    settled: list[str] = []
    past: list[str] = []
    for entry in entries:
        if entry.account_id != request.account or entry.deleted:
            continue
        if request.since is not None and entry.created_at < request.since:
            continue
        if not needs_work(entry, request.steps, targets, retention_due):
            settled.append(entry.recording_id)
        elif "redact" in request.steps and "retention" not in request.steps and past_window(entry):
            past.append(entry.recording_id)
        else:
            work.append(entry.recording_id)
    return BatchPlan(batch_id=batch_id(request, targets), steps=request.steps,
                     work=tuple(sorted(work)), settled=tuple(sorted(settled)), past_window=tuple(sorted(past)))


def batch_id(request: BatchRequest, targets: Targets) -> str:
    """Deterministic: the same request aiming at the same targets is the same batch. About
    1 digest in 130 has 12+ digits in a row, which jobs refuse in ids: it is hashed again."""
    parts = [request.account, ",".join(request.steps),
             request.since.isoformat() if request.since else "-", targets.detector_version or "-",
             ",".join(f"{r}={v}" for r, v in sorted(targets.key_versions.items()))]
    text = "\x00".join(parts)
    for salt in itertools.count():  # a job refuses an id that could hold a card number
        candidate = "b" + hashlib.sha256((text + f"\x00{salt}" * bool(salt)).encode()).hexdigest()[:15]
        if not may_hold_card_number(candidate):
            return candidate
    raise AssertionError("unreachable")


def jobs_of(plan: BatchPlan) -> list[Reprocess]:
    return [Reprocess.for_batch(plan.batch_id, rid, plan.steps) for rid in plan.work]


class Pacer:
    """Spaces calls to at most ``rate_per_s`` a second (None: no limit)."""

    def __init__(self, rate_per_s: float | None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate_per_s is not None and rate_per_s <= 0:
            raise ValueError(f"rate_per_s must be positive, got {rate_per_s!r}")
        self.interval_s = 0.0 if rate_per_s is None else 1.0 / rate_per_s
        self.clock = clock
        self.sleep = sleep
        self._next = None

    def wait(self) -> None:
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval_s
