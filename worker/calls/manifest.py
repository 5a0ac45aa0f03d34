"""The call manifest (DESIGN.md §3): JSON in, validated frozen dataclasses out.

``load_manifest(path)`` reads and checks the whole document before anything else runs:
every problem raises ``ManifestError`` whose message starts with the field's path
(``events[3].end``, ``account.plan``...) and says what is wrong. Unknown fields are refused
too, so a misspelt option never passes silently, and so are repeated fields (JSON's "last
one wins" would let ``"recording": false, "recording": true`` record). Ids are 1-128
characters from a narrow set (no control, bidi or NUL characters). Times are seconds from the call's start
(``start`` in JSON, ``start_s`` here). Plan rules (who may pause, consent) live in
``worker.calls.rules``; whether segment files decode is checked when they are opened.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from callrec.errors import heading, shown
from callrec.jsonfields import GIVEN_TWICE, unique_object_hook
from redaction import transcripts
from vault.regions import card_number_problem
from worker.calls.confined import open_confined, read_limited
from worker.calls.call_ids import call_id_problem
from worker.calls.numbers import number_id_problem
from worker.calls.source_names import source_name
from worker.errors import ManifestError, SourceError

PLANS = ("team", "growth", "professional", "enterprise")
REGIONS = ("us", "eu", "au")
PAUSE_BEHAVIORS = ("skip", "silence")
REDACTION_MODES = ("auto", "on", "off")
CONSENT_MODES = ("none", "opt_in", "opt_out")
CONSENT_VALUES = ("none", "given", "declined")
DIRECTIONS = ("inbound", "outbound")
#: Event types whose time is recorded (DESIGN.md §1).
RECORDED_EVENTS = ("agent", "external_transfer", "voicemail")
#: Event types whose time is never recorded; they cut into recorded events they overlap.
UNRECORDED_EVENTS = ("ivr", "queue", "hold", "consultation", "ivr_external_forward")
EVENT_TYPES = RECORDED_EVENTS + UNRECORDED_EVENTS
#: How an agent answered (only on ``agent`` events, optional).
AGENT_VIA = ("browser", "forwarding_number")
CONTROL_ACTIONS = ("pause", "resume")
#: Transcript formats: auto (recognised from the shape) and the ones the redaction layer parses.
TRANSCRIPT_FORMATS = transcripts.CHOICES
TRANSCRIPT_CLOCKS = ("call", "recording")
#: Longest retention window (100 years); null keeps a recording without limit. Larger
#: values would overflow the date arithmetic of retention (``datetime`` ends in year 9999).
MAX_RETENTION_DAYS = 36500
#: Ids (call, ticket, account, number): what telephony platforms and help desks use (SIDs,
#: UUIDs, E.164 numbers, ticket numbers), nothing that could hide text in a log or a path.
ID_PATTERN = re.compile(r"[A-Za-z0-9+][A-Za-z0-9._:+@-]{0,127}")
#: Largest manifest read when the caller gives no limit (``CALLREC_MAX_MANIFEST_BYTES``).
MAX_MANIFEST_BYTES = 4_000_000


@dataclass(frozen=True)
class Location:
    """Where a file lives: a local ``path``, or an S3 ``bucket`` and ``key``."""

    uri: str
    path: Path | None = None
    bucket: str | None = None
    key: str | None = None

    @property
    def is_local(self) -> bool:
        return self.path is not None


@dataclass(frozen=True)
class Account:
    id: str
    plan: str
    region: str
    retention_days: int | None
    recordings_public: bool
    pause_behavior: str
    redaction: str

    @property
    def can_pause(self) -> bool:
        """Professional and Enterprise may pause recordings and set consent modes."""
        return self.plan in ("professional", "enterprise")


@dataclass(frozen=True)
class Number:
    id: str
    recording: bool
    consent_mode: str


@dataclass(frozen=True)
class Event:
    type: str
    start_s: float
    end_s: float
    via: str | None = None

    @property
    def recorded(self) -> bool:
        return self.type in RECORDED_EVENTS


@dataclass(frozen=True)
class Control:
    action: str
    at_s: float


@dataclass(frozen=True)
class Segment:
    location: Location
    start_s: float

    @property
    def uri(self) -> str:
        return self.location.uri


@dataclass(frozen=True)
class TranscriptRef:
    location: Location
    format: str
    clock: str

    @property
    def uri(self) -> str:
        return self.location.uri


@dataclass(frozen=True)
class Manifest:
    call_id: str
    ticket_id: str
    account: Account
    number: Number
    direction: str
    consent: str
    events: tuple[Event, ...]
    controls: tuple[Control, ...]
    segments: tuple[Segment, ...]
    transcript: TranscriptRef | None
    #: Directory that relative ``file:`` URIs were resolved against.
    base_dir: Path

    @functools.cached_property
    def call_duration_s(self) -> float:
        """The call runs from 0 to the end of its last event (computed once)."""
        return max(event.end_s for event in self.events)

    def to_dict(self) -> dict[str, Any]:
        """The manifest as JSON-ready data (URIs as given), e.g. for a job message."""
        account = self.account
        return {
            "call_id": self.call_id, "ticket_id": self.ticket_id,
            "account": {"id": account.id, "plan": account.plan, "region": account.region,
                        "retention_days": account.retention_days,
                        "recordings_public": account.recordings_public,
                        "pause_behavior": account.pause_behavior, "redaction": account.redaction},
            "number": {"id": self.number.id, "recording": self.number.recording,
                       "consent_mode": self.number.consent_mode},
            "direction": self.direction, "consent": self.consent,
            "events": [{"type": e.type, "start": e.start_s, "end": e.end_s,
                        **({"via": e.via} if e.via is not None else {})} for e in self.events],
            "controls": [{"action": c.action, "at": c.at_s} for c in self.controls],
            "segments": [{"uri": s.uri, "start": s.start_s} for s in self.segments],
            **({"transcript": {"uri": self.transcript.uri, "format": self.transcript.format,
                               "clock": self.transcript.clock}} if self.transcript else {}),
        }


def load_manifest(path: str | os.PathLike[str], max_bytes: int = MAX_MANIFEST_BYTES) -> Manifest:
    """Read and validate the manifest at ``path``; relative URIs resolve against its directory.

    The file is opened without blocking and must be a regular file of at most ``max_bytes``.
    """
    return decode_manifest(read_manifest_file(path, max_bytes), path)


def read_manifest_file(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of the manifest file at ``path`` (a regular file, opened without blocking, of
    at most ``max_bytes``); ManifestError naming the file otherwise."""
    path = Path(path)
    try:
        with open_confined(path, None, what="manifest file") as handle:
            return read_limited(handle, str(path), max_bytes)
    except SourceError as exc:
        raise ManifestError(str(exc)) from None
    except OSError as exc:
        raise ManifestError(f"{heading(path)}: cannot read manifest ({type(exc).__name__})") from exc


