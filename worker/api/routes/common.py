"""Helpers the resource modules share: job responses and the account's recordings."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from vault.errors import VaultInputError
from vault.index import IndexEntry
from vault.regional import RegionVault
from vault.regions import may_hold_card_number, region_of
from worker.api.errors import ApiError, not_found
from worker.api.keys import ApiKey
from worker.api.sources import as_the_account_names_it
from worker.api.submissions import Submitted
from worker.queue.records import JobStatus


def requester(key: ApiKey) -> str | None:
    """How a job and the audit trail name the API key that asked for it (``api-key:ID``); None
    for a key made before key ids were kept free of card-shaped digit runs whose id holds one
    (a job refuses it): the queue is named instead."""
    name = f"api-key:{key.key_id}"
    return None if may_hold_card_number(name) else name


def status_body(status: JobStatus, settings) -> dict:
    """A job's status as the API shows it (the encoded job and dead-letter reference left out;
    its reason naming files as the account's manifests do, ``as_the_account_names_it``)."""
    return {"job_id": status.job_id, "kind": status.kind, "state": status.state,
            "attempts": status.attempts, "enqueued_at": status.enqueued_at,
            "started_at": status.started_at, "finished_at": status.finished_at,
            "reason": as_the_account_names_it(status.reason, settings), "result": dict(status.result)}


def accepted(request: Request, submitted: Submitted, **extra) -> JSONResponse:
    """``202`` with the job's id, state and where to follow it (and ``extra`` fields)."""
    settings = request.app.state.services.settings
    body = status_body(submitted.status, settings) if submitted.status is not None else {"job_id": submitted.job_id}
    body["status_url"] = str(request.url_for("job", job_id=submitted.job_id).path)
    body.update(extra)
    return JSONResponse(body, status_code=202, headers={"Location": body["status_url"]})


def account_recording(request: Request, key: ApiKey, recording_id: str) -> tuple[RegionVault, IndexEntry]:
    """The region vault and index entry of one of the key's account's recordings. A malformed id
    is 400 saying only that its form is wrong. A well-formed id that is not the account's (none
    has it, another account's, a region not served here) is 404, every one alike; 400 alike when
    it holds a run of card-number length (no id generated since 2026-12-02 holds more than 3
    digits in a row, about 3 % of older ones do): it was 400 only when no recording had it, so
    a 404 told a key that another account's recording had (found by review)."""
    vault = request.app.state.services.vault
    try:
        region = region_of(recording_id)
    except VaultInputError:
        raise ApiError(400, "bad_request", "recording_id: not a recording id (want rec_<us|eu|au>_<32 hex digits>)",
                       "recording_id") from None
    region_vault = vault.region(region) if region in vault.regions else None
    entry = region_vault.find(recording_id) if region_vault is not None else None
    if entry is None or entry.account_id != key.account_id:
        if may_hold_card_number(recording_id):  # never echoed: a card number could hide in it
            raise ApiError(400, "bad_request", "recording_id: not one of this account's recordings, and it holds a "
                           "run of 12 or more digits (card-number length)", "recording_id")
        raise not_found(f"recording {recording_id}")
    return region_vault, entry


def text_param(request: Request, name: str, default: str | None = None) -> str | None:
    """Query parameter ``name`` (``default`` when absent): at most 500 printable characters, given
    once. Given twice it is refused, as a JSON field given twice is: Starlette took the last value
    (``as=agent:eve&as=agent:ann`` played as agent:ann), where a proxy that checked the first let
    another through (session 53)."""
    if len(request.query_params.getlist(name)) > 1:
        raise ApiError(400, "bad_request", f"{name}: given more than once", name)
    value = request.query_params.get(name, default)
    if value is not None and (len(value) > 500 or not value.isprintable()):
        raise ApiError(400, "bad_request", f"{name}: at most 500 printable characters", name)
    return value

