"""The first and last word of each real provider output added in session 50 (fixtures/real,
SOURCES.md), read exactly, and what each one's own shape holds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from redaction import transcripts
from redaction.cards import find_entities

from .test_real import text_of

#: file -> (first word (text, start_s, end_s), last word (text, start_s, end_s))
ENDS = {
    "deepgram-go-sdk-summary-v1.json": (("yep", 5.52, 6.02), ("it", 17.281313, 17.566313)),
    "deepgram-nova3-diarized-account-number.json": (("alright", 347.675, 348.155), ("capitalized", 376.06, 376.7)),
    "google-v1-longrunning-operation.json": (("how", 2.8, 4.0), ("goodbye", 11.4, 12.3)),
    "azure-sdk-detailed-words-itn.json": (("the", 0.13, 0.32), ("three", 11.19, 11.59)),
    "aws-transcribe-spanish-speakers.json": (("Hola", 0.94, 1.51), ("miel", 4.86, 5.45)),
    "assemblyai-v2-speaker-null-calvin.json": (("This", 1.437, 1.597), ("Calvin.", 4.555, 4.887)),
    "speechmatics-realtime-speaker-change.json": (("Hello", 0.0, 0.1), ("Hey", 0.1, 0.2)),
    "speechmatics-realtime-attaches-to.json": (("Yes", 0.0, 0.1), ("stuff", 0.7, 0.8)),
    "watson-stt-timestamps-profanity.json": (("today's", 0.92, 1.3), ("****", 53.51, 54.02)),
    "azure-docs-pronunciation-words.json": (("good", 0.07, 0.33), ("morning", 0.34, 0.91)),
    "deepgram-freeswitch-live-phonecall.json": (("just", 41.72, 42.2), ("on", 42.52, 42.95)),
    "deepgram-flux-dotnet-sdk-session.json": (("We", 0.3200000762939452, 0.7200000762939454), ("America.", 18.16, 18.4)),
}


def ends(name: str) -> tuple[tuple[str, float, float], tuple[str, float, float]]:
    words = transcripts.load(text_of(name), "auto").words
    return ((words[0].text, words[0].start_s, words[0].end_s), (words[-1].text, words[-1].start_s, words[-1].end_s))


@pytest.mark.parametrize("name", sorted(ENDS))
def test_first_and_last_word_read_exactly(name: str) -> None:
    (first, last), (want_first, want_last) = ends(name), ENDS[name]
    assert first[0] == want_first[0] and last[0] == want_last[0]
    assert first[1:] == pytest.approx(want_first[1:], abs=1e-9) and last[1:] == pytest.approx(want_last[1:], abs=1e-9)


def test_deepgram_reads_the_bare_word_not_the_punctuated_one_and_keeps_a_numeral_whole() -> None:
    """smart_format wrote the caller's account number as one numeral (with its full stop in
    ``punctuated_word``): one word over the 7.8 s it took to say."""
    words = transcripts.load(text_of("deepgram-nova3-diarized-account-number.json"), "auto").words
    numeral = [w for w in words if any(ch.isdigit() for ch in w.text)]
    assert [(w.text, w.start_s, w.end_s) for w in numeral] == [("325125675914", 353.515, 361.275)]
    assert all(w.channel is None for w in words)  # one channel: speakers are not channels


def test_a_twelve_digit_account_number_stays_as_it_was_said() -> None:
    """The caller's account number (12 digits, "can I have your account number?") is no card:
    an AWS Transcribe or AssemblyAI user redacting card data gets it back as it was (bank account
    numbers are their own entity type), and the password's "x thirty one" said 10 s later is no
    expiry date. Until session 51 both were masked (a run of 12 digits is a card a recognizer lost
    digits of, cards.MIN_LONG_RUN_DIGITS, and "thirty one" followed that card)."""
    transcript = transcripts.load(text_of("deepgram-nova3-diarized-account-number.json"), "auto")
    assert transcripts.sensitive_words(transcript) == frozenset() and transcripts.detections(transcript) == ()
    written = transcripts.write_back(transcript)
    assert written.text == json.dumps(json.loads(text_of("deepgram-nova3-diarized-account-number.json")),
                                      ensure_ascii=False, indent=2) + "\n"
    after = json.loads(written.text)["results"]["channels"][0]["alternatives"][0]
    assert (after["words"][19]["word"], after["words"][19]["punctuated_word"]) == ("325125675914", "325125675914.")
    assert "It's 325125675914. K." in after["transcript"]


def test_google_operation_whole_second_durations_and_wordless_alternatives() -> None:
    """"4s" is a duration too; the lower-ranked alternatives (no words) are kept as they are."""
    transcript = transcripts.load(text_of("google-v1-longrunning-operation.json"), "google")
    assert [(w.text, w.start_s, w.end_s) for w in transcript.words[:2]] == [("how", 2.8, 4.0), ("are", 4.0, 4.1)]
    assert transcript.segments == ()
    document = json.loads(text_of("google-v1-longrunning-operation.json"))
    alternatives = document["response"]["results"][0]["alternatives"]
    for word, digits in zip(alternatives[0]["words"][6:10], ("4111", "1111", "1111", "1111")):
        word["word"] = digits
    alternatives[1]["transcript"] = "hello how are you today I'm just 4111 1111 1111 1111 recording"
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(document), "auto")).text)
    redone = after["response"]["results"][0]["alternatives"]
    assert [w["word"] for w in redone[0]["words"][5:11]] == ["just"] + ["[redacted]"] * 4 + ["recording"]
    assert redone[1]["transcript"] == "hello how are you today I'm just [redacted] [redacted] [redacted] [redacted] recording"
    assert redone[2] == alternatives[2]


def test_azure_sdk_words_follow_the_lexical_form_and_other_alternatives_are_redacted_too() -> None:
    """The SDK's words spell the lexical form ("twenty twenty three") while ITN and Display
    say "2023"; a card read in the best alternative is redacted in every alternative's words."""
    transcript = transcripts.load(text_of("azure-sdk-detailed-words-itn.json"), "azure")
    assert [w.text for w in transcript.words[-3:]] == ["twenty", "twenty", "three"]
    assert len(transcript.words) == 13 + 15  # the best alternative's words of each phrase only
    document = json.loads(text_of("azure-sdk-detailed-words-itn.json"))
    for nbest in document[0]["NBest"]:
        for word, digits in zip(nbest["Words"][1:5], ("4111", "1111", "1111", "1111")):
            word["Word"] = digits
    written = transcripts.write_back(transcripts.load(json.dumps(document), "azure")).text
    assert "4111" not in written and "1111" not in written
    assert [w["Word"] for w in json.loads(written)[0]["NBest"][1]["Words"][:6]] == (
        ["the"] + ["[redacted]"] * 4 + ["modi"])


