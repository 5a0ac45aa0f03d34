"""What a ciphertext is bound to: recording, account, region and artifact kind.

The associated data is an unambiguous encoding (a JSON array) of those four values plus a
purpose, so a ciphertext or wrapped key moved to another recording, account, region or
artifact fails to decrypt, and a wrapped data key can never pass for content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from callrec.errors import shown
from vault.errors import VaultInputError
from vault.regions import check_region

#: Artifacts stored per recording.
ARTIFACT_KINDS: tuple[str, ...] = ("audio", "metadata", "transcript")

_FORMAT = "callrec/v1"


@dataclass(frozen=True)
class ArtifactRef:
    """One stored artifact of one recording."""

    recording_id: str
    account_id: str
    region: str
    kind: str

    def __post_init__(self) -> None:
        check_region(self.region)
        if self.kind not in ARTIFACT_KINDS:
            raise VaultInputError(f"artifact kind {shown(self.kind)} is not one of {', '.join(ARTIFACT_KINDS)}")

    def content_aad(self) -> bytes:
        """Associated data of the streaming ciphertext."""
        return self._aad("content")

    def key_aad(self) -> bytes:
        """Associated data of the wrapped data key."""
        return self._aad("data-key")

    def _aad(self, purpose: str) -> bytes:
        values = [_FORMAT, purpose, self.recording_id, self.account_id, self.region, self.kind]
        return json.dumps(values, separators=(",", ":"), ensure_ascii=True).encode("ascii")
