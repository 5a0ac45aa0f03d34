"""Helpers the formats share (base.py): ListedWords, the write-back of the words read."""

from __future__ import annotations

from typing import Any

from redaction.transcripts.base import ListedWords


def test_listed_words_numbers_the_words_across_lists_and_redacts_the_sensitive_ones() -> None:
    first: list[dict[str, Any]] = [{"word": "my"}, {"word": "four,"}, {"word": " five"}]
    second: list[dict[str, Any]] = [{"word": "ok"}, {"word": "(six)", "start": 1.0}]
    words = ListedWords(frozenset({1, 2, 4}))
    assert words.redact(first, "word") == [1, 2]
    assert words.redact([], "word") == []  # an empty list takes no numbers
    assert words.redact(second, "word") == [1]
    assert first == [{"word": "my"}, {"word": "[redacted],"}, {"word": " [redacted]"}]
    assert second == [{"word": "ok"}, {"word": "([redacted])", "start": 1.0}]
    assert words.said == ["four,", " five", "(six)"]


def test_listed_words_leaves_a_list_without_sensitive_words_as_it_is() -> None:
    words = ListedWords(frozenset({3}))
    untouched: list[dict[str, Any]] = [{"value": "a"}, {"value": "b"}, {"value": "c"}]
    assert words.redact(untouched, "value") == []
    assert untouched == [{"value": "a"}, {"value": "b"}, {"value": "c"}]
    later: list[dict[str, Any]] = [{"value": "seven"}]
    assert words.redact(later, "value") == [0]
    assert later == [{"value": "[redacted]"}] and words.said == ["seven"]


def test_listed_words_key_may_be_found_per_word() -> None:
    """Arrays (faster-whisper's [start, end, word, p]) and mappings with different text keys."""
    mixed: list[Any] = [[0.0, 0.5, " eight", 0.9], {"text": "nine."}, {"word": "ten"}]

    def text_at(word: Any) -> int | str:
        return 2 if isinstance(word, list) else ("text" if "text" in word else "word")

    words = ListedWords(frozenset({0, 1}))
    assert words.redact(mixed, text_at) == [0, 1]
    assert mixed == [[0.0, 0.5, " [redacted]", 0.9], {"text": "[redacted]."}, {"word": "ten"}]
    assert words.said == [" eight", "nine."]
