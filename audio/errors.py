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
