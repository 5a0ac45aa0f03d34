"""Storage regions and the deterministic recording id that names its region.

Nothing of a recording, its keys or its metadata leaves its region (DESIGN.md §1), so
every recording id carries the region: an operation on one id touches one region only.
"""

from __future__ import annotations

import hashlib
import re

from callrec.errors import shown
from vault.errors import VaultInputError

#: The regions a recording may live in: United States, EEA, Australia.
REGIONS: tuple[str, ...] = ("us", "eu", "au")

#: Every recording id ever generated: the region and 32 lowercase hex digits.
_ID_RE = re.compile(r"^rec_(us|eu|au)_[0-9a-f]{32}$")
#: Most decimal digits in a row of a generated id: an id is echoed in queue messages, audit
#: records and error texts, and a run of 4 or more digits could be taken for (or be) card data.
MAX_ID_DIGIT_RUN = 3
#: A run of card-number length: 12 or more digits, in groups joined by nothing or by any run of
#: other characters than letters (``4111.1111.1111.1111``, ``4111+1111_1111:1111``). No id
#: generated today holds one, a made-up id may smuggle a card number in it, and about 3 % of
#: the recording ids generated before 2026-12-02 hold one.
_CARD_LENGTH_RUN = re.compile(r"\d(?:[\W_]*\d){11,}")


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


def holds_card_length_run(text: str) -> bool:
    """Whether an id holds 12 or more digits in a row or in groups joined by separators
    (``4111-1111-1111-1111``): never a recording id generated today; a made-up id (a card
    number could hide in it) or one of the older recording ids that did."""
    return _CARD_LENGTH_RUN.search(text) is not None


def region_of(recording_id: str) -> str:
    """The region named by a recording id; VaultInputError when the id is malformed."""
    match = _ID_RE.match(recording_id)
    if match is None:
        # Not echoed: a made-up id can carry a card number (rec_eu_4111_1111_1111_1111).
        raise VaultInputError("recording id is malformed (want rec_<region>_<32 hex>)")
    return match.group(1)
