"""WhisperRecognizer: Whisper tiny.en where the number gate says numbers may be, or on all speech.

Per call: the audio streams through the number gate at 8 kHz (``gate``) and into a bounded
16 kHz buffer; gated regions become pieces with context (``windows``), packed into 30 s
windows that Whisper (``whisper_model``, loaded once per process and passed in) transcribes
with word timestamps. With ``hears="speech"`` every speech region passes (the network decides
nothing; verification still re-hears gated regions only). Memory: the buffer (at most a
piece plus the gate's open region) and ``LOOKAHEAD_WINDOWS`` windows, whatever the call length.

Digits heard as words: Whisper tiny.en writes some voices' digits as other words ("hide one"
for "five one"). Where the gate's network is sure of a run of ``REDECODE_RUN_WORDS`` or more
number words and Whisper wrote fewer than half as many digits over it, that run (with a
little context) is decoded again with ``PROMPT`` (a card read digit by digit), and the
prompted decode's words stand in over the run's time only, when they say as many digits;
the first decode stays everywhere else (prompting every window invented digits in greetings
and lost digits of real speakers). Where even that writes too few, the network's run may
stand in (``with_network_runs``).

Batched decodes (``lookahead``): complete packs wait until ``LOOKAHEAD_WINDOWS`` of them are
ready; their windows are transcribed at once (``Windows.run_ahead``, where the windows have it),
their beam decodes batched, and their words are then taken pack after pack as before: the words
are the same, and a pack's words come out a few windows later.

Timing of numbers (``timing``): a number word timed shorter than its digits take to say spans
to its neighbouring words (Whisper's numeral tokens cover a fraction of the digits' time);
where a number meets other words, its edge moves in to the speech (the piece's energy) so
the masker's padding does not reach into the next speaker's words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from redaction.cards import MIN_CARD_DIGITS
from redaction.numbers import digit_count, says_number
from redaction.speech.features import RATE_HZ as GATE_RATE_HZ
from redaction.speech.gate import MIN_NUMBER_MASS, GatedRegion, NumberGate, Resampler
from redaction.speech.lookahead import LOOKAHEAD_WINDOWS
from redaction.speech.loops import plain_key
from redaction.speech.network import DigitNetwork
from redaction.speech.regions import spoken_s
from redaction.speech.timing import Speech, number_spans
from redaction.speech.whisper_window import RATE_HZ as WHISPER_RATE_HZ  # Whisper's input rate
from redaction.speech.whisper_window import FasterWhisperWindows, WindowWord
from redaction.speech.windows import CONTEXT_S, SEPARATOR_S, Piece, SpanBuilder, fits, pack_offsets, to_call_time
from redaction.words import TimedWord

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

class Windows(Protocol):
    """Transcribes one window of 16 kHz audio (at most 30 s) into words timed within it, less
    Whisper's decoding loops (``loops.without_loops``); ``prompt``: the text Whisper is told came
    before the audio (None: none)."""

    def words(self, audio: np.ndarray, prompt: str | None = None) -> list[WindowWord]: ...

    def restart(self) -> None:
        """What ``words`` samples from here on no longer depends on the windows before (a pass starts)."""

    # Optional: ``run_ahead(windows)``, the unprompted ``words`` of several windows computed at once
    # (for less CPU) before they are asked for one by one; the words must be the same.


#: What Whisper hears in pass 1 (CALLREC_WHISPER_HEARS): the regions the number gate passes, or
#: every speech region (the gate's network cannot lose a digit of a voice it has never heard).
HEARS = ("numbers", "speech")


class WhisperRecognizer:
    """The ``Recognizer`` for ``CALLREC_RECOGNIZER=whisper``: gate, then Whisper on gated pieces."""

    name = "whisper-tiny.en"
    #: 17: a phrase with a number word written three times or more in a row keeps its first writing
    #: only (``loops.PHRASE_TIMES``: "was the one who was the one who ..." masked as a card);
    #: 16: also says where the speech it heard was (``recognize_sounding``'s ``speech``: the
    #: engine's masks end with the speech that holds their data, ``redaction.edges``);
    #: 15: windows of 20 s, pieces of at most 17 s (``windows.WINDOW_S``; 30 and 27 before);
    #: 14: a number's end stops before the next word's onset after a pause (``timing.END_PAUSE_S``);
    #: 13: each pass samples afresh (``whisper_model.restart_sampling``: a call's words no longer
    #: depend on the calls the process heard before); 12: no window skipped for Whisper's
    #: no-speech probability (``whisper_window``); 11: a long stretch of speech cut into pieces
    #: in a pause (``windows.CUT_GAP_S``), not blind with 6 s of overlap; 10: a window's decoding
    #: loops dropped before its skipped speech is looked for (the speech under a loop is heard
    #: again); 9: speech Whisper skipped in a window heard again (``whisper_window.UNHEARD_S``);
    #: 8: loops of 2 or 3 number words dropped; 7: the network's stand-in for a number the next
    #: pack heard dropped (6 was reverted); 5: also says where its gate heard number sounds
    version = "17"

    def __init__(self, model: WhisperModel | Windows, network: DigitNetwork | None = None, *,
                 min_number_mass: float = MIN_NUMBER_MASS, hears: str = "numbers") -> None:
        """``hears`` (``HEARS``): ``numbers``, the regions the gate passes at ``min_number_mass``;
        ``speech``, every speech region (the network no longer decides what Whisper hears in pass 1)."""
        if hears not in HEARS:
            raise ValueError(f"hears must be one of {', '.join(HEARS)}, got {hears!r}")
        self._windows = model if hasattr(model, "words") else FasterWhisperWindows(model)
        self._network = network or DigitNetwork()  # the gate's, loaded once, shared by every call
        self._min_number_mass = min_number_mass
        self._hears = hears

    def recognize(self, blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[TimedWord]:
        return self._listen(blocks, rate_hz, None)

    def recognize_sounding(self, blocks: Iterable[np.ndarray], rate_hz: int, sounds: list[tuple[float, float]],
                           speech: list[tuple[float, float]] | None = None) -> Iterator[TimedWord]:
        """``recognize``, and ``sounds`` gets (moment in seconds, number-word probability) of
        each frame in which the gate's network heard a number sound (``gate.NUMBER_SOUND_MASS``),
        ``speech`` (start_s, end_s) of the speech in each region the gate passed (``regions.spoken_s``;
        ``recognizer.Sounding``)."""
        return self._listen(blocks, rate_hz, None, sounds, speech)

    def recognize_again(self, blocks: Iterable[np.ndarray], rate_hz: int,
                        masked_s: Sequence[tuple[float, float]]) -> Iterator[TimedWord]:
        """Verification of a masked output this recognizer heard before masking (``recognizer.
        Relistening``): outside ``masked_s`` the audio is what Whisper already heard, so it hears
        again only the gated regions near a mask (their context changed) in which the gate's
        network is still sure of a number word outside every mask (``still_flagged``)."""
        masks = sorted(masked_s)
        return self._listen(blocks, rate_hz, lambda region: still_flagged(region, masks))

    def _listen(self, blocks: Iterable[np.ndarray], rate_hz: int, keep: Callable[[GatedRegion], bool] | None,
                sounds: list[tuple[float, float]] | None = None,
                speech: list[tuple[float, float]] | None = None) -> Iterator[TimedWord]:
        self._windows.restart()  # each pass samples as in a fresh process
        every = keep is None and self._hears == "speech"  # verification: gated regions only
        gate = NumberGate(self._network, 0.0 if every else self._min_number_mass)
        to_gate, to_whisper = Resampler(rate_hz, GATE_RATE_HZ), Resampler(rate_hz, WHISPER_RATE_HZ)
        buffer = _Buffer()
        # cut in pauses only where every speech region is fed: verification's selection may hide speech
        spans = SpanBuilder(pauses=keep is None and gate.passes_every_region)
        pack: list[tuple[Piece, np.ndarray]] = []
        network: list[TimedWord] = []  # the gate network's sure number words not yet used

        # A pack's words wait for the next pack's: where two overlapping pieces heard one
        # number, one copy stays (``without_repeats``).
        held: list[TimedWord] = []  # the previous pack's words, not yet given out
        before: list[TimedWord] = []  # the words given out last
        heard_by: dict[int, Piece] = {}  # id(word) -> the piece that heard it (held and before)

        # Packs wait for ``LOOKAHEAD_WINDOWS`` of them to be complete, then Whisper transcribes
        # their windows at once (``Windows.run_ahead``: batched decodes) before their words are
        # taken one pack after the other, as they would be without waiting.
        ready: list[tuple[list[tuple[Piece, np.ndarray]], list[TimedWord]]] = []  # (pack, its network words)

        def complete(pack: list[tuple[Piece, np.ndarray]]) -> list[TimedWord]:
            ready.append((pack, self._network_words(pack, network)))
            return flush() if len(ready) >= LOOKAHEAD_WINDOWS else []

        def flush() -> list[TimedWord]:
            run_ahead = getattr(self._windows, "run_ahead", None)
            if run_ahead is not None and len(ready) > 1:
                run_ahead([_window_audio(p) for p, _ in ready])
            out = [w for p, mine in ready for w in heard(p, mine)]
            ready.clear()
            return out

        def heard(pack: list[tuple[Piece, np.ndarray]] | None, mine: list[TimedWord]) -> list[TimedWord]:
            nonlocal held, before, heard_by
            by: dict[int, Piece] = {}
            words = self._heard(pack, mine, by) if pack else []
            sources = {**heard_by, **by}
            kept = {id(w) for w in without_repeats(before + held + words, sources)}
            out = [w for w in held if id(w) in kept]
            heard_by = {id(w): sources[id(w)] for w in out + words if id(w) in sources}
            before, held = out, words
            return out

        def take(pieces: list[Piece]) -> Iterator[TimedWord]:
            nonlocal pack
            for piece in pieces:
                audio = buffer.read(piece.start_s, piece.end_s)
                if pack and not fits([p for p, _ in pack], piece):
                    yield from complete(pack)
                    pack = []
                pack.append((piece, audio))

        def admit(region: GatedRegion) -> list[Piece]:
            """The pieces a gated region adds (none when ``keep`` refuses it)."""
            if keep is not None and not keep(region):
                return []
            network.extend(region.words)
            if sounds is not None:
                sounds.extend(region.sounds)
            if speech is not None:
                speech.append(spoken_s(region.start_s, region.end_s))
            return spans.add(region.start_s, region.end_s)

        for block in blocks:
            x = np.asarray(block, dtype=np.float32)
            buffer.append(to_whisper(x))
            for region in gate.feed(to_gate(x)):
                yield from take(admit(region))
            yield from take(spans.close_before(gate.open_from_s))
            # Kept: the open span, and the context before any region still to come.
            open_start = spans.open_start_s
            buffer.drop_before(min(gate.open_from_s - CONTEXT_S - 1.0, open_start if open_start is not None else np.inf))
        buffer.append(to_whisper.flush())
        for region in [*gate.feed(to_gate.flush()), *gate.finish()]:
            yield from take(admit(region))
        yield from take(spans.finish(end_limit_s=buffer.end_s))
        if pack:
            ready.append((pack, self._network_words(pack, network)))
        yield from flush()
        yield from heard(None, [])

    @staticmethod
    def _network_words(pack: list[tuple[Piece, np.ndarray]], network: list[TimedWord]) -> list[TimedWord]:
        """The gate network's sure number words in ``pack``'s pieces, taken out of ``network``
        with every word before the pack's end (as the pack is complete)."""
        end_s = max(p.end_s for p, _ in pack)
        mine = [w for w in network if any(p.start_s <= w.start_s < p.end_s for p, _ in pack)]
        network[:] = [w for w in network if w.start_s >= end_s]
        return mine

    def _heard(self, pack: list[tuple[Piece, np.ndarray]], mine: list[TimedWord],
               by: dict[int, Piece]) -> list[TimedWord]:
        """Whisper's words for a pack, with the network's runs (of ``mine``, its words there) where
        Whisper heard no digits; ``by`` gets the piece that heard each of Whisper's words (by the word's id)."""
        words = self._transcribe(pack, by, network=mine)
        for a, b, count in redecode_spans(words, mine):
            words = self._prompted(pack, words, (a, b, count), by)
        return with_network_runs(words, mine)

    def _prompted(self, pack: list[tuple[Piece, np.ndarray]], words: list[TimedWord],
                  run: tuple[float, float, int], by: dict[int, Piece]) -> list[TimedWord]:
        """``words`` with the words of a decode prompted with ``PROMPT`` standing in over the
        network's run (``a``-``b``, ``count`` number words; ± ``REDECODE_SLACK_S``: the words
        whose middle lies there), when that decode wrote at least as many digits there as
        the run has words (fewer: the network's run stands in, ``with_network_runs``; part of
        a card taken instead hid the rest of it). The prompted decode hears ``REDECODE_BEFORE_S``
        before ``a`` and ``REDECODE_AFTER_S`` after ``b``, within the piece that holds most of the run."""
        a, b, count = run
        piece, audio = max(pack, key=lambda pa: min(pa[0].end_s, b) - max(pa[0].start_s, a))
        start_s, end_s = max(piece.start_s, a - REDECODE_BEFORE_S), min(piece.end_s, b + REDECODE_AFTER_S)
        if end_s <= start_s:
            return words
        first = round((start_s - piece.start_s) * WHISPER_RATE_HZ)
        part = audio[first : first + round((end_s - start_s) * WHISPER_RATE_HZ)]
        prompted = self._transcribe([(Piece(start_s, end_s, start_s, end_s), part)], {}, PROMPT)
        lo, hi = a - REDECODE_SLACK_S, b + REDECODE_SLACK_S

        def over(w: TimedWord) -> bool:
            return lo <= (w.start_s + w.end_s) / 2 <= hi

        # without the prompt's own words ("Card number", "Expiry", "Security code"): it primed
        # Whisper to write them, and one written amid a card's digits parted it into two runs
        # after an expiry word, neither of them card data (other words stay: "phone" before a
        # number keeps it audible)
        taken = [w for w in prompted if over(w) and plain_key(w.text) not in PROMPT_WORDS]
        if sum(digit_count(w.text) for w in taken) < count:
            return words
        by.update((id(w), piece) for w in taken)
        return sorted([w for w in words if not over(w)] + taken, key=lambda w: w.start_s)

    def _transcribe(self, pack: list[tuple[Piece, np.ndarray]], by: dict[int, Piece],
                    prompt: str | None = None, network: Sequence[TimedWord] = ()) -> list[TimedWord]:
        """Whisper's words for a pack on the call clock, number words timed (``timing``; ``network``:
        the gate network's sure number words there, which a stretched word's span keeps)."""
        placed = pack_offsets([p for p, _ in pack])
        audio = _window_audio(pack)
        by_piece: dict[int, list[TimedWord]] = {id(p): [] for p in placed}
        for word in self._windows.words(audio, prompt) if prompt is not None else self._windows.words(audio):
            middle = to_call_time(placed, (word.start_s + word.end_s) / 2)
            if middle is None:
                continue
            where, _ = middle
            piece = where.piece
            start_s = min(max(piece.start_s + word.start_s - where.offset_s, piece.start_s), piece.end_s)
            end_s = min(max(piece.start_s + word.end_s - where.offset_s, start_s), piece.end_s)
            by_piece[id(where)].append(TimedWord(start_s, end_s, word.text, word.probability))
        out: list[TimedWord] = []
        for p, (_, piece_audio) in zip(placed, pack):
            speech = Speech.of(piece_audio, WHISPER_RATE_HZ, p.piece.start_s)
            timed = number_spans(by_piece[id(p)], p.piece.start_s, p.piece.end_s, speech, network)
            words = [w for w in timed if _owned(w, p.piece)]
            by.update((id(w), p.piece) for w in words)
            out += words
        return out


