"""The id of the HTTP request being served (its ``X-Request-Id``), for every layer to name.

``callrec serve`` sets it for each request (``worker.api.request_ids``); the log lines
(``worker.queue.logs``) and the audit records (``vault.audit``) written while the request is
served carry it, so an operator can tie a caller's complaint to them. It is a context
variable: the request's task and the threads its blocking calls run in (which copy the
context) see it; a worker's job, or the CLI, has none.
"""

from __future__ import annotations

from contextvars import ContextVar

#: The id of the request being served; None outside a request.
REQUEST_ID: ContextVar[str | None] = ContextVar("callrec_request_id", default=None)


def current_request_id() -> str | None:
    return REQUEST_ID.get()
