"""Amazon Connect Contact Lens analysis files (``Analysis/Voice/...analysis*.json``).

Turn-level only: each ``Transcript[]`` turn is a segment (``Content``, ``BeginOffsetMillis``,
``EndOffsetMillis``), masked whole and padded when its text holds card data; the times in a
turn's ``Redaction.RedactedTimestamps`` (the file's own ``[PII]``) are masked exactly, and a
marker without a time masks its turn. Shared reading and writing: ``turns``.
"""

from __future__ import annotations

from typing import Any

from redaction.transcripts import turns
from redaction.transcripts.base import Reading, WriteBack, lacks

NAME = "contact-lens"


class ContactLensTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        return lacks(document, ["Version", "Transcript[]", "Transcript[0].Content", "Transcript[0].BeginOffsetMillis",
                                "Transcript[0].ParticipantId"])

    def read(self, text: str) -> Reading:
        return turns.read(text, NAME)

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        return turns.redact(text, sensitive, NAME)


FORMAT = ContactLensTranscript()
