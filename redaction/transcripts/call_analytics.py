"""Amazon Transcribe Call Analytics post-call output.

``Transcript[]`` turns with ``Items[]`` word times in milliseconds (``Content``,
``BeginOffsetMillis``, ``EndOffsetMillis``, ``Type``, ``Confidence``), ``Content`` the
turn's text (rebuilt from the redacted items), ``ParticipantRole``. With PII redaction the
items read ``[PII]`` (masked where they stand) and turns carry
``Redaction.RedactedTimestamps``. Issues, outcomes and action items are character offsets
into ``Content``; categories and characteristics hold times only. A turn without items (as in
the guide's redacted sample) is a segment. Shared code: ``turns``.
"""

from __future__ import annotations

from typing import Any

from redaction.transcripts import turns
from redaction.transcripts.base import Reading, WriteBack, lacks

NAME = "aws-call-analytics"


class CallAnalyticsTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        return lacks(document, ["Transcript[]", "Transcript[0].Content", "Transcript[0].BeginOffsetMillis",
                                "Transcript[0].ParticipantRole"])

    def read(self, text: str) -> Reading:
        return turns.read(text, NAME)

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        return turns.redact(text, sensitive, NAME)


FORMAT = CallAnalyticsTranscript()
