"""``GET /v1/jobs/{job_id}``: the status of a job this account submitted."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from callrec.errors import shown
from worker.api.auth import authenticate
from worker.api.errors import not_found
from worker.api.handlers import blocking, endpoint
from worker.api.routes.common import status_body
from worker.api.owners import job_owner


@endpoint
async def job(request: Request):
    key = await authenticate(request)
    services = request.app.state.services
    job_id = request.path_params["job_id"]

    def read():  # Redis: in the thread pool, never on the event loop
        return services.queue.status.get(job_id) if job_owner(services.client, job_id) == key.account_id else None

    status = await blocking(read)
    if status is None:
        raise not_found(f"job {shown(job_id)} (ids are returned when a job is submitted)")
    return JSONResponse(status_body(status, services.settings))


ROUTES = [Route("/v1/jobs/{job_id}", job, methods=["GET"], name="job")]
