"""The job schema: what a queue message carries, as frozen dataclasses with encode/decode.

A job holds references only (ids, URIs, step names): never audio, transcripts or digits. Every
field is checked against a narrow pattern when a job is made or decoded, so free text cannot
slip card data into the queue, the job status or the logs. Job ids are deterministic, so the
same work enqueued twice is one job (see worker.queue.records).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar

from callrec.errors import shown
from callrec.request_ids import FORM as REQUEST_ID_FORM
from vault.regions import card_number_problem
from worker.calls.manifest_digest import DIGEST_PATTERN
from worker.calls.source_names import holds_card_number
from worker.errors import JobDecodeError

#: Ids: recording, account, ticket, batch and job ids; also the ids an operator or an API
#: caller names (``reference_problem``).
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+@-]{0,127}")
#: Recording ids have one format (vault.regions.recording_id): region and 32 hex digits.
_RECORDING = re.compile(r"rec_(?:us|eu|au)_[0-9a-f]{32}")
#: Manifest references: a path, a ``file:`` or an ``s3://`` URI (never inline ``data:``), in
#: any script (/srv/appels/réunion d'équipe.json); no control, bidi, invisible-format or line
#: separator characters, which could hide or reorder what a log shows.
#: Characters that hide or reorder text as it is shown: soft hyphen, bidi marks, overrides and
#: isolates, zero-width and invisible-format characters, line and paragraph separators, tags.
HIDDEN_CHARACTERS = ("\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
                     "\U000e0000-\U000e007f")
_URI = re.compile(f"(?!data:)[^\x00-\x1f\x7f-\x9f{HIDDEN_CHARACTERS}]{{1,1024}}")
#: Free-text reasons carry no digits at all, so they can never carry card data.
_REASON = re.compile(r"[A-Za-z][A-Za-z ,._'-]{0,199}")
#: Who asked for a stored recording's job, as the audit trail names it: an API key
#: (``api-key:`` and its public id; ``worker.api.routes.common.requester``).
_REQUESTER = re.compile(r"api-key:[0-9a-f]{16}")
#: A manifest's digest as a call's job keeps it (worker.calls.manifest_digest).
_MANIFEST_DIGEST = re.compile(DIGEST_PATTERN)
#: Reprocessing steps, applied in this order.
STEPS: tuple[str, ...] = ("redact", "rewrap", "retention")


@dataclass(frozen=True)
class Job:
    """Base of every job: a kind, a deterministic id, and references only."""

    kind: ClassVar[str] = ""
    #: Fields left out of the encoded job when None (as before they were added).
    optional_fields: ClassVar[tuple[str, ...]] = ("request_id",)
    #: Asked for again after it finished, the job runs again (its id stays its target's): True for
    #: work whose repeat means something (re-redact with newer detectors, delete leftovers again).
    repeatable: ClassVar[bool] = False
    job_id: str
    #: The HTTP request that asked for it (its ``X-Request-Id``: worker.api.request_ids): the
    #: job's log lines and audit records name it too (``JobRunner``); None for other jobs.
    request_id: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _check(self, "job_id", self.job_id, REFERENCE)
        if self.request_id is not None:
            _check(self, "request_id", self.request_id, REQUEST_ID_FORM)  # the API's (a leading "_" too)
            _check_no_card_run(self, "request_id", self.request_id)

    def encode(self) -> str:
        """The JSON text that travels in the queue message (without ``request_id`` when no
        request asked for it, as before requests had ids; so for every ``optional_fields``)."""
        body = _plain(asdict(self))
        for name in self.optional_fields:
            if body[name] is None:
                del body[name]
        return json.dumps({"kind": self.kind, **body}, sort_keys=True)

    def copy(self, **changes: Any) -> Job:
        return replace(self, **changes)

    @staticmethod
    def decode(text: str) -> Job:
        """Parse and check a message body; raise JobDecodeError saying what is wrong."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise JobDecodeError("job message is not JSON") from exc
        if not isinstance(data, dict):
            raise JobDecodeError("job message is not a JSON object")
        kind = data.pop("kind", None)
        cls = KINDS.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise JobDecodeError(f"job kind {_safe(kind)} is unknown; known: {', '.join(sorted(KINDS))}")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise JobDecodeError(f"{cls.kind} job: unknown field {_safe(unknown[0])}")
        missing = sorted(f.name for f in fields(cls) if f.name not in data and _required(f))
        if missing:
            raise JobDecodeError(f"{cls.kind} job: missing field {missing[0]!r}")
        if "steps" in data and isinstance(data["steps"], list):
            data["steps"] = tuple(data["steps"])
        try:
            return cls(**data)
        except TypeError as exc:
            raise JobDecodeError(f"{cls.kind} job: bad fields") from exc


