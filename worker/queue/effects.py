"""What each job does: plain functions from a job to a JobResult, over the pipeline and vault.

No queue code here and no DSP or crypto: each function calls the pipeline (worker.calls.pipeline)
or the vault's operations on stored recordings, then reports references and counts. Every
function is safe to run twice for the same job (deterministic recording ids, operations that
check the current state first), which is what makes a redelivered job harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from vault.index import IndexEntry
from vault.retention import is_due
from worker.calls import kept as manifests
from worker.calls import pipeline
from worker.stored import operations
from worker.boot import Backends
from worker.settings import Settings
from worker.errors import ManifestError
from worker.queue.jobs import DeleteRecordings, ProcessCall, RedactRecording, Reprocess, RetentionSweep
from worker.queue.metrics import job_metrics
from worker.calls.redacting import current_detector_version
from worker.queue.runner import JobResult

#: Who the audit trail names for deletions made by queue jobs.
ACTOR = "callrec-queue"


def process_call(job: ProcessCall, backends: Backends) -> JobResult:
    outcome = pipeline.process_call(manifest_path(job.manifest_uri), backends, job.manifest_digest)
    references = {"recording_id": outcome.recording_id, "stored": _yes(outcome.stored)}
    if outcome.reason:
        references["reason"] = outcome.reason
    if outcome.already_stored or not outcome.stored:
        return JobResult(references=references)  # nothing new processed: no counts
    return JobResult(references=references, recorded_s=outcome.recorded_duration_s,
                     spans_by_kind=dict(outcome.spans_by_kind))


def release_manifest(job: ProcessCall, backends: Backends) -> None:
    """Once the call's job is done, remove its manifest when the HTTP API kept it for the
    workers (worker.calls.kept); a manifest an operator enqueued is the operator's file."""
    if job.manifest_uri.startswith("s3://"):
        return  # never the API's (nor ever done: the pipeline refuses it)
    path = manifest_path(job.manifest_uri)
    if manifests.is_kept(backends.settings.data_dir, path):
        manifests.forget(Path(path))


def redact_recording(job: RedactRecording, backends: Backends) -> JobResult:
    """Redact in place; a recording already redacted by the current detectors is left alone."""
    outcome = operations.redact_stored(job.recording_id, backends, actor=job.requested_by or ACTOR)
    references = {"recording_id": outcome.recording_id, "redacted": _yes(outcome.redacted),
                  "detector_version": outcome.detector_version}
    if outcome.reason:
        references["reason"] = outcome.reason
    return JobResult(references=references, spans_by_kind=dict(outcome.spans_by_kind))


def detector_version(backends: Backends) -> str:
    """The detector version a redaction would record now (the batch's redact target)."""
    return current_detector_version(backends.recognizer)


def reprocess(job: Reprocess, backends: Backends) -> JobResult:
    """Steps in order (redact, rewrap, retention); each leaves a recording at target alone. A
    recording past its retention window, with the retention step, is deleted first and nothing
    else: past it no one re-processes it (``operations.refuse_past_retention``)."""
    references = {"recording_id": job.recording_id}
    if "retention" in job.steps and operations.apply_retention(job.recording_id, backends.vault):
        return JobResult(references={**references, "deleted": "yes"}, spans_by_kind={})
    spans_by_kind = {}
    if "redact" in job.steps:
        redacted = redact_recording(RedactRecording.for_recording(job.recording_id), backends)
        references["redacted"] = redacted.references["redacted"]
        spans_by_kind = dict(redacted.spans_by_kind)
    if "rewrap" in job.steps:
        changed = operations.rewrap_recording(job.recording_id, backends.vault)
        references["keys_rewrapped"] = str(changed)
    if "retention" in job.steps:
        references["deleted"] = "no"  # not due (it was deleted first otherwise)
    return JobResult(references=references, spans_by_kind=spans_by_kind)


def retention_sweep(job: RetentionSweep, backends: Backends) -> JobResult:
    from worker.queue.broker import redis_client
    from worker.queue.records import FailedCallJobs, JobRecords

    client = redis_client(backends.settings)
    try:
        jobs = FailedCallJobs(JobRecords(client))  # to mark manifests of jobs failed without a mark
        report = operations.retention_sweep(backends.vault, dry_run=job.dry_run,
                                            failed_manifests=manifests.FailedManifests.from_settings(
                                                backends.settings, jobs))
    finally:
        client.close()
    if report.reclaimed:
        job_metrics().reclaimed(report.reclaimed)
    return JobResult(references={"scanned": str(report.scanned), "due": str(report.due),
                                 "deleted": str(report.deleted), "dry_run": _yes(report.dry_run),
                                 "reclaimed": str(report.reclaimed),
                                 "manifests_expired": str(report.manifests_expired),
                                 "tickets_marked": str(report.tickets_marked)})


def mark_failed(job: ProcessCall, settings: Settings, at: datetime) -> None:
    """A call's job failed for good: when the HTTP API kept its manifest, note when beside it,
    so the retention sweep removes it once it has been failed for its window
    (worker.calls.kept.expire_failed) unless a retry or the call sent again comes first."""
    if job.manifest_uri.startswith("s3://"):
        return
    path = manifest_path(job.manifest_uri)
    if manifests.is_kept(settings.data_dir, path):
        manifests.mark_failed(Path(path), at)


def delete(job: DeleteRecordings, backends: Backends) -> JobResult:
    actor = job.requested_by or ACTOR
    if job.recording_id is not None:
        outcome = operations.delete_recording(job.recording_id, backends.vault, actor=actor, reason=job.reason)
    else:
        outcome = operations.delete_ticket(job.ticket_id, job.account_id, backends.vault, actor=actor,
                                           reason=job.reason)
    if outcome.reclaimed:
        job_metrics().reclaimed(outcome.reclaimed)
    return JobResult(references={"recordings": str(len(outcome.recording_ids)),
                                 "deleted": str(outcome.deleted),
                                 "already_deleted": str(outcome.already_deleted),
                                 "reclaimed": str(outcome.reclaimed)})


def manifest_path(uri: str) -> str:
    """A job's manifest reference as a local path (``file:`` URIs and plain paths)."""
    if uri.startswith("s3://"):
        raise ManifestError(f"manifest {uri}: s3:// manifests are not supported; give a local path")
    return uri.removeprefix("file://").removeprefix("file:")


def retention_judge(account_id: str, backends: Backends) -> Callable[[IndexEntry], bool]:
    """Whether the current retention window has passed for a recording of ``account_id`` (the
    sweep's judgement, ``vault.retention.is_due``), the account's policy read once per region,
    now: a policy out of range or unreadable raises here (VaultInputError, refusing a batch
    whole), and the judgement raises only for a recording's own window."""
    vault = backends.vault
    policies = {region: vault.region(region).policy(account_id) for region in vault.regions}
    return lambda entry: is_due(entry, policies[entry.region], vault.region(entry.region).clock())


def past_window(entry: IndexEntry, backends: Backends) -> bool:
    """True when ``entry`` is past the window a redaction of it is refused by
    (``operations.past_retention``: False when that window is out of range)."""
    return operations.past_retention(backends.vault.region(entry.region), entry)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
