"""Subtitles (SRT and WebVTT) as AssemblyAI (``/srt``, ``/vtt``), Deepgram's captions, Rev,
whisper and whisper.cpp (``-osrt``, ``-ovtt``), OpenAI (``response_format=srt|vtt``) and Amazon
Transcribe write them: cues are segments (times, no word times), written back byte for byte
but for card data in the cue text (and in WebVTT comments)."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile

from redaction import transcripts
from redaction.errors import RedactionInputError, TranscriptError
from redaction.transcripts import srt, subtitles
from tests.hostile.test_inputs_limits import python_lines
from worker.calls.redacting import parse_transcript
from worker.cli import main

REAL = Path(__file__).parent / "fixtures" / "real" / "assemblyai-go-sdk-subtitles.srt"
#: The same cues as ffmpeg's WebVTT muxer writes them (hours left out under an hour).
REAL_VTT = REAL.with_name("assemblyai-go-sdk-subtitles-ffmpeg.vtt")

SRT = """1
00:00:01,000 --> 00:00:02,500
Can I take the card number?

2
00:00:03,000 --> 00:00:06,000
It's 4111 1111
1111 1111.

3
00:00:07,000 --> 00:00:08,000
Thank you.
"""
SRT_REDACTED = SRT.replace("It's 4111 1111\n1111 1111.", "It's [redacted] [redacted]\n[redacted] [redacted].")

VTT = """WEBVTT - call 42

STYLE
::cue { color: yellow }

NOTE exported by the recorder

1
00:01.000 --> 00:02.500 align:start position:10%
<v Agent>Can I take the card number?</v>

card-2
00:00:03.000 --> 00:00:06.000 line:0
<v Caller>It's <i>4111 1111</i>
1111 1111.