def _window_audio(pack: list[tuple[Piece, np.ndarray]]) -> np.ndarray:
    """The window Whisper hears for ``pack``: its pieces' audio, ``SEPARATOR_S`` of silence between."""
    gap = np.zeros(round(SEPARATOR_S * WHISPER_RATE_HZ), np.float32)
    return np.concatenate([x for _, a in pack for x in (a, gap)][:-1])


def still_flagged(region: GatedRegion, masks: Sequence[tuple[float, float]]) -> bool:
    """True when a mask lies within ``CONTEXT_S`` of ``region`` (what Whisper heard around it
    changed) and the gate's network is sure of a number word in it whose middle lies outside
    every mask (``masks``: (start_s, end_s), sorted)."""
    near = [(a, b) for a, b in masks if a < region.end_s + CONTEXT_S and b > region.start_s - CONTEXT_S]
    return bool(near) and any(
        not any(a <= (w.start_s + w.end_s) / 2 <= b for a, b in near) for w in region.words)


def without_repeats(words: list[TimedWord], heard_by: dict[int, Piece]) -> list[TimedWord]:
    """``words`` less the number words a piece kept only for their stretched span
    (``_owned``: middle outside its own part), and the network's number words (of no piece),
    where a number word a piece heard in its own part covers at least half of one of the two:
    overlapping pieces heard that number twice, or the network stood in for a number at the
    end of one pack that Whisper heard in the next, and counting its digits twice turns an
    11-digit phone number into a card. No word whose middle lies in its piece's own part is
    dropped."""

    def own(w: TimedWord) -> bool:
        piece = heard_by[id(w)]
        middle_s = (w.start_s + w.end_s) / 2
        return piece.own_from_s <= middle_s < piece.own_to_s or middle_s == piece.own_to_s == piece.end_s

    owned = [w for w in words if id(w) in heard_by and says_number(w.text) and own(w)]

    def repeated(w: TimedWord) -> bool:
        for o in owned:
            if heard_by[id(o)] is heard_by.get(id(w)):
                continue
            overlap_s = min(o.end_s, w.end_s) - max(o.start_s, w.start_s)
            if overlap_s > 0 and overlap_s >= min(o.end_s - o.start_s, w.end_s - w.start_s) / 2:
                return True
        return False

    return [w for w in words if not (says_number(w.text) and (id(w) not in heard_by or not own(w)) and repeated(w))]


