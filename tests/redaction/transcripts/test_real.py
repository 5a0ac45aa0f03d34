"""Real provider outputs from public sources (fixtures/real, see SOURCES.md): each is
recognised, read with exact times, written back unchanged when it holds no card data, and
masks card data put in its own number style or as its own redaction marker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from redaction import transcripts
from redaction.cards import find_entities
from redaction.errors import TranscriptError
from redaction.transcripts import freetext

REAL = Path(__file__).parent / "fixtures" / "real"

#: file -> (format, words, segments, first timed word (start_s, end_s), four consecutive word texts)
CASES: dict[str, tuple[str, int, int, tuple[float, float] | None, tuple[str, ...]]] = {
    "aws-docs-speaker-labels.json": ("aws", 2, 0, (0.1, 0.69), ("Professional", "answer")),
    "aws-docs-streaming-final.json": ("aws-streaming", 14, 0, (2.33, 2.58), ("planet", "covering", "over", "seven")),
    "aws-docs-channel-labels.json": ("aws", 6, 0, (12.282, 12.592), ("When", "you", "try")),
    "assemblyai-go-sdk-wildfires.json": ("assemblyai", 26, 0, (0.25, 0.65), ("Canada", "is", "triggering", "air")),
    "assemblyai-captions-utterances.json": ("assemblyai", 15, 0, (0.17, 0.718), ("with", "an", "all", "female")),
    "assemblyai-api-reference.json": ("assemblyai", 15, 0, (0.25, 0.65), ("in", "Canada", "is", "triggering")),
    # Its confidences hold "4111" (0.804111): the card styles are checked on its texts in test_assemblyai_streaming.
    "assemblyai-docs-streaming-session.json": ("assemblyai-streaming", 10, 0, (1.92, 2.0), ()),
    "deepgram-python-sdk-preamble.json": ("deepgram", 7, 0, (0.32, 0.79999995), ("people", "of", "united", "states")),
    "deepgram-python-sdk-live-results.json": ("deepgram", 3, 0, (6.251818, 6.6427274), ("ensure", "domestic", "tranquility")),
    "deepgram-python-sdk-summary.json": ("deepgram", 28, 0, (5.52, 6.2400002), ("look", "around", "once", "while")),
    "aws-docs-redacted.json": ("aws", 2, 0, (2.86, 3.35), ()),
    "whisper-timestamped-bonjour.json": ("whisper", 1, 0, (0.14, 0.94), ("Bonjour !",)),
    "whisperx-untimed-numerals.json": ("whisper", 31, 0, (0.61, 0.83), ("CapEx", "with", "a", "10")),
    "google-v2-batch.json": ("google", 10, 0, (1.0, 4.2), ("Crazy", "Ones", "Misfits", "Rebels")),
    "google-v1-duration-objects.json": ("google", 14, 0, (0.1, 0.5), ("fog", "horn", "short", "story")),
    "azure-sdk-realtime-speakers.json": ("azure", 0, 2, None, ()),
    "azure-docs-hello.json": ("azure", 2, 0, (0.76, 1.52), ("Hello", "world.")),
    "azure-docs-fast-multichannel.json": ("azure", 12, 0, (0.72, 1.2), ("Thank", "you", "for", "calling")),
    "revai-python-sdk.json": ("revai", 16, 0, (0.3, 0.52), ("gonna", "be", "talking", "about")),
    "speechmatics-batch.json": ("speechmatics", 6, 0, (1.41, 1.83), ("Tidy", "things", "Place", "shelves")),
    "speechmatics-realtime-two-speakers.json": ("speechmatics", 4, 0, (0.029999999329447746, 0.26999998092651367),
                                                ("That's", "amazing", "I", "know")),
    "speechmatics-entity.json": ("speechmatics", 1, 0, (8.44150447845459, 10.169486045837402), ("$2.05",)),
    "contact-lens-redacted.json": ("contact-lens", 0, 4, None, ()),
    "call-analytics-redacted.json": ("aws-call-analytics", 0, 1, None, ()),
    "call-analytics-items-redacted.json": ("aws-call-analytics", 44, 0, (0.44, 0.96), ("just", "need", "to", "cancel")),
    "vosk-api-what-zero.json": ("vosk", 5, 0, (0.87, 1.11), ("what",)),
    "openai-verbose-words.json": ("whisper", 2, 0, (0.0, 0.23999999463558197), ("volleyball",)),
    "openai-verbose-segments.json": ("whisper", 0, 1, None, ()),
    "faster-whisper-card-arrays.json": ("whisper", 57, 0, (0.0, 1.02), (" calling,", " can", " take", " long")),
    "faster-whisper-card-dicts.json": ("whisper", 57, 0, (0.0, 1.02), (" calling,", " can", " take", " long")),
    # Session 50: more real outputs (SOURCES.md); their first and last words in test_real_ends.py.
    "deepgram-go-sdk-summary-v1.json": ("deepgram", 28, 0, (5.52, 6.02), ("look", "around", "once", "while")),
    "deepgram-nova3-diarized-account-number.json": ("deepgram", 47, 0, (347.675, 348.155),
                                                    ("well", "we're", "very", "sorry")),
    "google-v1-longrunning-operation.json": ("google", 24, 0, (2.8, 4.0), ("looking", "at", "the", "audio")),
    "azure-sdk-detailed-words-itn.json": ("azure", 28, 0, (0.13, 0.32), ("prime", "minister", "sri", "narendra")),
    "aws-transcribe-spanish-speakers.json": ("aws", 8, 0, (0.94, 1.51), ("Me", "gusta", "la", "miel")),
    "assemblyai-v2-speaker-null-calvin.json": ("assemblyai", 10, 0, (1.437, 1.597), ("an", "assembly", "AI", "test.")),
    "speechmatics-realtime-speaker-change.json": ("speechmatics", 2, 0, (0.0, 0.1), ("Hello",)),
    "speechmatics-realtime-attaches-to.json": ("speechmatics", 5, 0, (0.0, 0.1), ("great", "for", "sure", "stuff")),
    "watson-stt-timestamps-profanity.json": ("watson", 59, 0, (0.92, 1.3), ("could", "you", "please", "say")),
    # Nothing said: recognised as Google's before (a results list and no more), now as the Speechmatics message it is.
    "speechmatics-realtime-empty.json": ("speechmatics", 0, 0, None, ()),
    "azure-v2-batch-audiofileresults.json": ("azure", 0, 2, None, ()),
    "azure-docs-short-audio-simple.json": ("azure", 0, 1, None, ()),
    "azure-docs-short-audio-detailed.json": ("azure", 0, 1, None, ()),
    "azure-docs-pronunciation-words.json": ("azure", 2, 0, (0.07, 0.33), ("good", "morning")),
    "deepgram-freeswitch-live-phonecall.json": ("deepgram", 3, 0, (41.72, 42.2), ("just", "going", "on")),
    "deepgram-flux-dotnet-sdk-session.json": ("deepgram-flux", 52, 0, (0.3200000762939452, 0.7200000762939454),
                                              ("form", "a", "more", "perfect")),
    # Read as AssemblyAI before, its seconds taken for milliseconds (the word at 0 to 0.5 ms).
    "elevenlabs-docs-scribe-single-channel.json": ("elevenlabs", 1, 0, (0.0, 0.5), ("Hello",)),
    "openai-docs-diarized-json.json": ("whisper", 0, 3, None, ()),
    # Session 51: a real call's raw Contact Lens analysis file (its turns segments; test_real_ends.py).
    "contact-lens-scv-raw.json": ("contact-lens", 0, 15, None, ()),
    # Refused before session 51 (format not recognised); its partials in test_revai_streaming.py.
    "revai-docs-streaming-session.json": ("revai", 2, 0, (1.04, 1.55), ("One", "two")),
}
#: Files holding card data as the provider wrote it (a real recognizer's output of a spoken card).
HOLDS_CARD = {"faster-whisper-card-arrays.json", "faster-whisper-card-dicts.json"}
#: Real outputs recognised but refused as bad input: file -> (format, the start of the error).
REFUSED = {
    # Twilio's published example leaves every time null: its text cannot be placed (test_twilio.py
    # reads the same response with times filled in).
    "twilio-docs-sentences.json": ("twilio", "twilio transcript: sentences[0] has no start_time"),
}


def text_of(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


def replace_values(node: Any, mapping: dict[str, str]) -> Any:
    """Every string value equal to a key of ``mapping`` replaced (the words' own fields)."""
    if isinstance(node, dict):
        return {k: replace_values(v, mapping) for k, v in node.items()}
    if isinstance(node, list):
        return [replace_values(v, mapping) for v in node]
    return mapping.get(node, node) if isinstance(node, str) else node


def test_every_real_fixture_has_its_source_noted() -> None:
    sources = (REAL / "SOURCES.md").read_text()
    assert sorted(p.name for p in REAL.glob("*.json")) == sorted([*CASES, *REFUSED])
    for name in [*CASES, *REFUSED]:
        assert f"`{name}`" in sources


@pytest.mark.parametrize("name", sorted(CASES))
def test_recognised_and_read_with_exact_times(name: str) -> None:
    fmt, words, segments, first, _ = CASES[name]
    transcript = transcripts.load(text_of(name), "auto")
    assert (transcript.format, len(transcript.words), len(transcript.segments)) == (fmt, words, segments)
    if first is not None:
        assert (transcript.words[0].start_s, transcript.words[0].end_s) == pytest.approx(first, abs=1e-9)
    assert transcripts.load(text_of(name), fmt).words == transcript.words


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_recognised_but_refused_naming_the_field(name: str) -> None:
    fmt, message = REFUSED[name]
    assert transcripts.recognise(text_of(name)) == fmt
    with pytest.raises(TranscriptError) as caught:
        transcripts.load(text_of(name), "auto")
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("name", sorted(set(CASES) - HOLDS_CARD))
def test_written_back_unchanged_when_nothing_is_found(name: str) -> None:
    transcript = transcripts.load(text_of(name), "auto")
    assert transcripts.sensitive_words(transcript) == frozenset()  # [PII] markers: nothing left to replace
    written = transcripts.write_back(transcript)
    assert json.loads(written.text) == json.loads(text_of(name)) and written.removed == ()


@pytest.mark.parametrize("name", sorted(HOLDS_CARD))
def test_real_recognizer_output_of_a_spoken_card_is_found_and_written_back_redacted(name: str) -> None:
    """faster-whisper (tiny.en) wrote the card read digit by digit as "4, 5, 3, 2, ..." (its
    two "oh"s lost) and misheard the expiry and code; the card is found and redacted."""
    transcript = transcripts.load(text_of(name), "auto")
    found = find_entities(transcript.words)
    card = [e for e in found if e.entity == "card_number"]
    assert [(round(e.start_s, 2), round(e.end_s, 2), len(e.words)) for e in card] == [(9.68, 17.56, 14)]
    written = transcripts.write_back(transcript)
    assert written.removed == ("segments[].tokens",)
    after = json.loads(written.text)
    second = after[1]["text"] if isinstance(after[1], dict) else after[1][4]
    assert second.startswith(" Sure, it's [redacted], [redacted], [redacted],")
    assert not any(ch.isdigit() for ch in second)
    first = after[0]["tokens"] if isinstance(after[0], dict) else after[0][5]
    assert first == json.loads(text_of(name))[0][5 if isinstance(after[0], list) else "tokens"]  # untouched segment


STYLES = {
    "spaced": ("4111", "1111", "1111", "1111"),
    "joined": ("4111111111111111",),
    "dashed": ("4111-1111-1111-1111",),
}
STYLE_CASES = [(name, style) for name, case in sorted(CASES.items()) for style in sorted(STYLES)
               if case[4] and len(case[4]) >= len(STYLES[style])]


@pytest.mark.parametrize(("name", "style"), STYLE_CASES)
def test_card_in_the_providers_number_style_is_found_and_written_back_redacted(name: str, style: str) -> None:
    fmt, _, _, _, targets = CASES[name]
    tokens = STYLES[style]
    if name in HOLDS_CARD:  # keep the leading space these words carry
        tokens = tuple(" " + t for t in tokens)
    mapping = dict(zip(targets, tokens)) if len(tokens) == 4 else {targets[0]: tokens[0]}
    document = replace_values(json.loads(text_of(name)), mapping)
    transcript = transcripts.load(json.dumps(document), "auto")
    said = {transcript.words[i].text for e in find_entities(transcript.words) if e.entity == "card_number"
            for i in e.words}
    assert set(tokens) <= said
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written, "card digits left in the written-back copy"


@pytest.mark.parametrize("name", sorted(n for n, case in CASES.items() if case[4]))
def test_the_providers_redaction_marker_is_masked_where_it_stands(name: str) -> None:
    fmt, _, _, _, targets = CASES[name]
    marker = "[CREDIT_CARD_NUMBER]" if fmt == "assemblyai" else "[PII]"
    before = set(transcripts.detections(transcripts.load(text_of(name), "auto")))  # the provider's own markers
    document = replace_values(json.loads(text_of(name)), {targets[-1]: marker})
    transcript = transcripts.load(json.dumps(document), "auto")
    word = next(w for w in transcript.words
                if w.text == marker and (w.start_s, w.end_s) not in {(d.start_s, d.end_s) for d in before})
    found = [d for d in transcripts.detections(transcript) if d not in before]
    assert [(d.start_s, d.end_s, d.detector) for d in found] == [(word.start_s, word.end_s, f"transcript:{fmt}-redaction")]
    assert found[0].entity == ("card_number" if fmt == "assemblyai" else "pii")


def test_contact_lens_redacted_timestamps_are_masked_exactly() -> None:
    transcript = transcripts.load(text_of("contact-lens-redacted.json"), "auto")
    found = transcripts.detections(transcript)
    assert [(d.entity, d.detector) for d in found] == [("pii", "transcript:contact-lens-redaction")] * 2
    assert [(d.start_s, d.end_s) for d in found] == [pytest.approx((3.29, 3.62)), pytest.approx((5.1, 5.45))]


def test_call_analytics_pii_items_and_redacted_timestamps_mask_each_span_once() -> None:
    """The aws-samples call: [PII] items (no ASR confidence, ``Redaction[].Confidence``) and
    the turns' nested RedactedTimestamps name the same spans; empty ``[[]]`` lists elsewhere."""
    transcript = transcripts.load(text_of("call-analytics-items-redacted.json"), "auto")
    found = transcripts.detections(transcript)
    assert [(d.start_s, d.end_s, d.entity, d.detector) for d in found] == [
        (2.82, 3.27, "pii", "transcript:aws-call-analytics-redaction"),
        (28.0, 28.85, "pii", "transcript:aws-call-analytics-redaction"),
        (29.6, 33.74, "pii", "transcript:aws-call-analytics-redaction")]
    assert transcript.words[10].text == "[PII]" and transcript.words[10].confidence == 1.0
    assert [round(w.confidence, 3) for w in transcript.words[28:31]] == [0.991, 0.322, 0.485]


def test_contact_lens_turn_holding_a_card_is_masked_whole_and_padded() -> None:
    document = json.loads(text_of("contact-lens-redacted.json"))
    document["Transcript"][3]["Content"] = "My card is 4111 1111 1111 1111 thanks."
    transcript = transcripts.load(json.dumps(document), "contact-lens")
    found = [d for d in transcripts.detections(transcript) if d.detector == "transcript:contact-lens"]
    assert [(d.start_s, d.end_s, d.entity) for d in found] == [(pytest.approx(7.12), pytest.approx(11.44),
                                                                 "card_number")]
    written = json.loads(transcripts.write_back(transcript).text)
    assert written["Transcript"][3]["Content"] == "My card is [redacted] [redacted] [redacted] [redacted] thanks."


def test_whisperx_untimed_numerals_sit_between_their_timed_neighbours() -> None:
    words = transcripts.load(text_of("whisperx-untimed-numerals.json"), "whisper").words
    sixty = words[9]
    assert sixty.text == "60" and (sixty.start_s, sixty.end_s) == (3.452, 4.132)  # "so" starts, "billion," ends


def test_assemblyai_model_outputs_are_kept_with_card_data_redacted_in_place() -> None:
    """Chapters, highlights, entities, content safety, topics and the summary of the
    provider's own example stay; card data quoted in them is redacted, nothing else changes."""
    document = replace_values(json.loads(text_of("assemblyai-api-reference.json")),
                              {"air": "4111", "quality": "1111", "alerts": "1111", "throughout": "1111"})
    document["chapters"][0]["summary"] += " The caller's card is 4111 1111 1111 1111."
    document["auto_highlights_result"]["results"][0]["text"] = "4111 1111"  # at the card's time
    document["summary"] += " Card ending 1111."
    transcript = transcripts.load(json.dumps(document), "auto")
    written = transcripts.write_back(transcript)
    after = json.loads(written.text)
    assert written.removed == () and set(after) == set(document)
    assert "4111" not in written.text and "1111" not in written.text
    assert after["chapters"][0]["summary"].endswith(" The caller's card is [redacted] [redacted] [redacted] [redacted].")
    assert after["chapters"][1] == document["chapters"][1]
    assert after["auto_highlights_result"]["results"][0]["text"] == "[redacted] [redacted]"
    assert after["auto_highlights_result"]["results"][1:] == document["auto_highlights_result"]["results"][1:]
    assert after["summary"].endswith(" Card ending [redacted].")
    assert after["entities"] == document["entities"] and after["iab_categories_result"] == document["iab_categories_result"]


@pytest.mark.parametrize("trim", [False, True])
def test_whisperx_untimed_card_numerals_are_redacted_in_word_segments_too(trim: bool) -> None:
    """WhisperX leaves numerals untimed in both copies; its word_segments copy is redacted by
    position (or, when it is not a full copy, by the words' text)."""
    document = replace_values(json.loads(text_of("whisperx-untimed-numerals.json")),
                              {"60": "4111", "66": "1111", "70": "1111", "10": "1111"})
    if not trim:  # a full copy, as WhisperX writes it
        document["word_segments"] = [dict(w) for w in document["segments"][0]["words"]]
    transcript = transcripts.load(json.dumps(document), "whisper")
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written
    after = json.loads(written)
    assert [w["word"] for w in after["word_segments"]][9:14] == ["[redacted]", "billion,", "[redacted]", "and",
                                                                 "[redacted]"]


def test_aws_channel_identification_without_top_level_items_is_read_channel_by_channel() -> None:
    """The guide's channel-identification output has only ``channel_labels`` (no
    ``results.items``): each channel's words are read, with their own times."""
    words = transcripts.load(text_of("aws-docs-channel-labels.json"), "auto").words
    assert [(w.start_s, w.end_s, w.text) for w in words] == [
        (12.282, 12.592, "When"), (12.592, 12.692, "you"), (12.702, 13.252, "try"),
        (12.379, 12.589, "It"), (12.599, 12.659, "seems"), (12.669, 13.029, "to")]
    document = json.loads(text_of("aws-docs-channel-labels.json"))
    document["results"]["channel_labels"]["channels"][1]["items"][1]["alternatives"][0]["content"] = "4111111111111111"
    document["results"]["transcripts"][0]["transcript"] = "When you try ... It 4111111111111111 to ..."
    written = json.loads(transcripts.write_back(transcripts.load(json.dumps(document), "aws")).text)
    assert written["results"]["channel_labels"]["channels"][1]["items"][1]["alternatives"][0]["content"] == "[redacted]"
    assert written["results"]["transcripts"][0]["transcript"] == "When you try ... It [redacted] to ..."
    assert "items" not in written["results"]


def test_azure_speech_sdk_results_without_words_are_segments_masked_whole() -> None:
    """The Speech SDK's detailed results (PascalCase, ticks, ``Words`` null) as the batch
    ingestion client's tests keep them: each phrase is a segment; a card in its best
    alternative masks it whole, and every alternative's text is redacted."""
    transcript = transcripts.load(text_of("azure-sdk-realtime-speakers.json"), "auto")
    assert [(s.start_s, s.end_s, s.text) for s in transcript.segments] == [
        (pytest.approx(0.09), pytest.approx(0.65), "Hello."), (pytest.approx(0.69), pytest.approx(1.7), "Hello hello.")]
    document = json.loads(text_of("azure-sdk-realtime-speakers.json"))
    best = document[1]["NBest"][0]
    best.update(Display="My card is 4111 1111 1111 1111.", Lexical="my card is four one one one one one one one one "
                "one one one one one one one", ITN="my card is 4111111111111111", MaskedITN="my card is 4111111111111111")
    document[1]["NBest"][1]["Display"] = "my card is 4111 1111 1111 1112"
    transcript = transcripts.load(json.dumps(document), "azure")
    assert [(d.start_s, d.end_s, d.entity) for d in transcripts.detections(transcript)] == [
        (pytest.approx(0.44), pytest.approx(1.95), "card_number")]
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written and " one one" not in written
    assert json.loads(written)[0] == json.loads(text_of("azure-sdk-realtime-speakers.json"))[0]


def test_azure_speech_sdk_words_are_read_in_ticks_and_redacted_with_the_lexical_text() -> None:
    """With word-level timestamps the SDK gives ``Words`` (``Word``, ``Offset``, ``Duration``)."""
    document = json.loads(text_of("azure-sdk-realtime-speakers.json"))
    best = document[1]["NBest"][0]
    best.update(Lexical="hello 4111111111111111", Words=[
        {"Word": "hello", "Offset": 6900000, "Duration": 3000000, "Confidence": 0.9},
        {"Word": "4111111111111111", "Offset": 10000000, "Duration": 7000000, "Confidence": 0.8}])
    transcript = transcripts.load(json.dumps(document), "auto")
    assert [(w.start_s, w.end_s, w.confidence) for w in transcript.words] == [
        (pytest.approx(0.69), pytest.approx(0.99), 0.9), (pytest.approx(1.0), pytest.approx(1.7), 0.8)]
    assert len(transcript.segments) == 1  # the first phrase has no words
    written = json.loads(transcripts.write_back(transcript).text)
    assert written[1]["NBest"][0]["Lexical"] == "hello [redacted]"
    assert written[1]["NBest"][0]["Words"][1]["Word"] == "[redacted]"


def test_aws_content_redaction_example_masks_its_pii_item() -> None:
    transcript = transcripts.load(text_of("aws-docs-redacted.json"), "auto")
    assert [(d.start_s, d.end_s, d.entity, d.detector) for d in transcripts.detections(transcript)] == [
        (5.56, 6.25, "pii", "transcript:aws-redaction")]
    assert transcript.words[1].confidence == 1.0  # a redacted item carries no ASR confidence


def test_deepgram_sentences_paragraphs_and_summary_keep_their_place_with_the_card_redacted() -> None:
    """Deepgram wrote the card (smart_format) where the example says "Life moves pretty fast"."""
    source = text_of("deepgram-python-sdk-summary.json").replace("Life moves pretty fast.", "4111 1111 1111 1111.")
    document = replace_values(json.loads(source), {"life": "4111", "moves": "1111", "pretty": "1111", "fast": "1111",
                                                  "Life": "4111", "fast.": "1111."})
    transcript = transcripts.load(json.dumps(document), "auto")
    written = transcripts.write_back(transcript)
    assert "4111" not in written.text and "1111" not in written.text and written.removed == ()
    after = json.loads(written.text)["results"]
    alternative = after["channels"][0]["alternatives"][0]
    sentences = alternative["paragraphs"]["paragraphs"][0]["sentences"]
    before = json.loads(source)["results"]["channels"][0]["alternatives"][0]["paragraphs"]["paragraphs"][0]["sentences"]
    assert sentences[2]["text"] == "[redacted] [redacted] [redacted] [redacted]."
    assert [s for k, s in enumerate(sentences) if k != 2] == [s for k, s in enumerate(before) if k != 2]
    assert "[redacted] [redacted] [redacted] [redacted]. You don't stop" in alternative["paragraphs"]["transcript"]
    assert after["summary"]["result"] == "success" and "[redacted] [redacted] [redacted] [redacted]." in after["summary"]["short"]


def test_google_v1_duration_objects_read_with_exact_times() -> None:
    """Speech-to-Text v1 as a Node client printed it: Duration objects, a zero field left out."""
    for fmt in ("auto", "google"):
        words = transcripts.load(text_of("google-v1-duration-objects.json"), fmt).words
        assert [(w.start_s, w.end_s, w.text) for w in words] == [
            (0.1, 0.5, "the"), (0.5, 0.8, "fog"), (0.8, 1.0, "horn"), (1.0, 2.2, "short"), (2.2, 2.7, "story"),
            (2.7, 2.9, "by"), (2.9, 3.2, "Ray"), (3.2, 3.6, "Bradbury"), (5.6, 6.0, "out"), (6.0, 6.2, "there"),
            (6.2, 6.2, "in"), (6.2, 6.4, "the"), (6.4, 6.5, "cold"), (6.5, 7.0, "water")]


def test_google_v1_duration_strings_read_as_the_objects_do() -> None:
    document = json.loads(text_of("google-v1-duration-objects.json"))
    for result in document["results"]:
        for word in result["alternatives"][0]["words"]:
            for key in ("startTime", "endTime"):
                value = word[key]
                word[key] = f"{int(value.get('seconds', 0)) + value.get('nanos', 0) / 1e9:.3f}s"
    as_strings = transcripts.load(json.dumps(document), "google").words
    assert as_strings == transcripts.load(text_of("google-v1-duration-objects.json"), "google").words


@pytest.mark.parametrize("bad", [{"seconds": True}, {"nanos": False}, {"seconds": "1.5"}, {"seconds": 1.5},
                                 {"nanos": 1000000000}, {"nanos": -1}, {"seconds": "-1"}, {"seconds": "x"},
                                 {"secs": 1}, {"seconds": None}, [1, 0], "-1s", "s", True])
def test_google_v1_duration_that_is_not_one_is_refused_naming_the_word(bad: Any) -> None:
    document = json.loads(text_of("google-v1-duration-objects.json"))
    document["results"][0]["alternatives"][0]["words"][3]["endTime"] = bad
    with pytest.raises(transcripts.TranscriptError, match=r"results\[0\]\.alternatives\[0\]\.words\[3\]") as info:
        transcripts.load(json.dumps(document), "google")
    assert "short" not in str(info.value)


def test_azure_fast_transcription_card_is_redacted_in_words_phrase_and_combined_text() -> None:
    """Fast transcription (2024-11-15) writes display words in ms and each phrase's and
    channel's display text: the card's words are redacted and so are its digits in both texts."""
    document = json.loads(text_of("azure-docs-fast-multichannel.json"))
    phrase = document["phrases"][1]
    phrase["text"] = "Thank 4111 1111 1111 1111."
    for word, digits in zip(phrase["words"][1:], ("4111", "1111", "1111", "1111.")):
        word["text"] = digits
    document["combinedPhrases"][0]["text"] = "Hello. Thank 4111 1111 1111 1111."
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.format == "azure"
    card = [e for e in find_entities(transcript.words) if e.entity == "card_number"]
    assert [(e.start_s, e.end_s) for e in card] == [pytest.approx((1.4, 2.32))]
    after = json.loads(transcripts.write_back(transcript).text)
    assert [w["text"] for w in after["phrases"][1]["words"]] == ["Thank"] + ["[redacted]"] * 3 + ["[redacted]."]
    assert after["phrases"][1]["text"] == "Thank [redacted] [redacted] [redacted] [redacted]."
    assert after["combinedPhrases"][0]["text"] == "Hello. Thank [redacted] [redacted] [redacted] [redacted]."
    assert after["phrases"][2] == document["phrases"][2] and after["combinedPhrases"][1] == document["combinedPhrases"][1]


def test_azure_fast_transcription_phrase_without_words_is_a_segment_and_a_bad_time_is_named() -> None:
    document = json.loads(text_of("azure-docs-fast-multichannel.json"))
    del document["phrases"][2]["words"]
    document["phrases"][2]["text"] = "My card is 4111 1111 1111 1111."
    transcript = transcripts.load(json.dumps(document), "azure")
    assert [(s.start_s, s.end_s, s.text) for s in transcript.segments] == [(4.48, 6.08, "My card is 4111 1111 1111 1111.")]
    written = json.loads(transcripts.write_back(transcript).text)
    assert written["phrases"][2]["text"] == "My card is [redacted] [redacted] [redacted] [redacted]."
    document["phrases"][1]["words"][3]["offsetMilliseconds"] = "soon"
    with pytest.raises(TranscriptError) as caught:
        transcripts.load(json.dumps(document), "auto")
    assert str(caught.value).startswith("azure transcript: phrases[1].words[3].offsetMilliseconds")



#: Card digits planted in fields no reader reads: on a card word (its other forms too: an ITN "4",
#: the lexical "four one one one"), on every other word, and nested below them.
PLANTED_ON_CARD = {"x_itn": "4", "x_lexical": "four one one one", "x_display": "4111"}
PLANTED = {"x_score": "5555555555554444", "x_more": [{"shown": "5105 1051 0510 5100"}]}
LEAKS = ("4111", "1111", "5555555555554444", "5105 1051 0510 5100", "four one one one", '"4"')


def _words_redacted_in_place(document: Any, fmt: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The paths (keys and indices) of the word mappings ``fmt``'s write-back of ``document``
    redacts itself (``freetext.scrub``'s ``skip``)."""
    found: list[tuple[Any, ...]] = []
    real_scrub = freetext.scrub

    def spy(node: Any, cores: Any, skip: frozenset[int] = frozenset(), *args: Any, **kwargs: Any) -> Any:
        freetext.scrub = real_scrub  # the document's call only, not the calls it makes for its parts
        stack: list[tuple[Any, tuple[Any, ...]]] = [(node, ())]
        while stack:
            item, path = stack.pop()
            if isinstance(item, dict) and id(item) in skip:
                found.append(path)
            children = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
            stack += [(value, (*path, key)) for key, value in children]
        return real_scrub(node, cores, skip, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(freetext, "scrub", spy)
        transcripts.write_back(transcripts.load(json.dumps(document), fmt))
    return found


@pytest.mark.parametrize("name", sorted(n for n, case in CASES.items() if len(case[4]) == 4
                                         and n != "faster-whisper-card-arrays.json" and case[0] != "watson"))
def test_card_digits_in_fields_no_reader_reads_are_redacted_too(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Session 51: the fields of a word mapping a reader does not read (Azure's "AccuracyScore",
    a word's "Display" or "ITN" form, ElevenLabs' characters, a speaker label) were copied through
    as they were, card digits and all: each is now scrubbed as free text, and on a card word each
    number in it is redacted too. The fields the reader reads are as they were; the document reads
    the same. (Watson's words are lists, as are faster-whisper's in its arrays file.)"""
    fmt, _, _, _, targets = CASES[name]
    tokens = STYLES["spaced"]
    document = replace_values(json.loads(text_of(name)), dict(zip(targets, tokens)))
    paths = _words_redacted_in_place(document, fmt, monkeypatch)
    card = 0
    for path in paths:
        word = document
        for key in path:
            word = word[key]
        word.update(json.loads(json.dumps(PLANTED)))
        if set(tokens) & set(json.dumps(word).replace('"', " ").split()):
            word.update(PLANTED_ON_CARD)
            card += 1
    assert len(paths) > card >= 4
    transcript = transcripts.load(json.dumps(document), fmt)
    sensitive = transcripts.sensitive_words(transcript)
    written = transcripts.write_back(transcript).text
    for digits in LEAKS:
        assert digits not in written, (digits, name)
    again = transcripts.load(written, fmt)
    assert [(w.start_s, w.end_s) for w in again.words] == [(w.start_s, w.end_s) for w in transcript.words]
    if fmt != "deepgram-flux":  # its copies are redacted by time: "union," there overlaps "perfect"
        assert [w.text for i, w in enumerate(again.words) if i not in sensitive] == [
            w.text for i, w in enumerate(transcript.words) if i not in sensitive]
    assert {again.words[i].text.strip(" ,.") for i in sensitive} == {"[redacted]"}