def test_aws_speaker_labels_and_zero_confidence_punctuation_are_not_words() -> None:
    words = transcripts.load(text_of("aws-transcribe-spanish-speakers.json"), "auto").words
    assert [w.text for w in words] == ["Hola", "Qué", "tal", "estás", "Me", "gusta", "la", "miel"]
    assert [w.confidence for w in words[:2]] == [0.983, 0.969]


def test_speechmatics_speaker_change_and_attached_punctuation_are_not_words() -> None:
    assert [w.text for w in transcripts.load(text_of("speechmatics-realtime-speaker-change.json"), "auto").words] == [
        "Hello", "Hey"]
    assert [w.text for w in transcripts.load(text_of("speechmatics-realtime-attaches-to.json"), "auto").words] == [
        "Yes", "great", "for", "sure", "stuff"]


def test_google_result_with_text_but_no_time_is_refused_naming_it() -> None:
    """Without its words and without ``resultEndTime`` a result's text cannot be placed (it was
    read as a segment from 0 s to 0 s, so a card in it masked the call's first quarter second)."""
    document = json.loads(text_of("google-v1-longrunning-operation.json"))
    best = document["response"]["results"][0]["alternatives"][0]
    del best["words"]
    best["transcript"] = "my card is 4111 1111 1111 1111"
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.load(json.dumps(document), "auto")
    assert str(caught.value) == ("google transcript: results[0].alternatives[0] has text but no time "
                                 "(no words and no resultEndTime)")
    document["response"]["results"][0]["resultEndTime"] = "12.300s"  # with its end it is a segment
    segments = transcripts.load(json.dumps(document), "auto").segments
    assert [(s.start_s, s.end_s) for s in segments] == [(0.0, 12.3)]


