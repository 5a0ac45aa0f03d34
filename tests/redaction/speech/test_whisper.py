"""WhisperRecognizer: gate, pieces with context, packed windows, numbers timed by their neighbours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from redaction.numbers import pieces
from redaction.recognizer import Recognizer
from redaction.speech import whisper as whisper_module
from redaction.speech.whisper import WHISPER_RATE_HZ, WhisperRecognizer
from redaction.speech.whisper_window import WindowWord
from redaction.speech.windows import CONTEXT_S, SEPARATOR_S, WINDOW_S

FIXTURE = Path(__file__).with_name("fixtures") / "jackson_digits.wav"
RATE = 8000


def Word(start_s: float, end_s: float, text: str) -> WindowWord:
    return WindowWord(start_s, end_s, text, 0.9)


class ScriptedModel:
    """Stands in for Whisper's windows: records each window and its prompt, answers with scripted words."""

    def __init__(self, answers: list[list[WindowWord]] | None = None) -> None:
        self.answers = list(answers or [])
        self.windows: list[int] = []  # samples per window
        self.prompts: list[str | None] = []  # each window's prompt
        self.restarts = 0  # passes begun (``Windows.restart``)

    def restart(self) -> None:
        self.restarts += 1

    def words(self, audio: np.ndarray, prompt: str | None = None) -> list[WindowWord]:
        self.windows.append(audio.size)
        self.prompts.append(prompt)
        return self.answers.pop(0) if self.answers else []


