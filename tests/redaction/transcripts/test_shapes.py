"""Shapes the real fixtures do not cover: auto's refusals, Google durations, Azure ticks,
faster-whisper arrays, segment-only Whisper, Call Analytics items, spans on the call clock."""

from __future__ import annotations

import json

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError
from redaction.spans import SPOKEN, Detection, Source
from redaction.transcripts import detections_to_recording_clock

CARD = "my card is 4111 1111 1111 1111 thanks"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"results": {"transcripts": []}}', r"closest is aws \(missing results.items\[\], results.items\[0\].alternatives\)"),
        ('{"results": {"channels": [{"alternatives": [{"transcript": "x"}]}]}}',
         r"closest is deepgram \(missing results.channels\[0\].alternatives\[0\].words\[\]\)"),
        ('{"monologues": [{"speaker": 0}]}', r"closest is revai \(missing monologues\[0\].elements\[\]\)"),
        ("[1, 2]", r"transcript format not recognised; closest is"),
        ("hello there\n", r"transcript is not JSON \(line 1, column 1\) and not the simple format "
                          r"\(line 1: start_s and end_s numbers\)"),
    ],
)
def test_auto_names_the_closest_format_and_what_it_lacks(text: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message) as info:
        transcripts.load(text, "auto")
    assert "hello" not in str(info.value)


def test_auto_reads_the_simple_format() -> None:
    assert transcripts.load("# words\n0.5 0.9 four\n", "auto").format == "simple"


def test_google_v1_durations_omitted_zero_and_protobuf_mappings() -> None:
    document = {"name": "op", "done": True, "response": {"results": [
        {"alternatives": [{"transcript": "four one", "confidence": 0.9, "words": [
            {"endTime": "0.400s", "word": "four"},  # a zero start is left out in proto3 JSON
            {"startTime": {"seconds": 0, "nanos": 500000000}, "endTime": {"seconds": 1}, "word": "one"}]}],
         "resultEndTime": "1.200s", "channelTag": 1, "languageCode": "en-us"},
        {"alternatives": [{"transcript": CARD}], "resultEndTime": "6.200s", "channelTag": 1},
    ]}}
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.format == "google"
    assert [(w.start_s, w.end_s, w.text) for w in transcript.words] == [(0.0, 0.4, "four"), (0.5, 1.0, "one")]
    assert [(s.start_s, s.end_s) for s in transcript.segments] == [(1.2, 6.2)]  # from the previous result's end
    found = transcripts.detections(transcript)
    assert [(d.start_s, d.end_s, d.entity, d.detector) for d in found] == [
        (pytest.approx(0.95), pytest.approx(6.45), "card_number", "transcript:google")]
    written = json.loads(transcripts.write_back(transcript).text)
    assert written["response"]["results"][1]["alternatives"][0]["transcript"] == \
        "my card is [redacted] [redacted] [redacted] [redacted] thanks"


def test_azure_words_in_ticks_and_iso_durations() -> None:
    words = [{"word": w, "offsetInTicks": 10_000_000 + k * 4_000_000, "durationInTicks": 3_000_000, "confidence": 0.9}
             for k, w in enumerate("four one one one one one one one one one one one one one one one".split())]
    document = {"combinedRecognizedPhrases": [{"channel": 0, "lexical": " ".join(w["word"] for w in words),
                                               "display": "4111 1111 1111 1111"}],
                "recognizedPhrases": [
                    {"recognitionStatus": "Success", "channel": 0, "offset": "PT1S", "duration": "PT6.3S",
                     "offsetInTicks": 10_000_000, "durationInTicks": 63_000_000,
                     "nBest": [{"confidence": 0.9, "lexical": "x", "itn": "4111111111111111",
                                "maskedITN": "4111111111111111", "display": "4111 1111 1111 1111.", "words": words}]},
                    {"recognitionStatus": "Success", "channel": 0, "offset": "PT1M2.5S", "duration": "PT0.5S",
                     "nBest": [{"lexical": "thanks", "display": "Thanks."}]}]}
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.format == "azure"
    assert (transcript.words[1].start_s, transcript.words[1].end_s) == pytest.approx((1.4, 1.7))
    assert [(s.start_s, s.end_s, s.text) for s in transcript.segments] == [(62.5, 63.0, "Thanks.")]
    assert len(transcripts.sensitive_words(transcript)) == 16
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written and "four" not in written
    assert json.loads(written)["recognizedPhrases"][1]["nBest"][0]["display"] == "Thanks."


