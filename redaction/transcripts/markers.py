"""Provider redaction markers: words a provider already redacted, which are detections too.

A provider that redacts its transcript (AWS Transcribe and Call Analytics ``[PII]`` or an
entity label such as ``[NAME]``, AssemblyAI ``####`` or ``[CREDIT_CARD_NUMBER]``,
Deepgram ``[REDACTED]`` or a numbered entity, ``[CREDIT_CARD_1]`` (its words' ``word`` in lower
case), masked ``****``) still leaves the words in the audio. Each marked
word keeps its time, so the audio under it is masked (detector
``transcript:<format>-redaction``). Bracketed sound tags (``[Music]``, ``[BLANK_AUDIO]``,
``[inaudible]``) are not redactions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from redaction.cards import CARD_NUMBER, EXPIRY, SECURITY_CODE
from redaction.transcripts.base import PLACEHOLDER, Marked
from redaction.words import TimedWord

#: A label in brackets ([PII], [CREDIT_CARD_NUMBER]) or angle brackets (<redacted>).
_LABEL = re.compile(r"^[\[<]([A-Za-z][A-Za-z0-9_ -]*)[\]>]$")
#: A numbered entity label in lower case (Deepgram's words: ``[credit_card_1]``), and the numbering.
_NUMBERED = re.compile(r"[a-z]+(?:_[a-z]+)*_[0-9]+")
_NUMBERING = re.compile(r"_[0-9]+$")
#: Masks: two or more '#' or '*' (whole word, or inside one: 4111********1111).
_MASK = re.compile(r"#{2,}|\*{2,}")
#: Bracketed tags of sounds, not redactions (Whisper, Rev.ai, captions).
SOUND_TAGS = frozenset({
    "music", "laughter", "laughs", "laugh", "applause", "inaudible", "crosstalk", "noise", "silence",
    "blank_audio", "blank audio", "foreign", "unintelligible", "background noise", "sound", "cough", "sigh",
    "breath", "breathing", "pause", "no speech", "unk",
})  # fmt: skip
_STRIP = ".,;:!?\"'()"

#: Provider label words that name our entities.
_KINDS = ((("CVV", "CVC", "CSC", "SECURITY", "PIN"), SECURITY_CODE), (("EXPIR",), EXPIRY),
          (("CREDIT", "DEBIT", "CARD", "PCI", "PAN", "ACCOUNT_NUMBER", "BANK"), CARD_NUMBER))
#: Entity of a mask without a label (####, ****).
UNLABELLED = "pii"
#: The entities of card data.
CARD_KINDS = frozenset({CARD_NUMBER, EXPIRY, SECURITY_CODE})


def marker_entity(text: str) -> str | None:
    """The entity a word's text marks as redacted, or None when it is not a marker."""
    core = text.strip().strip(_STRIP)
    if core.lower() == PLACEHOLDER.strip("[]") or core == PLACEHOLDER:
        return UNLABELLED
    label = _LABEL.match(core)
    if label:
        name = label.group(1).strip()
        base = _NUMBERING.sub("", name)  # Deepgram's [CREDIT_CARD_1]: the entity, numbered
        if base.lower() in SOUND_TAGS or not (name.isupper() or name.lower() in ("redacted", "pii")
                                              or _NUMBERED.fullmatch(name)):
            return None
        upper = base.upper()
        for keys, kind in _KINDS:
            if any(key in upper for key in keys):
                return kind
        return base.lower().replace(" ", "_")
    if _MASK.search(core):
        return UNLABELLED
    return None


def marked_words(words: Sequence[TimedWord]) -> tuple[Marked, ...]:
    """The words that are provider markers, as marked spans."""
    out = []
    for word in words:
        entity = marker_entity(word.text)
        if entity is not None:
            out.append(Marked(word.start_s, word.end_s, entity))
    return tuple(out)


def markers_in(text: str) -> list[str]:
    """The entities of the markers in free text, in order."""
    found = []
    for token in _tokens(text):
        entity = marker_entity(token)
        if entity is not None:
            found.append(entity)
    return found


def _tokens(text: str) -> Iterable[str]:
    # "[CREDIT_CARD_NUMBER]." and "[PII]," are one token; a label may hold spaces.
    return re.findall(r"\[[^\]\s][^\]]*\]\S*|<[^>\s]+>\S*|\S+", text)
