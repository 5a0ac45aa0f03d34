"""Errors of the worker layer, and the one scrubber of digit runs that every boundary (job
status, logs, audit, CLI) passes text through.

Every class derives from ``callrec.errors.CallrecError`` (through ``WorkerError``), whose
class properties ``permanent`` (bad input) and ``retryable`` classify it for the CLI, the
HTTP API and the queue's retries.
"""

import errno
import re

from callrec.digits import ascii_digits
from callrec.errors import CallrecError, is_permanent, is_retryable  # noqa: F401  (used across worker)
from callrec.luhn import luhn_valid


class WorkerError(CallrecError):
    """Raised when a job cannot complete for a reason other than bad input."""


class ManifestError(WorkerError):
    """Raised when a call manifest is bad: the message names the field and the problem."""

    permanent = True


class CallTakenError(ManifestError):
    """Raised when a call is sent again with another manifest than the one its job (queued,
    running or done) was made from: refused, nothing of it read or queued."""


class UsageError(WorkerError):
    """Raised when a command-line argument or setting is bad."""

    permanent = True


class SourceError(ManifestError):
    """Raised when a call's source may not be read: outside the allowed roots, not a regular
    file, or over a size limit."""


class SourceMissingError(ManifestError):
    """Raised when a remote source does not exist (S3: no such object; https: answered 404 or
    410), told from other refusals: a redelivery of a stored call skips one already destroyed."""


class SourceChangedError(WorkerError):
    """Raised when a call's local source changed while the call was processed (a recorder
    still writing it): nothing stored; not bad input, so retried (the CLI exits 1)."""


class ResourceError(WorkerError):
    """Raised when the worker runs out of disk space, file handles or memory (transient)."""


class QueueUnavailableError(WorkerError):
    """Raised when Redis (the queue and job state) does not answer."""


class EmbeddedRedisError(WorkerError):
    """Raised when the embedded redis-server cannot be found, started or stopped."""


class JobDecodeError(WorkerError):
    """Raised when a queue message or job field is not a valid job (a poison message)."""

    permanent = True


class JobBusy(WorkerError):
    """Raised when another live worker holds the job's lease (retried later)."""


class PoisonJob(WorkerError):
    """Raised when a job killed its worker too often; it is failed, not retried."""

    permanent = True


class DemoError(WorkerError):
    """Raised when the demo's workers stop or do not finish in time."""


class ServiceError(WorkerError):
    """Raised when the demo's ``callrec serve`` does not come up."""


class WebhookDeliveryError(WorkerError):
    """Raised when an endpoint did not take an event (no answer, or not 2xx); retried."""


class WebhookRefusedError(WorkerError):
    """Raised when an endpoint's host resolves to a non-public address; not retried."""

    permanent = True


class FetchError(WorkerError):
    """Raised when an https source could not be fetched for a reason that may pass (retried)."""


#: OS errors that mean a resource ran out, not that the input is bad: retried.
RESOURCE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EMFILE, errno.ENFILE, errno.ENOMEM})


def resource_error(exc: OSError) -> ResourceError | None:
    """The transient error for an ``OSError`` that means a resource ran out, else None."""
    if exc.errno not in RESOURCE_ERRNOS:
        return None
    what = "disk space" if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else "a system resource"
    return ResourceError(f"out of {what} in the worker's temp space ({errno.errorcode[exc.errno]}); "
                         "transient, run it again")


#: A run of card-number length: 12 or more digits, in groups joined by nothing or by any run
#: of separators: white space, ``_`` and every other character that is no letter, digit,
#: bracket or quote (``4111_1111_1111_1111``, ``4111+1111/1111:1111``, ``4111 / 1111``,
#: ``4111;1111|1111=1111``, ``4111·1111``). Letters, brackets and quotes end a run, so
#: ``1:23:45.678 (5025.678 s)`` stays readable. Unicode digits count.
_CARD_RUN = re.compile(r"\d(?:(?>(?:[^\w()\[\]{}<>'\"`]|_)*)\d){11,}")
#: A word (between spaces, quotes, brackets, commas): one holding a letter is a reference
#: (id, path, hex digest) whose short digit runs stay; elsewhere any run of 4+ digits (an
#: expiry date, a security code) is hidden too.
_WORD = re.compile(r"[^\s'\"`()\[\]{}<>,;]+")
_SHORT_RUN = re.compile(r"\d{4,}")
#: What stays readable although its digits, joined, reach card-number length: an ISO 8601
#: date and time (a real calendar date, fractions to the nanosecond) or a time of day, and
#: an IPv4 address with its port (``127.0.0.1:6379``).
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_ZONE = r"(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)"
_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?"
_READABLE = (rf"(?<!\d)(?:(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ]{_CLOCK}{_ZONE}?)?"
             rf"|(?<![\d:]){_CLOCK}{_ZONE}?"
             rf"|(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?::\d{{1,5}})?)(?![\d.:])")
#: The product's own ids (lowercase hex of a digest or a random token, of a fixed length
#: after a fixed prefix, glued to nothing): recording ids (vault.regions.recording_id), job
#: ids (worker.queue.jobs), API key principals, webhook endpoint and event ids
#: (worker.api). About 3 % of the recording ids made before 2026-12-02 hold 12+ digits in a
#: row (newer ones hold at most 3); such a run is kept unless it holds a card number (_PAN_*:
#: what a crafted id could smuggle), so about 1 old id in 300 still loses a run, and a card
#: number inside one never survives.
_PRODUCT_ID = re.compile(r"(?<![0-9A-Za-z_])(?:rec_(?:us|eu|au)_[0-9a-f]{32}"
                         r"|(?:call|redact|delete|hook|re-b[0-9a-f]{15})-[0-9a-f]{24}"
                         r"|api-key:[0-9a-f]{16}|we_[0-9a-f]{16}|evt_[0-9a-f]{24})(?![0-9A-Za-z_])")
