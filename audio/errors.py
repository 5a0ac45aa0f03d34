"""Errors of the audio layer."""


class AudioError(Exception):
    """Raised when audio cannot be processed for a reason other than bad input."""

    #: Permanent errors are bad input: retrying cannot help (CLI exit 2, no queue retry).
    permanent = False


class AudioInputError(AudioError):
    """Raised when an input file, manifest value or argument is bad (not retried)."""

    permanent = True


class AudioResourceError(AudioError):
    """Raised when audio cannot be decoded or written for want of disk space (transient)."""
