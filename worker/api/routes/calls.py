"""``POST /v1/calls``: a call manifest in, a post-call job out (``202`` + job id)."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.routing import Route

from callrec.errors import shown
from vault.secrets import SecretBox
from vault.vault import Vault
from worker.api.auth import authenticate
from worker.api.errors import ApiError
from worker.api.handlers import blocking, endpoint
from worker.api.profiles import profiles_of
from worker.api.requests import decode_json, read_body
from worker.api.routes.common import accepted
from worker.api.sources import account_inbox, check_sources, inbox_named
from worker.api.submissions import Submitted, idempotency_key
from worker.calls import sources as worker_sources
from worker.errors import ManifestError, SourceError
from worker.queue.jobs import ProcessCall
from worker.calls.limits import InputLimits
from worker.calls.manifest import Manifest, parse_manifest
from worker.calls.manifest_digest import manifest_digest, resolved
from worker.calls.kept import manifest_path, write_manifest


@endpoint
async def submit_call(request: Request):
    key = await authenticate(request)
    services = request.app.state.services
    idem = idempotency_key(request.headers)
    _json_only(request)
    settings = services.settings
    body = await read_body(request, min(settings.api_max_body_bytes, settings.max_manifest_bytes))
    done_before = await blocking(services.submitter.remembered, key.account_id, idem, body)  # Redis: off the loop
    if done_before is not None:
        return accepted(request, Submitted(done_before, await blocking(services.queue.status.get, done_before), False))
    try:
        data = decode_json(body, "manifest")
        profile = await blocking(profiles_of(services).get, key.account_id)
        submitted = await blocking(submit_manifest, services, key.account_id, data, profile)
    except BaseException:
        await blocking(services.submitter.release, key.account_id, idem, body)  # no job: the key is free
        raise
    await blocking(services.submitter.remember, key.account_id, idem, body, submitted.job_id)
    return accepted(request, submitted)


def submit_manifest(services, account_id: str, data, profile: dict | None) -> Submitted:
    """Validate ``data`` as ``account_id``'s manifest, keep it for the workers, enqueue its job.
    ``profile``: the account's profile, read once by the caller (None: it has none)."""
    settings = services.settings
    inbox = account_inbox(settings, account_id)
    manifest = parse_manifest(data, inbox if inbox is not None else settings.data_dir / "api" / "no-inbox")
    if manifest.account.id != account_id:
        raise ManifestError(f"account.id: {shown(manifest.account.id)} is not this API key's account")
    InputLimits.from_settings(settings).check_manifest(manifest)  # as the worker will, but now
    if profile is not None and profile.get("region") not in (None, manifest.account.region):
        # the account's region is where everything of its recordings stays (DESIGN.md §1)
        raise ManifestError(f"account.region: {shown(manifest.account.region)} is not the account's region "
                            f"({profile['region']}, in its profile)")
    check_sources(manifest, settings, profiles_of(services).owned_sid(account_id, profile) if profile else None)
    box = region_box(services.vault, manifest.account.region)
    path = manifest_path(settings.data_dir, account_id, manifest.call_id)
    try:
        worker_sources.check_sources(replace(manifest, base_dir=path.parent), settings)  # as the worker will
    except SourceError as exc:  # the account's files named as its manifests name them, not by the server's paths
        raise SourceError(inbox_named(str(exc), settings, account_id)) from None
    # the call taken already with another manifest: 409 (Submitter.submit), nothing kept or queued
    job = ProcessCall.for_call(str(path), account_id, manifest.call_id, manifest_digest(manifest))
    return services.submitter.submit(job, account_id, prepare=lambda: write_manifest(path, stored(manifest), box),
                                     retry_failed=True)


def region_box(vault: Vault, region: str) -> SecretBox:
    """The secrets box that seals a manifest of ``region`` (its workers open it with it);
    a region this deployment does not serve is the manifest's problem."""
    if region not in vault.regions:
        raise ManifestError(f"account.region: {shown(region)} is not served here (have {', '.join(vault.regions)})")
    return vault.region(region).secrets


def stored(manifest: Manifest) -> dict:
    """The manifest as the workers read it: local sources as absolute paths (as its digest reads it)."""
    return resolved(manifest)


def _json_only(request: Request) -> None:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise ApiError(415, "unsupported_media_type", "manifest: send it as application/json")


ROUTES = [Route("/v1/calls", submit_call, methods=["POST"], name="calls")]