def test_faster_whisper_segments_dumped_as_arrays() -> None:
    # Segment(id, seek, start, end, text, tokens, avg_logprob, compression_ratio, no_speech_prob, words, temperature)
    words = [[1.0 + 0.3 * k, 1.25 + 0.3 * k, " " + w, 0.9] for k, w in enumerate(CARD.split())]
    segment = [0, 0, 1.0, 3.4, " " + CARD, [50364, 452, 2920], -0.2, 1.1, 0.01, words, 0.0]
    plain = [1, 0, 4.0, 5.0, " Thanks.", [50364, 2561], -0.1, 1.0, 0.0, None, 0.0]
    transcript = transcripts.load(json.dumps([segment, plain]), "auto")
    assert transcript.format == "whisper"
    assert [(w.start_s, w.text) for w in transcript.words[:2]] == [(1.0, " my"), (1.3, " card")]
    assert [(s.start_s, s.end_s, s.text) for s in transcript.segments] == [(4.0, 5.0, " Thanks.")]
    written = transcripts.write_back(transcript)
    after = json.loads(written.text)
    assert after[0][4] == " my card is [redacted] [redacted] [redacted] [redacted] thanks"
    assert after[0][5] == [] and after[1][5] == [50364, 2561] and written.removed == ("segments[].tokens",)


def test_openai_segments_only_card_segment_is_masked_whole_and_its_tokens_removed() -> None:
    document = {"task": "transcribe", "language": "english", "duration": 9.0, "text": " Hello. " + CARD,
                "segments": [{"id": 0, "start": 0.0, "end": 1.0, "text": " Hello.", "tokens": [1, 2]},
                             {"id": 1, "start": 1.0, "end": 5.5, "text": " " + CARD, "tokens": [3, 4]}]}
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.words == () and len(transcript.segments) == 2
    assert [(d.start_s, d.end_s, d.entity) for d in transcripts.detections(transcript)] == [(0.75, 5.75, "card_number")]
    written = transcripts.write_back(transcript)
    after = json.loads(written.text)
    assert after["segments"][0] == document["segments"][0]
    assert after["segments"][1]["text"] == " my card is [redacted] [redacted] [redacted] [redacted] thanks"
    assert "tokens" not in after["segments"][1] and written.removed == ("segments[].tokens",)
    assert "4111" not in after["text"]


def test_a_marker_in_a_segment_without_its_time_masks_the_segment() -> None:
    document = {"segments": [{"start": 2.0, "end": 4.0, "text": " my number is [REDACTED] ok"}]}
    transcript = transcripts.load(json.dumps(document), "whisper")
    assert [(d.start_s, d.end_s, d.entity, d.detector) for d in transcripts.detections(transcript)] == [
        (1.75, 4.25, "redacted", "transcript:whisper-redaction")]


