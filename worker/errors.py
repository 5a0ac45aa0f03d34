"""Errors of the worker layer and the classification of every layer's errors."""

import errno

from audio.errors import AudioError
from redaction.errors import RedactionError, VerificationError
from vault.errors import VaultError


class WorkerError(Exception):
    """Raised when a job cannot complete for a reason other than bad input."""

    permanent = False


class ManifestError(WorkerError):
    """Raised when a call manifest is bad: the message names the field and the problem."""

    permanent = True


class UsageError(WorkerError):
    """Raised when a command-line argument or setting is bad."""

    permanent = True


class SourceError(ManifestError):
    """Raised when a call's source may not be read: outside the allowed roots, not a regular
    file, or over a size limit."""


class ResourceError(WorkerError):
    """Raised when the worker runs out of disk space, file handles or memory (transient)."""


#: OS errors that mean a resource ran out, not that the input is bad: retried.
RESOURCE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EMFILE, errno.ENFILE, errno.ENOMEM})


def resource_error(exc: OSError) -> ResourceError | None:
    """The transient error for an ``OSError`` that means a resource ran out, else None."""
    if exc.errno not in RESOURCE_ERRNOS:
        return None
    what = "disk space" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "a system resource"
    return ResourceError(f"out of {what} in the worker's temp space ({errno.errorcode[exc.errno]}); "
                         "transient, run it again")


class QueueUnavailableError(WorkerError):
    """Raised when Redis (the queue and job state) does not answer."""


#: Every error the service raises on purpose; anything else is a bug.
SERVICE_ERRORS = (WorkerError, AudioError, RedactionError, VaultError)


#: Failures that are not bad input but repeat on every run of the same job: retrying only
#: burns work, so the job fails at once and waits in `callrec jobs failed` for a fix.
DETERMINISTIC_ERRORS = (VerificationError,)


def is_permanent(exc: BaseException) -> bool:
    """True when ``exc`` is bad input that no retry can fix."""
    return bool(getattr(exc, "permanent", False)) and isinstance(exc, SERVICE_ERRORS)


def is_retryable(exc: BaseException) -> bool:
    """True when running the job again may succeed: anything but bad input or a deterministic failure."""
    return not is_permanent(exc) and not isinstance(exc, DETERMINISTIC_ERRORS)