def test_watson_timestamps_are_words_and_its_masks_are_masked_where_they_stand() -> None:
    """IBM Watson's ``[word, start, end]`` timestamps (read as Google results before: four
    segments from 0 s to 0 s); its profanity mask ``****`` and a number it redacted
    (``redaction=true``: each digit an X) mask their own time."""
    document = json.loads(text_of("watson-stt-timestamps-profanity.json"))
    document["results"][1]["alternatives"][0]["timestamps"][3][0] = "XXXX"
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.format == "watson" and transcript.segments == ()
    assert [(d.start_s, d.end_s, d.entity, d.detector) for d in transcripts.detections(transcript)] == [
        (14.15, 14.29, "pii", "transcript:watson-redaction"), (53.51, 54.02, "pii", "transcript:watson-redaction")]


def test_watson_card_is_redacted_in_its_words_confidences_transcript_and_interim_copy() -> None:
    document = json.loads(text_of("watson-stt-timestamps-profanity.json"))
    final = document["results"][1]["alternatives"][0]
    for stamp, digits in zip(final["timestamps"][1:5], ("4111", "1111", "1111", "1111")):
        stamp[0] = digits
    final["transcript"] = "could 4111 1111 1111 1111 name "
    final["word_confidence"] = [[stamp[0], 0.9] for stamp in final["timestamps"]]
    interim = json.loads(json.dumps(document["results"][1]))
    interim["final"] = False
    interim["alternatives"][0]["timestamps"] = final["timestamps"][:3]
    interim["alternatives"][0]["transcript"] = "could 4111 1111 "
    interim["alternatives"][0]["word_confidence"] = final["word_confidence"][:3]
    document["results"].insert(1, interim)
    document["results"][2]["alternatives"].append({"transcript": "could 4111 1111 1111 1112 name "})
    document["results"].append({"final": False, "alternatives": [{"transcript": "4111 1111 1111 1111 "}]})
    transcript = transcripts.load(json.dumps(document), "watson")
    assert len(transcript.words) == 59 and transcript.words[42].confidence == 0.9  # the interim result not read
    written = transcripts.write_back(transcript)
    assert "4111" not in written.text and "1111" not in written.text and written.removed == ()
    after = json.loads(written.text)["results"]
    assert after[2]["alternatives"][0]["transcript"] == "could " + "[redacted] " * 4 + "name "
    assert [c[0] for c in after[2]["alternatives"][0]["word_confidence"]] == ["could"] + ["[redacted]"] * 4 + ["name"]
    assert [s[0] for s in after[1]["alternatives"][0]["timestamps"]] == ["could", "[redacted]", "[redacted]"]
    assert after[2]["alternatives"][1]["transcript"] == "could " + "[redacted] " * 4 + "name "
    assert after[0] == document["results"][0] and after[-1]["alternatives"][0]["transcript"] == "[redacted] " * 4
    del document["results"][1]["alternatives"][0]["word_confidence"][2]  # one a timestamp, or which is which?
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.write_back(transcripts.load(json.dumps(document), "watson"))
    assert str(caught.value) == ("watson transcript: results[1].alternatives[0].word_confidence is not a list "
                                 "as long as its timestamps")


def test_watson_card_said_only_in_an_interim_result_is_redacted_in_it() -> None:
    """An interim result's words were redacted only where their times met a redacted final
    word: card digits an interim hypothesis said, and the final result did not repeat, stayed."""
    document = json.loads(text_of("watson-stt-timestamps-profanity.json"))
    interim = json.loads(json.dumps(document["results"][1]))
    interim["final"] = False
    for stamp, said in zip(interim["alternatives"][0]["timestamps"], ("card", "4111", "1111", "1111", "1111")):
        stamp[0] = said
    interim["alternatives"][0].pop("word_confidence", None)
    document["results"].insert(1, interim)
    written = transcripts.write_back(transcripts.load(json.dumps(document), "watson")).text
    assert "4111" not in written and "1111" not in written
    after = json.loads(written)["results"][1]["alternatives"][0]
    assert [s[0] for s in after["timestamps"][:5]] == ["card"] + ["[redacted]"] * 4