def bursts(duration_s: float, at_s: list[tuple[float, float]]) -> np.ndarray:
    """Quiet line noise with loud noise bursts (speech to the energy detector) at ``at_s``."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(int(duration_s * RATE)) * 1e-4).astype(np.float32)
    for a, b in at_s:
        x[int(a * RATE) : int(b * RATE)] = (rng.standard_normal(int(b * RATE) - int(a * RATE)) * 0.1).astype(np.float32)
    return x


def blocks(x: np.ndarray, size: int = 4000):
    return (x[i : i + size] for i in range(0, x.size, size))


def test_is_a_recognizer() -> None:
    usable: Recognizer = WhisperRecognizer(ScriptedModel())
    assert (usable.name, usable.version) == ("whisper-tiny.en", "17")


def test_words_come_back_on_the_call_clock_with_numbers_spanning_to_their_neighbours() -> None:
    # One burst 10.0-12.0 s: the piece is 10.0 - CONTEXT_S - pre-roll .. 12.0 + CONTEXT_S + tail.
    model = ScriptedModel([[Word(2.6, 3.2, "card"), Word(3.6, 3.8, "4111-1111,"), Word(4.6, 4.9, "thanks")]])
    words = list(WhisperRecognizer(model, min_number_mass=0.0).recognize(blocks(bursts(20.0, [(10.0, 12.0)])), RATE))
    assert len(model.windows) == 1
    piece_start = 10.0 - 0.2 - CONTEXT_S  # the energy detector keeps 0.2 s before speech
    assert [w.text for w in words] == ["card", "4111-1111,", "thanks"]
    assert words[0].start_s == pytest.approx(piece_start + 2.6) and words[0].end_s == pytest.approx(piece_start + 3.2)
    # The numeral reaches back to "card"'s end and on to "thanks"'s start (speech all the way).
    assert words[1].start_s == pytest.approx(piece_start + 3.2) and words[1].end_s == pytest.approx(piece_start + 4.6)


def test_a_numbers_outer_edges_move_in_to_the_speech() -> None:
    # Speech (the burst) 10.0-12.0 s; the numeral's neighbours lie in the silence around it.
    model = ScriptedModel([[Word(1.0, 1.5, "card"), Word(3.6, 3.8, "4111-1111,"), Word(7.0, 7.4, "thanks")]])
    words = list(WhisperRecognizer(model, min_number_mass=0.0).recognize(blocks(bursts(20.0, [(10.0, 12.0)])), RATE))
    assert [w.text for w in words] == ["card", "4111-1111,", "thanks"]
    assert words[1].start_s == pytest.approx(10.0 - 0.08, abs=0.011) and words[1].end_s == pytest.approx(12.0 + 0.08, abs=0.011)


def test_a_digit_word_timed_long_enough_keeps_its_time_a_little_widened() -> None:
    model = ScriptedModel([[Word(1.0, 1.5, "card"), Word(2.0, 2.4, "four"), Word(2.5, 2.9, "five"), Word(4.0, 4.3, "ok")]])
    words = list(WhisperRecognizer(model, min_number_mass=0.0).recognize(blocks(bursts(20.0, [(10.0, 12.0)])), RATE))
    piece_start = 10.0 - 0.2 - CONTEXT_S
    spans = [(round(w.start_s - piece_start, 3), round(w.end_s - piece_start, 3)) for w in words]
    assert spans == [(1.0, 1.5), (1.8, 2.5), (2.4, 3.1), (4.0, 4.3)]  # 0.2 s more, never past a neighbour


def test_a_number_alone_reaches_its_pieces_edges_within_the_speech() -> None:
    model = ScriptedModel([[Word(2.0, 2.3, "4111")]])  # in the silence before the burst
    words = list(WhisperRecognizer(model, min_number_mass=0.0).recognize(blocks(bursts(20.0, [(10.0, 12.0)])), RATE))
    assert words[0].start_s == pytest.approx(10.0 - 0.08, abs=0.011)
    assert words[0].end_s == pytest.approx(12.0 + 0.08, abs=0.011)


def test_distant_regions_share_one_window_and_map_back_to_their_own_times() -> None:
    x = bursts(200.0, [(10.0, 11.0), (100.0, 101.0)])
    first_s = (11.0 + 0.6 + CONTEXT_S) - (10.0 - 0.2 - CONTEXT_S)  # piece 1's length, about 8.4 s
    # (where the energy detector ends a region is up to a few frames off: checked to 0.5 s)
    model = ScriptedModel([[Word(1.0, 1.2, "hello"), Word(first_s + SEPARATOR_S + 1.0, first_s + SEPARATOR_S + 1.2, "bye")]])
    words = list(WhisperRecognizer(model, min_number_mass=0.0).recognize(blocks(x), RATE))
    assert len(model.windows) == 1 and model.windows[0] / WHISPER_RATE_HZ <= WINDOW_S
    assert words[0].start_s == pytest.approx(10.0 - 0.2 - CONTEXT_S + 1.0, abs=0.02)
    assert words[1].start_s == pytest.approx(100.0 - 0.2 - CONTEXT_S + 1.0, abs=0.5)


def test_memory_is_bounded_on_a_long_call(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = []
    append = whisper_module._Buffer.append

    def tracking(self, x):
        append(self, x)
        kept.append(self._length)

    monkeypatch.setattr(whisper_module._Buffer, "append", tracking)
    x = bursts(240.0, [(t, t + 1.5) for t in range(5, 240, 15)])
    model = ScriptedModel()
    list(WhisperRecognizer(model, min_number_mass=0.0).recognize(blocks(x, 65536), RATE))
    assert max(kept) / WHISPER_RATE_HZ < 45.0  # a piece, the gate's open region, one block
    assert all(n / WHISPER_RATE_HZ <= WINDOW_S for n in model.windows)
    assert len(model.windows) >= 240 / 15 * 8 / WINDOW_S  # every region was heard


def test_silence_and_a_gate_that_passes_nothing_cost_no_whisper_window() -> None:
    model = ScriptedModel()
    assert list(WhisperRecognizer(model).recognize(blocks(np.zeros(10 * RATE, np.float32)), RATE)) == []
    assert list(WhisperRecognizer(model, min_number_mass=1.1).recognize(blocks(bursts(20.0, [(5.0, 8.0)])), RATE)) == []
    assert model.windows == []


def test_hears_the_digits_of_a_tune_speaker(whisper_model) -> None:
    x, rate = sf.read(FIXTURE, dtype="float32")
    words = list(WhisperRecognizer(whisper_model).recognize(blocks(x, 3000), rate))
    assert "".join(p.digits for p in pieces(words)) == "4092"  # Whisper writes them as words or numerals
    assert words[0].start_s <= 0.5 and words[-1].end_s >= 2.99  # from the first digit's onset (0.5 s) to the last's end (2.99 s)


def test_a_window_heard_again_unchanged_is_not_transcribed_again(whisper_model, monkeypatch) -> None:
    from redaction.speech.whisper_window import FasterWhisperWindows

    windows = FasterWhisperWindows(whisper_model)
    calls = []
    real = windows._transcribe
    monkeypatch.setattr(windows, "_transcribe", lambda audio, prompt: calls.append(audio.size) or real(audio, prompt))
    x, rate = sf.read(FIXTURE, dtype="float32")
    audio = np.repeat(x, 2)  # 16 kHz, near enough for this check
    first = windows.words(audio)
    again = windows.words(audio.copy())
    changed = audio.copy()
    changed[: audio.size // 2] = 0.0  # masked: heard afresh
    windows.words(changed)
    assert again == first and calls == [audio.size, audio.size]


def test_the_networks_runs_stand_in_where_whisper_heard_words_but_no_digits() -> None:
    from redaction.speech.whisper import with_network_runs
    from redaction.words import TimedWord

    whisper = [TimedWord(0.0, 0.5, "card"), TimedWord(1.0, 1.4, "free"), TimedWord(1.4, 2.0, "payment"),
               TimedWord(2.2, 2.6, "nine"), TimedWord(9.0, 9.4, "thanks")]
    card = [TimedWord(1.0 + 0.3 * k, 1.25 + 0.3 * k, d) for k, d in enumerate("three two one four five six".split())]
    code = [TimedWord(20.0 + 0.3 * k, 20.25 + 0.3 * k, d) for k, d in enumerate("seven three one".split())]
    lone = [TimedWord(60.0 + 0.3 * k, 60.25 + 0.3 * k, d) for k, d in enumerate("four four".split())]
    one = [TimedWord(70.0, 70.25, "four")]
    words_only = [TimedWord(80.0, 80.6, "hide"), TimedWord(80.6, 81.0, "fun")]  # over a run of four
    four = [TimedWord(80.0 + 0.3 * k, 80.25 + 0.3 * k, d) for k, d in enumerate("four two seven one".split())]
    out = with_network_runs(whisper, card + code + lone + one)
    # Whisper wrote nothing over the run of two ("four four"): it stays out, as a lone word does
    assert [w.text for w in out] == ["card", *"three two one four five six".split(), "thanks", "seven", "three", "one"]
    assert with_network_runs([TimedWord(60.0, 60.5, "for")], lone) == [TimedWord(60.0, 60.5, "for")]
    # where Whisper wrote the digits itself, its words stay
    digits = [TimedWord(1.0 + 0.3 * k, 1.25 + 0.3 * k, str(k)) for k in range(6)]
    assert with_network_runs(digits, card) == digits
    # a run of three or more where Whisper wrote only other words stands in too; of two
    # (the network hears "zero eight" in other speech), or where Whisper wrote nothing, not
    # ("Nero Heaven's ash" over an expiry, "lonely map" over a code: the card logic decides
    # whether such a short run is card data); where Whisper wrote a number, it does not
    assert with_network_runs(words_only, four) == four
    assert with_network_runs(words_only, four[:3]) == four[:3]
    assert with_network_runs(words_only, four[:2]) == words_only
    assert with_network_runs(words_only, four[:1]) == words_only
    assert with_network_runs([], four) == []
    assert with_network_runs([words_only[0], TimedWord(80.6, 81.0, "one")], four) == [words_only[0],
                                                                                      TimedWord(80.6, 81.0, "one")]
    heard_one = [TimedWord(80.0, 80.2, "hide"), TimedWord(80.25, 80.5, "one")]
    assert with_network_runs(heard_one, four[:3]) == heard_one
    # a numeral timed by its neighbours reaching over the run (its middle far from it) was heard
    stretched = [TimedWord(77.0, 80.3, "42"), TimedWord(80.4, 80.6, "hide")]
    assert with_network_runs(stretched, four[:3]) == stretched


def test_a_card_length_network_run_stands_in_where_whisper_wrote_fewer_digits_than_it_has_words() -> None:
    from redaction.speech.whisper import with_network_runs
    from redaction.words import TimedWord

    said = "four zero two zero seven zero two seven three eight two one".split()
    run = [TimedWord(13.4 + 0.45 * k, 13.7 + 0.45 * k, d) for k, d in enumerate(said)]  # 13.4-18.65 s
    # Whisper tiny wrote 8 of the 12 digits, as decimals ("4 .5 .02. 0 .5. 0 .5."): more than half
    whisper = [TimedWord(13.0, 13.7, "It's"), TimedWord(13.74, 13.92, "4"), TimedWord(13.92, 14.26, ".5"),
               TimedWord(14.26, 15.1, ".02."), TimedWord(14.9, 15.48, "0"), TimedWord(15.48, 16.02, ".5."),
               TimedWord(15.9, 16.5, "0"), TimedWord(16.5, 18.42, ".5."), TimedWord(19.0, 19.4, "thanks")]
    out = with_network_runs(whisper, run)
    assert [w.text for w in out] == ["It's", *said, "thanks"]
    assert out[1:-1] == run
    # as many digits as the run has words: Whisper's stay
    as_many = [TimedWord(13.4 + 0.45 * k, 13.7 + 0.45 * k, str(k % 10)) for k in range(12)]
    assert with_network_runs(as_many, run) == as_many
    # a card's worth of digits (13 of a run of 16: a repeated digit written once) keeps Whisper's
    # words: the network's run may start with a number word it heard in the words before
    long_run = [TimedWord(13.4 + 0.45 * k, 13.7 + 0.45 * k, "four") for k in range(16)]
    card = [TimedWord(13.4 + 0.45 * k, 13.7 + 0.45 * k, str(k % 10)) for k in range(1, 14)]
    assert with_network_runs(card, long_run) == card
    assert with_network_runs(card[:12], long_run) == long_run
    # a shorter run (a phone number's 11 words) with a digit short keeps Whisper's words
    phone = [TimedWord(13.4 + 0.45 * k, 13.7 + 0.45 * k, str(k % 10)) for k in range(10)]
    assert with_network_runs(phone, run[:11]) == phone


def test_window_options_override_the_transcribe_defaults() -> None:
    from redaction.speech.whisper_window import FasterWhisperWindows

    class Model:
        def __init__(self) -> None:
            self.kwargs: dict = {}

        def transcribe(self, audio, **kwargs):
            self.kwargs = kwargs
            return [], None

    model = Model()
    assert FasterWhisperWindows(model, beam_size=5).words(np.zeros(16000, np.float32)) == []
    assert model.kwargs["beam_size"] == 5 and model.kwargs["language"] == "en" and model.kwargs["word_timestamps"]


def test_a_number_heard_by_two_overlapping_pieces_is_given_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from redaction.speech import windows

    # in windows of 30 s (pieces of at most 27 s, cut in the last 12 s): the overlap is the subject
    monkeypatch.setattr(windows, "WINDOW_S", 30.0)
    monkeypatch.setattr(windows, "MAX_PIECE_S", 27.0)
    monkeypatch.setattr(windows, "CUT_SEARCH_S", 12.0)
    # 36 s of speech: piece 1 is 6.8-33.8 s (owns up to 30.8 s), piece 2 from 27.8 s (owns from
    # 30.8 s), each in its own window. Both hear the digits said at 30.3-31.5 s: piece 1 as
    # "4 6 8" (its "6" reaches back into its own part), piece 2 as the numeral "468".
    first = [Word(20.0, 20.4, "hello"), Word(23.5, 23.9, "4"), Word(23.9, 24.3, "6"), Word(24.3, 24.7, "8"),
             Word(26.0, 26.4, "thanks")]
    second = [Word(1.5, 1.9, "hello"), Word(2.7, 3.9, "468"), Word(5.0, 5.4, "thanks"), Word(9.0, 9.5, "seven")]
    model = ScriptedModel([first, second])
    speech = [(10.0 + 4.0 * k, 13.7 + 4.0 * k) for k in range(9)]  # to 45.7 s, short pauses
    words = list(WhisperRecognizer(model, min_number_mass=0.0).recognize(blocks(bursts(60.0, speech)), RATE))
    assert len(model.windows) == 2
    numbers = [(w.text, round(w.start_s, 2), round(w.end_s, 2)) for w in words if _says(w.text)]
    # piece 1's "4" (middle in its own part) and piece 2's numeral stay; piece 1's "6" went
    assert numbers == [("4", 30.1, 30.7), ("468", 30.3, 31.9), ("seven", 36.6, 37.5)]


def _says(text: str) -> bool:
    from redaction.numbers import says_number

    return says_number(text)


def test_only_a_borrowed_copy_of_a_number_another_piece_owns_is_dropped() -> None:
    from redaction.speech.whisper import without_repeats
    from redaction.speech.windows import Piece
    from redaction.words import TimedWord

    a, b = Piece(0.0, 27.0, 0.0, 24.0), Piece(21.0, 48.0, 24.0, 48.0)
    early = TimedWord(23.0, 23.5, "4")  # a owns it; b's copy is borrowed
    late = TimedWord(25.0, 25.5, "7")  # b owns it; a's copy is borrowed
    copies = [TimedWord(22.9, 23.6, "four"), TimedWord(24.8, 25.6, "seven")]
    apart = TimedWord(26.0, 26.4, "nine")  # a borrowed it, b heard nothing there: kept
    word = TimedWord(23.0, 23.4, "the")
    heard_by = {id(early): a, id(copies[1]): a, id(apart): a, id(late): b, id(copies[0]): b, id(word): b}
    out = without_repeats([early, copies[0], word, copies[1], late, apart], heard_by)
    assert out == [early, word, late, apart]
    # the network's words (no piece) drop nothing, and a borrowed copy does not drop them
    net = TimedWord(23.0, 23.5, "four")
    assert without_repeats([net, copies[0]], {id(copies[0]): b}) == [net, copies[0]]


def test_the_networks_stand_in_for_a_number_the_next_pack_heard_is_dropped() -> None:
    """A pack ended amid a phone number Whisper wrote no digits of; the network's run stood in
    to its end (45-48 s lies in the next pack's own part); the next pack heard the number.
    Both copies made 19 digits of an 11-digit number: a card (tune call en-us+Andy, seed 95)."""
    from redaction.speech.whisper import without_repeats
    from redaction.speech.windows import Piece
    from redaction.words import TimedWord

    b = Piece(42.0, 56.5, 45.0, 56.5)
    net = [TimedWord(44.3, 44.8, "four"), TimedWord(44.8, 45.2, "oh"), TimedWord(45.2, 45.5, "seven"),
           TimedWord(45.5, 46.2, "five"), TimedWord(52.0, 52.4, "two")]
    heard = [TimedWord(44.6, 45.4, "12,"), TimedWord(45.2, 46.1, "7,"), TimedWord(45.9, 46.6, "5,"),
             TimedWord(46.7, 47.0, "thanks")]
    out = without_repeats(sorted(net + heard, key=lambda w: w.start_s), {id(w): b for w in heard})
    # "four" overlaps "12," by less than half of either: kept, as is the network's word nobody else heard;
    # "thanks" covers nothing of the network's
    assert out == [net[0], heard[0], heard[1], heard[2], heard[3], net[4]]


def test_the_networks_run_of_four_stands_in_where_whisper_wrote_only_other_words(monkeypatch) -> None:
    from redaction.speech.gate import GatedRegion
    from redaction.words import TimedWord
    from tests.redaction.speech.test_whisper_again import ScriptedGate

    def run(start_s: float, texts: str) -> tuple[TimedWord, ...]:
        return tuple(TimedWord(start_s + 0.3 * k, start_s + 0.3 * k + 0.25, t) for k, t in enumerate(texts.split()))

    card = run(10.2, "four two seven one")  # Whisper: "hide fun" over it (a voice's digits as words)
    short = run(40.2, "five five one")  # three words: stands in for Whisper's "sure" (the card logic decides)
    heard = run(70.2, "six one one eight")  # Whisper wrote a digit over it: its words stay
    ScriptedGate.regions = [GatedRegion(10.0, 13.0, 0.9, card), GatedRegion(40.0, 42.0, 0.9, short),
                            GatedRegion(70.0, 73.0, 0.9, heard)]
    monkeypatch.setattr(whisper_module, "NumberGate", ScriptedGate)
    # two windows: pieces 7-16 s (at 0 s) and 37-45 s (at 9.5 s); 67-76 s (at 0 s), each window's
    # runs decoded again after it (the prompted decodes here write nothing)
    model = ScriptedModel([[Word(2.0, 2.5, "please"), Word(3.2, 3.6, "hide"), Word(3.8, 4.3, "fun"),
                            Word(6.0, 6.4, "thanks"), Word(12.7, 13.1, "sure")], [],
                           [Word(3.2, 3.4, "in"), Word(3.5, 3.7, "4"), Word(4.0, 4.3, "please")], []])
    audio = np.zeros(80 * RATE, np.float32)
    words = list(WhisperRecognizer(model).recognize(blocks(audio), RATE))
    # both runs of four are decoded again with the prompt
    assert model.prompts == [None, whisper_module.PROMPT, None, whisper_module.PROMPT]
    assert [(w.text, round(w.start_s, 2), round(w.end_s, 2)) for w in words] == [
        ("please", 9.0, 9.5), ("four", 10.2, 10.45), ("two", 10.5, 10.75), ("seven", 10.8, 11.05),
        ("one", 11.1, 11.35), ("thanks", 13.0, 13.4), ("five", 40.2, 40.45), ("five", 40.5, 40.75),
        ("one", 40.8, 41.05), ("in", 70.2, 70.4), ("4", 70.4, 71.0), ("please", 71.0, 71.3)]


def test_hearing_all_speech_sends_every_region_with_context_though_the_gate_passes_none() -> None:
    # Regions (energy detector: 0.2 s kept on both sides) 4.8-8.2 and 8.8-12.2, 29.8-31.2; with
    # CONTEXT_S on both sides: pieces 1.8-15.2 and 26.8-34.2, each in a window of its own (together
    # with a separator 21.3 s: longer than WINDOW_S).
    x = bursts(40.0, [(5.0, 8.0), (9.0, 12.0), (30.0, 31.0)])
    gated = ScriptedModel()
    assert list(WhisperRecognizer(gated, min_number_mass=1.1).recognize(blocks(x), RATE)) == []
    assert gated.windows == []
    first_s = 15.2 - 1.8
    assert first_s + SEPARATOR_S + 7.4 > WINDOW_S
    model = ScriptedModel([[Word(1.0, 1.5, "card")], [Word(3.0, 3.4, "4111")]])
    words = list(WhisperRecognizer(model, min_number_mass=1.1, hears="speech").recognize(blocks(x), RATE))
    assert [n / WHISPER_RATE_HZ for n in model.windows] == pytest.approx([first_s, 7.4], abs=0.011)
    assert [w.text for w in words] == ["card", "4111"]
    assert words[0].start_s == pytest.approx(1.8 + 1.0, abs=0.011)
    # a number alone reaches its piece's edges (26.8-34.2 s), within the speech there
    assert words[1].start_s == pytest.approx(30.0 - 0.08, abs=0.011)
    assert words[1].end_s == pytest.approx(31.0 + 0.08, abs=0.011)


def test_hearing_all_speech_leaves_verification_to_the_gated_regions_near_a_mask() -> None:
    x = bursts(40.0, [(5.0, 8.0), (30.0, 31.0)])
    model = ScriptedModel()
    recognizer = WhisperRecognizer(model, hears="speech")
    assert list(recognizer.recognize_again(blocks(x), RATE, [(6.0, 7.0)])) == []
    assert model.windows == []  # the network is sure of no number word in the noise: nothing heard again


def test_each_pass_samples_afresh_before_its_first_window() -> None:
    # a call's words must not depend on the calls the process heard before (whisper_model.restart_sampling)
    model = ScriptedModel([[Word(2.6, 3.2, "card")]])
    recognizer = WhisperRecognizer(model, min_number_mass=0.0)
    words = recognizer.recognize(blocks(bursts(20.0, [(10.0, 12.0)])), RATE)
    assert model.restarts == 0  # a pass begins when its words are first asked for
    assert [w.text for w in words] == ["card"] and model.restarts == 1 and len(model.windows) == 1
    list(recognizer.recognize_again(blocks(bursts(20.0, [(10.0, 12.0)])), RATE, [(10.0, 12.0)]))
    assert model.restarts == 2


def test_what_whisper_hears_is_checked() -> None:
    with pytest.raises(ValueError, match="hears must be one of numbers, speech, got 'all'"):
        WhisperRecognizer(ScriptedModel(), hears="all")


def test_a_run_the_network_is_sure_of_and_whisper_wrote_no_digits_over_is_decoded_again_prompted(
        monkeypatch) -> None:
    from redaction.speech.gate import GatedRegion
    from redaction.words import TimedWord
    from tests.redaction.speech.test_whisper_again import ScriptedGate

    def run(start_s: float, texts: str) -> tuple[TimedWord, ...]:
        return tuple(TimedWord(start_s + 0.3 * k, start_s + 0.3 * k + 0.25, t) for k, t in enumerate(texts.split()))

    card = run(10.2, "four two seven one")  # 10.2-11.35 s; Whisper: "hide fun" over it
    short = run(40.2, "five five one")  # three words: not decoded again
    heard = run(70.2, "six one one eight")  # Whisper wrote its 4 digits: not decoded again
    ScriptedGate.regions = [GatedRegion(10.0, 13.0, 0.9, card), GatedRegion(40.0, 42.0, 0.9, short),
                            GatedRegion(70.0, 73.0, 0.9, heard)]
    monkeypatch.setattr(whisper_module, "NumberGate", ScriptedGate)
    # two windows: pieces 7-16 s (at 0 s) and 37-45 s (at 9.5 s); 67-76 s (at 0 s)
    first = [Word(1.0, 1.5, "hello"), Word(3.2, 3.6, "hide"), Word(3.8, 4.3, "fun"), Word(6.0, 6.4, "thanks"),
             Word(12.7, 13.1, "5")]
    second = [Word(3.2, 3.6, "61"), Word(3.6, 4.0, "18")]
    # The prompted decode hears 7.2-12.35 s (3 s before the run, 1 s after): it invents a digit
    # in the greeting (7.5 s) and writes one after the run's slack (12.2 s): neither is taken.
    prompted = [Word(0.3, 0.7, "5"), Word(3.0, 3.35, "4"), Word(3.4, 3.75, "2"), Word(3.8, 4.15, "7"),
                Word(4.2, 4.55, "1"), Word(5.0, 5.1, "9")]
    model = ScriptedModel([first, prompted, second])
    words = list(WhisperRecognizer(model).recognize(blocks(np.zeros(80 * RATE, np.float32)), RATE))
    assert model.prompts == [None, whisper_module.PROMPT, None]
    assert model.windows[1] == round((12.35 - 7.2) * WHISPER_RATE_HZ)
    assert [(w.text, round(w.start_s, 2), round(w.end_s, 2)) for w in words] == [
        ("hello", 8.0, 8.5), ("4", 10.0, 10.6), ("2", 10.55, 11.0), ("7", 10.95, 11.4), ("1", 11.35, 11.95),
        ("thanks", 13.0, 13.4), ("5", 40.0, 40.8), ("61", 67.0, 70.6), ("18", 70.6, 76.0)]


def test_a_prompted_decode_gives_only_its_number_words_not_the_prompt_s_own(monkeypatch) -> None:
    # Seen on a tune call: primed by the prompt, Whisper wrote "Expiry" amid a card's digits,
    # which parted the card into two runs after an expiry word; the card logic masked none.
    from redaction.speech.gate import GatedRegion
    from redaction.words import TimedWord
    from tests.redaction.speech.test_whisper_again import ScriptedGate

    card = tuple(TimedWord(10.2 + 0.3 * k, 10.45 + 0.3 * k, t) for k, t in enumerate("four two seven one".split()))
    ScriptedGate.regions = [GatedRegion(10.0, 13.0, 0.9, card)]
    monkeypatch.setattr(whisper_module, "NumberGate", ScriptedGate)
    first = [Word(1.0, 1.5, "hello"), Word(3.2, 3.6, "hide"), Word(3.8, 4.3, "fun"), Word(6.0, 6.4, "thanks")]
    prompted = [Word(3.0, 3.35, "4"), Word(3.4, 3.75, "2"), Word(3.75, 3.75, "Expiry"), Word(3.8, 4.15, "7"),
                Word(4.2, 4.55, "1")]
    model = ScriptedModel([first, prompted])
    words = list(WhisperRecognizer(model).recognize(blocks(np.zeros(20 * RATE, np.float32)), RATE))
    assert model.prompts == [None, whisper_module.PROMPT]
    assert [w.text for w in words] == ["hello", "4", "2", "7", "1", "thanks"]


def test_a_prompted_decode_writing_fewer_digits_than_the_run_has_words_changes_nothing(monkeypatch) -> None:
    from redaction.speech.gate import GatedRegion
    from redaction.words import TimedWord
    from tests.redaction.speech.test_whisper_again import ScriptedGate

    card = tuple(TimedWord(10.2 + 0.3 * k, 10.45 + 0.3 * k, t) for k, t in enumerate("four two seven one".split()))
    ScriptedGate.regions = [GatedRegion(10.0, 13.0, 0.9, card)]
    monkeypatch.setattr(whisper_module, "NumberGate", ScriptedGate)
    first = [Word(3.2, 3.6, "for"), Word(3.8, 4.3, "one"), Word(6.0, 6.4, "thanks")]  # 1 digit of 4
    # 3 digits over the run of 4 (and one before it): its words would hide the network's run (part of a card)
    prompted = [Word(0.3, 0.7, "5"), Word(3.0, 3.4, "hide"), Word(3.4, 3.6, "7"), Word(3.8, 4.3, "one"),
                Word(4.3, 4.6, "1")]
    model = ScriptedModel([first, prompted])
    words = list(WhisperRecognizer(model).recognize(blocks(np.zeros(20 * RATE, np.float32)), RATE))
    assert model.prompts == [None, whisper_module.PROMPT]
    assert [(w.text, round(w.start_s, 2), round(w.end_s, 2)) for w in words] == [
        ("for", 10.2, 10.6), ("one", 10.6, 11.5), ("thanks", 13.0, 13.4)]


def test_runs_decoded_again_are_the_networks_runs_over_which_whisper_wrote_too_few_digits() -> None:
    from redaction.speech.whisper import redecode_spans
    from redaction.words import TimedWord

    six = [TimedWord(1.0 + 0.3 * k, 1.25 + 0.3 * k, "two") for k in range(6)]  # 1.0-2.75 s
    assert redecode_spans([], six) == [(1.0, 2.75, 6)]
    assert redecode_spans([TimedWord(1.2, 1.6, "2"), TimedWord(1.6, 2.0, "hide")], six) == [(1.0, 2.75, 6)]
    # a run of six (a card): fewer digits than its words, with other words amid them (at least
    # a third as many as the run has: "time for two, I'm one year only a row six")
    amid = [TimedWord(1.0, 1.2, "time"), TimedWord(1.2, 1.4, "for"), TimedWord(1.4, 1.6, "24")]
    assert redecode_spans(amid + [TimedWord(1.6, 2.0, "two"), TimedWord(2.0, 2.2, "row")], six) == [(1.0, 2.75, 6)]
    assert redecode_spans(amid + [TimedWord(1.6, 2.0, "two")], six) == [(1.0, 2.75, 6)]
    # one other word only: Whisper most often wrote repeated digits as one (a phone number's
    # "33" as "3"), and the prompted decode wrote them as a card ("my card. 0761133963333")
    assert redecode_spans([TimedWord(1.0, 1.2, "is"), TimedWord(1.2, 1.6, "2468")], six) == []
    assert redecode_spans([TimedWord(1.2, 1.6, "24"), TimedWord(1.6, 2.0, "two")], six) == []
    # other words outside the run do not count
    assert redecode_spans([TimedWord(0.2, 0.6, "time"), TimedWord(0.6, 0.9, "for"), TimedWord(1.2, 1.6, "24"),
                           TimedWord(1.6, 2.0, "two")], six) == []
    assert redecode_spans(amid[:2] + [TimedWord(1.4, 2.0, "2468"), TimedWord(2.0, 2.6, "two two")], six) == []
    five = six[:5]  # of fewer: under half of them
    assert redecode_spans([TimedWord(1.2, 1.6, "246"), TimedWord(1.6, 2.0, "hide")], five) == []
    assert redecode_spans([TimedWord(1.2, 1.6, "2"), TimedWord(1.6, 2.0, "hide")], five) == [(1.0, 2.45, 5)]
    assert redecode_spans([TimedWord(3.0, 3.4, "hide")], six) == [(1.0, 2.75, 6)]  # a word outside the run
    assert redecode_spans([TimedWord(1.0, 1.6, "Nero"), TimedWord(1.6, 1.8, "ash")], six[:3]) == []
    # two runs apart by more than NETWORK_RUN_GAP_S
    later = [TimedWord(10.0 + 0.3 * k, 10.25 + 0.3 * k, "one") for k in range(4)]
    assert redecode_spans([TimedWord(10.0, 10.5, "1234")], six + later) == [(1.0, 2.75, 6)]
    assert redecode_spans([], later + six) == [(1.0, 2.75, 6), (10.0, 11.15, 4)]


def test_a_prompted_window_is_transcribed_with_the_prompt_and_remembered_apart() -> None:
    from redaction.speech.whisper_window import FasterWhisperWindows

    class Model:
        def __init__(self) -> None:
            self.calls: list[dict] = []

        def transcribe(self, audio, **kwargs):
            self.calls.append(kwargs)
            return [], None

    model = Model()
    windows = FasterWhisperWindows(model)
    audio = np.zeros(16000, np.float32)
    windows.words(audio)
    windows.words(audio, whisper_module.PROMPT)
    windows.words(audio, whisper_module.PROMPT)  # remembered
    windows.words(audio)  # remembered
    assert len(model.calls) == 2
    assert "initial_prompt" not in model.calls[0] and model.calls[1]["initial_prompt"] == whisper_module.PROMPT
    assert model.calls[1]["condition_on_previous_text"] is False


def test_the_prompt_is_made_up_digits_read_one_by_one_not_a_valid_card_number() -> None:
    import re

    digits = re.findall(r"\d+", whisper_module.PROMPT)
    assert all(len(d) == 1 for d in digits) and len(digits) == 16 + 4 + 3
    card = [int(d) for d in digits[:16]]
    total = sum(d if k % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for k, d in enumerate(reversed(card)))
    assert total % 10 != 0


def test_recognize_sounding_also_gives_the_gate_networks_number_sounds() -> None:
    """``recognizer.Sounding``: the same words as ``recognize``, and each gated region's sounds."""
    from redaction.recognizer import Sounding
    from redaction.speech.gate import gated_regions
    from redaction.speech.regions import PRE_ROLL_S, spoken_s

    x, rate = sf.read(FIXTURE, dtype="float32")
    answer = [Word(3.2, 3.5, "four"), Word(3.6, 3.9, "two")]
    plain = list(WhisperRecognizer(ScriptedModel([list(answer)])).recognize(blocks(x, 3000), rate))
    sounds: list[tuple[float, float]] = []
    speech: list[tuple[float, float]] = []
    recognizer: Sounding = WhisperRecognizer(ScriptedModel([list(answer)]))
    words = list(recognizer.recognize_sounding(blocks(x, 3000), rate, sounds, speech))
    assert words == plain and len(words) == 2
    regions = gated_regions([x], rate)
    assert sounds == list(regions[0].sounds) and len(sounds) > 4
    # the speech in each region, without the quiet the region keeps around it
    assert speech == [spoken_s(r.start_s, r.end_s) for r in regions] and speech[0][0] == regions[0].start_s + PRE_ROLL_S
    # not when the gate passes nothing
    none: list[tuple[float, float]] = []
    assert list(WhisperRecognizer(ScriptedModel(), min_number_mass=1.1).recognize_sounding(blocks(x), rate, none)) == []
    assert none == []


def test_windows_are_announced_to_run_ahead_four_at_a_time_before_they_are_transcribed() -> None:
    from redaction.speech.lookahead import LOOKAHEAD_WINDOWS

    class Ahead(ScriptedModel):
        def __init__(self, answers: list[list[WindowWord]]) -> None:
            super().__init__(answers)
            self.ahead: list[list[int]] = []  # samples of each window announced, by group
            self.words_before_ahead: list[int] = []  # windows transcribed when each group was announced

        def run_ahead(self, windows: list[np.ndarray]) -> None:
            self.ahead.append([w.size for w in windows])
            self.words_before_ahead.append(len(self.windows))

    x = bursts(300.0, [(t, t + 1.5) for t in range(5, 300, 15)])
    answers = [[Word(1.0, 1.3, "card"), Word(2.0, 2.4, str(k))] for k in range(40)]
    ahead, alone = Ahead(answers), ScriptedModel(answers)
    heard = list(WhisperRecognizer(ahead, min_number_mass=0.0).recognize(blocks(x, 65536), RATE))
    assert heard == list(WhisperRecognizer(alone, min_number_mass=0.0).recognize(blocks(x, 65536), RATE))
    assert ahead.windows == alone.windows and len(ahead.windows) == 10
    assert [len(g) for g in ahead.ahead] == [LOOKAHEAD_WINDOWS, LOOKAHEAD_WINDOWS, 2] == [4, 4, 2]
    assert [n for g in ahead.ahead for n in g] == ahead.windows
    assert ahead.words_before_ahead == [0, 4, 8]  # each group announced before any of it was transcribed
