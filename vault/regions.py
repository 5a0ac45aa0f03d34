"""Storage regions and the deterministic recording id that names its region.

Nothing of a recording, its keys or its metadata leaves its region (DESIGN.md §1), so
every recording id carries the region: an operation on one id touches one region only.
"""

from __future__ import annotations

import hashlib
import re

from vault.errors import VaultInputError

#: The regions a recording may live in: United States, EEA, Australia.
REGIONS: tuple[str, ...] = ("us", "eu", "au")

_ID_RE = re.compile(r"^rec_(us|eu|au)_[0-9a-f]{32}$")


def check_region(region: str) -> str:
    """Return ``region`` when it is known, else raise VaultInputError naming it."""
    if region not in REGIONS:
        raise VaultInputError(f"region {region!r} is not one of {', '.join(REGIONS)}")
    return region


def recording_id(account_id: str, call_id: str, region: str) -> str:
    """The recording id of a call: the same account and call always give the same id."""
    check_region(region)
    digest = hashlib.sha256(f"{account_id}\x00{call_id}".encode("utf-8")).hexdigest()
    return f"rec_{region}_{digest[:32]}"


def region_of(recording_id: str) -> str:
    """The region named by a recording id; VaultInputError when the id is malformed."""
    match = _ID_RE.match(recording_id)
    if match is None:
        raise VaultInputError(f"recording id {recording_id!r} is malformed (want rec_<region>_<32 hex>)")
    return match.group(1)
