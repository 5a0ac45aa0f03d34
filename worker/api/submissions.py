"""Jobs submitted over HTTP: stored manifests, job ownership and ``Idempotency-Key``.

A manifest sent over HTTP is validated (as ``callrec enqueue`` does), its sources checked
(worker.api.sources), then written with absolute source locations under
``<data_dir>/api/manifests/<account>/`` where the workers read it (worker.calls.kept: sealed
with its region's key, kept while its job needs it, and never beyond its recording); its job
id is deterministic per account and call, so the same call sent twice with its manifest is one job
(with another, 409: worker.queue.submit.JobQueue.refuse_another_manifest). An Idempotency-Key is
kept in Redis as a keyed MAC under the first region's index MAC key (``Submitter._idem``). Every job the
API submits records its account (``callrec:api:job:<id>``): a key sees its own jobs only,
and the webhook events of a job go to its account.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import redis

from callrec.request_ids import current_request_id
from vault.vault import Vault
from worker.api.errors import ApiError
from worker.api.owners import NAMESPACE, record_owner
from worker.queue.jobs import Job
from worker.queue.records import JobStatus
from worker.queue.submit import JobQueue

#: How long an Idempotency-Key is remembered (Stripe keeps them 24 hours).
IDEMPOTENCY_TTL_S = 24 * 3600
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
#: The index MAC key's use for an Idempotency-Key's name (``RegionVault.name_tag``).
_IDEMPOTENCY_LABEL = b"callrec/v1 idempotency-key"


@dataclass(frozen=True)
class Submitted:
    """A job the API submitted (or found submitted already) and its status now."""

    job_id: str
    status: JobStatus | None
    created: bool


class Submitter:
    """Submits jobs for an account, once per job id and once per Idempotency-Key."""

    def __init__(self, queue: JobQueue, client: redis.Redis, *, vault: Vault) -> None:
        self.queue = queue
        self.client = client
        self.vault = vault

    def submit(self, job: Job, account_id: str, *, prepare=None, retry_failed: bool = False) -> Submitted:
        """Enqueue ``job`` for ``account_id`` unless it exists (a repeatable job that finished runs
        again: ``Job.repeatable``); ``prepare()`` runs before it is sent when it does not (e.g.
        writes the manifest); a failed job is resubmitted when ``retry_failed``; a call's job made
        from another manifest is refused (CallTakenError: ``JobQueue.refuse_another_manifest``). The job carries the id of the
        request being served (``callrec.request_ids``), for its log lines and audit records."""
        if job.request_id is None and current_request_id() is not None:
            job = job.copy(request_id=current_request_id())
        record_owner(self.client, job.job_id, account_id)  # first: a fast worker announces the outcome
        current = self.queue.status.get(job.job_id)
        if current is not None:
            self.queue.refuse_another_manifest(job, current)  # a call taken with another: 409, nothing kept
        created = False
        if current is None or (current.state == "done" and job.repeatable):
            created = self.queue.submit(job, prepare=prepare)  # refuses too when another raced it in
        elif retry_failed and current.state == "failed":
            created = self.queue.resubmit_failed(job, prepare=prepare)  # one of corrections racing
        return Submitted(job.job_id, self.queue.status.get(job.job_id), created)

    def remembered(self, account_id: str, key: str | None, body: bytes) -> str | None:
        """The job id an earlier request with this Idempotency-Key made, or None: this request goes
        on, and the key is claimed for its body before anything is submitted (atomically: of two
        requests racing with one key and different bodies one goes on, the other is refused);
        422 when the key was used for a different request. While the first request is still
        submitting, a retry of the same body goes on too (its job id is the same)."""
        if key is None:
            return None
        name, digest = self._idem(account_id, key), _request_digest(body)
        claim = json.dumps({"job_id": None, "digest": digest})
        for _ in range(2):  # once more when the record expired between the claim and the read
            if self.client.set(name, claim, ex=IDEMPOTENCY_TTL_S, nx=True):
                return None
            found = self.client.get(name)
            if found is not None:
                break
        else:
            return None
        record = json.loads(found)
        if record["digest"] not in (digest, _digest(body)):  # (a record made before JSON was compared as JSON)
            raise ApiError(422, "idempotency_key_reused", "Idempotency-Key was used for a different "
                           "request; use a new key for a new request", "Idempotency-Key")
        return record["job_id"]

    def remember(self, account_id: str, key: str | None, body: bytes, job_id: str) -> None:
        """The job this request made, under the key it claimed (``remembered``)."""
        if key is not None:
            record = json.dumps({"job_id": job_id, "digest": _request_digest(body)})
            self.client.set(self._idem(account_id, key), record, ex=IDEMPOTENCY_TTL_S)

    def release(self, account_id: str, key: str | None, body: bytes) -> None:
        """Give back the key this request claimed when it was refused before it made a job (a bad
        manifest): the client may send the corrected request under it. A key that names a job stays."""
        if key is None:
            return
        name = self._idem(account_id, key)
        found = self.client.get(name)
        if found is not None and json.loads(found) == {"job_id": None, "digest": _request_digest(body)}:
            self.client.delete(name)

    def _idem(self, account_id: str, key: str) -> str:
        """The Redis name of ``key``'s record: a key's plain digest gave back a card number in it by
        trying card numbers (a BIN and the Luhn check leave about 10^8), and refusing keys that could
        hold one missed cards glued to letters (session 55's review); a keyed MAC under a key Redis
        never holds (the first region's index MAC key, in its key store under its KEK) gives nothing
        back. The first region: the request's is not known before its body is read."""
        region = self.vault.region(self.vault.regions[0])
        return f"{NAMESPACE}:idem:{account_id}:{region.name_tag(_IDEMPOTENCY_LABEL, key.encode())}"


def idempotency_key(headers) -> str | None:
    """The request's Idempotency-Key, or None; 400 when it is malformed. Redis keeps only a keyed
    MAC of it (``Submitter._idem``)."""
    key = headers.get("idempotency-key")
    if key is not None and not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(400, "bad_request", "Idempotency-Key: 1 to 255 visible ASCII characters",
                       "Idempotency-Key")
    return key


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _request_digest(body: bytes) -> str:
    """A request body's digest: of its JSON as JSON (keys sorted, no spacing), so the same
    document written otherwise by another client is the same request (session-47 audit); of
    its bytes when it is not JSON (refused later anyway)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (ValueError, RecursionError):
        return _digest(body)
    return _digest(canonical.encode("utf-8", "surrogatepass"))