def test_call_analytics_items_and_redacted_timestamps() -> None:
    items = [{"Content": w, "BeginOffsetMillis": 1000 + 400 * k, "EndOffsetMillis": 1300 + 400 * k,
              "Type": "pronunciation", "Confidence": 0.9} for k, w in enumerate("my card is".split())]
    items.append({"Content": "[PII]", "BeginOffsetMillis": 2200, "EndOffsetMillis": 4000, "Type": "pronunciation"})
    items.append({"Content": ".", "Type": "punctuation"})
    document = {"JobStatus": "COMPLETED", "LanguageCode": "en-US", "Channel": "VOICE", "JobName": "j",
                "Transcript": [{"Content": "my card is [PII].", "Items": items, "Id": "t1", "BeginOffsetMillis": 1000,
                                "EndOffsetMillis": 4000, "Sentiment": "NEUTRAL", "ParticipantRole": "CUSTOMER",
                                "Redaction": {"RedactedTimestamps": [{"BeginOffsetMillis": 2200, "EndOffsetMillis": 4000},
                                                                     {"BeginOffsetMillis": 4100, "EndOffsetMillis": 4500}]}}]}
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.format == "aws-call-analytics" and len(transcript.words) == 4
    found = [(d.start_s, d.end_s, d.detector) for d in transcripts.detections(transcript)]
    # the [PII] item where it stands, and the redacted timestamp no marker item covers
    assert found == [(2.2, 4.0, "transcript:aws-call-analytics-redaction"),
                     (4.1, 4.5, "transcript:aws-call-analytics-redaction")]


def test_spans_move_to_the_recording_clock_like_words() -> None:
    def to_recording(call_s: float) -> float | None:
        return call_s - 40.0 if 40.0 <= call_s <= 120.0 else None

    spans = [Detection(50.0, 51.0, SPOKEN, "pii", "transcript:aws-redaction", 1.0, Source.PROVIDER_REDACTION),
             Detection(119.5, 121.0, SPOKEN, "card_number", "transcript:google", 0.9, Source.TRANSCRIPT),
             Detection(130.0, 131.0, SPOKEN, "pii", "transcript:aws-redaction", 1.0, Source.PROVIDER_REDACTION)]
    assert [(d.start_s, d.end_s, d.entity) for d in detections_to_recording_clock(spans, to_recording)] == [
        (10.0, 11.0, "pii"), (79.5, 81.0, "card_number")]


def test_aws_pii_identification_flags_are_masked_and_card_types_redacted_in_the_copy() -> None:
    def item(start: float, content: str, flag: str | None = None) -> dict:
        alternative: dict = {"confidence": "0.99", "content": content}
        if flag is not None:
            alternative["redactions"] = [{"confidence": "0.98", "type": flag, "category": "PII"}]
        return {"start_time": f"{start:.2f}", "end_time": f"{start + 0.3:.2f}", "type": "pronunciation",
                "alternatives": [alternative]}

    items = [item(0.5, "code"), item(1.0, "is"), item(1.5, "seven", "CREDIT_DEBIT_CVV"), item(2.0, "Jane", "NAME")]
    document = {"results": {"transcripts": [{"transcript": "code is seven Jane"}], "items": items}}
    transcript = transcripts.load(json.dumps(document), "aws")
    assert transcripts.sensitive_words(transcript) == frozenset()  # one digit: not card data to the card logic
    assert [(d.start_s, d.entity, d.detector) for d in transcripts.detections(transcript)] == [
        (1.5, "security_code", "transcript:aws-redaction"), (2.0, "name", "transcript:aws-redaction")]
    written = json.loads(transcripts.write_back(transcript).text)["results"]
    assert [i["alternatives"][0]["content"] for i in written["items"]] == ["code", "is", "[redacted]", "Jane"]
    assert written["transcripts"][0]["transcript"] == "code is [redacted] Jane"


def test_a_document_nested_past_the_limit_is_refused() -> None:
    deep = "[" * 200 + "]" * 200
    with pytest.raises(TranscriptError, match="nested more than 64 levels deep"):
        transcripts.load(deep, "whisper")
    with pytest.raises(TranscriptError, match="nested"):
        transcripts.load("[" * 100_000 + "]" * 100_000, "auto")