def test_watson_text_without_timestamps_is_refused_naming_the_result() -> None:
    document = json.loads(text_of("watson-stt-timestamps-profanity.json"))
    del document["results"][2]["alternatives"][0]["timestamps"]
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.load(json.dumps(document), "watson")
    assert str(caught.value) == ("watson transcript: results[2].alternatives[0] has text but no timestamps "
                                 "(transcribe with timestamps=true)")
    document = json.loads(text_of("watson-stt-timestamps-profanity.json"))
    document["results"][0]["alternatives"][0]["timestamps"][4] = ["1999", 2.28]
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.load(json.dumps(document), "watson")
    assert str(caught.value) == "watson transcript: results[0].alternatives[0].timestamps[4] is not a [word, start, end] list"


@pytest.mark.parametrize(("document", "fmt"), [
    ({"results": []}, "google"), ({"result_index": 0, "results": []}, "watson"),
    ({"format": "2.9", "results": [], "metadata": {"transcript": ""}}, "speechmatics")])
def test_an_empty_results_list_is_recognised_by_what_surrounds_it(document: dict, fmt: str) -> None:
    transcript = transcripts.load(json.dumps(document), "auto")
    assert (transcript.format, transcript.words, transcript.segments) == (fmt, (), ())


def test_azure_v2_batch_segments_are_masked_whole_and_their_texts_redacted() -> None:
    """Batch transcription v2.0 (``AudioFileResults``; refused before: no ``recognizedPhrases``):
    each segment result is an SDK-style phrase in ticks; without words it is a segment."""
    transcript = transcripts.load(text_of("azure-v2-batch-audiofileresults.json"), "auto")
    assert [(s.start_s, s.end_s, s.text) for s in transcript.segments] == [
        (pytest.approx(2.9), pytest.approx(4.79), "Hello, how are you today?"),
        (pytest.approx(5.62), pytest.approx(12.5), transcript.segments[1].text)]
    document = json.loads(text_of("azure-v2-batch-audiofileresults.json"))
    audio = document["AudioFileResults"][0]
    for nbest in audio["SegmentResults"][0]["NBest"]:
        nbest.update(Display="My card is 4111 1111 1111 1111.", Lexical="my card is 4111111111111111")
    audio["CombinedResults"][0]["Display"] = "My card is 4111 1111 1111 1111. I'm just looking"
    transcript = transcripts.load(json.dumps(document), "azure")
    assert [(d.start_s, d.end_s, d.entity) for d in transcripts.detections(transcript)] == [
        (pytest.approx(2.65), pytest.approx(5.04), "card_number")]
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written
    after = json.loads(written)["AudioFileResults"][0]
    assert after["SegmentResults"][0]["NBest"][1]["Display"] == "My card is [redacted] [redacted] [redacted] [redacted]."
    assert after["SegmentResults"][1] == audio["SegmentResults"][1]
    document["AudioFileResults"].append(audio)
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.load(json.dumps(document), "auto")
    assert str(caught.value) == "azure transcript: the result file holds the results of 2 audio files; give one file's"


@pytest.mark.parametrize("name", ["azure-docs-short-audio-simple.json", "azure-docs-short-audio-detailed.json"])
def test_azure_short_audio_results_are_segments_over_their_ticks_given_as_strings(name: str) -> None:
    """The REST API for short audio and the Speech SDK: ``simple`` (``DisplayText`` only; refused
    before) and ``detailed`` (``NBest``); ``Offset`` and ``Duration`` ticks as strings."""
    transcript = transcripts.load(text_of(name), "auto")
    assert [(s.start_s, s.end_s) for s in transcript.segments] == [
        pytest.approx((123664.5672289, 247329.1344578), abs=1e-6)]
    document = json.loads(text_of(name))
    document.update(Offset="7000000", Duration="30000000", DisplayText="My card is 4111 1111 1111 1111.")
    for nbest in document.get("NBest", []):  # the detailed format says it in each alternative
        nbest["Display"] = document["DisplayText"]
    transcript = transcripts.load(json.dumps(document), "azure")
    assert [(d.start_s, d.end_s, d.entity) for d in transcripts.detections(transcript)] == [
        (pytest.approx(0.45), pytest.approx(3.95), "card_number")]
    written = json.loads(transcripts.write_back(transcript).text)
    assert written["DisplayText"] == "My card is [redacted] [redacted] [redacted] [redacted]."