def decode_manifest(raw: bytes, path: str | os.PathLike[str]) -> Manifest:
    """Validate the manifest ``raw`` read from ``path`` (UTF-8 JSON, with or without a byte order
    mark); relative URIs resolve against ``path``'s directory."""
    path = Path(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{heading(path)}: cannot read manifest ({type(exc).__name__})") from exc
    try:
        data = json.loads(text, object_pairs_hook=unique_fields)
    except ManifestError as exc:
        raise ManifestError(f"{heading(path)}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{heading(path)}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:  # an integer over 4300 digits; nesting too deep
        raise ManifestError(f"{heading(path)}: not usable JSON (a number too long or nesting too deep)") from exc
    return parse_manifest(data, path.resolve().parent)


def _field_given_twice(name: str) -> ManifestError:
    return ManifestError(f"{shown(name)}: a field {GIVEN_TWICE}")


#: A JSON object whose names are all different (else ManifestError naming the field).
unique_fields = unique_object_hook(_field_given_twice)


def parse_manifest(data: Any, base_dir: str | os.PathLike[str]) -> Manifest:
    """Validate already-decoded JSON ``data``; relative ``file:`` URIs resolve against ``base_dir``."""
    base_dir = Path(base_dir)
    top = _Object(data, "manifest")
    account = top.object("account")
    number = top.object("number")
    manifest = Manifest(
        call_id=top.call_id("call_id"),
        ticket_id=top.reference("ticket_id"),
        account=Account(
            id=account.reference("id"),
            plan=account.choice("plan", PLANS),
            region=account.choice("region", REGIONS),
            retention_days=account.count_or_none("retention_days"),
            recordings_public=account.flag("recordings_public"),
            pause_behavior=account.choice("pause_behavior", PAUSE_BEHAVIORS),
            redaction=account.choice("redaction", REDACTION_MODES),
        ),
        number=Number(id=number.number_id("id"), recording=number.flag("recording"),
                      consent_mode=number.choice("consent_mode", CONSENT_MODES)),
        direction=top.choice("direction", DIRECTIONS),
        consent=top.choice("consent", CONSENT_VALUES),
        events=tuple(_event(item) for item in top.objects("events", min_items=1)),
        controls=tuple(_control(item) for item in top.objects("controls")),
        segments=tuple(_segment(item, base_dir) for item in top.objects("segments")),
        transcript=_transcript(top.object("transcript"), base_dir) if top.has("transcript") else None,
        base_dir=base_dir,
    )
    account.done()
    number.done()
    top.done()
    _check_timeline(manifest)
    return manifest


def _event(item: _Object) -> Event:
    event_type = item.choice("type", EVENT_TYPES)
    start_s, end_s = item.seconds("start"), item.seconds("end")
    if end_s <= start_s:
        raise ManifestError(f"{item.where}.end: {end_s!r} is not after start {start_s!r}")
    via = None
    if item.has("via"):
        if event_type != "agent":
            raise ManifestError(f"{item.where}.via: only agent events say how they were answered")
        via = item.choice("via", AGENT_VIA)
    item.done()
    return Event(event_type, start_s, end_s, via)


def _control(item: _Object) -> Control:
    control = Control(item.choice("action", CONTROL_ACTIONS), item.seconds("at"))
    item.done()
    return control


def _segment(item: _Object, base_dir: Path) -> Segment:
    segment = Segment(_location(item, "uri", base_dir), item.seconds("start"))
    item.done()
    return segment


def _transcript(item: _Object, base_dir: Path) -> TranscriptRef:
    ref = TranscriptRef(_location(item, "uri", base_dir), item.choice("format", TRANSCRIPT_FORMATS),
                        item.choice("clock", TRANSCRIPT_CLOCKS))
    item.done()
    return ref


def _location(item: _Object, name: str, base_dir: Path) -> Location:
    uri = item.text(name)
    where = f"{item.where}.{name}"
    if not _encodable(uri):
        raise ManifestError(f"{where}: {shown(uri)} holds half of a surrogate pair (an escape such as \\ud800), "
                            "which no file name or URL can")
    if uri.startswith("s3://"):
        parsed = urlparse(uri)
        key = unquote(parsed.path.lstrip("/"))
        if not parsed.netloc or not key:
            raise ManifestError(f"{where}: {shown(source_name(uri))} needs a bucket and a key (s3://bucket/key)")
        return Location(uri, bucket=parsed.netloc, key=key)
    if uri.startswith("https://"):
        parsed = urlparse(uri)
        if not parsed.hostname:
            raise ManifestError(f"{where}: {shown(source_name(uri))} names no host")
        # fetched by worker.calls.fetch; "bucket" and "key" are host and path, so https://host/prefix
        # source roots confine it as s3:// ones do
        return Location(uri, bucket=parsed.netloc.rpartition("@")[2], key=parsed.path.lstrip("/"))
    if uri.startswith("file:"):
        raw = uri[len("file:"):]
        if raw.startswith("//"):  # file:///abs/path or file://localhost/abs/path (RFC 8089): local files only
            host, _, rest = raw[2:].partition("/")
            if host not in ("", "localhost"):
                raise ManifestError(f"{where}: {shown(source_name(uri))} names host {shown(host)}; "
                                    "only local files (file:///path)")
            raw = "/" + rest
        raw = unquote(raw)  # every form percent-decoded (Path.as_uri() writes file:///a%20b.wav)
        if not raw.strip() or raw.endswith("/"):
            raise ManifestError(f"{where}: {shown(uri)} names no file")
        path = Path(raw)
    elif "://" in uri:
        raise ManifestError(f"{where}: {shown(source_name(uri))} is neither file:, an absolute path, s3:// nor https://")
    else:
        path = Path(uri)
        if not path.is_absolute():
            raise ManifestError(f"{where}: {shown(uri)} is a relative path; write file:{uri} to mean "
                                "relative to the manifest")
    if "\0" in str(path):  # no file name holds one (os calls raise ValueError on it)
        raise ManifestError(f"{where}: {shown(uri)} holds a NUL character, which no file name can")
    return Location(uri, path=path if path.is_absolute() else base_dir / path)


def _encodable(uri: str) -> bool:
    """Whether ``uri`` can be written out: JSON's "\\ud800" is half a surrogate pair, which UTF-8 cannot
    encode (a UnicodeEncodeError in the first os call: a traceback, a 500; session 56's red team). A
    local name may hold Python's escapes of the bytes that are not UTF-8 (``os.fsencode``'s "\\udc80"): a
    real file so named is read; where its name is kept it is written ``\\x80`` (``source_names.printable``)."""
    if uri.isascii():
        return True
    try:
        uri.encode("utf-8", "surrogateescape" if not uri.startswith(("s3://", "https://")) else "strict")
    except UnicodeEncodeError:
        return False
    return True


def _check_timeline(manifest: Manifest) -> None:
    """Cross-field rules: controls in order, everything within the call.

    Recorded events may overlap: DESIGN defines recorded *time* (time an agent talks to the
    caller, a forwarded call, voicemail), so a moment any recorded event covers is recorded
    and overlapping events record their union (``worker.calls.rules``). Refusing them lost
    whole calls to the jitter between two legs' timestamps (an agent leg ending 1 ms after
    the external transfer it handed over to starts; Amazon Connect contact records carry
    whole seconds) and to real overlaps (a second agent or an external party joining before
    the first agent leaves). No bound would tell jitter from such an overlap, and the union
    never records time that no recorded event covers, nor any a not-recorded event cuts.
    """
    end_s = manifest.call_duration_s
    last_at = None
    for index, control in enumerate(manifest.controls):
        if control.at_s > end_s:
            raise ManifestError(f"controls[{index}].at: {control.at_s:g} s is past the end of the "
                                f"call ({end_s:g} s, the end of its last event)")
        if last_at is not None and control.at_s < last_at:
            raise ManifestError(f"controls[{index}].at: {control.at_s:g} s is before the previous "
                                f"control ({last_at:g} s); list controls in time order")
        last_at = control.at_s
    for index, segment in enumerate(manifest.segments):
        if segment.start_s >= end_s:
            raise ManifestError(f"segments[{index}].start: {segment.start_s:g} s is past the end "
                                f"of the call ({end_s:g} s)")


class _Object:
    """A JSON object being validated, with the path used in error messages."""

    def __init__(self, value: Any, where: str):
        if not isinstance(value, Mapping):
            raise ManifestError(f"{where}: expected an object, got {_kind(value)}")
        self.value, self.where, self._seen = value, where, set()

    def has(self, name: str) -> bool:
        """True when the optional field ``name`` is present and not null."""
        self._seen.add(name)
        return name in self.value and self.value[name] is not None

    def _get(self, name: str) -> Any:
        self._seen.add(name)
        if name not in self.value:
            raise ManifestError(f"{self._at(name)}: missing (required)")
        return self.value[name]

    def _at(self, name: str) -> str:
        return name if self.where == "manifest" else f"{self.where}.{name}"

    def text(self, name: str) -> str:
        value = self._get(name)
        if not isinstance(value, str) or not value.strip():
            raise ManifestError(f"{self._at(name)}: expected a non-empty string, got {_kind(value)}")
        return value

    def ident(self, name: str) -> str:
        """An id: 1-128 characters from ``ID_PATTERN`` (the value is never echoed: ids can be
        long, and a wrong one may hold what it should not)."""
        value = self._get(name)
        if not isinstance(value, str) or not value.strip():
            raise ManifestError(f"{self._at(name)}: expected a non-empty string, got {_kind(value)}")
        problem = id_problem(value)
        if problem is not None:
            raise ManifestError(f"{self._at(name)}: {problem}")
        return value

    def reference(self, name: str) -> str:
        """An id the product keeps and is later asked for by (ticket and account ids: in the
        metadata, the index, the vault's paths, queue messages, audit records, ``delete
        --ticket``): an ``ident`` that cannot hold a card number
        (vault.regions.may_hold_card_number; ``INC-2026-12-01-000123`` is taken). Call ids
        are the platform's (SIDs, UUIDs): ``call_id``."""
        value = self.ident(name)
        problem = card_number_problem(value)
        if problem is not None:
            raise ManifestError(f"{self._at(name)}: {problem}")
        return value

    def call_id(self, name: str) -> str:
        """The call's id: an ``ident`` in which no number standing apart could be a card
        number (worker.calls.call_ids: the platforms' random ids are taken)."""
        value = self.ident(name)
        problem = call_id_problem(value)
        if problem is not None:
            raise ManifestError(f"{self._at(name)}: {problem}")
        return value

    def number_id(self, name: str) -> str:
        """The id of the call's number: an ``ident`` that is an E.164 phone number (one of 12
        or more digits in use in its country) or another id that cannot hold a card number
        (worker.calls.numbers)."""
        value = self.ident(name)
        problem = number_id_problem(value)
        if problem is not None:
            raise ManifestError(f"{self._at(name)}: {problem}")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self._get(name)
        if not isinstance(value, str):
            raise ManifestError(f"{self._at(name)}: expected one of {', '.join(allowed)}; got {_kind(value)}")
        if value not in allowed:
            raise ManifestError(f"{self._at(name)}: unknown value {shown(value)}; "
                                f"expected one of {', '.join(allowed)}")
        return value

    def flag(self, name: str) -> bool:
        value = self._get(name)
        if not isinstance(value, bool):
            raise ManifestError(f"{self._at(name)}: expected true or false, got {_kind(value)}")
        return value

    def seconds(self, name: str) -> float:
        value = self._get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ManifestError(f"{self._at(name)}: expected a number of seconds, got {_kind(value)}")
        try:
            seconds = float(value)
        except OverflowError:  # a JSON integer too long for a float
            seconds = math.inf
        if not math.isfinite(seconds) or seconds < 0:
            raise ManifestError(f"{self._at(name)}: {_number(value)} is not a time in the call (>= 0 s)")
        return seconds

    def count_or_none(self, name: str) -> int | None:
        value = self._get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RETENTION_DAYS:
            raise ManifestError(f"{self._at(name)}: expected a whole number of days from 1 to "
                                f"{MAX_RETENTION_DAYS} or null, got {_kind(value)}")
        return value

    def object(self, name: str) -> _Object:
        return _Object(self._get(name), self._at(name))

    def objects(self, name: str, min_items: int = 0) -> list[_Object]:
        value = self._get(name)
        if not isinstance(value, list):
            raise ManifestError(f"{self._at(name)}: expected a list, got {_kind(value)}")
        if len(value) < min_items:
            raise ManifestError(f"{self._at(name)}: needs at least {min_items} item(s)")
        return [_Object(item, f"{self._at(name)}[{index}]") for index, item in enumerate(value)]

    def done(self) -> None:
        """Refuse fields nobody read (typos, unsupported options)."""
        unknown = sorted(set(self.value) - self._seen)
        if unknown:
            raise ManifestError(f"{self._at(unknown[0])}: unknown field")


def id_problem(value: str) -> str | None:
    """Why ``value`` is not an id (``_Object.ident``), worded for ``<field>: <problem>`` and
    never holding the value; else None. Ingresses that build a manifest from their own fields
    check them with it first, so the error names their field, not the manifest's."""
    if ID_PATTERN.fullmatch(value) is not None:
        return None
    problem = (f"{len(value)} characters, more than 128" if len(value) > 128 else
               "a character other than A-Z a-z 0-9 . _ : + @ - (or a first character "
               "other than a letter, digit or +)")
    return f"not a valid id: {problem}"


def _kind(value: Any) -> str:
    """Describe a JSON value by type (and short value) for messages; no long content echoed."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {_number(value)}"
    if isinstance(value, str):
        return f"string {value[:40]!r}" if value.strip() else "an empty string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _number(value: int | float) -> str:
    """``repr`` of a JSON number, except integers too long to show (or to convert)."""
    return repr(value) if isinstance(value, float) or abs(value) < 10 ** 15 else "(too long)"