def _owned(word: TimedWord, piece: Piece) -> bool:
    """A word is its piece's when its middle lies in the piece's own part; a number word
    also when any of its (stretched) span does: its own timestamp may be far off, and a
    number heard twice only widens a mask."""
    if says_number(word.text):
        return word.start_s < piece.own_to_s and word.end_s >= piece.own_from_s
    middle_s = (word.start_s + word.end_s) / 2
    return piece.own_from_s <= middle_s < piece.own_to_s or middle_s == piece.own_to_s == piece.end_s


#: A run of this many number words the gate's network is sure of, over which Whisper wrote
#: fewer than half as many digits (it heard words: "free payment" for "three two"), is taken
#: from the network. Whisper tiny hears some synthetic voices' digits as words; the network
#: rarely hears a run this long where nobody reads digits.
NETWORK_RUN_WORDS = 6
#: Longest gap between two words of such a run.
NETWORK_RUN_GAP_S = 1.5
#: After such a run (a card), shorter runs (an expiry date, a code) this soon are taken too.
NETWORK_ANSWER_WORDS = 3
NETWORK_SESSION_S = 30.0
#: A shorter run of this many is taken where Whisper wrote words over it but no number word
#: (it heard a voice's digits as words, "hide fun" for "five one": whole cards lost; "Nero
#: Heaven's ash" for an expiry, "lonely map" for a code). The card logic decides whether such
#: a short run is card data (after a card, or asked for). Was 4. Runs of two, and runs
#: Whisper wrote nothing over, were tried and not kept: the network hears "zero eight" in
#: other speech, and the keyed-card demo sample then had speech masked as card data.
NETWORK_WORDS_ONLY_RUN_WORDS = 3
#: A run as long as this (card length, less a digit or two the network missed: longer than a
#: phone number) stands in where Whisper wrote fewer digits over it than the run has words and
#: too few for a card (``MIN_CARD_DIGITS``). Whisper tiny writes some voices' cards in part, or
#: as decimals ("4 .5 .02. 0 .5. 0 .5." for sixteen digits, tune voice en-us+m6): more than
#: half the run, and the card logic then saw too few digits for a card and masked nothing.
#: Where Whisper wrote a card's worth, its words stay: the network's run would stand in with
#: the number words it heard in the words before the card (masks 0.5-1.9 s early on jackson).
NETWORK_CARD_RUN_WORDS = 12