FLUX = "deepgram-flux-dotnet-sdk-session.json"


def test_deepgram_flux_turn_is_read_from_its_end_and_its_updates_redacted_by_time() -> None:
    """Deepgram Flux (``/v2/listen``) ``TurnInfo`` messages (refused before): a turn is read
    from its ``EndOfTurn``; its ``Update``/``StartOfTurn`` copies are redacted by time and
    their transcripts rebuilt; as JSON lines it reads the same and is written back as lines."""
    document = json.loads(text_of(FLUX))
    end = document[5]
    for word, digits in zip(end["words"][:4], ("4111", "1111", "1111", "1111")):
        word["word"] = digits
    end["transcript"] = "4111 1111 1111 1111 the United States"
    transcript = transcripts.load(json.dumps(document), "auto")
    card = [e for e in find_entities(transcript.words) if e.entity == "card_number"]
    assert [(round(e.start_s, 2), round(e.end_s, 2)) for e in card] == [(0.32, 1.28)]
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written
    after = json.loads(written)
    assert after[5]["transcript"].startswith("[redacted] [redacted] [redacted] [redacted] the United")
    assert [w["word"] for w in after[3]["words"]] == ["[redacted],", "[redacted]"]  # StartOfTurn "We, the"
    assert after[3]["transcript"] == "[redacted], [redacted]" and after[4] == document[4] and after[6] == document[6]
    lines = "".join(json.dumps(m) + "\n" for m in document)
    as_lines = transcripts.load(lines, "auto")
    assert as_lines.format == "deepgram-flux" and as_lines.words == transcript.words
    assert [json.loads(line) for line in transcripts.write_back(as_lines).text.splitlines()] == after


def test_deepgram_flux_session_cut_before_its_end_of_turn_reads_the_turns_last_message() -> None:
    document = json.loads(text_of(FLUX))[:5]  # up to StartOfTurn and ConfigureSuccess
    transcript = transcripts.load(json.dumps(document), "auto")
    assert [(w.text, w.start_s) for w in transcript.words] == [("We,", 0.31999997854232787), ("the", 0.7199999785423279)]


@pytest.mark.parametrize("second", ["Connected", "another request_id"])
def test_deepgram_flux_messages_of_two_sessions_are_refused(second: str) -> None:
    """Turn numbers and times start again at 0 in each session: two sessions' messages in one
    file read the second's turn 0 in place of the first's, whose words (a card among them) were
    then copies, unread and left audible. Refused, as AssemblyAI streaming's second Begin is."""
    first = json.loads(text_of(FLUX))
    again = json.loads(text_of(FLUX))
    if second == "Connected":
        where = f"[{len(first)}]"
    else:
        again = again[1:]
        for message in again:
            message["request_id"] = "019f4c80-ffff-72f2-9780-89f9950b1adb"
        where = f"[{len(first)}]"
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.load(json.dumps(first + again), "deepgram-flux")
    assert str(caught.value) == (f"deepgram-flux transcript: {where} begins a second session; give each "
                                 "session's messages as a transcript of its own")


def _said_in_a_copy(words: list[dict], key: str) -> None:
    """A copy's words (an interim message of a turn) now say a card its final message does not."""
    for word, said in zip(words, ("card", "4111", "1111", "1111", "1111")):
        word[key] = said