00:07.000 --> 00:08.000
Thank you.
"""
VTT_REDACTED = VTT.replace("<i>4111 1111</i>\n1111 1111.", "<i>[redacted] [redacted]</i>\n[redacted] [redacted].")


def cues(text: str, fmt: str) -> list[tuple[float, float, str]]:
    transcript = transcripts.load(text, fmt)
    assert transcript.words == ()
    return [(s.start_s, s.end_s, s.text) for s in transcript.segments]


def test_srt_cues_are_read_as_segments_with_exact_times() -> None:
    assert transcripts.recognise(SRT) == "srt"
    assert cues(SRT, "auto") == [(1.0, 2.5, "Can I take the card number?"), (3.0, 6.0, "It's 4111 1111\n1111 1111."),
                                 (7.0, 8.0, "Thank you.")]


def test_webvtt_cues_are_read_with_their_tags_blanked_and_hours_optional() -> None:
    assert transcripts.recognise(VTT) == "webvtt"
    assert cues(VTT, "auto") == [(1.0, 2.5, "         Can I take the card number?    "),
                                 (3.0, 6.0, "          It's    4111 1111    \n1111 1111."), (7.0, 8.0, "Thank you.")]


@pytest.mark.parametrize(("text", "fmt", "expected"), [(SRT, "srt", SRT_REDACTED), (VTT, "webvtt", VTT_REDACTED)])
def test_card_data_in_the_cue_text_is_redacted_and_every_other_byte_kept(text: str, fmt: str, expected: str) -> None:
    transcript = transcripts.load(text, fmt)
    assert [(d.start_s, d.end_s, d.detector) for d in transcripts.detections(transcript)] == [
        (2.75, 6.25, f"transcript:{fmt}")]
    assert transcripts.write_back(transcript).text == expected
    assert transcripts.redacted(transcripts.load(expected, fmt)) == expected


@pytest.mark.parametrize(("text", "fmt", "expected"), [(SRT, "srt", SRT_REDACTED), (VTT, "webvtt", VTT_REDACTED)])
def test_crlf_line_ends_and_a_byte_order_mark_are_kept(text: str, fmt: str, expected: str) -> None:
    crlf = "\ufeff" + text.replace("\n", "\r\n")
    assert transcripts.recognise(crlf) == fmt
    assert transcripts.redacted(transcripts.load(crlf, "auto")) == "\ufeff" + expected.replace("\n", "\r\n")
    assert transcripts.redacted(transcripts.load(text.replace("\n", "\r"), fmt)) == expected.replace("\n", "\r")


def test_a_webvtt_comment_quoting_card_data_is_scrubbed() -> None:
    text = VTT.replace("NOTE exported by the recorder", "NOTE caller read 4111 1111 1111 1111\nending 1111")
    written = transcripts.redacted(transcripts.load(text, "webvtt"))
    assert written == VTT_REDACTED.replace("NOTE exported by the recorder",
                                           "NOTE caller read [redacted] [redacted] [redacted] [redacted]\nending [redacted]")


def test_subtitles_without_card_data_are_written_back_unchanged() -> None:
    for text in (SRT.replace("4111 1111\n1111 1111.", "on its way\nto you."),
                 VTT.replace("4111 1111</i>\n1111 1111.", "on its way</i>\nto you.")):
        assert transcripts.redacted(transcripts.load(text, "auto")) == text


@pytest.mark.parametrize(("path", "fmt"), [(REAL, "srt"), (REAL_VTT, "webvtt")], ids=["srt", "ffmpeg-vtt"])
def test_the_real_assemblyai_subtitles_are_read_and_written_back_unchanged(path: Path, fmt: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert transcripts.recognise(text) == fmt
    found = cues(text, "auto")
    assert len(found) == 12
    assert found[0] == (5.4, 12.55, "Runner's knee runner's")
    assert found[-1] == (46.902, 50.71, "rolling of the foot. A sprained ankle happens when the")
    assert transcripts.redacted(transcripts.load(text, fmt)) == text


BAD = {
    "end before start": ("srt", SRT.replace("00:00:03,000 --> 00:00:06,000", "00:00:06,000 --> 00:00:03,000"),
                         "srt transcript: the cue at line 6 ends before it starts"),
    "99:99:99": ("srt", SRT.replace("00:00:03,000 --> 00:00:06,000", "99:99:99,000 --> 99:99:99,500"),
                 "srt transcript: line 6 has no cue timing (HH:MM:SS,mmm --> HH:MM:SS,mmm; minutes and seconds "
                 "under 60)"),
    "a dot in srt": ("srt", SRT.replace("00:00:01,000", "00:00:01.000"),
                     "srt transcript: line 2 has no cue timing (HH:MM:SS,mmm --> HH:MM:SS,mmm; minutes and "
                     "seconds under 60)"),
    "no timing": ("srt", SRT.replace("00:00:07,000 --> 00:00:08,000\n", ""),
                  "srt transcript: line 11 has no cue timing (HH:MM:SS,mmm --> HH:MM:SS,mmm; minutes and seconds "
                  "under 60)"),
    "blank line missing": ("srt", SRT.replace("1111 1111.\n\n3\n", "1111 1111.\n"),
                           "srt transcript: line 9, in a cue's text, holds a cue timing (a blank line missing "
                           "before it?)"),
    "out of order": ("srt", SRT.replace("00:00:07,000 --> 00:00:08,000", "00:00:02,000 --> 00:00:08,000"),
                     "srt transcript: the cue at line 11 starts before the cue before it"),
    "past a week": ("webvtt", VTT.replace("00:07.000 --> 00:08.000", "200:00:07.000 --> 200:00:08.000"),
                    "webvtt transcript: line 17 has a time no recording has (not a finite number of seconds up "
                    "to 604800, a week)"),
    "no header": ("webvtt", VTT.replace("WEBVTT - call 42", "WEBVTTX"),
                  "webvtt transcript: line 1 is not the WEBVTT header"),
    "vtt minutes": ("webvtt", VTT.replace("00:07.000", "00:07.0"),
                    "webvtt transcript: line 17 has no cue timing ([HH:]MM:SS.mmm --> [HH:]MM:SS.mmm; minutes and "
                    "seconds under 60)"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_subtitles_are_refused_naming_the_line_and_no_text(case: str) -> None:
    fmt, text, message = BAD[case]
    with pytest.raises(TranscriptError) as caught:
        transcripts.load(text, fmt)
    assert str(caught.value) == message
    assert not re.search(r"\d{4}", str(caught.value).replace("604800", ""))


def test_subtitles_that_are_no_utf8_are_refused_naming_the_byte() -> None:
    with pytest.raises(RedactionInputError) as caught:
        parse_transcript(SRT.replace("Thank you", "Merci \u00e0 vous").encode("latin-1"), "auto", "call.srt")
    assert str(caught.value) == "cannot read transcript 'call.srt': not UTF-8 text (UnicodeDecodeError at byte 158)"


def many_cues(count: int) -> str:
    return "".join(f"{k + 1}\n00:{k // 6000:02d}:{k // 100 % 60:02d},{k % 100 * 10:03d} --> "
                   f"00:{k // 6000:02d}:{k // 100 % 60:02d},{k % 100 * 10 + 5:03d}\nsaid {'abc'[k % 3]}\n\n" for k in range(count))


def test_reading_and_writing_back_is_linear_in_the_cues() -> None:
    """Counted, not timed: four times the cues may cost at most five times the lines of Python."""
    lines = {}
    for count in (1000, 4000):
        text = many_cues(count)
        assert len(transcripts.load(text, "srt").segments) == count
        written: list[str] = []
        lines[count] = python_lines(lambda: written.append(transcripts.redacted(transcripts.load(text, "srt"))))
        assert written == [text]
    assert lines[4000] <= 5 * lines[1000]


@pytest.mark.parametrize(("text", "suffix", "fmt", "expected"),
                         [(SRT, ".srt", "srt", SRT_REDACTED), (VTT, ".vtt", "auto", VTT_REDACTED)])
def test_subtitles_on_the_command_line_are_written_back_redacted(tmp_path: Path, text: str, suffix: str, fmt: str,
                                                                 expected: str) -> None:
    wav, subtitles = tmp_path / "in.wav", tmp_path / f"call{suffix}"
    soundfile.write(wav, np.zeros(9 * 8000, dtype=np.int16), 8000)
    subtitles.write_bytes(text.encode("utf-8"))
    assert main(["redact", str(wav), "-o", str(tmp_path / "out.wav"), "--transcript", str(subtitles),
                 "--transcript-format", fmt]) == 0
    assert (tmp_path / f"out.transcript{suffix}").read_bytes() == expected.encode("utf-8")


def test_a_file_of_one_cue_without_a_last_line_end_is_recognised() -> None:
    assert transcripts.recognise("00:00:01,000 --> 00:00:02,000") == "srt"
    assert transcripts.recognise("1\n00:00:01,000 --> 00:00:02,000") == "srt"
    with pytest.raises(TranscriptError, match=r"not JSON .* and not the simple format"):
        transcripts.recognise("1\n00:00:01,000 --> 00:00:02,0")


def test_a_provider_redaction_marker_in_a_cue_masks_the_cue() -> None:
    """Amazon Transcribe's subtitles of a job with PII redaction say [PII] where the card was."""
    text = SRT.replace("It's 4111 1111\n1111 1111.", "It's [PII].")
    transcript = transcripts.load(text, "auto")
    assert [(d.start_s, d.end_s, d.detector) for d in transcripts.detections(transcript)] == [
        (2.75, 6.25, "transcript:srt-redaction")]
    assert transcripts.redacted(transcript) == text


