"""Where Whisper listens: gated regions widened by context, merged, bounded, packed.

Each region the number gate passes is widened by ``CONTEXT_S`` on both sides, so Whisper
also hears what was said around the number ("card", "expiry", "security code", a month
name) and gets whole phrases rather than one-second snippets, which it is poor on. Widened
regions closer than ``MERGE_GAP_S`` become one span. A span longer than ``MAX_PIECE_S``
(Whisper hears 30 s at a time) is cut into pieces: in a pause between two speech regions
where there is one (``CUT_GAP_S``, in the last ``CUT_SEARCH_S`` of the piece; only when every
speech region is fed, see ``SpanBuilder``), the pieces
overlapping by ``CUT_PAD_S`` either side of its middle (no word is cut there, so the
pieces need no more); else overlapping by ``OVERLAP_S``. Each piece *owns* its part of the
overlap: the words whose middle lies there (a number word: any part of its span, see
``whisper._owned``) are its.

Whisper's cost is mostly fixed per window, so pieces are packed, in time order and
separated by ``SEPARATOR_S`` of silence, into windows of at most ``WINDOW_S``. A window is
encoded at its own length (with 5 s of padding: ``whisper_model.trim_padding``), and the
encoder's attention grows with the square of that length: with windows of 20 s a call took
about a quarter less CPU than with windows of 30 s (fewer encodes and decoded tokens too:
Whisper tiny stops early, and is encoded again from there, less often in a shorter window),
and masked as many of the tune calls' digits (8593 of 8884 against 8569, fewer leaky cards;
docs/measurements.md, ``WhisperRecognizer`` 15).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Speech heard on both sides of a gated region.
CONTEXT_S = 3.0
#: Widened regions this close are one span.
MERGE_GAP_S = 1.0
#: Longest piece, and the overlap between consecutive pieces of one long span cut blind
#: (27 s in windows of 30 s until ``WhisperRecognizer`` 15).
MAX_PIECE_S = 17.0
OVERLAP_S = 6.0
#: A long span is cut in the latest pause between two speech regions (at least ``CUT_GAP_S``
#: between them: with the regions' own quiet edges, 0.5 s of quiet) whose middle lies in the
#: piece's last ``CUT_SEARCH_S``; the two pieces overlap by ``CUT_PAD_S`` either side of it.
#: Cut blind with ``OVERLAP_S``, a conversation's pieces overlapped by 6 s in every 27 s:
#: Whisper heard 120 % of a call.
CUT_GAP_S = 0.1
CUT_SEARCH_S = 8.0
CUT_PAD_S = 0.2
#: Whisper's window (at most 30 s; 30 until ``WhisperRecognizer`` 15), and the silence between
#: two pieces packed into one.
WINDOW_S = 20.0
SEPARATOR_S = 0.5


@dataclass(frozen=True)
class Piece:
    """Audio from ``start_s`` to ``end_s`` for Whisper; words whose middle lies in
    ``[own_from_s, own_to_s)`` are this piece's (the rest belong to an overlapping one)."""

    start_s: float
    end_s: float
    own_from_s: float
    own_to_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class SpanBuilder:
    """Feed gated regions in time order; get finished pieces.

    The open span is final once no region still to come can reach it: ``close_before``
    with the earliest start of such a region (the gate's ``open_from_s``). With ``pauses``,
    every speech region is fed, so a gap between two is a pause a long span may be cut in;
    without, the regions are a selection (the number gate's, verification's) and a gap may
    hide speech that was not fed: long spans are cut blind.
    """

    def __init__(self, *, pauses: bool = True) -> None:
        self._span: list[float] | None = None  # [start_s, end_s] of the open span
        self._own_from_s = 0.0
        self._pauses: list[tuple[float, float]] = []  # between the open span's regions, in time order
        self._said_to_s = 0.0  # the latest end of the open span's regions
        self._cuts_in_pauses = pauses

    @property
    def open_start_s(self) -> float | None:
        return None if self._span is None else self._span[0]

    def add(self, start_s: float, end_s: float) -> list[Piece]:
        a, b = max(0.0, start_s - CONTEXT_S), end_s + CONTEXT_S
        out: list[Piece] = []
        if self._span is not None and a > self._span[1] + MERGE_GAP_S:
            out += self.finish()
        if self._span is None:
            self._span, self._own_from_s, self._pauses, self._said_to_s = [a, b], a, [], end_s
        else:
            self._span[1] = max(self._span[1], b)
            if self._cuts_in_pauses and start_s - self._said_to_s >= CUT_GAP_S:
                self._pauses.append((self._said_to_s, start_s))
            self._said_to_s = max(self._said_to_s, end_s)
        return out + self._split(final=False)

    def close_before(self, open_from_s: float) -> list[Piece]:
        """Close the open span when every region still to come starts at or after ``open_from_s``."""
        if self._span is not None and open_from_s - CONTEXT_S > self._span[1] + MERGE_GAP_S:
            return self.finish()
        return []

    def finish(self, end_limit_s: float | None = None) -> list[Piece]:
        if self._span is None:
            return []
        if end_limit_s is not None:
            self._span[1] = min(self._span[1], end_limit_s)
        out = self._split(final=True)
        self._span = None
        return out

    def _split(self, final: bool) -> list[Piece]:
        out = []
        span = self._span
        assert span is not None
        # an open span is cut once the regions are known to the end of the piece's search
        while span[1] - span[0] > MAX_PIECE_S + (0.0 if final else CONTEXT_S):
            cut_s = self._pause_cut(span[0])
            if cut_s is None:  # no pause: cut blind
                end = span[0] + MAX_PIECE_S
                own_to, start = end - OVERLAP_S / 2, end - OVERLAP_S
            else:
                end, own_to, start = cut_s + CUT_PAD_S, cut_s, cut_s - CUT_PAD_S
            out.append(Piece(span[0], end, self._own_from_s, own_to))
            span[0], self._own_from_s = start, own_to
            self._pauses = [p for p in self._pauses if (p[0] + p[1]) / 2 > own_to]
        if final and span[1] > span[0]:
            out.append(Piece(span[0], span[1], self._own_from_s, span[1]))
        return out

    def _pause_cut(self, start_s: float) -> float | None:
        """The middle of the latest pause a piece from ``start_s`` may be cut in, or None."""
        lo, hi = start_s + MAX_PIECE_S - CUT_SEARCH_S, start_s + MAX_PIECE_S - CUT_PAD_S
        middles = [(a + b) / 2 for a, b in self._pauses if lo <= (a + b) / 2 <= hi]
        return max(middles, default=None)