#: Whisper decodes again, prompted with ``PROMPT``, the time of a run of this many number
#: words the gate's network is sure of over which it wrote fewer than half as many digits,
#: and of a run of ``NETWORK_RUN_WORDS`` (a card) over which it wrote fewer digits than the
#: run has words and other words amid them, at least ``REDECODE_OTHER_SHARE`` as many as the
#: run has ("time for two, I'm one year only a row six"). Short by a digit with no such words,
#: Whisper had most often written a phone number's repeated digits as one ("33" as "3"), and
#: the prompted decode wrote it as a card ("my card. 0761133963333"). Runs of three over
#: which it wrote no digit (an expiry, a code: "Nero Heaven's ash") were tried and not kept:
#: the prompted decode wrote digits into the keyed-card demo sample's speech.
REDECODE_RUN_WORDS = 4
REDECODE_OTHER_SHARE = 1 / 3
#: The prompted decode hears this much before the run and after it ...
REDECODE_BEFORE_S = 3.0
REDECODE_AFTER_S = 1.0
#: ... and its words stand in for the first decode's this far around the run.
REDECODE_SLACK_S = 0.5
#: The text a re-decode is told came before its audio: a made-up card (not a valid card
#: number) read digit by digit in numerals. Whisper tiny.en writes some synthetic voices'
#: digits as other words ("hide one" for "five one"); after this prompt it writes digits
#: apart, as numerals. Given to every window's first decode it also invented digits in
#: greetings and lost digits of real speakers (976ab70), hence only where the network is sure.
PROMPT = "Card number 4 9 2 9, 1 2 3 4, 5 6 7 8, 9 0 1 2. Expiry 0 4, 2 7. Security code 1 2 3."
#: The prompt's words that are no number: a prompted decode's words over a run never include them.
PROMPT_WORDS = frozenset(plain_key(t) for t in PROMPT.split() if not says_number(t))


