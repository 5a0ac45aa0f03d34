"""Middleware of the workers' broker announcing API jobs' outcomes as webhook events.

After a job submitted over the API (worker.api.owners) is done or has failed for good, an
event (``job.done``, ``job.failed``, and ``recording.deleted`` for deletions) is stored and
one ``deliver_webhook`` job per endpoint of its account is enqueued. It sits before
JobLifecycle in the middleware list, so its after-hook runs once Retries has decided.
Event and delivery ids are deterministic: a redelivered job announces nothing twice.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from dramatiq.middleware import Middleware

from worker.queue import logs
from worker.api.owners import job_owner
from worker.api.webhooks import WebhookStore, event_id
from worker.queue.jobs import DeleteRecordings, DeliverWebhook, Job, JobDecodeError
from worker.settings import Settings

log = logging.getLogger("callrec.webhooks")


class WebhookEvents(Middleware):
    """Announces the outcome of each API job as webhook events (``settings``: the queue's)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def after_process_message(self, broker: Any, message: Any, *, result: Any = None,
                              exception: BaseException | None = None) -> None:
        if exception is not None and not message.failed:
            return  # will be retried: no outcome yet
        try:
            job = Job.decode(message.args[0])
        except (JobDecodeError, IndexError, TypeError):
            return
        if isinstance(job, DeliverWebhook):
            return
        try:
            announce(broker, job, self.settings)
        except Exception as exc:  # an event lost must not fail the job that is done
            logs.event(log, "webhook_event_failed", logging.ERROR, job_id=job.job_id,
                       exc_type=type(exc).__name__)


def announce(broker: Any, job: Job, settings: Settings) -> int:
    """Store the events of ``job``'s outcome and enqueue their deliveries; how many."""
    from worker.queue.records import JobRecords

    client = broker.client
    account_id = job_owner(client, job.job_id)
    if account_id is None:
        return 0
    status = JobRecords(client).get(job.job_id)
    if status is None or status.state not in ("done", "failed"):
        return 0
    store = WebhookStore(client)
    endpoints = store.endpoints(account_id)
    if not endpoints:
        return 0
    stamp = f"{status.enqueued_at or 0:.3f}"
    events = []
    base = {"job_id": job.job_id, "kind": job.kind, "state": status.state}
    if status.state == "done":
        events.append(("job.done", {**base, "result": dict(status.result)}))
        if isinstance(job, DeleteRecordings) and status.result.get("deleted", "0") != "0":
            target = ({"recording_id": job.recording_id} if job.recording_id else {"ticket_id": job.ticket_id})
            events.append(("recording.deleted", {**target, "deleted": int(status.result["deleted"]),
                                                 "job_id": job.job_id}))
    else:
        from worker.api.sources import as_the_account_names_it  # the pipeline's imports: not at the broker's

        events.append(("job.failed", {**base, "reason": as_the_account_names_it(status.reason, settings)}))
    from worker.queue.submit import JobQueue

    queue = JobQueue(broker, settings)
    sent = 0
    for event_type, data in events:
        ident = event_id(job.job_id, event_type, stamp)
        store.put_event(account_id, event_type, json.loads(json.dumps(data)), ident)
        for endpoint in endpoints:
            sent += queue.submit(DeliverWebhook.for_event(endpoint.endpoint_id, ident))
    return sent