def test_a_cue_in_the_webvtt_header_is_refused_not_kept_unread() -> None:
    """A cue right under the WEBVTT line, no blank line between, is in the header block: kept
    unread, its card data was written back as it was."""
    text = "WEBVTT\n00:00.000 --> 00:04.000\nit's 4111 1111 1111 1111\n"
    with pytest.raises(TranscriptError) as caught:
        transcripts.load(text, "auto")
    assert str(caught.value) == ("webvtt transcript: line 2, in the header, holds a cue timing (a blank line missing "
                                 "after the WEBVTT line?)")


def test_card_data_in_the_webvtt_header_is_scrubbed() -> None:
    text = VTT.replace("WEBVTT - call 42\n", "WEBVTT\nTitle: card 4111 1111 1111 1111\n")
    written = transcripts.redacted(transcripts.load(text, "webvtt"))
    assert written == VTT_REDACTED.replace(
        "WEBVTT - call 42\n", "WEBVTT\nTitle: card [redacted] [redacted] [redacted] [redacted]\n")


#: WebVTT as Deepgram's captions library writes it (deepgram-python-captions, ``webvtt``): a NOTE
#: of the request's metadata under the header, ``<v Speaker N>`` with no end tag, eight words a cue.
DEEPGRAM_VTT = """WEBVTT

NOTE
Transcription provided by Deepgram
Request Id: 4b7d3c1e-2f0a-4a57-9c1e-8d2b6f1a0c3e
Created: 2026-03-02T10:15:42.118Z
Duration: 21.45
Channels: 1

00:00:01.020 --> 00:00:03.540
<v Speaker 0>Can I take the long number on the card?

00:00:04.100 --> 00:00:07.860
<v Speaker 1>Sure, it's 4111 1111 1111

00:00:07.900 --> 00:00:09.300
<v Speaker 1>1111 and that's it.
"""


