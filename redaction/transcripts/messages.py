"""A streaming session's messages as a client saves them: one JSON message, a JSON array of
them, or JSON lines (one message a line); shared by the streaming formats."""

from __future__ import annotations

import json
from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import load_json


def load_messages(text: str, name: str) -> tuple[Any, list[int] | None]:
    """The document, and when it came as JSON lines (then a list of the messages) their line numbers."""
    try:
        return load_json(text, name), None
    except TranscriptError as exc:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        if "not valid JSON" not in str(exc) or len(lines) < 2 or not _is_object(lines[0][1]):
            raise
    messages = []
    for n, line in lines:
        try:
            messages.append(load_json(line, name))
        except TranscriptError as exc:
            if "not valid JSON" in str(exc):
                raise TranscriptError(f"{name} transcript: line {n} is not a JSON message (JSON lines: one a line)") from None
            raise TranscriptError(str(exc).replace(f"{name} transcript", f"{name} transcript line {n}", 1)) from None
    return messages, [n for n, _ in lines]


def placed(document: Any, lines: list[int] | None, name: str) -> list[tuple[str, str, Any]]:
    """Each message with where it is, as a phrase ("[3]", "line 4") and as a field prefix."""
    if isinstance(document, dict):
        return [("the message", "", document)]
    if isinstance(document, list) and lines is not None:
        return [(f"line {n}", f"line {n}: ", m) for n, m in zip(lines, document)]
    if isinstance(document, list):
        return [(f"[{k}]", f"[{k}].", m) for k, m in enumerate(document)]
    raise TranscriptError(f"{name} transcript: the document is neither a message nor a list of messages")


def dump_lines(messages: list[Any]) -> str:
    """Messages written back as JSON lines, as they came."""
    return "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in messages)


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False