#: An audit event's object name (``vault.audit.event_name``): its day folder and, after the same
#: day, the time stamp and random tag, whose digits (``211500.123456-``) reach card-number
#: length. Named whole, as ``callrec audit`` names it, unless the digits from the time to the
#: tag's first letter hold a card number (a name made up in the object store; about 1 in 8 names
#: made before session 56, whose tag could begin with digits; none since).
_EVENT_NAME = (r"(?<![0-9A-Za-z_])audit/(?P<day>(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))"
               r"/(?P<stamp_day>\d{8})T(?P<stamp>\d{6}\.\d{6}-[0-9a-f]{12})\.json(?![0-9A-Za-z_])")
#: Spans kept as they are (a product id loses only a card number in it, _hide_card).
_KEPT = re.compile(rf"(?P<id>{_PRODUCT_ID.pattern})|(?P<event>{_EVENT_NAME})|{_READABLE}")


#: A card number of the payment brands (PCI DSS scope): 13-19 digits, the first 2-6 (Visa 4,
#: Mastercard 2 and 5, Amex, Diners and JCB 3, Discover and UnionPay 6), Luhn check digit.
_PAN_DIGITS = range(13, 20)
_PAN_FIRST = frozenset("23456")
_ID_DIGIT_RUN = re.compile(r"[0-9]{13,}")


def scrub_digits(text: str, *, card_numbers_only: bool = False) -> str:
    """``text`` with each digit of a possible card-data run replaced by ``#``.

    Error texts echo bad values, and a bad value can be a card number; every boundary that
    stores or shows an error text (job status, logs, audit records and tombstones, the CLI's
    stderr, the API's error bodies) calls this one function. Hidden everywhere: 12 or more
    digits in groups joined by nothing or by any separators (``4111_1111_1111_1111``,
    ``4111+1111/1111:1111``). Outside words holding a letter, also any run of 4+ digits
    (``plan: '4532'`` becomes ``plan: '####'``). Kept: the product's ids (``rec_us_<hex>``,
    ``call-<hex>``) unless a card number hides in them, ISO 8601 times, IPv4 addresses with
    their port, and short runs inside words (``leg_1.wav``, ``CA1234``).
    ``card_numbers_only`` hides runs of card-number length only: the CLI's stderr goes to
    the operator who typed the input, and its byte counts and rates
    (``header promises 4160000 data bytes``) are what they need.
    """
    # every digit read as the decimal digit it is (superscripts, circled digits: \d does not match them;
    # session 56's red team: a card number so written in a file's name went whole to the job's reason)
    read = ascii_digits(text)
    pieces: list[str] = []
    end = 0
    for kept in _KEPT.finditer(read):
        pieces.append(_scrub_piece(read[end:kept.start()], card_numbers_only))
        if kept.group("id"):
            pieces.append(_ID_DIGIT_RUN.sub(_hide_card, kept.group()))
        elif kept.group("event"):
            pieces.append(_event_name(kept, card_numbers_only))
        else:
            pieces.append(kept.group())
        end = kept.end()
    pieces.append(_scrub_piece(read[end:], card_numbers_only))
    if read is text:
        return "".join(pieces)
    # every step keeps the length: what was not hidden is the text's own character again
    return "".join(out if out != was else own for out, was, own in zip("".join(pieces), read, text))


def _scrub_piece(text: str, card_numbers_only: bool) -> str:
    """Text between kept spans: card-length runs hidden; unless ``card_numbers_only``, also
    runs of 4+ digits in words without a letter."""
    text = _CARD_RUN.sub(_hide, text)
    if card_numbers_only:
        return text
    return _WORD.sub(lambda word: word.group() if any(ch.isalpha() for ch in word.group())
                     else _SHORT_RUN.sub(_hide, word.group()), text)


def _hide_card(match: re.Match[str]) -> str:
    """A digit run inside an id: hidden when some stretch of it is a card number."""
    run = match.group()
    return "#" * len(run) if _holds_pan(run) else run


def _holds_pan(digits: str) -> bool:
    """Whether some stretch of ``digits`` (decimal digits only) is a card number of the payment brands."""
    return any(digits[start] in _PAN_FIRST and luhn_valid(digits[start:start + length])
               for length in _PAN_DIGITS for start in range(len(digits) - length + 1))


def _event_name(kept: re.Match[str], card_numbers_only: bool) -> str:
    """An audit event's name: whole, but for the digits read across its time stamp and into its
    tag when they hold a card number; one whose folder is not its stamp's day is no name of ours."""
    name = kept.group("event")
    if kept.group("day").replace("-", "") != kept.group("stamp_day"):
        return _scrub_piece(name, card_numbers_only)
    stamp = kept.group("stamp")
    run = re.match(r"[^a-f]*", stamp).group()  # up to the tag's first letter: one run of digits
    if not _holds_pan(re.sub(r"\D", "", run)):
        return name
    start = kept.start("stamp") - kept.start("event")
    return name[:start] + _hide_digits(run) + name[start + len(run):]


def _hide_digits(text: str) -> str:
    return "".join("#" if ch.isdigit() else ch for ch in text)


def _hide(match: re.Match[str]) -> str:
    return _hide_digits(match.group())