@pytest.mark.parametrize("fmt", ["auto", "whisper"])
def test_a_field_given_twice_is_refused_naming_the_field_not_its_values(fmt: str) -> None:
    """Which of the two counts would be a guess (json keeps the last): a card word could hide
    behind a harmless duplicate, or its time be moved off the card."""
    text = ('{"text": "x", "segments": [{"id": 0, "start": 1.0, "end": 2.0, "text": "41111",'
            ' "words": [{"word": "4111", "start": 1.0, "start": 9.0, "end": 1.5}]}]}')
    with pytest.raises(TranscriptError, match=r"'start' given twice in one object") as info:
        transcripts.load(text, fmt)
    assert "9.0" not in str(info.value) and "1.0" not in str(info.value) and "4111" not in str(info.value)
    with pytest.raises(TranscriptError, match=r"'text' given twice"):
        transcripts.load('{"text": "4111", "text": "x", "segments": []}', fmt)


@pytest.mark.parametrize("fmt", ["auto", "whisper"])
def test_an_integer_past_pythons_digit_limit_is_bad_input_not_a_crash(fmt: str) -> None:
    text = '{"text": "x", "segments": [], "n": ' + "9" * 5000 + "}"
    with pytest.raises(TranscriptError, match="number too long") as info:
        transcripts.load(text, fmt)
    assert "9999" not in str(info.value)


def test_deepgram_multichannel_reads_every_channel_and_redacts_utterance_copies() -> None:
    def words(texts: list[str], start_s: float) -> list[dict]:
        return [{"word": t, "start": start_s + 0.4 * k, "end": start_s + 0.4 * k + 0.3, "confidence": 0.9,
                 "punctuated_word": t} for k, t in enumerate(texts)]

    agent = words(["what's", "the", "card", "number"], 0.0)
    caller = words(["it's", "4111-1111-1111-1111", "thanks"], 2.0)  # smart_format numerals
    document = {"metadata": {"channels": 2}, "results": {
        "channels": [{"alternatives": [{"transcript": "what's the card number", "words": agent}]},
                     {"alternatives": [{"transcript": "it's 4111-1111-1111-1111 thanks", "words": caller}]}],
        "utterances": [{"start": 2.0, "end": 3.1, "channel": 1, "transcript": "it's 4111-1111-1111-1111 thanks",
                        "words": [dict(w) for w in caller], "id": "u1"}]}}
    transcript = transcripts.load(json.dumps(document), "auto")
    assert len(transcript.words) == 7 and sorted(transcripts.sensitive_words(transcript)) == [5]
    written = transcripts.write_back(transcript).text
    assert "4111" not in written
    after = json.loads(written)["results"]
    assert after["utterances"][0]["transcript"] == "it's [redacted] thanks"
    assert after["channels"][1]["alternatives"][0]["transcript"] == "it's [redacted] thanks"
    assert after["channels"][0] == document["results"]["channels"][0]


def test_a_card_in_smart_quotes_and_typographic_dashes_is_masked_and_redacted() -> None:
    """Found by the audit: Whisper's “4111 ... 1111” left its first and last groups (the
    words with a curly quote) audible and in the written-back transcript."""
    said = ["My", "card", "is", "“4111", "1111–1111", "1111”", "thanks."]
    document = {"text": " ".join(said), "language": "english", "duration": 9.0,
                "words": [{"word": w, "start": 1.0 + k, "end": 1.8 + k} for k, w in enumerate(said)]}
    transcript = transcripts.load(json.dumps(document), "whisper")
    assert transcripts.sensitive_words(transcript) == {3, 4, 5}
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written
    assert [w["word"] for w in json.loads(written)["words"]][3:6] == ["“[redacted]", "[redacted]", "[redacted]”"]