@dataclass(frozen=True)
class Placed:
    """A piece at ``offset_s`` inside a packed window."""

    piece: Piece
    offset_s: float


def pack_offsets(pieces: list[Piece]) -> list[Placed]:
    """Offsets of ``pieces`` packed one after another with SEPARATOR_S between them."""
    out, offset = [], 0.0
    for piece in pieces:
        out.append(Placed(piece, offset))
        offset += piece.duration_s + SEPARATOR_S
    return out


def fits(pieces: list[Piece], piece: Piece) -> bool:
    """True when ``piece`` still fits in the window after ``pieces``."""
    used = sum(p.duration_s + SEPARATOR_S for p in pieces)
    return used + piece.duration_s <= WINDOW_S


def to_call_time(placed: list[Placed], window_s: float) -> tuple[Placed, float] | None:
    """The piece a window time falls in (its separator counts as its own) and the call time."""
    for k, p in enumerate(placed):
        limit = placed[k + 1].offset_s if k + 1 < len(placed) else float("inf")
        if p.offset_s <= window_s < limit:
            t = p.piece.start_s + (window_s - p.offset_s)
            return p, min(max(t, p.piece.start_s), p.piece.end_s)
    return None


def pieces_for(regions: list[tuple[float, float]], end_s: float, *, pauses: bool = True) -> list[Piece]:
    """Where Whisper listens for gated ``regions`` ((start_s, end_s), in time order) in audio
    ``end_s`` long: with context, merged, cut (in pauses when ``regions`` are every speech
    region: ``SpanBuilder``). For measuring what the cascade can hear."""
    spans = SpanBuilder(pauses=pauses)
    out: list[Piece] = []
    for start_s, stop_s in regions:
        out += spans.add(start_s, stop_s)
    return out + spans.finish(end_limit_s=end_s)
