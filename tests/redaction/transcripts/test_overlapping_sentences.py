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