@pytest.mark.parametrize("fmt", ["deepgram-flux", "assemblyai-streaming"])
def test_a_card_said_only_in_an_interim_copy_of_a_turn_is_redacted_in_it(fmt: str) -> None:
    """Copies of a turn (its interim messages) were redacted only where their times met a
    redacted word of the message read: card digits in an interim hypothesis that the final one
    does not repeat stayed in the written-back transcript. A copy's own card data goes too."""
    if fmt == "deepgram-flux":
        document, key = json.loads(text_of(FLUX)), "word"
        copy = document[3]
        copy["words"] += [dict(copy["words"][-1]) for _ in range(3)]
    else:
        document, key = json.loads(text_of("assemblyai-docs-streaming-session.json")), "text"
        copy = document[6]
    _said_in_a_copy(copy["words"], key)
    written = transcripts.write_back(transcripts.load(json.dumps(document), fmt)).text
    assert '"4111' not in written and '"1111' not in written and " 1111" not in written
    assert [w[key] for w in json.loads(written)[document.index(copy)]["words"]][:5] == [
        "card", "[redacted]", "[redacted]", "[redacted]", "[redacted]"]


def test_deepgram_flux_word_without_a_time_is_refused_naming_it() -> None:
    document = json.loads(text_of(FLUX))
    del document[5]["words"][7]["start"]
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.load(json.dumps(document), "auto")
    assert str(caught.value) == "deepgram-flux transcript: [5].words[7] has no 'start' field"


ELEVENLABS = "elevenlabs-docs-scribe-single-channel.json"


def scribe_words(*said: tuple[str, float, float]) -> list[dict]:
    """Words as Scribe writes them: each followed by a spacing entry (the documented example's shape)."""
    out: list[dict] = []
    for text, start, end in said:
        out += [{"text": text, "start": start, "end": end, "type": "word", "speaker_id": "speaker_1", "logprob": -0.1},
                {"text": " ", "start": end, "end": end, "type": "spacing", "speaker_id": "speaker_1", "logprob": 0.0}]
    return out[:-1]


def test_elevenlabs_words_are_seconds_and_a_card_is_redacted_in_words_characters_and_text() -> None:
    document = json.loads(text_of(ELEVENLABS))
    document["words"] = scribe_words(("Hello", 0, 0.5), ("4111", 0.6, 1.0), ("1111", 1.1, 1.5), ("1111", 1.6, 2.0),
                                     ("1111", 2.1, 2.5), ("(laughs)", 2.6, 3.0))
    document["words"][-1]["type"] = "audio_event"
    document["words"][2]["characters"] = [{"text": c, "start": 0.6 + k / 10, "end": 0.7 + k / 10}
                                          for k, c in enumerate("4111")]
    document["text"] = "Hello 4111 1111 1111 1111 (laughs)"
    transcript = transcripts.load(json.dumps(document), "auto")
    assert [(w.text, w.start_s, w.end_s) for w in transcript.words][:2] == [("Hello", 0.0, 0.5), ("4111", 0.6, 1.0)]
    assert len(transcript.words) == 5  # spacing and audio events are no words
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written
    after = json.loads(written)
    assert after["text"] == "Hello [redacted] [redacted] [redacted] [redacted] (laughs)"
    assert [c["text"] for c in after["words"][2]["characters"]] == ["[redacted]", "", "", ""]


@pytest.mark.parametrize("logprob", [-10**400, -1e308, float("-inf")], ids=["400 digits", "-1e308", "-1e999"])
def test_elevenlabs_a_word_far_past_any_probability_reads_confidence_0(logprob: float) -> None:
    """exp() of an integer too long for a float raised OverflowError out of ``load``."""
    document = json.loads(text_of(ELEVENLABS))
    document["words"] = scribe_words(("Hello", 0, 0.5), ("there", 0.6, 1.0))
    document["words"][0]["logprob"] = logprob
    text = json.dumps(document).replace("-Infinity", "-1e999")
    assert [w.confidence for w in transcripts.load(text, "elevenlabs").words] == [0.0, pytest.approx(0.905, abs=1e-3)]


@pytest.mark.parametrize("kind", ["audio_event", "an_unknown_type"])
def test_elevenlabs_entries_that_are_no_words_have_card_data_in_their_text_redacted(kind: str) -> None:
    """Entries that are not read as words (audio events, a type this reader does not know)
    were left out of the free-text scrub as well: card data in their text stayed in the
    written-back transcript."""
    document = json.loads(text_of(ELEVENLABS))
    document["words"] = scribe_words(("Hello", 0, 0.5), ("(card 4111 1111 1111 1111)", 0.6, 3.0),
                                     ("5500000000000004", 3.1, 3.5))
    document["words"][2]["type"] = document["words"][4]["type"] = kind
    written = json.loads(transcripts.write_back(transcripts.load(json.dumps(document), "elevenlabs")).text)
    assert [w["text"] for w in written["words"]] == ["Hello", " ", "(card [redacted] [redacted] [redacted] [redacted])",
                                                     " ", "[redacted]"]


