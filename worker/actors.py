"""The queue actors: thin. Each decodes its job and runs one plain operation of worker.effects.

Queues: ``calls`` (post-call processing, latency matters), ``recordings`` (add-on redaction
and deletion of stored recordings), ``batch`` (reprocessing, retention sweeps), so a
deployment can give batch work its own workers (``callrec worker --queues batch``).
Bad input (``callrec.errors.is_permanent``) fails at once; anything else retries with backoff
(see worker.broker).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import dramatiq
from dramatiq.middleware import CurrentMessage

from worker import effects
from worker.boot import Backends
from worker.broker import broker
from worker.jobs import (
    DeleteRecordings,
    DeliverWebhook,
    Job,
    ProcessCall,
    RedactRecording,
    Reprocess,
    RetentionSweep,
)
from worker.runner import JobResult, runner

#: Queue names, most urgent first (``webhooks``: the HTTP API's event deliveries).
QUEUES: tuple[str, ...] = ("calls", "recordings", "batch", "webhooks")

J = TypeVar("J", bound=Job)


def _run(body: str, kind: type[J], operation: Callable[[J, Backends], JobResult]) -> None:
    message = CurrentMessage.get_current_message()
    enqueued_at_s = message.message_timestamp / 1000 if message is not None else None
    backends = effects.backends()
    runner().run(body, kind, lambda job: operation(job, backends), enqueued_at_s=enqueued_at_s)


@dramatiq.actor(broker=broker, queue_name="calls")
def process_call(body: str) -> None:
    """Assemble, redact and store one call (a manifest reference)."""
    _run(body, ProcessCall, effects.process_call)


@dramatiq.actor(broker=broker, queue_name="recordings")
def redact_recording(body: str) -> None:
    """Redact a stored recording in place; the unredacted version is destroyed."""
    _run(body, RedactRecording, effects.redact_recording)


@dramatiq.actor(broker=broker, queue_name="recordings")
def delete(body: str) -> None:
    """Delete one recording or a ticket's recordings beyond recovery."""
    _run(body, DeleteRecordings, effects.delete)


@dramatiq.actor(broker=broker, queue_name="batch")
def reprocess(body: str) -> None:
    """Run reprocessing steps (redact, rewrap, retention) on one stored recording."""
    _run(body, Reprocess, effects.reprocess)


@dramatiq.actor(broker=broker, queue_name="batch")
def retention_sweep(body: str) -> None:
    """Apply every account's retention window to the stored recordings."""
    _run(body, RetentionSweep, effects.retention_sweep)


@dramatiq.actor(broker=broker, queue_name="webhooks")
def deliver_webhook(body: str) -> None:
    """Deliver one webhook event of the HTTP API to one endpoint (retried with backoff)."""
    from worker.api.delivery import deliver_job

    _run(body, DeliverWebhook, lambda job, _backends: deliver_job(job))


#: The actor of each job kind.
ACTORS: dict[str, dramatiq.Actor] = {
    ProcessCall.kind: process_call,
    RedactRecording.kind: redact_recording,
    DeleteRecordings.kind: delete,
    Reprocess.kind: reprocess,
    RetentionSweep.kind: retention_sweep,
    DeliverWebhook.kind: deliver_webhook,
}
