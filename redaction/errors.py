"""Errors of the redaction layer (under ``callrec.errors.CallrecError``). Messages never
carry digits, audio or transcript text."""

from callrec.errors import CallrecError


class RedactionError(CallrecError):
    """Raised when redaction fails for a reason other than bad input."""


class RedactionInputError(RedactionError):
    """Raised when an input (audio, transcript, argument) is bad (not retried)."""

    permanent = True


class VerificationError(RedactionError):
    """Raised when masked output still holds something a detector can find.

    Not bad input, but it fails the same way on every run of the same job: not retried (the
    job fails at once and waits in ``callrec jobs failed`` for a fix).
    """

    retryable = False


class TranscriptError(RedactionInputError):
    """Raised when a transcript cannot be read: not the format it claims, a missing field, a bad time."""


class ModelIntegrityError(RedactionError):
    """Raised when a speech model's files are missing or do not match their published digest."""


class InvalidJSON(TranscriptError):
    """Raised when a transcript is no JSON at all (``line`` and ``column``: where the parser
    stopped), not JSON a reader refuses: readers of JSON lines or of objects one after another
    try those then."""

    def __init__(self, format_name: str, line: int, column: int) -> None:
        super().__init__(f"{format_name} transcript is not valid JSON (line {line}, column {column})")
        self.line, self.column = line, column


class LookaheadStopped(RedactionError):
    """Raised when a Whisper window transcribed ahead (``speech.lookahead``) comes to a decode it must
    leave to the recognizer (a sampled one); caught where the window runs ahead, never seen outside."""