def test_elevenlabs_multichannel_transcripts_are_read_channel_by_channel() -> None:
    single = json.loads(text_of(ELEVENLABS))
    left = dict(single, channel_index=0, words=[dict(single["words"][0], channel_index=0)])
    right = dict(single, channel_index=1, text="Hi there", words=[dict(w, channel_index=1) for w in scribe_words(
        ("Hi", 0.2, 0.4), ("there", 0.5, 0.9))])
    transcript = transcripts.load(json.dumps({"transcripts": [left, right]}), "auto")
    assert transcript.format == "elevenlabs"
    assert [(w.text, w.start_s) for w in transcript.words] == [("Hello", 0.0), ("Hi", 0.2), ("there", 0.5)]
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.load(json.dumps({"transcripts": [left, dict(right, words=[{"text": "Hi", "type": "word"}])]}),
                         "elevenlabs")
    assert str(caught.value) == "elevenlabs transcript: transcripts[1].words[0] has no 'start' field"


def test_a_look_alike_timed_in_seconds_is_not_taken_for_assemblyai_milliseconds() -> None:
    """AssemblyAI times words in whole milliseconds; a document shaped like it but timed in
    fractions (another provider's seconds) is refused by ``auto`` rather than read 1000 times
    too early."""
    document = json.loads(text_of("assemblyai-v2-speaker-null-calvin.json"))
    for word in document["words"]:
        word["start"], word["end"] = word["start"] / 1000, word["end"] / 1000
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.load(json.dumps(document), "auto")
    assert str(caught.value).startswith("transcript format not recognised; closest is ")
    assert transcripts.get_format("assemblyai").missing(document) == ("words[].start and .end in whole milliseconds",)


def test_a_look_alike_whose_first_word_is_timed_in_whole_seconds_is_not_taken_for_assemblyai() -> None:
    """Only the first word's times were checked: a seconds document whose first word happens to
    lie on whole seconds (0 s to 1 s) was read as AssemblyAI's milliseconds, its card 1000
    times too early. Every word's times are whole milliseconds in AssemblyAI's."""
    document = json.loads(text_of("assemblyai-v2-speaker-null-calvin.json"))
    for word in document["words"]:
        word["start"], word["end"] = word["start"] / 1000, word["end"] / 1000
    document["words"][0]["start"], document["words"][0]["end"] = 0, 1
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.load(json.dumps(document), "auto")
    assert str(caught.value).startswith("transcript format not recognised; closest is ")
    assert transcripts.get_format("assemblyai").missing(document) == ("words[].start and .end in whole milliseconds",)


def test_openai_diarized_segments_holding_a_card_are_masked_whole_and_redacted() -> None:
    """``diarized_json`` gives speaker segments without words: segments, masked whole."""
    document = json.loads(text_of("openai-docs-diarized-json.json"))
    said = document["segments"][1]["text"]
    document["segments"][1]["text"] = "My card is 4111 1111 1111 1111."
    document["text"] = document["text"].replace(said, "My card is 4111 1111 1111 1111.")
    transcript = transcripts.load(json.dumps(document), "auto")
    assert [(d.start_s, d.end_s, d.entity) for d in transcripts.detections(transcript)] == [
        (pytest.approx(4.45), pytest.approx(12.05), "card_number")]
    written = transcripts.write_back(transcript)
    after = json.loads(written.text)
    assert "4111" not in written.text and written.removed == ()
    assert after["segments"][1]["text"] == "My card is [redacted] [redacted] [redacted] [redacted]."
    assert after["segments"][1]["speaker"] == "A" and after["segments"][0] == document["segments"][0]


