"""Errors of the worker layer and the classification of every layer's errors."""

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
