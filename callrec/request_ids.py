"""The id of the HTTP request being served (its ``X-Request-Id``), for every layer to name.

``callrec serve`` sets it for each request (``worker.api.request_ids``); the log lines
(``worker.queue.logs``) and the audit records (``vault.audit``) written while the request is
served carry it, so an operator can tie a caller's complaint to them, and so does a job the
request queued (its ``request_id``: ``worker.queue.runner.JobRunner`` sets it while the job
runs). It is a context variable: the request's task and the threads its blocking calls run in
(which copy the context) see it; the CLI, and a job no request queued, have none.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

#: The most characters of a request id.
MAX_LENGTH = 128
#: The form of a request id, which the API keeps from a client and a job message carries:
#: 1 to MAX_LENGTH of ``A-Z a-z 0-9 . _ -`` (one form for both, or a request whose id the API
#: kept could not queue its job).
FORM = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_LENGTH}}}")

#: The id of the request being served; None outside a request.
REQUEST_ID: ContextVar[str | None] = ContextVar("callrec_request_id", default=None)


def current_request_id() -> str | None:
    return REQUEST_ID.get()