def test_a_card_number_broken_over_two_cues_masks_both_and_is_redacted_in_both() -> None:
    transcript = transcripts.load(DEEPGRAM_VTT, "auto")
    assert [(d.start_s, d.end_s) for d in transcripts.detections(transcript)] == [
        (4.1 - 0.25, 7.86 + 0.25), (7.9 - 0.25, 9.3 + 0.25)]
    assert transcripts.redacted(transcript) == (
        DEEPGRAM_VTT.replace("it's 4111 1111 1111", "it's [redacted] [redacted] [redacted]")
        .replace(">1111 and", ">[redacted] and")
        .replace("Channels: 1", "Channels: [redacted]"))  # a comment's numbers go once a cue held card data


@pytest.mark.parametrize("identifier", ["STYLE", "REGION", "NOTE"])
def test_a_cue_whose_identifier_is_a_block_keyword_is_a_cue(identifier: str) -> None:
    """WebVTT's parser takes a block whose second line is a timing for a cue whatever its first
    line says: kept unread as a style block, its card data was neither masked nor redacted."""
    text = VTT.replace("card-2\n", f"{identifier}\n")
    transcript = transcripts.load(text, "webvtt")
    assert [(d.start_s, d.end_s) for d in transcripts.detections(transcript)] == [(2.75, 6.25)]
    assert transcripts.redacted(transcript) == VTT_REDACTED.replace("card-2\n", f"{identifier}\n")