@pytest.mark.parametrize(("stamps", "problem"), [
    ("4111 1111 1111 1111", "results[1].alternatives[0].timestamps is not a list"),
    ([["card", 1.0, 1.2], ["4111", 1.3]], "results[1].alternatives[0].timestamps[1] is not a [word, start, end] list"),
    ([["4111", "1.3", None]], "results[1].alternatives[0].timestamps[0] has a time or confidence that is not a number"),
    ([[4111, 1.3, 1.5]], "results[1].alternatives[0].timestamps[0] has no word text"),
    ([["4111", 1.5, 1.3]], "results[1].alternatives[0].timestamps[0] has bad times (1.500 s to 1.300 s)"),
    ([["4111", 1.3, 1e12]], "results[1].alternatives[0].timestamps[0] has a time no recording has"),
])
def test_watson_malformed_interim_timestamps_are_refused_naming_where(stamps: Any, problem: str) -> None:
    """Session 51: an interim result (``final`` false) is not read, and its malformed timestamps
    were written back as they were, card digits and all (only well-formed ones are redacted by
    time). Watson writes none so: bad input, refused as a final result's are, naming where and
    never the digits."""
    document = json.loads(text_of("watson-stt-timestamps-profanity.json"))
    document["results"].insert(1, {"final": False, "alternatives": [{"transcript": "card 4111 ", "timestamps": stamps}]})
    with pytest.raises(transcripts.TranscriptError) as caught:
        transcripts.load(json.dumps(document), "watson")
    assert str(caught.value).startswith(f"watson transcript: {problem}")
    assert "4111" not in str(caught.value)


def test_contact_lens_raw_turns_are_segments_read_exactly_and_a_card_turn_is_masked_whole() -> None:
    """A real outbound call's raw (unredacted) Contact Lens file, session 51: its first and last
    turn as segments, exactly; a card read in a turn masks that turn whole (padded 0.25 s) and is
    scrubbed from its Content, the other turns and the analytics as they were."""
    transcript = transcripts.load(text_of("contact-lens-scv-raw.json"), "auto")
    first, last = transcript.segments[0], transcript.segments[-1]
    assert (first.text, first.start_s, first.end_s) == ("Mhm.", 2.54, 2.975)
    assert last.text == "Call back. Bye bye." and (last.start_s, last.end_s) == pytest.approx((83.46, 86.727), abs=1e-9)
    document = json.loads(text_of("contact-lens-scv-raw.json"))
    document["Transcript"][4]["Content"] = "my card is 4111 1111 1111 1111."
    transcript = transcripts.load(json.dumps(document), "auto")
    assert [(d.entity, d.start_s, d.end_s) for d in transcripts.detections(transcript)] == [
        ("card_number", pytest.approx(12.24, abs=1e-9), pytest.approx(13.595, abs=1e-9))]
    after = json.loads(transcripts.write_back(transcript).text)
    assert after["Transcript"][4]["Content"] == "my card is [redacted] [redacted] [redacted] [redacted]."
    del after["Transcript"][4]["Content"], document["Transcript"][4]["Content"]
    assert after == document


def test_watson_interim_results_own_card_quoted_elsewhere_is_redacted_there_too() -> None:
    """An interim result saying a card the final results do not (its own card data, redacted as
    such) was not kept as said: a transcript elsewhere quoting its last group kept it."""
    document = json.loads(text_of("watson-stt-timestamps-profanity.json"))
    interim = json.loads(json.dumps(document["results"][1]))
    interim["final"] = False
    stamps = interim["alternatives"][0]["timestamps"][:5]
    for stamp, digits in zip(stamps[1:5], ("5106", "8256", "0105", "8839")):
        stamp[0] = digits
    interim["alternatives"][0].update(timestamps=stamps, transcript="could " + " ".join(s[0] for s in stamps[1:]) + " ")
    interim["alternatives"][0].pop("word_confidence", None)
    document["results"].insert(1, interim)
    document["results"][0]["alternatives"].append({"transcript": "the card ends 8839 "})
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(document), "watson")).text)["results"]
    assert [s[0] for s in after[1]["alternatives"][0]["timestamps"]] == ["could"] + ["[redacted]"] * 4
    assert after[0]["alternatives"][1]["transcript"] == "the card ends [redacted] "
