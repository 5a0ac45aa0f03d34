"""Errors of the redaction layer. Messages never carry digits, audio or transcript text."""


class RedactionError(Exception):
    """Raised when redaction fails for a reason other than bad input."""

    #: Permanent errors are bad input: retrying cannot help (CLI exit 2, no queue retry).
    permanent = False


class RedactionInputError(RedactionError):
    """Raised when an input (audio, transcript, argument) is bad (not retried)."""

    permanent = True


class VerificationError(RedactionError):
    """Raised when masked output still holds something a detector can find."""


class TranscriptError(RedactionInputError):
    """Raised when a transcript cannot be read: not the format it claims, a missing field, a bad time."""
