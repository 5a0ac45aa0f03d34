"""Errors of the audio layer (under ``callrec.errors.CallrecError``)."""

from callrec.errors import CallrecError


class AudioError(CallrecError):
    """Raised when audio cannot be processed for a reason other than bad input."""


class AudioInputError(AudioError):
    """Raised when an input file, manifest value or argument is bad (not retried)."""

    permanent = True


class AudioResourceError(AudioError):
    """Raised when audio cannot be decoded or written for want of disk space (transient)."""


class EncodingError(AudioError):
    """Raised when an encoded recording does not decode back to what was encoded."""


class AudioToolError(AudioError):
    """Raised when the ffmpeg callrec is given cannot do what it needs (older than 6.0): the
    setup's fault, not the file's, and no retry mends it (exit 1; a queued job fails and waits)."""

    retryable = False
