"""The redaction engine: detect, plan, mask, verify.

Pass 1 streams the audio once through the DTMF receiver and, when one is given, the speech
recognizer; transcript words (already on the audio's clock) need no audio. The card logic
turns words and keyed digits into entities (where a recognizer says which number sounds it
heard, their masks reach along and keep to them: ``sounds``; where it says where it heard speech,
they end with the speech that holds their data: ``edges``; in a dual-channel recording each word is the
channel's that said it and its data is masked on that channel: ``channels``; on a noisy line, ``line_noise``,
a long chain of the recognizer's number sounds that no card data found covers is a card too, and so, on any
line, is a looser one in the answer to the agent's card ask, and a short one in the answer to the expiry
or code ask is that data: ``sound_chains``),
each is padded (``_padded``) and the planner merges them
(channel by channel). Pass 2 streams
the audio again through the masker into a temporary file next to the output. Pass 3 runs the
detectors on what was written (the recognizer listens again even when the words came from a
transcript: a transcript on the wrong clock or missing a word must not leave audible digits
behind a "verified"; a recognizer that heard the input before, or an earlier round's output,
may hear again only what masking could have changed: ``recognizer.Relistening``). Verification converges: what it still finds is masked too and the
output verified again, up to ``MAX_ROUNDS`` times; then each region that still fails is
masked whole (``REGION_PAD_S`` on both sides: more masking, never less) for up to
``WHOLE_REGION_ROUNDS`` more, and the report says how many rounds it took and how many regions
were masked whole. Only a verified file replaces the output (``callrec.files.Replacement``).
Memory holds a few blocks plus the findings, whatever the call length.

The engine stands on ``audio``: files are read by its decoder (any format it reads), the
detectors hear its mono mix (channels summed, then limited: ``audio.mono``), resampling is
its resampler's, and the output is written by its ``FileWriter`` in the input's sample format.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from audio.decode import AudioSource, DecodeLimits, open_source
from audio.errors import AudioError, AudioInputError
from audio.formats import output_format
from audio.mono import limited_mono
from audio.wavout import FLOAT_SUBTYPES, FileWriter
from callrec.files import Replacement
from redaction import dtmf
from redaction import cards, edges, pauses
from redaction import channels as channel_words
from redaction.card_words import Entity
from redaction.cards import find_entities, find_in_pass1
from redaction.config import DUAL_CHANNELS, RedactionConfig
from redaction.errors import RedactionError, RedactionInputError, VerificationError
from redaction.beside_transcript import aligned, clock_fit, move_s, moved, recognizer_adds
from redaction.hearing import Hearing, hearing_of
from redaction.line_noise import LineNoise, NoiseMeter
from redaction.masker import ChannelMasker, Masker
from redaction.piecewise_clock import realign
from redaction.recognizer import Recognizer
from redaction.report import DetectorVersion, RedactionReport, Verification
from redaction import sound_chains
from redaction.sound_chains import CHAIN_CONFIDENCE
from redaction.spans import KEYED, SPOKEN, ChannelPlan, Detection, Source, plan_channels
from redaction.words import TimedWord


#: Detector names of recognizer findings: "recognizer:<name>" (a name only: code decides
#: by ``Detection.source``).
RECOGNIZER_PREFIX = "recognizer:"

#: Entity of a keyed digit that is not part of a card number, expiry date or code.
KEYED_DIGIT = "keyed_digit"

#: verify_recognizer's default: the recognizer of pass 1.
_SAME = object()

#: Rounds of "mask what verification still finds, verify again"; then rounds that mask the
#: whole region (REGION_PAD_S either side) around what still remains.
MAX_ROUNDS = 3
WHOLE_REGION_ROUNDS = 2
REGION_PAD_S = 3.0


@dataclass(frozen=True)
class Findings:
    """What pass 1 found: detections to mask and the detectors that ran."""

    detections: tuple[Detection, ...]
    detectors: tuple[DetectorVersion, ...]
    #: (start_s, end_s) of each pause in pass 1's audio (``redaction.pauses``): the padding of what
    #: a recognizer found stops in them. Empty in what verification finds (it hears masked audio).
    pauses_s: tuple[tuple[float, float], ...] = ()
    #: How noisy pass 1's line was (``redaction.line_noise``; None: no recognizer listened to pass 1).
    line: LineNoise | None = None
    #: How well the recognizer followed pass 1 (``redaction.hearing``; None: no recognizer listened).
    hearing: Hearing | None = None
    #: How far (s) the transcript's words were moved onto the audio's clock (0: not moved;
    #: ``beside_transcript.moved_onto_clock``).
    transcript_moved_s: float = 0.0
    #: In how many pieces a transcript off the clock by different amounts in different parts was aligned
    #: onto it (0: not aligned so; ``piecewise_clock``), and its largest piece's move (s).
    transcript_pieces: int = 0
    transcript_shift_max_s: float = 0.0


def detect(
    blocks: Iterable[np.ndarray],
    rate_hz: int,
    *,
    words: Sequence[TimedWord] | None = None,
    words_detector: str = "transcript",
    recognizer: Recognizer | None = None,
    masked_s: Sequence[tuple[float, float]] = (),
    spans: Sequence[Detection] = (),
    again: bool = False,
    keyed_before_s: Sequence[tuple[float, float]] = (),
    energy: channel_words.ChannelEnergy | None = None,
) -> Findings:
    """Pass 1: keyed digits in ``blocks`` (mono float32), card data in ``words`` and in what
    ``recognizer`` hears. Given ``energy`` (fed with a dual-channel recording's channels as
    ``blocks``, their mix, is read), each word heard and each detection of its words is the
    channel's that said it (``redaction.channels``). Every keyed digit is a detection, card-like or not. What the
    recognizer hears inside a key press or inside ``masked_s`` (spans already masked, when
    verifying) is that tone, not speech. ``again``: the recognizer heard these very samples
    before ``masked_s`` were masked, so one that can (``recognizer.Relistening``) hears only
    what may have changed, through ``recognize_again``. ``spans`` are detections found elsewhere (a
    transcript's provider-redacted words, its segments without word times), kept as given.
    ``keyed_before_s``: keyed sequences found before (pass 1's, when verifying an output whose
    tones are masked), which answer the asks in their windows as the tones heard here do."""
    receiver = dtmf.DtmfDetector(rate_hz)
    tones: list[dtmf.DtmfTone] = []
    detectors = [DetectorVersion(receiver.name, receiver.version, Source.DTMF)]
    # pass 1's pauses (verification, which hears the masks' tones where the speech was, keeps them):
    # found whether or not a recognizer hears pass 1, as verification's may find what a transcript missed
    pause_finder = pauses.PauseFinder(rate_hz) if not masked_s else None
    # how noisy pass 1's line is (``line_noise``): on a noisy one, long chains of a recognizer's number
    # sounds are card data; it counts the frames the pause finder reads (their energy computed once)
    noise_meter = NoiseMeter(rate_hz) if pause_finder is not None and recognizer is not None else None

    def tee() -> Iterator[np.ndarray]:
        for block in blocks:
            tones.extend(receiver.feed(block))
            if pause_finder is not None:
                energy_dbfs = pause_finder.feed(block)
                if noise_meter is not None:
                    noise_meter.add(energy_dbfs)
            yield block

    stream = tee()
    heard: list[TimedWord] = []
    heard_sounds: list[tuple[float, float]] | None = None  # number sounds (recognizer.Sounding)
    heard_speech: list[tuple[float, float]] | None = None  # its speech regions (recognizer.Sounding)
    answer_windows_s: list[tuple[str, float, float]] = []  # pass 1's expiry and code answer windows (cards)
    if recognizer is not None:
        relisten = getattr(recognizer, "recognize_again", None) if again and masked_s else None
        sounding = getattr(recognizer, "recognize_sounding", None) if not masked_s else None
        if relisten:
            heard = list(relisten(stream, rate_hz, masked_s))
        elif sounding:
            heard_sounds, heard_speech = [], []
            heard = list(sounding(stream, rate_hz, heard_sounds, heard_speech))
        else:
            heard = list(recognizer.recognize(stream, rate_hz))
        detectors.append(DetectorVersion(f"{RECOGNIZER_PREFIX}{recognizer.name}", recognizer_version(recognizer),
                                         Source.RECOGNIZER))
    hearing = hearing_of(heard) if recognizer is not None and not masked_s else None
    for _ in stream:  # whatever the recognizer did not pull
        pass
    tones.extend(receiver.finish())
    keyed_s = _keying([(t.start_s, t.end_s) for t in tones] + list(keyed_before_s))
    heard = _outside(heard, keyed_s + list(masked_s))
    if energy is not None:
        heard = energy.tagged(heard)

    fit = clock_fit(words, heard) if words and heard else None  # measured once (beside_transcript)
    moved_s = move_s(fit)
    if moved_s:  # a transcript off the audio's clock by one constant amount, moved onto it (beside_transcript)
        words = moved(words, moved_s)
        spans = moved(spans, moved_s)
    # off the clock by different amounts in different parts: aligned piece by piece (piecewise_clock)
    clock = realign(words, heard, bool(moved_s) or aligned(fit)) if fit is not None else None
    if clock is not None:
        words, spans = clock.words(words), clock.widened(clock.spans(spans))
    detections = _keyed(tones)
    if words:
        tagged = words if energy is None else energy.tagged(words)
        # a transcript's numerals say their numbers whole; a recognizer's may have lost digits
        said = _spoken(tagged, find_entities(tagged, whole_numerals=True), words_detector, Source.TRANSCRIPT,
                       energy=energy)
        # between pieces of a transcript aligned piecewise, where its step lies is not known
        detections += said if clock is None else clock.widened(said)
        detectors.append(DetectorVersion(words_detector, cards.VERSION, Source.TRANSCRIPT))
    if heard:
        # an unanswered ask (answers.unanswered) is looked for in pass 1 only: verification
        # hears the ask again with its answer masked
        if masked_s:
            entities = find_entities(heard, keyed_s=keyed_s)
        else:
            entities, answer_windows_s = find_in_pass1(heard, keyed_s=keyed_s)
        recognized = _spoken(heard, entities, f"{RECOGNIZER_PREFIX}{recognizer.name}", Source.RECOGNIZER,
                             heard_sounds=heard_sounds, heard_speech=heard_speech, energy=energy)
        if words and recognized:  # beside a transcript: what it heard outside the transcript's spans (beside_transcript)
            covered_s = [(d.start_s, d.end_s) for d in detections if d.source == Source.TRANSCRIPT]
            covered_s += [(d.start_s, d.end_s) for d in spans]
            # moved or aligned onto the clock: on it (the share moving or aligning asked for is the one being on it asks)
            on_clock = bool(moved_s) or clock is not None or aligned(fit)
            recognized = recognizer_adds(recognized, words, heard, covered_s, on_clock=on_clock)
        detections += recognized
    line = noise_meter.reading() if noise_meter is not None else None
    # chains of number sounds (``sound_chains``) under their own name, so a report tells them from the
    # card data the words gave (their version is the recognizer's detector version's: ``recognizer_version``)
    chains_name = f"{RECOGNIZER_PREFIX}{recognizer.name}{sound_chains.DETECTOR_SUFFIX}" if recognizer else ""
    if heard_sounds:
        # pass 1's (only it hears number sounds): a card whose words the noise took, on a noisy line,
        # and on any line the number sounds in the answer to the agent's card, expiry or code ask that
        # the data found leaves (a hard voice's data Whisper dropped), as ``sound_chains.added_chains``
        # adds them
        covered_s = [(d.start_s, d.end_s) for d in detections]
        detections += [Detection(a, b, SPOKEN, entity, chains_name, CHAIN_CONFIDENCE, Source.RECOGNIZER)
                       for entity, a, b in sound_chains.added_chains(heard_sounds, heard, answer_windows_s,
                                                                     covered_s, line is not None and line.noisy,
                                                                     heard_speech)]
    detections += list(spans)
    named = {d.name for d in detectors}
    for name, source in sorted({(d.detector, d.source) for d in spans if d.detector not in named},
                               key=lambda pair: pair[0]):
        detectors.append(DetectorVersion(name, cards.VERSION, source))
    return Findings(tuple(sorted(detections, key=lambda d: (d.start_s, d.end_s))), tuple(detectors),
                    pause_finder.pauses_s() if pause_finder is not None else (), line, hearing, moved_s,
                    0 if clock is None else len(clock.pieces), 0.0 if clock is None else clock.max_shift_s)


def recognizer_version(recognizer: Recognizer) -> str:
    """The version a report records for what ``recognizer`` heard: its own, the card logic's and the
    chain rule's (``sound_chains``), which together decide what of its words is masked; batch
    reprocessing takes a recording redacted under another for out of date."""
    return f"{recognizer.version}+cards{cards.VERSION}+chains{sound_chains.VERSION}"


def _keyed(tones: list[dtmf.DtmfTone]) -> list[Detection]:
    keyed = [TimedWord(t.start_s, t.end_s, t.key) for t in tones]
    label = {}
    for entity in find_entities(keyed):
        for index in entity.words:
            label[index] = entity.entity
    return [
        Detection(t.start_s, t.end_s, KEYED, label.get(i, KEYED_DIGIT), "dtmf", t.confidence, Source.DTMF)
        for i, t in enumerate(tones)
    ]


#: A heard word this much of which lies in key presses or masks is that tone (Whisper hears
#: key presses as digit words, timed loosely around them).
TONE_SHARE = 0.3


#: Key presses this close are one keyed sequence: a word heard between them is their tone.
KEYING_GAP_S = 1.0


def _keying(presses: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Key presses merged into sequences (gaps up to KEYING_GAP_S)."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(presses):
        if out and a - out[-1][1] <= KEYING_GAP_S:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _outside(heard: list[TimedWord], spans: Sequence[tuple[float, float]]) -> list[TimedWord]:
    """The words whose middle lies in none of ``spans`` and of which less than TONE_SHARE does."""
    def tone(w: TimedWord) -> bool:
        if any(a <= (w.start_s + w.end_s) / 2 <= b for a, b in spans):
            return True
        inside = sum(max(0.0, min(b, w.end_s) - max(a, w.start_s)) for a, b in spans)
        return inside >= TONE_SHARE * (w.end_s - w.start_s) > 0

    return [w for w in heard if not tone(w)]


def _spoken(words: Sequence[TimedWord], entities: Sequence[Entity], detector: str, source: Source,
            heard_sounds: Sequence[tuple[float, float]] | None = None,
            heard_speech: Sequence[tuple[float, float]] | None = None,
            energy: channel_words.ChannelEnergy | None = None) -> list[Detection]:
    """Detections of the card data ``entities`` the card logic found in ``words``; with ``heard_sounds`` (where
    the recognizer heard number sounds), each reaching along and kept to them when they agree with the words (``sounds``);
    with ``heard_speech`` (its speech regions), ending with the speech that holds their data (``edges``);
    with ``energy`` (a dual-channel recording's, the words given their channels), each on the channel
    that said it, and where a sure number sound under it is another channel's, on that one too
    (``channels``)."""
    parts = edges.spoken_parts(entities, words, heard_sounds, heard_speech)
    if energy is None:
        return [Detection(a, b, SPOKEN, e.entity, detector, e.confidence, source) for e, a, b in parts]
    found = channel_words.by_speaker(parts, words, heard_sounds, energy)
    return [Detection(a, b, SPOKEN, e.entity, detector, e.confidence, source, channel) for e, channel, a, b in found]


def check_words(words: Sequence[TimedWord], duration_s: float, tolerance_s: float, source: str = "transcript") -> None:
    """Refuse words that end past the audio (a transcript of another call, or the wrong clock)."""
    for index, word in enumerate(words):
        if word.end_s > duration_s + tolerance_s:
            raise RedactionInputError(
                f"{source} word {index + 1} ends at {word.end_s:.2f} s, past the end of the audio "
                f"({duration_s:.2f} s); is it on the recording's clock?"
            )


def check_spans(spans: Sequence[Detection], duration_s: float, tolerance_s: float) -> tuple[Detection, ...]:
    """Refuse given spans that start past the audio; return them ending no later than the
    audio does. A span may end past it (a segment's padding, a provider's turn cut by the
    recording's end): it masks to the end, as the masker always clipped it, and its report
    says so rather than repeating a time past the audio (a transcript's 1e12 s)."""
    for index, span in enumerate(spans):
        if span.start_s > duration_s + tolerance_s:
            raise RedactionInputError(
                f"transcript span {index + 1} ({span.detector}) starts at {span.start_s:.2f} s, past the end of "
                f"the audio ({duration_s:.2f} s); is it on the recording's clock?"
            )
    return tuple(span if span.end_s <= duration_s else replace(span, end_s=max(span.start_s, duration_s))
                 for span in spans)


# -- arrays ---------------------------------------------------------------------------------


def redact_array(
    samples: np.ndarray,
    rate_hz: int,
    *,
    words: Sequence[TimedWord] | None = None,
    words_detector: str = "transcript",
    recognizer: Recognizer | None = None,
    verify_recognizer: Recognizer | None | object = _SAME,
    config: RedactionConfig = RedactionConfig(),
    spans: Sequence[Detection] = (),
) -> tuple[np.ndarray, RedactionReport]:
    """Redact an in-memory signal, ``(frames,)`` or ``(frames, channels)``; returns a masked
    copy (same shape and dtype) and the report. Raises VerificationError like redact_file."""
    samples = np.asarray(samples)
    if not np.issubdtype(samples.dtype, np.floating):
        raise ValueError(f"samples must be floating point in [-1, 1], got dtype {samples.dtype}")
    length = len(samples)
    duration_s = length / rate_hz
    if words:
        check_words(words, duration_s, config.end_tolerance_s)
    spans = check_spans(spans, duration_s, config.end_tolerance_s)
    step = config.block_frames
    channels = _by_speaker(samples.shape[1] if samples.ndim == 2 else 1, config)
    energy = channel_words.ChannelEnergy(rate_hz, channels) if channels > 1 else None
    findings = detect(
        limited_mono(_fed((samples[i : i + step] for i in range(0, length, step)), energy), rate_hz),
        rate_hz,
        words=words,
        words_detector=words_detector,
        recognizer=recognizer,
        spans=spans,
        energy=energy,
    )
    out = np.empty_like(samples)

    def mask(masks: ChannelPlan) -> Iterator[np.ndarray]:
        masker = _masker(masks, rate_hz, config)
        for i in range(0, length, step):
            block = samples[i : i + step].astype(np.float64)
            out[i : i + step] = masker.apply(block, i).astype(samples.dtype, copy=False)
        return limited_mono((out[i : i + step] for i in range(0, length, step)), rate_hz)

    listener = recognizer if verify_recognizer is _SAME else verify_recognizer
    findings, masks, verification = _mask_and_verify(findings, mask, rate_hz, length, config, listener,
                                                     listened=listener is not None and listener is recognizer,
                                                     channels=channels)
    return out, _report(duration_s, rate_hz, config, findings, masks, verification)


def _by_speaker(channels: int, config: RedactionConfig) -> int:
    """How many channels are masked each by what it said: a dual-channel recording's two,
    unless the config says "all" (then 1: every channel alike)."""
    return channels if config.by_speaker and channels == DUAL_CHANNELS else 1


def _fed(blocks: Iterable[np.ndarray], energy: channel_words.ChannelEnergy | None) -> Iterable[np.ndarray]:
    """``blocks`` as they are, each fed to ``energy`` first (without one, ``blocks`` itself)."""
    return blocks if energy is None else _feeding(blocks, energy)


def _feeding(blocks: Iterable[np.ndarray], energy: channel_words.ChannelEnergy) -> Iterator[np.ndarray]:
    for block in blocks:
        energy.feed(block)
        yield block


# -- files ----------------------------------------------------------------------------------


def redact_file(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    words: Sequence[TimedWord] | None = None,
    words_detector: str = "transcript",
    recognizer: Recognizer | None = None,
    verify_recognizer: Recognizer | None | object = _SAME,
    config: RedactionConfig = RedactionConfig(),
    spans: Sequence[Detection] = (),
    limits: DecodeLimits | None = None,
    temp_parent: Path | None = None,
) -> RedactionReport:
    """Redact the audio file ``in_path`` into ``out_path``; a file past ``limits`` (its rate, channels,
    length: the decoder's own when None) is bad input, refused before it is decoded.

    OUT has IN's rate, length, channels and (where OUT's format allows) sample format, and
    equals IN sample for sample outside masked intervals. ``words`` are transcript words on
    the audio's clock; ``recognizer`` listens in pass 1, ``verify_recognizer`` (by default the
    same) in verification. Nothing is written unless verification passes (or is switched off).
    A format libsndfile lacks is transcoded under ``temp_parent`` (default: the temp dir).
    """
    in_path, out_path = Path(in_path), Path(out_path)
    with open_audio(in_path, limits, temp_parent) as source:
        return redact_source(source, out_path, words=words, words_detector=words_detector, recognizer=recognizer,
                             verify_recognizer=verify_recognizer, config=config, spans=spans)


def redact_source(source: AudioSource, out_path: str | os.PathLike[str], *, words: Sequence[TimedWord] | None = None,
                  words_detector: str = "transcript", recognizer: Recognizer | None = None,
                  verify_recognizer: Recognizer | None | object = _SAME, config: RedactionConfig = RedactionConfig(),
                  spans: Sequence[Detection] = ()) -> RedactionReport:
    """:func:`redact_file` of a recording the caller opened (``open_audio``) and closes: a file
    that must be transcoded is decoded once, whoever opened it first."""
    out_path = Path(out_path)
    rate_hz, length = source.rate_hz, source.frames
    duration_s = length / rate_hz
    if words:
        check_words(words, duration_s, config.end_tolerance_s)
    spans = check_spans(spans, duration_s, config.end_tolerance_s)
    try:
        out_format = output_format(out_path, source.subtype)
    except AudioInputError as exc:
        raise RedactionInputError(f"output {exc}") from None

    channels = _by_speaker(source.channels, config)
    energy = channel_words.ChannelEnergy(rate_hz, channels) if channels > 1 else None
    findings = detect(
        _heard(source, config.block_frames, energy), rate_hz, words=words, words_detector=words_detector,
        recognizer=recognizer, spans=spans, energy=energy,
    )

    out_path.parent.mkdir(parents=True, exist_ok=True)
    listener = recognizer if verify_recognizer is _SAME else verify_recognizer
    with Replacement(out_path, suffix=".part") as staged:  # becomes out_path once verified

        def mask(masks: ChannelPlan) -> Iterator[np.ndarray]:
            _mask_file(source, staged.path, out_path, out_format, masks, config)
            return _heard_file(staged.path, config.block_frames)

        findings, masks, verification = _mask_and_verify(
            findings, mask, rate_hz, length, config, listener, listened=listener is not None and listener is recognizer,
            channels=channels)
    return _report(duration_s, rate_hz, config, findings, masks, verification)


def open_audio(path: Path, limits: DecodeLimits | None = None, temp_parent: Path | None = None) -> AudioSource:
    """``open_source``, its refusal a RedactionInputError ("cannot read audio ...")."""
    try:
        return open_source(path, limits, temp_parent)
    except AudioInputError as exc:
        raise RedactionInputError(f"cannot read audio {exc}") from exc


def _heard(source: AudioSource, block_frames: int,
           energy: channel_words.ChannelEnergy | None = None) -> Iterator[np.ndarray]:
    """What the detectors hear of ``source``: its mono mix (``audio.mono``; its channels fed to
    ``energy`` first, when given). A NaN or infinite sample is bad input, found here, before
    anything is written: the output could not equal the input there (a float sample past full
    scale is kept: ``_mask_file``)."""
    try:
        # channels read as written: only their sum is limited, as ``audio.mixdown`` stores it
        blocks = source.blocks(block_frames, finite=True, full_scale=source.channels < 2)
        yield from limited_mono(_fed(blocks, energy), source.rate_hz)
    except AudioInputError as exc:
        raise RedactionInputError(f"cannot read audio {exc}") from exc


def _heard_file(path: Path, block_frames: int) -> Iterator[np.ndarray]:
    """What the detectors hear of the masked output written to ``path``."""
    try:
        with open_source(path) as written:
            # as ``audio.mixdown`` stores it: channels read as written, only their sum limited
            yield from limited_mono(written.blocks(block_frames, full_scale=written.channels < 2),
                                    written.rate_hz)
    except AudioInputError as exc:
        raise RedactionError(f"cannot read back the redacted audio ({type(exc).__name__})") from exc


def _mask_file(
    source: AudioSource,
    tmp: Path,
    out_path: Path,
    out_format: tuple[str, str],
    masks: ChannelPlan,
    config: RedactionConfig,
) -> None:
    masker = _masker(masks, source.rate_hz, config)
    container, subtype = out_format
    try:
        with FileWriter(tmp, source.rate_hz, source.channels, container=container, subtype=subtype,
                        shown_as=out_path) as dst:
            offset = 0
            # float64 holds every PCM format up to 32 bits exactly: unmasked samples
            # round-trip bit for bit; a float output holds float samples past full scale too.
            for block in source.blocks(config.block_frames, dtype="float64", finite=True,
                                       full_scale=subtype not in FLOAT_SUBTYPES):
                dst.write(masker.apply(block, offset))
                offset += len(block)
    except AudioInputError as exc:
        raise RedactionInputError(f"cannot read audio {exc}") from exc
    except AudioError as exc:
        raise RedactionError(f"cannot write redacted audio: {exc}") from exc


# -- shared ---------------------------------------------------------------------------------


def _plan(findings: Findings, rate_hz: int, length: int, config: RedactionConfig,
          regions: Sequence[tuple[float, float]] = (), channels: int = 1) -> ChannelPlan:
    detections = [*findings.detections,
                  *(Detection(a, b, SPOKEN, "region", "verification", 1.0, Source.VERIFICATION) for a, b in regions)]
    return plan_channels([_padded(d, findings.pauses_s, config) for d in detections], channels,
                         rate_hz=rate_hz, length=length)


def _padded(d: Detection, pauses_s: Sequence[tuple[float, float]], config: RedactionConfig) -> Detection:
    """Detection ``d`` as it is masked: padded by ``pad_before_ms`` and ``pad_after_ms``, and what a
    recognizer found by ``speech_pad_ms`` more on each side, each side of that stopping in the first
    pause within its reach (``pauses.padded_s``, ``pauses_s``)."""
    if d.source is Source.RECOGNIZER:
        start_s, end_s = pauses.padded_s(d.start_s, d.end_s, pauses_s, *config.spoken_pad_s)
    else:
        start_s, end_s = max(0.0, d.start_s - config.pad_before_ms / 1000.0), d.end_s + config.pad_after_ms / 1000.0
    return replace(d, start_s=start_s, end_s=end_s)


def _masker(masks: ChannelPlan, rate_hz: int, config: RedactionConfig) -> ChannelMasker:
    return ChannelMasker([Masker(
        intervals,
        rate_hz,
        mode=config.mask,
        ramp_ms=config.ramp_ms,
        tone_hz=config.tone_hz,
        tone_dbfs=config.tone_dbfs,
        noise_dbfs=config.noise_dbfs,
    ) for intervals in masks.by_channel])


def _mask_and_verify(
    findings: Findings,
    mask: Callable[[ChannelPlan], Iterable[np.ndarray]],
    rate_hz: int,
    length: int,
    config: RedactionConfig,
    recognizer: Recognizer | None,
    listened: bool = False,
    channels: int = 1,
) -> tuple[Findings, ChannelPlan, Verification | None]:
    """Pass 2 and 3 until they converge (module docstring). ``mask(masks)`` writes the
    masked output and returns its blocks (the mono mix); ``listened``: ``recognizer`` heard the
    input in pass 1 (after any round it has heard the output); ``channels``: the input's channels
    when each detection is masked on its own channel. Verification hears the mix outside every
    channel's masks (under one party's mask it hears that mask's tone: Whisper heard the tone under
    the caller's masked card, with the agent silent, as the card again) and what it finds is masked on
    every channel. Raises VerificationError when even whole regions fail."""
    detections = list(findings.detections)
    widen: list[tuple[float, float]] = []  # whole regions masked
    added = 0
    keyed_s = _keying([(d.start_s, d.end_s) for d in findings.detections if d.kind == KEYED])
    for round_ in range(1, MAX_ROUNDS + WHOLE_REGION_ROUNDS + 1):
        masks = _plan(replace(findings, detections=tuple(detections)), rate_hz, length, config, widen, channels)
        blocks = mask(masks)
        if not config.verify:
            return findings, masks, None
        masked_s = [interval.seconds(rate_hz) for interval in masks.anywhere]
        again = detect(blocks, rate_hz, recognizer=recognizer, masked_s=masked_s, again=listened,
                       keyed_before_s=keyed_s)
        listened = True
        keyed = [d for d in again.detections if d.kind == KEYED]
        heard = [d for d in again.detections if d.kind == SPOKEN and not masks.covers(d, rate_hz, length)]
        unmasked = [d for d in detections if not masks.covers(d, rate_hz, length)]
        if not (keyed or heard or unmasked):
            found = replace(findings, detections=tuple(sorted(detections, key=lambda d: (d.start_s, d.end_s))))
            return found, masks, Verification(
                passed=True, dtmf_remaining=0, spans_unmasked=0,
                recognizer_remaining=None if recognizer is None else 0,
                rounds=round_, spans_added=added, regions_masked_whole=len(widen))
        remaining = keyed + heard + unmasked
        if round_ >= MAX_ROUNDS:  # masking what was heard did not converge: the whole region
            widen += [(max(0.0, d.start_s - REGION_PAD_S), d.end_s + REGION_PAD_S) for d in remaining]
        new = [d for d in keyed + heard if d not in detections]
        detections += new
        added += len(new)
    raise VerificationError(
        f"redacted output failed verification after {MAX_ROUNDS + WHOLE_REGION_ROUNDS} rounds: "
        f"{len(keyed)} keyed digit(s) still detectable, {len(unmasked)} span(s) not masked, "
        f"{len(heard)} spoken item(s) still heard; nothing written"
    )


def _report(
    duration_s: float,
    rate_hz: int,
    config: RedactionConfig,
    findings: Findings,
    masks: ChannelPlan,
    verification: Verification | None,
) -> RedactionReport:
    return RedactionReport(
        duration_s=duration_s,
        rate_hz=rate_hz,
        mask=config.mask,
        spans=findings.detections,
        masked=tuple(i.seconds(rate_hz) for i in masks.anywhere),
        detectors=findings.detectors,
        verification=verification,
        line=findings.line,
        hearing=findings.hearing,
        transcript_moved_s=findings.transcript_moved_s,
        transcript_pieces=findings.transcript_pieces,
        transcript_shift_max_s=findings.transcript_shift_max_s,
        masked_by_channel=tuple(tuple(i.seconds(rate_hz) for i in intervals) for intervals in masks.by_channel)
        if masks.separate else None,
    )
