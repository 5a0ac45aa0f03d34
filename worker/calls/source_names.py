"""A call's sources (segment and transcript URIs) as the product keeps and shows their names:
only what names the object (a URL's query string, fragment and user info dropped), and a card
number standing apart in it masked, never a call refused for it.

What names the object. An ``https://`` source is often a presigned URL (S3's
``?X-Amz-Credential=...&X-Amz-Security-Token=...&X-Amz-Signature=...``, Azure's ``?sig=``,
Google's ``?X-Goog-Signature=``) or carries a password (``https://AC...:token@api.twilio.com/``):
whoever holds the whole URL may read the call until it expires. The worker fetches the URL as
given, but every place that keeps or shows a source's name (the metadata's ``digests.inputs``,
the transcript problem in the metadata and ``process --json``, error texts, so job statuses and
logs) goes through ``source_name``: scheme, host and port, and path, as given. The whole query
string goes, not only the parameters known to be secret: each provider names its tokens
differently, so a list of secret names would keep the next one; what identifies the object is
its host and path (S3's bucket and key, Twilio's recording SID), and the input's SHA-256 beside
it names the exact bytes read (also of a ``?versionId=``). A local file (``file:``, a path) is
no URL: a ``?`` or ``#`` in its name is kept.

A segment's URI goes into the recording's metadata (``digests.inputs``, beside the input's
SHA-256: stored with the recording, served by ``GET /v1/recordings/{id}``), which holds no
digits of card data (DESIGN.md §3). But the files are named by the platform, not by whoever
sends the call: Amazon Connect writes
``connect/<instance>/CallRecordings/2026/12/02/<ContactId>_20261202T10:15_UTC.wav``, Twilio
``.../Recordings/RE<32 hex>``, Asterisk ``<epoch>.<counter>.wav``. Refusing a call for its file
name would lose a real call that no one can rename, so the name is kept with each digit of such
a number replaced by ``#``; the digest still identifies the file.

The rule is the call id's (``worker.calls.call_ids``), so a name and the call id it is made of
are judged alike: a **number standing apart** (digit groups joined by ``-``, ``_`` or, in a
file name, white space; no letter or digit glued to either end) some run of whose whole groups
has 13-19 digits, does not begin with 0 and passes the Luhn check; a UUID (Connect's contact
id) is taken as it is; ``/`` parts path segments (``2026/12/02/``), ``:`` and ``.`` end a
number (a time, an extension, an Asterisk id's counter). Measured on 300,000 random names of
each shape: no Connect recording key, Twilio recording URL or ``RE<hex>`` file, or Asterisk
``<epoch>.<counter>.wav`` is changed (the ticket rule, ``vault.regions.may_hold_card_number``,
would have refused 7.0 %, 5.9 %, 3.0 % and 65 % of them); an Asterisk MixMonitor name of
``<YYYYmmdd-HHMMSS>-<caller>-<unique id>`` has its date and time masked 1 time in 10 (14
digits joined by ``-`` that pass the Luhn check: a name, not a call, loses something). About
20 us a name; linear in its length (an 8 KB URL of ``1-1-1-...``: 0.1 s).

A name is judged as written and **as read**: percent-escapes undone (the manifest reader
unescapes a ``file:`` URI, a server a URL's path), compatibility forms folded (NFKC: fullwidth
digits and hyphens), every digit of another script as its decimal digit, and what shows nothing
dropped (format characters such as a zero-width space or soft hyphen, combining marks):
``redaction.numbers.plain``, what the card logic reads a transcript's word as. A card number
written so is masked on the name as read, which is then what is kept (``file:%34%31...`` is kept
as ``file:####...``; session 56's review). Names whose reading holds none are kept as written.

A local name's bytes that are not UTF-8 (``os.fsdecode``'s "\\udc80", which a manifest may hold:
the file is read as named) are kept as ``\\x80`` (``printable``): the metadata is served as JSON,
which cannot hold the escape (session 56's review: a 500).

A number of three or more digit groups joined by dots (``4111.1111.1111.1111``, an Amex's
``3782.822463.10005``) is judged so too; two (Asterisk's ``<epoch>.<counter>``) never are.

Not masked, as in call ids: a card number glued to letters (``RE4111...``: a SID whose hex
happens to be decimal). Error texts and logs hide such runs anyway
(``worker.errors.scrub_digits``), and the transcript problem a job's metadata and outcome keep
is such an error text (its runs of card-number length hidden, byte counts kept).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from callrec.digits import ascii_digits
from redaction.numbers import plain
from worker.calls.call_ids import card_numbers_standing_apart

#: Digit groups joined by -, _ or (in a file name) white space.
_NUMBER = re.compile(r"[0-9]+(?:[-_\s][0-9]+)*")
#: ... or by dots, three groups or more (two: a time, an extension, Asterisk's id and counter).
_DOTTED = re.compile(r"[0-9]+(?:\.[0-9]+){2,}")
#: A UUID standing apart (Connect's contact ids in its recordings' names): taken as it is.
_UUID = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                   r"[0-9A-Fa-f]{12}(?![0-9A-Za-z])")


def source_name(uri: str) -> str:
    """``uri`` as it may be kept or shown: a URL (``scheme://...``, not ``file:``) without its
    user info, query string and fragment; a local file's name unchanged."""
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.lower() == "file":
        return uri
    parts = urlsplit("//" + rest)  # any scheme, as given: what follows is read as a URL's
    return f"{scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def masked_source(uri: str) -> str:
    """``uri`` as ``source_name`` keeps it, with every digit of a number standing apart in it
    that could be a card number replaced by ``#``; when its reading (``read``) still holds one,
    that reading so masked; unchanged when there is none. A byte of a local name that is not UTF-8
    is kept as ``\\xNN`` (``printable``), judged before and after (its escape glues a letter to
    the digits after it; bytes so escaped can be a fullwidth digit's UTF-8)."""
    name = _masked_as_read(source_name(uri))
    kept = printable(name)
    return name if kept == name else _masked_as_read(kept)


def holds_card_number(name: str) -> bool:
    """Whether ``name`` (a path or URI, whole), as written or as read (``read``), its bytes that
    are not UTF-8 as they are or as ``printable`` keeps them, holds a number standing apart that
    could be a card number (``masked_source`` would mask it): a manifest's path, which travels in
    the queue's messages and job records, is refused for it, and so is a webhook's URL."""
    kept = printable(name)
    return any(_card_numbers(form) for form in {name, read(name), kept, read(kept)})


def printable(name: str) -> str:
    """``name`` with each byte that is not UTF-8, as Python reads it from a local file's name
    (``os.fsdecode``'s "\\udc80", which the manifest reader takes: ``worker.calls.manifest``), as
    ``\\x80``, as ``ls -b`` shows it. The file is read as named (a recorder that writes Latin-1
    names makes real calls no one renames), but the name is kept in the metadata and served as JSON,
    which no UTF-8 writer can encode with the escape in it (``GET /v1/recordings/{id}`` was a 500:
    session 56's review). Any other half of a surrogate pair (no manifest takes one) as ``\\ud800``."""
    if name.isascii():
        return name
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def read(name: str) -> str:
    """``name`` as its reader reads it and the card logic reads digits: percent-escapes undone,
    then ``redaction.numbers.plain`` (NFKC, every script's digits as ASCII ones, format characters
    and combining marks dropped)."""
    return plain(unquote(name))


def _masked_as_read(name: str) -> str:
    """``name`` masked (``_masked``); when its reading still holds a card number, that reading masked."""
    name = _masked(name)
    as_read = read(name)
    return _masked(as_read) if as_read != name and _card_numbers(as_read) else name


def _masked(text: str) -> str:
    """``text`` with every digit of each number standing apart in it that could be a card number as ``#``."""
    pieces, end = [], 0
    for start, stop in _card_numbers(text):
        if stop <= end:
            continue
        start = max(start, end)
        pieces.append(text[end:start])
        pieces.append("".join("#" if ch.isdigit() else ch for ch in text[start:stop]))
        end = stop
    pieces.append(text[end:])
    return "".join(pieces)


def _card_numbers(text: str) -> list[tuple[int, int]]:
    """Where in ``text`` a number standing apart could be a card number, in order, each digit read
    as the decimal digit it is (``callrec.digits``: one character for one)."""
    # A UUID's hex is read as letters, so no number reaches into it or out of it.
    scanned = _UUID.sub(lambda match: "x" * len(match.group()), ascii_digits(text))
    return sorted([*card_numbers_standing_apart(scanned, _NUMBER), *card_numbers_standing_apart(scanned, _DOTTED)])


def with_inputs_named(metadata: dict) -> dict:
    """A stored recording's metadata with each ``digests.inputs`` URI as ``masked_source``
    keeps it (a copy; unchanged when it is so already): recordings stored before their sources'
    names were kept this way hold them as given (a presigned URL's query string, a card number),
    so the metadata is passed through this where it is served or written again."""
    digests = metadata.get("digests")
    if not isinstance(digests, dict) or not isinstance(digests.get("inputs"), list):
        return metadata
    inputs = [{**item, "uri": masked_source(item["uri"])}
              if isinstance(item, dict) and isinstance(item.get("uri"), str) else item
              for item in digests["inputs"]]
    return {**metadata, "digests": {**digests, "inputs": inputs}}
