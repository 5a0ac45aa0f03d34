"""Storage regions and the deterministic recording id that names its region.

Nothing of a recording, its keys or its metadata leaves its region (DESIGN.md §1), so
every recording id carries the region: an operation on one id touches one region only.
"""

from __future__ import annotations

import hashlib
import re

from callrec.errors import shown
from callrec.luhn import luhn_valid
from vault.errors import VaultInputError

#: The regions a recording may live in: United States, EEA, Australia.
REGIONS: tuple[str, ...] = ("us", "eu", "au")

#: Every recording id ever generated: the region and 32 lowercase hex digits.
_ID_RE = re.compile(r"rec_(us|eu|au)_[0-9a-f]{32}")
#: Most decimal digits in a row of a generated id: an id is echoed in queue messages, audit
#: records and error texts, and a run of 4 or more digits could be taken for (or be) card data.
MAX_ID_DIGIT_RUN = 3
#: What an id must not hold, as errors word it (may_hold_card_number).
CARD_NUMBER_RULE = "12+ digits in a row, or 13-19 digits across separators that pass the Luhn check"
#: Digits in a row: 12 or more could be a card number whatever they are (Maestro's shortest is
#: 12), and no id generated today holds one; about 3 % of the recording ids generated before
#: 2026-12-02 do.
_UNBROKEN_RUN = re.compile(r"\d{12,}")
#: Digits in groups joined by any run of characters other than letters
#: (``4111.1111.1111.1111``, ``4111+1111_1111:1111``, ``INC-2026-12-01-000123``).
_DIGIT_GROUPS = re.compile(r"\d(?:[\W_]*\d)*")
#: A card number: 13-19 digits with a Luhn check digit, never beginning with 0 (MII 0 is
#: ISO/TC 68's, no card issuer's). Any other first digit counts (UATP 1, RuPay 8, Troy 9...).
_PAN_LENGTHS = range(13, 20)


def check_region(region: str) -> str:
    """Return ``region`` when it is known, else raise VaultInputError naming it."""
    if region not in REGIONS:
        raise VaultInputError(f"region {shown(region)} is not one of {', '.join(REGIONS)}")
    return region


def recording_id(account_id: str, call_id: str, region: str) -> str:
    """The recording id of a call: the same account and call always give the same id.

    The 32 hex digits of the digest, except that a fourth decimal digit in a row becomes a
    letter (``a``-``f``), so no id holds a run of more than 3 digits (about 117 bits left).
    """
    chars: list[str] = []
    run = 0
    for ch in _digest(account_id, call_id, region)[:32]:
        run = run + 1 if ch.isdigit() else 0
        if run > MAX_ID_DIGIT_RUN:
            ch, run = "abcdef"[int(ch) % 6], 0
        chars.append(ch)
    return f"rec_{region}_{''.join(chars)}"


def legacy_recording_id(account_id: str, call_id: str, region: str) -> str:
    """The id the same call got before 2026-12-02 (the digest's hex digits as they are): a
    recording stored then keeps it, and a call processed again finds it under it."""
    return f"rec_{region}_{_digest(account_id, call_id, region)[:32]}"


def _digest(account_id: str, call_id: str, region: str) -> str:
    check_region(region)
    return hashlib.sha256(f"{account_id}\x00{call_id}".encode("utf-8")).hexdigest()


def card_number_problem(text: str) -> str | None:
    """Why an id is refused where it enters, worded for ``<field>: <problem>`` (never holding
    the id), when it could hold a card number (``may_hold_card_number``); else None."""
    return f"could hold a card number ({CARD_NUMBER_RULE})" if may_hold_card_number(text) else None


def may_hold_card_number(text: str) -> bool:
    """Whether an id could carry a card number into a queue message, a path, a log or an audit
    record, so it is refused where it enters. True when the id holds

    - 12 or more digits in a row (``4111111111111111``, ``T-123456789012``), or
    - digits that, read in order across separators (any characters other than letters; a
      letter ends the run), hold 13-19 consecutive digits not beginning with 0 that pass the
      Luhn check (``4111-1111-1111-1111``, ``4111 1111 1111 1111``, ``3782-822463-10005``,
      ``9-4111-1111-1111-1111``, ``4111.1111.1111.1111-05-27``).

    Every issued card number of 13-19 digits passes the Luhn check, so an id of digit groups
    none of whose 13-19 digit stretches does cannot carry one: help desk ids of a date and a
    serial (``INC-2026-12-01-000123``, 14 digits) are taken. About 1 such id in 5 has a
    stretch that passes (``INC-2026-12-01-000126``) and is refused like a card number: its
    digits could be one. Never a recording id generated today (at most 3 digits in a row)."""
    if _UNBROKEN_RUN.search(text):
        return True
    for groups in _DIGIT_GROUPS.finditer(text):
        digits = "".join(ch for ch in groups.group() if ch.isdecimal())
        for length in _PAN_LENGTHS:
            for start in range(len(digits) - length + 1):
                if int(digits[start]) != 0 and luhn_valid(digits[start:start + length]):
                    return True
    return False


def region_of(recording_id: str) -> str:
    """The region named by a recording id; VaultInputError when the id is malformed."""
    match = _ID_RE.fullmatch(recording_id)  # (match with "$" took a final line break: session 53)
    if match is None:
        # Not echoed: a made-up id can carry a card number (rec_eu_4111_1111_1111_1111).
        raise VaultInputError("recording id is malformed (want rec_<region>_<32 hex>)")
    return match.group(1)
