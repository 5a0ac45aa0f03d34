"""The project's own format: parse, errors by line, redaction keeps everything else."""

from __future__ import annotations

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError

TEXT = "# a call\n\n1.0 1.2 card 0.9\n1.3 1.5 four\n"


def test_lines_comments_and_confidence() -> None:
    words = transcripts.load(TEXT, "simple").words
    assert [(w.start_s, w.end_s, w.text, w.confidence) for w in words] == [(1.0, 1.2, "card", 0.9), (1.3, 1.5, "four", 1.0)]


def test_redaction_replaces_only_the_word_field() -> None:
    fmt = transcripts.get_format("simple")
    assert fmt.redact(TEXT, frozenset({1})).text == "# a call\n\n1.0 1.2 card 0.9\n1.3 1.5 [redacted]\n"


def test_comments_are_kept_with_card_data_redacted() -> None:
    text = "# caller read 4532 0151 1283 0366\n1.0 1.2 four\n  # again: 4532 at 10:15\n"
    written = transcripts.get_format("simple").redact(text, frozenset({0}))
    # "10:15" is a time (numbers.py: amounts and times are not digits read out)
    assert written.text == "# caller read [redacted] [redacted] [redacted] [redacted]\n1.0 1.2 [redacted]\n" \
        "  # again: [redacted] at 10:15\n"
    assert written.removed == ()


def test_comments_without_card_data_are_kept_as_they_were() -> None:
    text = "# call of 12 May, 3 parties\n1.0 1.2 hello\n"
    assert transcripts.get_format("simple").redact(text, frozenset()).text == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.0 1.2\n", "line 1 has 2 fields"),
        ("# c\n1.0 x four\n", "line 2 has a time or confidence that is not a number"),
        ("2.0 1.0 four\n", r"line 1 has bad times \(2.000 s to 1.000 s\)"),
        ("1.0 1.2 four 7\n", r"line 1 has a confidence outside \[0, 1\]"),
    ],
)
def test_bad_lines_are_refused_by_number_without_their_text(text: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message) as info:
        transcripts.load(text, "simple")
    assert "four" not in str(info.value)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r", "\u2028", "\x0c"], ids=["lf", "crlf", "cr", "line-separator", "form-feed"])
def test_each_line_keeps_its_own_line_end_when_its_word_is_redacted(ending: str) -> None:
    """Session 54: a redacted word's line was given "\\n" if it ended in one, else nothing: a file
    of CR line ends came back with its redacted lines run together ("2.20 2.40 [redacted]2.50 ...",
    no longer readable) and one of CRLF with its CRs gone."""
    said = "my card number is 4111 1111 1111 1111 thanks".split()
    lines = [f"{1 + 0.3 * k:.2f} {1.2 + 0.3 * k:.2f} {w}" for k, w in enumerate(said)]
    written = transcripts.redacted(transcripts.load(ending.join(lines) + ending, "simple"))
    redacted = [line if k < 4 or k == 8 else " ".join([*line.split()[:2], "[redacted]"]) for k, line in enumerate(lines)]
    assert written == ending.join(redacted) + ending


@pytest.mark.parametrize("last", ["# see you\n", "# see you", "#", "#\n", "#\r\n#"])
def test_a_card_split_over_comment_lines_is_redacted(last: str) -> None:
    """Session 54: each comment line was scrubbed alone, so a card one group a comment ("# card
    4111", "# 1111", ...) was written back whole; the comments are read in order as one free text.
    A last comment of nothing (a bare "#" without a line end) once sent them back to being read
    each alone."""
    text = "1.00 1.30 hello\n# card 4111\n#1111\n  # 1111\n# 1111 thanks\n1.40 1.70 there\n" + last
    written = transcripts.redacted(transcripts.load(text, "simple"))
    assert written == ("1.00 1.30 hello\n# card [redacted]\n#[redacted]\n  # [redacted]\n# [redacted] thanks\n"
                       "1.40 1.70 there\n" + last)