def test_parsing_holds_no_list_of_every_line() -> None:
    """A file's lines were all held (a tuple each) before its cues were made: 18 times the file's
    size at the peak (an 18 MB SRT took 456 MB); one block at a time, the cues are what is held."""
    text = many_cues(40_000)
    tracemalloc.start()
    try:
        subtitles.parse(text, srt.DIALECT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(text)


#: Card data outside the cue text, where a file keeps it: an identifier, cue settings, a tag, a
#: STYLE block (each with what it is written back as).
OUTSIDE = {
    "webvtt identifier": ("webvtt", VTT.replace("card-2\n", "4111 1111 1111 1111\n"),
                          VTT_REDACTED.replace("card-2\n", "[redacted] [redacted] [redacted] [redacted]\n")),
    "webvtt settings": ("webvtt", VTT.replace(" line:0\n", " region:4111111111111111\n"),
                        VTT_REDACTED.replace(" line:0\n", " region:[redacted]\n")),
    "voice tag": ("webvtt", VTT.replace("<v Agent>", "<v 4111 1111 1111 1111>"),
                  VTT_REDACTED.replace("<v Agent>", "<v [redacted] [redacted] [redacted] [redacted]>")),
    "bare tag": ("webvtt", VTT.replace("Thank you.", "Thank <4111 1111 1111 1111> you."),
                 VTT_REDACTED.replace("Thank you.", "Thank <[redacted] [redacted] [redacted] [redacted]> you.")),
    "style block": ("webvtt", VTT.replace("{ color: yellow }", "{ color: yellow } /* 4111 1111 1111 1111 */"),
                    VTT_REDACTED.replace("{ color: yellow }",
                                         "{ color: yellow } /* [redacted] [redacted] [redacted] [redacted] */")),
    "srt font tag": ("srt", SRT.replace("Thank you.", '<font color="4111 1111 1111 1111">Thank you.</font>'),
                     SRT_REDACTED.replace("Thank you.",
                                          '<font color="[redacted] [redacted] [redacted] [redacted]">Thank you.</font>')),
    "srt identifier": ("srt", SRT.replace("1\n00:00:01", "4111111111111111\n00:00:01"),
                       SRT_REDACTED.replace("1\n00:00:01", "[redacted]\n00:00:01")),
    # a class tag's names are parted by dots: the tag's own name stays (it was "<[redacted]>", no
    # longer closed by its "</c>")
    "class tag": ("webvtt", VTT.replace("Thank you.", "<c.4111.1111.1111.1111>Thank you.</c>"),
                  VTT_REDACTED.replace("Thank you.", "<c.[redacted].[redacted].[redacted].[redacted]>Thank you.</c>")),
}


@pytest.mark.parametrize("case", sorted(OUTSIDE))
def test_card_data_outside_the_cue_text_is_scrubbed_and_the_file_read_again(case: str) -> None:
    """Identifiers, settings, tags and STYLE blocks were written back as they were: free text
    anywhere is scrubbed; the cue text is masked as before (the card in it, 2.75 to 6.25 s)."""
    fmt, text, expected = OUTSIDE[case]
    transcript = transcripts.load(text, fmt)
    assert [(d.start_s, d.end_s) for d in transcripts.detections(transcript)] == [(2.75, 6.25)]
    assert transcripts.redacted(transcript) == expected
    assert transcripts.redacted(transcripts.load(expected, fmt)) == expected


def test_identifiers_settings_and_tags_without_card_data_are_kept_byte_for_byte() -> None:
    text = VTT.replace("4111 1111</i>\n1111 1111.", "on its way</i>\n<c.loud>to you</c> <00:05.500>now.")
    text = text.replace("card-2\n", "card-2 of 1111\n").replace(" line:0\n", " line:0 region:fred\n")
    assert transcripts.redacted(transcripts.load(text, "webvtt")) == text


@pytest.mark.parametrize("fmt", ["webvtt", "srt"])
@pytest.mark.parametrize("reference", ["&nbsp;", "&#160;", "&#xA0;", "&#Xa0;"])
def test_character_references_between_digit_groups_hide_no_card(fmt: str, reference: str) -> None:
    """``4111&nbsp;1111&nbsp;...`` was one token to the card logic: no detection, written back as
    it was. A reference is read as spaces of its length (as a tag is), the groups around it
    redacted and the reference kept."""
    text, expected = (VTT, VTT_REDACTED) if fmt == "webvtt" else (SRT, SRT_REDACTED)
    said = reference.join(["4111", "1111", "1111", "1111"])
    source = text.replace("Thank you.", f"my card is {said}.")
    transcript = transcripts.load(source, fmt)
    assert transcript.segments[-1].text == "my card is " + (" " * len(reference)).join(["4111", "1111", "1111", "1111"]) + "."
    assert [(d.start_s, d.end_s) for d in transcripts.detections(transcript)] == [(2.75, 6.25), (6.75, 8.25)]
    redacted = reference.join(["[redacted]"] * 4)
    assert transcripts.redacted(transcript) == expected.replace("Thank you.", f"my card is {redacted}.")


@pytest.mark.parametrize("fmt", ["webvtt", "srt"])
@pytest.mark.parametrize("reference", ["&#49;", "&#x31;", "&#X31;", "&#0049;"])
def test_a_digit_written_as_a_character_reference_is_read_and_masked(fmt: str, reference: str) -> None:
    """``111&#49;`` was read as ``111`` and spaces: the card's last digit hidden from the card
    check (twelve and three digits: no card), the file written back with every digit. A
    reference is read as the character it stands for and masked with its token."""
    text, expected = (VTT, VTT_REDACTED) if fmt == "webvtt" else (SRT, SRT_REDACTED)
    source = text.replace("Thank you.", f"my card is 4111 1111 1111 111{reference}.")
    transcript = transcripts.load(source, fmt)
    assert transcript.segments[-1].text == "my card is 4111 1111 1111 1111."
    assert [(d.start_s, d.end_s) for d in transcripts.detections(transcript)] == [(2.75, 6.25), (6.75, 8.25)]
    written = expected.replace("Thank you.", "my card is [redacted] [redacted] [redacted] [redacted].")
    assert transcripts.redacted(transcript) == written


@pytest.mark.parametrize(("said", "read", "written"), [
    ("&#52;111 1111 1111 1111", "4111 1111 1111 1111", "[redacted] [redacted] [redacted] [redacted]"),
    ("4111 1&#x31;11 1111 1111!", "4111 1111 1111 1111!", "[redacted] [redacted] [redacted] [redacted]!"),
    ("&quot;4111 1111 1111 1111&quot;", "      4111 1111 1111 1111      ", "&quot;[redacted] [redacted] [redacted] [redacted]&quot;"),
    ("<i>4111</i> 1111 1111 111&#49;", "   4111     1111 1111 1111", "<i>[redacted]</i> [redacted] [redacted] [redacted]"),
])
def test_references_inside_and_around_a_card_token_are_read_as_their_characters(said: str, read: str, written: str) -> None:
    """A reference at a token's start, inside it, or beside it (``&quot;``: read as spaces, kept):
    the token's core masked, the reference standing for punctuation kept."""
    source = VTT.replace("Thank you.", said)
    transcript = transcripts.load(source, "webvtt")
    assert transcript.segments[-1].text == read
    assert transcripts.redacted(transcript) == VTT_REDACTED.replace("Thank you.", written)


@pytest.mark.parametrize("fmt", ["webvtt", "srt"])
@pytest.mark.parametrize(("said", "written"), [
    ("4111&amp;1111&amp;1111&amp;1111", "[redacted]&amp;[redacted]&amp;[redacted]&amp;[redacted]"),
    ("&lt;4111 1111 1111 1111&gt;", "&lt;[redacted] [redacted] [redacted] [redacted]&gt;"),
    ("&amp;4111 1111 1111 1111&amp;", "&amp;[redacted] [redacted] [redacted] [redacted]&amp;"),
])
def test_a_reference_to_punctuation_beside_a_card_hides_none_of_it(fmt: str, said: str, written: str) -> None:
    """``&amp;`` and ``&lt;`` read as "&" and "<" stuck to the digits ("&4111", "<4111"), which the card
    logic reads as no number: the card written back whole, or 8 of its digits kept (found in review:
    blanked to spaces before references were read). A reference to anything but a letter or digit is
    spaces again, kept in the file."""
    text, expected = (VTT, VTT_REDACTED) if fmt == "webvtt" else (SRT, SRT_REDACTED)
    transcript = transcripts.load(text.replace("Thank you.", f"my card is {said}."), fmt)
    assert [(d.start_s, d.end_s) for d in transcripts.detections(transcript)] == [(2.75, 6.25), (6.75, 8.25)]
    assert transcripts.redacted(transcript) == expected.replace("Thank you.", f"my card is {written}.")


def test_a_character_reference_in_a_file_without_card_data_is_kept() -> None:
    text = SRT.replace("4111 1111\n1111 1111.", "AT&amp;T&#39;s&nbsp;plan\n&#x2014; &notaref &bogus;").replace("Thank", "&lt;Thank")
    transcript = transcripts.load(text, "srt")
    assert transcript.segments[1].text == "It's AT     T     s      plan\n" + " " * 8 + " &notaref" + " " * 8
    assert transcript.segments[2].text == "    Thank you."
    assert transcripts.redacted(transcript) == text


@pytest.mark.parametrize(("reference", "read"), [
    pytest.param("&#" + "1" * 5000 + ";", None, id="5000-decimal-digits"),
    pytest.param("&#x" + "f" * 5000 + ";", None, id="5000-hex-digits"),
    pytest.param("&#1114112;", None, id="past-unicode"),
    pytest.param("&#" + "0" * 5000 + "52;", "4", id="5000-leading-zeros"),
    pytest.param("&#x00000000000034;", "4", id="hex-leading-zeros"),
])
def test_a_numeric_reference_of_any_length_is_read(reference: str, read: str | None) -> None:
    """A decimal reference of more than 4,300 digits raised ValueError out of the reader
    (``html.unescape`` reads it with ``int``, which refuses such strings): a subtitle file was a
    crash, not an error naming it. A reference past Unicode's last code point is spaces; one
    with leading zeros is the character it names."""
    text = SRT.replace("4111 1111\n1111 1111.", f"plan {reference} now")
    transcript = transcripts.load(text, "srt")
    assert transcript.segments[1].text == f"It's plan {read or ' ' * len(reference)} now"
    assert transcripts.redacted(transcript) == text


def test_cue_numbers_and_timestamp_tags_cost_no_free_text_reading() -> None:
    """Each SRT cue number read as free text doubled the write-back's time (a 15.6 MB SRT of
    350,000 cues: 20.1 s, then 38.5 s), each distinct timestamp tag of a WebVTT cue cost as much:
    a cue's own number and a timestamp are the file's structure, as its timings are. Counted,
    not timed: numbered cues cost at most a tenth more than the same cues without numbers."""
    numbered = many_cues(500)
    bare = re.sub(r"(?m)^[0-9]+\n(?=[0-9]{2}:)", "", numbered)
    # numbered from 0 or from an excerpt's offset, each cue's number is the last one's and one
    from_0 = re.sub(r"(?m)^([0-9]+)\n(?=[0-9]{2}:)", lambda m: f"{int(m.group(1)) - 1}\n", numbered)
    from_101 = re.sub(r"(?m)^([0-9]+)\n(?=[0-9]{2}:)", lambda m: f"{int(m.group(1)) + 100}\n", numbered)
    stamps = iter(range(500))
    stamped = "WEBVTT\n\n" + re.sub(r"(?m)^said ", lambda m: "<00:{0:02d}:{1:02d}.000>said ".format(*divmod(next(stamps), 60)),
                                    bare.replace(",", "."))
    assert bare.count("-->") == numbered.count("-->") == stamped.count("<00:") == 500
    lines = {}
    for name, text, fmt in [("numbered", numbered, "srt"), ("from 0", from_0, "srt"), ("from 101", from_101, "srt"),
                            ("bare", bare, "srt"), ("stamped", stamped, "webvtt"),
                            ("webvtt", "WEBVTT\n\n" + bare.replace(",", "."), "webvtt")]:
        written: list[str] = []
        lines[name] = python_lines(lambda: written.append(transcripts.redacted(transcripts.load(text, fmt))))
        assert written == [text]
    assert max(lines["numbered"], lines["from 0"], lines["from 101"]) <= 1.1 * lines["bare"], lines
    assert lines["stamped"] <= 1.1 * lines["webvtt"]


def test_a_card_split_over_notes_is_redacted() -> None:
    """Session 54: each NOTE block was scrubbed alone, so a card a group a comment ("NOTE card
    4111", "NOTE 1111", ...) was written back whole; the comments are read in order as one free text."""
    notes = "NOTE card 4111\n\nNOTE\n1111\n\nNOTE 1111\n\nNOTE 1111 thanks"
    text = VTT.replace("NOTE exported by the recorder", notes).replace("4111 1111</i>\n1111 1111.", "on its way</i>\nto you.")
    written = transcripts.redacted(transcripts.load(text, "webvtt"))
    assert written == text.replace(notes, "NOTE card [redacted]\n\nNOTE\n[redacted]\n\nNOTE [redacted]\n\nNOTE [redacted] thanks")


def test_a_card_split_over_cue_identifiers_is_redacted() -> None:
    """Session 54: each identifier was read alone, so a card a group an identifier ("card 4111",
    "#1111", ...) was written back whole; the identifiers are read in order as one free text. (An
    identifier that is a number may be a cue's own number, structure, as before: not read.)"""
    said = ["hello", "there", "how", "are"]
    text = "WEBVTT\n\n" + "\n".join(f"{ident}\n00:0{k}.000 --> 00:0{k}.500\n{w}\n" for k, (ident, w) in
                                    enumerate(zip(["card 4111", "#1111", "#1111", "#1111"], said)))
    written = transcripts.redacted(transcripts.load(text, "webvtt"))
    assert written == text.replace("card 4111", "card [redacted]").replace("\n#1111\n", "\n#[redacted]\n")


def test_a_card_split_over_notes_is_redacted_whatever_white_space_a_note_holds() -> None:
    """A NOTE holding the character that once parted the notes read together (U+2029) sent them
    back to being read each alone: the card a group a note was written back whole."""
    notes = "NOTE card 4111\u2029 more\n\nNOTE 1111\n\nNOTE 1111\n\nNOTE 1111"
    text = VTT.replace("NOTE exported by the recorder", notes).replace("4111 1111</i>\n1111 1111.", "on its way</i>\nto you.")
    written = transcripts.redacted(transcripts.load(text, "webvtt"))
    assert written == text.replace(notes, "NOTE card [redacted]\u2029 more\n\nNOTE [redacted]\n\nNOTE [redacted]\n\n"
                                          "NOTE [redacted]")


def test_a_card_split_over_cue_identifiers_is_redacted_whatever_white_space_one_holds() -> None:
    """An identifier holding the character that once parted the identifiers read together (U+2029)
    sent them back to being read each alone: the card a group an identifier was written back whole."""
    said = ["hello", "there", "how", "are"]
    idents = ["card 4111\u2029ok", "#1111", "#1111", "#1111"]
    text = "WEBVTT\n\n" + "\n".join(f"{ident}\n00:0{k}.000 --> 00:0{k}.500\n{w}\n" for k, (ident, w) in
                                    enumerate(zip(idents, said)))
    written = transcripts.redacted(transcripts.load(text, "webvtt"))
    assert written == text.replace("card 4111", "card [redacted]").replace("\n#1111\n", "\n#[redacted]\n")
