"""The queue actors: thin. Each decodes its job and runs one plain operation of worker.queue.effects.

Queues: ``calls`` (post-call processing, latency matters), ``recordings`` (add-on redaction
and deletion of stored recordings), ``batch`` (reprocessing, retention sweeps), ``webhooks``
(the HTTP API's event deliveries), so a deployment can give batch work its own workers
(``callrec worker --queues batch``). Bad input (``callrec.errors.is_permanent``) fails at
once; anything else retries with backoff (see worker.queue.broker).

Actors are declared on a broker passed in (:func:`declare_actors`), never at import: a
worker process declares them with its job runner and backends (``worker.boot``); a process
that only sends jobs declares them without (running one there is a bug).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage

from worker.queue import effects
from worker.queue.broker import retry_policy
from worker.queue.jobs import (
    DeleteRecordings,
    DeliverWebhook,
    Job,
    ProcessCall,
    RedactRecording,
    Reprocess,
    RetentionSweep,
)

if TYPE_CHECKING:
    from worker.boot import Backends
    from worker.queue.runner import JobResult, JobRunner

#: Queue names, most urgent first (``webhooks``: the HTTP API's event deliveries).
QUEUES: tuple[str, ...] = ("calls", "recordings", "batch", "webhooks")

#: The actor of each job kind: its name, its queue, its one-line description.
ROUTES: dict[type[Job], tuple[str, str, str]] = {
    ProcessCall: ("process_call", "calls", "Assemble, redact and store one call (a manifest reference)."),
    RedactRecording: ("redact_recording", "recordings",
                      "Redact a stored recording in place; the unredacted version is destroyed."),
    DeleteRecordings: ("delete", "recordings", "Delete one recording or a ticket's recordings beyond recovery."),
    Reprocess: ("reprocess", "batch", "Run reprocessing steps (redact, rewrap, retention) on one stored recording."),
    RetentionSweep: ("retention_sweep", "batch", "Apply every account's retention window to the stored recordings."),
    DeliverWebhook: ("deliver_webhook", "webhooks",
                     "Deliver one webhook event of the HTTP API to one endpoint (retried with backoff)."),
}

#: Webhook deliveries are retried for 16 to 31 hours (Dramatiq's backoff is jittered between
#: half and all of its nominal value), backing off from CALLREC_JOB_MIN_BACKOFF_S (5 s) to an
#: hour: a receiver down for a night still gets its events, as with the webhook senders users
#: know (Stripe, GitHub, Zendesk); with the other jobs' 8 retries to 10 minutes they were lost
#: after about 21 minutes (session-47 audit). Events are kept 7 days (``webhooks.EVENT_TTL_S``).
WEBHOOK_RETRIES = 40
WEBHOOK_MAX_BACKOFF_S = 3600.0

#: What each job kind does, given the backends (webhook deliveries: see :func:`_effect`).
EFFECTS: dict[type[Job], Callable[[Job, Backends], JobResult]] = {
    ProcessCall: effects.process_call,
    RedactRecording: effects.redact_recording,
    DeleteRecordings: effects.delete,
    Reprocess: effects.reprocess,
    RetentionSweep: effects.retention_sweep,
}

#: What each job kind drops once it is done (never before: a retry or redelivery needs it).
FINISHED: dict[type[Job], Callable[[Job, Backends], None]] = {
    ProcessCall: effects.release_manifest,
}


def declare_actors(broker: RedisBroker, runner: JobRunner | None = None,
                   backends: Backends | None = None) -> dict[str, dramatiq.Actor]:
    """The actor of each job kind on ``broker`` (job kind -> actor), declared once per broker.

    With ``runner`` and ``backends`` (a worker process) each actor runs its job's effect over
    them; without, the actors only name queues to send to.
    """
    declared = broker.get_declared_actors()
    actors: dict[str, dramatiq.Actor] = {}
    for kind, (name, queue, doc) in ROUTES.items():
        if name in declared:
            actors[kind.kind] = broker.get_actor(name)
            continue

        def run(body: str, kind: type[Job] = kind) -> None:
            if runner is None or backends is None:
                raise RuntimeError("this process only sends jobs: its actors were declared without a runner")
            message = CurrentMessage.get_current_message()
            enqueued_at_s = message.message_timestamp / 1000 if message is not None else None
            effect, done = _effect(kind, broker), FINISHED.get(kind)
            runner.run(body, kind, lambda job: effect(job, backends), enqueued_at_s=enqueued_at_s,
                       finished=(lambda job: done(job, backends)) if done is not None else None)

        run.__name__ = run.__qualname__ = name
        run.__doc__ = doc
        options = ({"max_backoff": int(WEBHOOK_MAX_BACKOFF_S * 1000), "retry_when": retry_policy(WEBHOOK_RETRIES)}
                   if kind is DeliverWebhook else {})
        actors[kind.kind] = dramatiq.actor(run, broker=broker, actor_name=name, queue_name=queue, **options)
    return actors


def _effect(kind: type[Job], broker: RedisBroker) -> Callable[[Job, Backends], JobResult]:
    if kind is DeliverWebhook:  # the HTTP API's webhooks live in the queue's Redis
        from worker.api.delivery import deliver_job

        return lambda job, backends: deliver_job(job, broker.client, backends.settings, backends.vault)
    return EFFECTS[kind]