@dataclass(frozen=True)
class ProcessCall(Job):
    """Post-call processing of one call manifest into the vault."""

    kind: ClassVar[str] = "process_call"
    optional_fields: ClassVar[tuple[str, ...]] = ("request_id", "manifest_digest")
    manifest_uri: str
    #: The digest of the manifest the job was made from (worker.calls.manifest_digest), never the
    #: manifest itself; None for a job made before digests were kept.
    manifest_digest: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(self, "manifest_uri", self.manifest_uri, _URI)
        if self.manifest_digest is not None:
            _check(self, "manifest_digest", self.manifest_digest, _MANIFEST_DIGEST)
        if holds_card_number(self.manifest_uri):  # it stays in the message and the job's record
            raise JobDecodeError(f"{self.kind} job: manifest path could hold a card number (a number standing "
                                 "apart of 13-19 digits that passes the Luhn check); rename it")

    @classmethod
    def for_call(cls, manifest_uri: str, account_id: str, call_id: str,
                 manifest_digest: str | None = None) -> ProcessCall:
        """The job of one call: its id keys on the recording (account and call), not on the
        manifest's path, so the same call delivered under two paths is one job; it keeps
        ``manifest_digest``, the digest of the manifest it is made from."""
        recording = "\n".join((account_id, call_id))  # neither holds a newline (manifest ids)
        return cls(job_id=f"call-{_digest(recording)}", manifest_uri=manifest_uri, manifest_digest=manifest_digest)

    def same_manifest(self, other: ProcessCall) -> bool:
        """Whether ``other`` (its call sent again) was made from this job's manifest. A job
        without a digest (made before they were kept) cannot tell: it takes the call as made
        from its manifest, as such jobs always did."""
        return None in (self.manifest_digest, other.manifest_digest) or self.manifest_digest == other.manifest_digest


@dataclass(frozen=True)
class RedactRecording(Job):
    """Redact a stored recording in place; its unredacted version is destroyed."""

    kind: ClassVar[str] = "redact_recording"
    repeatable: ClassVar[bool] = True  # the detectors may be newer than the last run's
    recording_id: str
    #: Who asked (the audit trail's actor; None: the queue itself).
    requested_by: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(self, "recording_id", self.recording_id, _RECORDING)
        _check_requester(self)

    @classmethod
    def for_recording(cls, recording_id: str, requested_by: str | None = None) -> RedactRecording:
        return cls(job_id=f"redact-{_digest(recording_id)}", recording_id=recording_id, requested_by=requested_by)


@dataclass(frozen=True)
class Reprocess(Job):
    """Run reprocessing steps (redact, rewrap, retention) on one stored recording."""

    kind: ClassVar[str] = "reprocess"
    recording_id: str
    steps: tuple[str, ...]
    batch_id: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(self, "recording_id", self.recording_id, _RECORDING)
        object.__setattr__(self, "steps", check_steps(self.steps))
        if self.batch_id is not None:
            _check(self, "batch_id", self.batch_id, REFERENCE)
            _check_no_card_run(self, "batch_id", self.batch_id)

    @classmethod
    def for_batch(cls, batch_id: str, recording_id: str, steps: tuple[str, ...]) -> Reprocess:
        job_id = f"re-{batch_id}-{_digest(recording_id)}"
        return cls(job_id=job_id, recording_id=recording_id, steps=steps, batch_id=batch_id)


@dataclass(frozen=True)
class RetentionSweep(Job):
    """Apply every account's retention window to the stored recordings."""

    kind: ClassVar[str] = "retention_sweep"
    dry_run: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.dry_run, bool):
            raise JobDecodeError(f"{self.kind} job: dry_run must be true or false")


