"""Errors of the worker layer, and the one scrubber of digit runs that every boundary (job
status, logs, audit, CLI) passes text through.

Every class derives from ``callrec.errors.CallrecError`` (through ``WorkerError``), whose
class properties ``permanent`` (bad input) and ``retryable`` classify it for the CLI, the
HTTP API and the queue's retries.
"""

import errno
import re

from callrec.errors import CallrecError, is_permanent, is_retryable  # noqa: F401  (used across worker)


class WorkerError(CallrecError):
    """Raised when a job cannot complete for a reason other than bad input."""


class ManifestError(WorkerError):
    """Raised when a call manifest is bad: the message names the field and the problem."""

    permanent = True


class UsageError(WorkerError):
    """Raised when a command-line argument or setting is bad."""

    permanent = True


class SourceError(ManifestError):
    """Raised when a call's source may not be read: outside the allowed roots, not a regular
    file, or over a size limit."""


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
RESOURCE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EMFILE, errno.ENFILE, errno.ENOMEM})


def resource_error(exc: OSError) -> ResourceError | None:
    """The transient error for an ``OSError`` that means a resource ran out, else None."""
    if exc.errno not in RESOURCE_ERRNOS:
        return None
    what = "disk space" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "a system resource"
    return ResourceError(f"out of {what} in the worker's temp space ({errno.errorcode[exc.errno]}); "
                         "transient, run it again")


#: A word holding a letter is a reference (id, path, hex digest, timestamp): only runs of
#: card-number length (12+ digits, single dashes or dots between allowed) are hidden in it.
_WORD = re.compile(r"[^\s'\"`()\[\]{}<>,;]+")
_LONG_RUN = re.compile(r"\d(?:[ .-]?\d){11,}")
#: Elsewhere any run of 4+ digits (an expiry date, a security code, a card number), and
#: 12+ digits in groups joined by single spaces or dashes (a card number as printed; a
#: range such as ``100-130`` stays readable).
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){11,}|\d{4,}")
#: An IPv4 address, which the card-length run above would otherwise take for a card number.
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
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


#: A card number of the payment brands (PCI DSS scope): 13-19 digits, the first 2-6 (Visa 4,
#: Mastercard 2 and 5, Amex, Diners and JCB 3, Discover and UnionPay 6), Luhn check digit.
_PAN_DIGITS = range(13, 20)
_PAN_FIRST = frozenset("23456")
_ID_DIGIT_RUN = re.compile(r"[0-9]{13,}")


def scrub_digits(text: str, *, card_numbers_only: bool = False) -> str:
    """``text`` with each digit of a possible card-data run replaced by ``#``.

    Error texts echo bad values, and a bad value can be a card number; every boundary that
    stores or shows an error text (job status, logs, audit records and tombstones, the CLI's
    stderr) calls this one function. References keep their shape: recording and job ids
    (``rec_us_<hex>``, ``call-<hex>``) stay whole, other words keep their short digit runs,
    while ``plan: '4532015112830366'`` becomes ``plan: '################'``.
    ``card_numbers_only`` hides runs of card-number length only (12+ digits): the CLI's
    stderr goes to the operator who typed the input, and its byte counts and rates
    (``header promises 4160000 data bytes``) are what they need.
    """
    short = _LONG_RUN if card_numbers_only else _DIGIT_RUN
    pieces: list[str] = []
    end = 0
    for word in _WORD.finditer(text):
        if not any(ch.isalpha() for ch in word.group()):
            continue
        pieces.append(short.sub(_hide, text[end:word.start()]))
        pieces.append(_scrub_word(word.group()))
        end = word.end()
    pieces.append(short.sub(_hide, text[end:]))
    return "".join(pieces)


def _scrub_word(word: str) -> str:
    """A word holding a letter: its ids kept whole, card-length runs elsewhere in it hidden."""
    pieces: list[str] = []
    end = 0
    for found in _PRODUCT_ID.finditer(word):
        pieces.append(_LONG_RUN.sub(_hide, word[end:found.start()]))
        pieces.append(_ID_DIGIT_RUN.sub(_hide_card, found.group()))
        end = found.end()
    pieces.append(_LONG_RUN.sub(_hide, word[end:]))
    return "".join(pieces)


def _hide_card(match: re.Match[str]) -> str:
    """A digit run inside an id: hidden when some stretch of it is a card number."""
    run = match.group()
    for length in _PAN_DIGITS:
        for start in range(len(run) - length + 1):
            if run[start] in _PAN_FIRST and _luhn_valid(run[start:start + length]):
                return "#" * len(run)
    return run


def _luhn_valid(digits: str) -> bool:
    total = 0
    for n, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if n % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _hide(match: re.Match[str]) -> str:
    if _IPV4.fullmatch(match.group()):  # 12 digits at most, in dotted quads: an address, not a card
        return match.group()
    return "".join("#" if ch.isdigit() else ch for ch in match.group())