def test_a_card_grouped_in_thousands_is_redacted_from_the_transcript() -> None:
    """Found by the audit: a card a recognizer wrote as one number grouped in thousands stayed
    in the written-back transcript (it read as an amount)."""
    said = ["My", "card", "is", "4,111,111,111,111,111.", "It", "costs", "1,250."]
    document = {"text": " ".join(said), "language": "english", "duration": 9.0,
                "words": [{"word": w, "start": 1.0 + k, "end": 1.8 + k} for k, w in enumerate(said)]}
    transcript = transcripts.load(json.dumps(document), "whisper")
    assert transcripts.sensitive_words(transcript) == {3}
    written = json.loads(transcripts.write_back(transcript).text)
    assert "4,111" not in written["text"] and "1,250." in written["text"]
    assert [w["word"] for w in written["words"]][3] == "[redacted]."  # its punctuation kept


@pytest.mark.parametrize("document", [
    {"totalBilledTime": "15s", "requestId": "8216410523829498301"},  # v1 recognize on silence
    {"name": "4711", "done": True, "response": {
        "@type": "type.googleapis.com/google.cloud.speech.v1.LongRunningRecognizeResponse",
        "totalBilledTime": "15s", "requestId": "8216410523829498301"}},
])
def test_a_google_response_without_results_is_no_words(document: dict) -> None:
    """Found by the audit: proto3 JSON leaves an empty ``results`` out (Google's answer for
    audio without speech), and the file was refused as having no 'results' list."""
    transcript = transcripts.load(json.dumps(document), "google")
    assert transcript.words == () and transcript.segments == ()
    assert json.loads(transcripts.write_back(transcript).text) == document


def test_a_document_that_is_no_google_response_is_still_refused() -> None:
    with pytest.raises(TranscriptError, match="google transcript: the document has no 'results' list"):
        transcripts.load(json.dumps({"something": "else"}), "google")


@pytest.mark.parametrize(("status", "why"), [
    ("queued", "not transcribed yet; fetch it again once it is completed"),
    ("processing", "not transcribed yet; fetch it again once it is completed"),
    ("error", "AssemblyAI could not transcribe the audio")])
@pytest.mark.parametrize("fmt", ["auto", "assemblyai"])
def test_an_unfinished_assemblyai_transcript_is_named_as_such(status: str, why: str, fmt: str) -> None:
    """Found by the audit: ``auto`` named a queued or failed AssemblyAI transcript (``GET
    /v2/transcript/{id}`` before it completed: no words) as closest to azure's format."""
    document = {"id": "6rlr37h1hq-6d4a-4a0b-9a4f-2d0f2c1b5b7e", "status": status, "audio_url": "https://example.com/call.wav",
                "language_code": "en_us", "text": None, "words": None, "utterances": None, "confidence": None,
                **({"error": "Download error, unable to download https://example.com/call.wav"} if status == "error" else {})}
    with pytest.raises(TranscriptError) as caught:
        transcripts.load(json.dumps(document), fmt)
    assert str(caught.value) == f"assemblyai transcript: status is '{status}', not 'completed': {why}"
    assert "Download error" not in str(caught.value)  # the provider's text is not echoed


def _batch_recognize(file_result: dict, files: int = 1) -> dict:
    """A finished v2 ``batchRecognize`` operation (REST reference: BatchRecognizeResponse,
    ``results`` a map of each audio file's URI to its BatchRecognizeFileResult)."""
    results = {f"gs://calls/CA{k}.wav": file_result for k in range(files)}
    return {"name": "projects/p/locations/global/operations/7", "done": True, "response": {
        "@type": "type.googleapis.com/google.cloud.speech.v2.BatchRecognizeResponse",
        "results": results, "totalBilledDuration": "12s"}}


_V2_RESULTS = {"results": [
    {"alternatives": [{"transcript": CARD, "confidence": 0.9, "words": [
        {"startOffset": f"{1 + k * 0.5:.1f}s", "endOffset": f"{1.4 + k * 0.5:.1f}s", "word": w}
        for k, w in enumerate(CARD.split())]}], "resultEndOffset": "6s", "languageCode": "en-us"}],
    "metadata": {"totalBilledDuration": "12s"}}


