"""The vault: one RegionVault per configured region, and routing by recording id."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from vault.errors import VaultInputError
from vault.index import IndexEntry
from vault.regional import RegionVault
from vault.regions import region_of


class Vault:
    """Every configured region; an operation on one recording touches only its region."""

    def __init__(self, regions: Mapping[str, RegionVault]):
        for name, region_vault in regions.items():
            if region_vault.region != name:
                raise VaultInputError(f"vault for region {name} is configured as {region_vault.region}")
        self._regions = dict(regions)

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(self._regions)

    def region(self, region: str) -> RegionVault:
        try:
            return self._regions[region]
        except KeyError:
            raise VaultInputError(
                f"region {region!r} is not configured (have {', '.join(self._regions) or 'none'})"
            ) from None

    def for_recording(self, recording_id: str) -> RegionVault:
        return self.region(region_of(recording_id))

    def get(self, recording_id: str) -> IndexEntry:
        return self.for_recording(recording_id).get(recording_id)

    def entries(self) -> Iterator[IndexEntry]:
        """Every index entry of every region (ids and dates only, nothing decrypted)."""
        for region_vault in self._regions.values():
            yield from region_vault.entries()