def network_runs(network: list[TimedWord]) -> list[list[TimedWord]]:
    """The network's number words in runs (at most ``NETWORK_RUN_GAP_S`` between two)."""
    runs: list[list[TimedWord]] = []
    for w in sorted(network, key=lambda w: w.start_s):
        if runs and w.start_s - runs[-1][-1].end_s <= NETWORK_RUN_GAP_S:
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


def redecode_spans(words: list[TimedWord], network: list[TimedWord]) -> list[tuple[float, float, int]]:
    """(start_s, end_s, number words) of each of the network's runs that Whisper decodes again
    (``REDECODE_RUN_WORDS``): by the digits ``words`` (Whisper's: any word overlapping the
    run, a numeral timed by its neighbours too) say over it, and the other words among them
    (those whose middle lies in the run)."""
    out = []
    for run in network_runs(network):
        a, b = run[0].start_s, run[-1].end_s
        inside = [w for w in words if w.start_s < b and w.end_s > a]
        digits = sum(digit_count(w.text) for w in inside)
        others = sum(not says_number(w.text) and a <= (w.start_s + w.end_s) / 2 <= b for w in inside)
        if ((len(run) >= REDECODE_RUN_WORDS and 2 * digits < len(run))
                or (len(run) >= NETWORK_RUN_WORDS and digits < len(run) and others >= REDECODE_OTHER_SHARE * len(run))):
            out.append((a, b, len(run)))
    return out


