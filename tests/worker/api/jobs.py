"""Waiting on jobs through the API."""

from __future__ import annotations

from tests.worker.workers import wait_for


def wait_done(api, headers, job_id: str, *, timeout_s: float = 60.0, worker=None) -> dict:
    """The status of a job that must end done (the failure reason shown when it does not)."""
    status = wait_job(api, headers, job_id, timeout_s=timeout_s, worker=worker)
    assert status["state"] == "done", status
    return status


def wait_job(api, headers, job_id: str, *, timeout_s: float = 60.0, worker=None) -> dict:
    """Poll ``GET /v1/jobs/{id}`` until the job is done or failed; its last status."""

    def finished():
        body = api.get(f"/v1/jobs/{job_id}", headers=headers).json()
        return body if body.get("state") in ("done", "failed") else None

    return wait_for(finished, timeout_s=timeout_s, what=f"job {job_id}", workers=(worker,) if worker else ())