@pytest.mark.parametrize("key", ["inlineResult", "transcript"])  # the current field, and the deprecated one
def test_google_v2_batch_recognize_response_is_read_and_redacted(key: str) -> None:
    """Found by the audit: the response of a v2 batchRecognize with inline output (its file's
    ``inlineResult.transcript.results``) was refused as not recognised (closest is aws)."""
    results = json.loads(json.dumps(_V2_RESULTS))
    held = {"transcript": results} if key == "inlineResult" else results
    document = _batch_recognize({key: held, "metadata": {"totalBilledDuration": "12s"}})
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.format == "google"
    assert [(w.start_s, w.text) for w in transcript.words][3:5] == [(2.5, "4111"), (3.0, "1111")]
    assert transcripts.sensitive_words(transcript) == {3, 4, 5, 6}
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written
    after = json.loads(written)["response"]["results"]["gs://calls/CA0.wav"]
    alternative = (after["inlineResult"]["transcript"] if key == "inlineResult" else after["transcript"])["results"][0]
    assert alternative["alternatives"][0]["transcript"] == "my card is [redacted] [redacted] [redacted] [redacted] thanks"


@pytest.mark.parametrize(("file_result", "files", "message"), [
    ({"cloudStorageResult": {"uri": "gs://out/CA4111111111111111.json"}}, 1,
     "google transcript: the batch response's file result has no inlineResult.transcript "
     "(its transcript was written to Cloud Storage: give that file)"),
    ({"error": {"code": 3, "message": "audio 4111111111111111 unreadable"}}, 1,
     "google transcript: the batch response's file result is an error, not a transcript"),
    ({"inlineResult": {"transcript": {"results": []}}}, 2,
     "google transcript: the batch response holds the results of 2 files; give one file's transcript"),
])
def test_google_v2_batch_recognize_response_without_one_inline_transcript_is_refused(
        file_result: dict, files: int, message: str) -> None:
    with pytest.raises(TranscriptError) as caught:
        transcripts.load(json.dumps(_batch_recognize(file_result, files)), "auto")
    assert str(caught.value) == message


def test_google_v2_batch_recognize_response_of_silence_is_no_words() -> None:
    document = _batch_recognize({"inlineResult": {"transcript": {"metadata": {"totalBilledDuration": "3s"}}}})
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.words == () and transcript.segments == ()


def test_a_card_after_a_number_sign_is_masked_and_redacted_whole() -> None:
    """Found by the audit: "card #4111 1111 1111 1111" left "#4111" audible and in the text."""
    said = ["My", "card", "is", "#4111", "1111", "1111", "1111", "thanks."]
    document = {"text": " ".join(said), "language": "english", "duration": 9.0,
                "words": [{"word": w, "start": 1.0 + k, "end": 1.8 + k} for k, w in enumerate(said)]}
    transcript = transcripts.load(json.dumps(document), "whisper")
    assert transcripts.sensitive_words(transcript) == {3, 4, 5, 6}
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written
    assert [w["word"] for w in json.loads(written)["words"]][3] == "#[redacted]"


@pytest.mark.parametrize("fmt", ["auto", "whisper"])
def test_a_repeated_field_whose_name_is_not_a_field_name_is_not_echoed(fmt: str) -> None:
    """A document's key is input too: one holding words (a transcript's text moved into a key)
    is named by where it is, not by what it says; a provider's field names (letters, digits,
    _ . -) are shown as before."""
    key = "zebrafish four one one one one one one one"
    text = '{"text": "x", "segments": [], "%s": 1, "%s": 2}' % (key, key)
    with pytest.raises(TranscriptError, match=r"a field \(name not shown\) given twice") as info:
        transcripts.load(text, fmt)
    assert "zebrafish" not in str(info.value) and "four" not in str(info.value)
    with pytest.raises(TranscriptError, match=r"field 'speaker_label' given twice"):
        transcripts.load('{"text": "x", "segments": [], "speaker_label": 1, "speaker_label": 2}', fmt)