def with_network_runs(words: list[TimedWord], network: list[TimedWord]) -> list[TimedWord]:
    """``words`` (Whisper's, call clock) with the network's long runs standing in where
    Whisper heard fewer than half their digits (card-length runs, ``NETWORK_CARD_RUN_WORDS``:
    fewer than the run has words and too few for a card), and its runs of NETWORK_WORDS_ONLY_RUN_WORDS
    or more where Whisper wrote other words but no number word."""
    runs = network_runs(network)
    out = list(words)
    long_end_s = -np.inf
    for run in runs:
        a, b = run[0].start_s, run[-1].end_s
        inside = [w for w in out if a <= (w.start_s + w.end_s) / 2 <= b]
        if len(run) >= NETWORK_RUN_WORDS:
            long_end_s = run[-1].end_s
        # no number word over the run (a numeral timed by its neighbours may reach over it)
        words_only = bool(inside) and not any(says_number(w.text) for w in out if w.start_s < b and w.end_s > a)
        if not (len(run) >= NETWORK_RUN_WORDS
                or (len(run) >= NETWORK_WORDS_ONLY_RUN_WORDS and words_only)
                or (len(run) >= NETWORK_ANSWER_WORDS and run[0].start_s - long_end_s <= NETWORK_SESSION_S)):
            continue
        heard = sum(digit_count(w.text) for w in inside)
        if 2 * heard < len(run) or (len(run) >= NETWORK_CARD_RUN_WORDS and heard < min(len(run), MIN_CARD_DIGITS)):
            out = [w for w in out if not a <= (w.start_s + w.end_s) / 2 <= b] + run
    return sorted(out, key=lambda w: w.start_s)


class _Buffer:
    """16 kHz audio from a moving start to now; reads of any span inside it."""

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self._start = 0  # sample index of the first kept sample
        self._length = 0  # samples kept

    @property
    def end_s(self) -> float:
        return (self._start + self._length) / WHISPER_RATE_HZ

    def append(self, x: np.ndarray) -> None:
        if x.size:
            self._chunks.append(x)
            self._length += x.size

    def drop_before(self, t_s: float) -> None:
        cut = int(t_s * WHISPER_RATE_HZ) - self._start
        while self._chunks and cut > 0:
            n = min(cut, self._chunks[0].size)
            if n == self._chunks[0].size:
                self._chunks.pop(0)
            else:
                self._chunks[0] = self._chunks[0][n:].copy()  # a view would keep the whole chunk
            cut -= n
            self._start += n
            self._length -= n

    def read(self, start_s: float, end_s: float) -> np.ndarray:
        data = np.concatenate(self._chunks) if len(self._chunks) != 1 else self._chunks[0]
        self._chunks = [data] if data.size else []
        a = max(0, round(start_s * WHISPER_RATE_HZ) - self._start)
        b = max(a, min(data.size, round(end_s * WHISPER_RATE_HZ) - self._start))
        return data[a:b].copy()
