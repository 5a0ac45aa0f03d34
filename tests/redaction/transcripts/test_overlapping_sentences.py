"""Session 52: a Deepgram paragraph sentence at a redacted time is rebuilt from the words within its
times; sentences whose times overlap (each saying the whole call) were each rebuilt from all the
words, so the write-back grew with sentences x words (2,000 words and 200 such sentences: 236 KB
written back as 5.2 MB, 74 s). Each word now goes into one sentence rebuilt: the written document
is bounded by the size of the one read."""

from __future__ import annotations

import json

from redaction import transcripts


def test_overlapping_sentences_are_rebuilt_from_each_word_once() -> None:
    said = ["my", "card", "is", "4111111111111111", "thanks"] * 40
    words = [{"word": w, "punctuated_word": w, "start": k * 0.5, "end": k * 0.5 + 0.4, "confidence": 0.9}
             for k, w in enumerate(said)]
    whole = {"text": "my card", "start": 0.0, "end": len(said) * 0.5}
    sentences = [dict(whole) for _ in range(40)]
    text = json.dumps({"results": {"channels": [{"alternatives": [{"transcript": "", "words": words,
        "paragraphs": {"transcript": "", "paragraphs": [{"sentences": sentences}]}}]}]}})
    written = json.loads(transcripts.write_back(transcripts.load(text, "deepgram")).text)
    rebuilt = [s["text"] for s in written["results"]["channels"][0]["alternatives"][0]["paragraphs"]["paragraphs"][0]["sentences"]]
    assert rebuilt[0] == " ".join("[redacted]" if w[0] == "4" else w for w in said)
    assert rebuilt[1:] == [""] * 39


def test_overlapping_sentences_cost_work_linear_in_the_words() -> None:
    """Each overlapping sentence still sliced, sorted and read every word in its times (3.5-4.3 s
    for 20,000 words and 2,000 whole-call sentences): each word is now visited once. Counted, not
    timed: four times the words and sentences may cost at most five times the lines of Python."""
    from redaction.transcripts import deepgram
    from tests.hostile.test_inputs_limits import python_lines

    lines = {}
    for count in (200, 800):
        words = [{"word": "w", "start": k * 0.5, "end": k * 0.5 + 0.4} for k in range(count)]
        sentences = [{"text": "w", "start": 0.0, "end": count * 0.5} for _ in range(count // 10)]
        alternative = {"words": words, "paragraphs": {"paragraphs": [{"sentences": sentences}]}}
        lines[count] = python_lines(lambda: deepgram._rebuild_sentences(alternative, lambda start_s, end_s: True))
        assert sentences[0]["text"] == " ".join(["w"] * count) and sentences[1]["text"] == ""
    assert lines[800] <= 5 * lines[200], lines


def test_a_word_starting_as_a_sentence_ends_is_the_next_sentences_first() -> None:
    from redaction.transcripts import deepgram

    words = [{"word": w, "start": s, "end": e} for w, s, e in
             [("my", 0.0, 0.4), ("card", 0.4, 1.0), ("is", 1.0, 1.3), ("4111", 1.3, 2.0)]]
    sentences = [{"text": "my card", "start": 0.0, "end": 1.0}, {"text": "is 4111", "start": 1.0, "end": 2.0}]
    alternative = {"words": words, "paragraphs": {"paragraphs": [{"sentences": sentences}]}}
    deepgram._rebuild_sentences(alternative, lambda start_s, end_s: True)
    assert [s["text"] for s in sentences] == ["my card", "is 4111"]
