"""Structured JSON logs, one object per line, with no content in them.

``event(logger, name, **fields)`` logs a named event whose fields are references and
numbers only (job ids, recording ids, kinds, counts, seconds). The formatter keeps an
exception's class and, for our own errors (whose messages are written to be safe), its
message; a foreign exception's message could echo data, so only its class and stack are kept.
Every text of a line but its time and stack (the message, the reason, any string field)
passes through ``worker.errors.scrub_digits``, so a card number echoed by an error never
reaches a log. A line written while an HTTP request is served, or while a job it queued
runs, names its ``request_id``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from typing import Any

from callrec.errors import CallrecError
from callrec.request_ids import current_request_id
from worker.errors import scrub_digits

#: Libraries that log the URLs they fetch, query string included.
_URL_LOGGERS = ("httpx", "httpcore")
#: Field types allowed in an event: references and numbers, never arrays or free objects.
_PLAIN = (str, int, float, bool, type(None))


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, message, event fields."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub_digits(record.getMessage()),
        }
        request_id = current_request_id()  # the HTTP request being served, or that queued the job
        if request_id is not None:
            body["request_id"] = scrub_digits(request_id)  # one the API took is left as it is
        body.update({key: scrub_digits(value) if isinstance(value, str) else value
                     for key, value in getattr(record, "fields", {}).items()})
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            body["exc_type"] = type(exc).__name__
            if isinstance(exc, CallrecError):
                body["exc_message"] = scrub_digits(str(exc))
            body["stack"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(body, default=str)


def configure(level: str = "INFO", stream: Any = None) -> None:
    """Send every log record to ``stream`` (stderr) as JSON lines at ``level``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs each request's whole URL at INFO ("HTTP Request: GET https://...?X-Amz-Signature=...",
    # a presigned source's or a webhook's), httpcore its traffic at DEBUG: their warnings only.
    # Our own events name a source as worker.calls.source_names.source_name keeps it.
    for chatty in _URL_LOGGERS:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log event ``name`` with reference and number fields only."""
    for key, value in fields.items():
        if not isinstance(value, _PLAIN):
            raise TypeError(f"log field {key!r} must be a plain reference or number, got {type(value).__name__}")
    logger.log(level, name, extra={"fields": {"event": name, **fields}})