@dataclass(frozen=True)
class DeleteRecordings(Job):
    """Delete one recording, or every recording of an account's ticket, beyond recovery."""

    kind: ClassVar[str] = "delete"
    repeatable: ClassVar[bool] = True  # a repeated delete destroys whatever lies under the tombstone
    recording_id: str | None = None
    ticket_id: str | None = None
    #: The ticket's account (ticket ids are per account); only with ``ticket_id``.
    account_id: str | None = None
    reason: str = field(default="manual")
    #: Who asked (the tombstone's and audit trail's actor; None: the queue itself).
    requested_by: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.recording_id is None) == (self.ticket_id is None):
            raise JobDecodeError(f"{self.kind} job: give exactly one of recording_id and ticket_id")
        if (self.ticket_id is None) != (self.account_id is None):
            raise JobDecodeError(f"{self.kind} job: account_id goes with ticket_id, and only with it")
        if self.recording_id is not None:
            _check(self, "recording_id", self.recording_id, _RECORDING)
        for name in ("ticket_id", "account_id"):
            if getattr(self, name) is not None:
                _check(self, name, getattr(self, name), REFERENCE)
                _check_no_card_run(self, name, getattr(self, name))
        _check(self, "reason", self.reason, _REASON)
        _check_requester(self)

    @classmethod
    def for_target(cls, *, recording_id: str | None = None, ticket_id: str | None = None,
                   account_id: str | None = None, reason: str = "manual",
                   at_s: float | None = None, requested_by: str | None = None) -> DeleteRecordings:
        """A deleted recording stays deleted, so its job id is its target alone. A ticket
        gains recordings after a deletion, so its job id carries the request's second
        (``at_s``, default now): a later request is a new job, not "done already"."""
        if recording_id is not None:
            target = f"recording:{recording_id}"
        else:
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(time.time() if at_s is None else at_s))
            target = f"ticket:{account_id}:{ticket_id}:{stamp}"
        return cls(job_id=f"delete-{_digest(target)}", recording_id=recording_id,
                   ticket_id=ticket_id, account_id=account_id, reason=reason, requested_by=requested_by)


@dataclass(frozen=True)
class DeliverWebhook(Job):
    """Deliver one stored webhook event to one endpoint (worker.api.delivery)."""

    kind: ClassVar[str] = "deliver_webhook"
    endpoint_id: str
    event_id: str

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(self, "endpoint_id", self.endpoint_id, REFERENCE)
        _check(self, "event_id", self.event_id, REFERENCE)

    @classmethod
    def for_event(cls, endpoint_id: str, event_id: str) -> DeliverWebhook:
        return cls(job_id=f"hook-{_digest(f'{endpoint_id}:{event_id}')}", endpoint_id=endpoint_id,
                   event_id=event_id)


KINDS: dict[str, type[Job]] = {
    cls.kind: cls for cls in (ProcessCall, RedactRecording, Reprocess, RetentionSweep, DeleteRecordings,
                              DeliverWebhook)
}


def check_steps(steps: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse unknown, repeated or missing steps; return them in canonical order."""
    if not isinstance(steps, tuple) or not steps:
        raise JobDecodeError(f"steps: give one or more of {', '.join(STEPS)}")
    for step in steps:
        if step not in STEPS:
            raise JobDecodeError(f"steps: {_safe(step)} is not one of {', '.join(STEPS)}")
    if len(set(steps)) != len(steps):
        raise JobDecodeError("steps: a step is named twice")
    return tuple(step for step in STEPS if step in steps)


def _check(job: Job, name: str, value: object, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        want = " (want rec_<us|eu|au>_<32 hex digits>)" if pattern is _RECORDING else ""
        raise JobDecodeError(f"{job.kind or 'job'} job: {name} is not a valid reference{want}")


def _check_requester(job: RedactRecording | DeleteRecordings) -> None:
    if job.requested_by is not None:
        _check(job, "requested_by", job.requested_by, _REQUESTER)
        _check_no_card_run(job, "requested_by", job.requested_by)


def _check_no_card_run(job: Job, name: str, value: str) -> None:
    problem = card_number_problem(value)  # ids an operator types (account, ticket, batch)
    if problem is not None:
        raise JobDecodeError(f"{job.kind or 'job'} job: {name} {problem}")


def reference_problem(text: str) -> str | None:
    """Why ``text`` is not an id an operator or an API caller may name (an account, a ticket, a
    principal: they go into jobs, the audit trail and review-link tokens), worded for
    ``<field>: <problem>`` and never holding the text; None when it is one."""
    if not REFERENCE.fullmatch(text):
        return "is not an id (letters, digits and ._:+@- only, at most 128)"
    return card_number_problem(text)


def _required(f: Any) -> bool:
    from dataclasses import MISSING

    return f.default is MISSING and f.default_factory is MISSING


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _safe(value: object) -> str:
    """Name a bad value without echoing it when it could hold digits or long text."""
    return shown(value)
