"""The local keyring: the embedded default key provider, one file per region.

``<root>/<region>.json`` holds the region's KEK versions as Tink AES256_GCM keysets. It is
created on first use with file mode 0600 (directory 0700), rewritten atomically (temp
file, fsync, rename) under an exclusive lock, so several worker processes can share it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import tink
from tink import aead, secret_key_access

from callrec.errors import shown
from callrec.files import leftovers, replaced
from vault.errors import DecryptionError, KeyProviderError, VaultInputError
from vault.files import shred
from vault.regions import check_region

aead.register()

_FILE_MODE = 0o600
_DIR_MODE = 0o700


class LocalKeyring:
    """A region's KEK kept in a local file; versions ``v1``, ``v2``... for rotation."""

    def __init__(self, root: Path, region: str, *, clock: Callable[[], datetime] | None = None):
        self.region = check_region(region)
        self.key_id = f"local:{region}"
        self._root = Path(root)
        self._path = self._root / f"{region}.json"
        self._clock = clock or (lambda: datetime.now(UTC))
        self._aeads: dict[str, tuple[str, aead.Aead]] = {}

    @property
    def path(self) -> Path:
        return self._path

    def primary(self) -> tuple[str, aead.Aead]:
        ring = self._load_or_create()
        version = ring["primary"]
        return version, self._aead(version, ring["versions"][version]["keyset"])

    def current(self) -> str | None:
        ring = self._read()
        return None if ring is None else ring["primary"]

    def kek(self, version: str) -> aead.Aead:
        ring = self._read()
        if ring is None:
            raise DecryptionError("cannot decrypt: ciphertext or key is invalid")
        entry = ring["versions"].get(version)
        if entry is None:
            raise DecryptionError("cannot decrypt: ciphertext or key is invalid")
        return self._aead(version, entry["keyset"])

    def versions(self) -> tuple[str, ...]:
        ring = self._read()
        return () if ring is None else tuple(sorted(ring["versions"], key=_version_number))

    def rotate(self) -> str:
        with self._locked():
            ring = self._read() or self._new_ring()
            number = max(_version_number(v) for v in ring["versions"]) + 1 if ring["versions"] else 1
            version = f"v{number}"
            ring["versions"][version] = self._new_version()
            ring["primary"] = version
            self._write(ring)
        return version

    def retire(self, version: str) -> None:
        with self._locked():
            ring = self._read()
            if ring is None or version not in ring["versions"]:
                raise VaultInputError(f"key {self.key_id} has no version {shown(version)}")
            if ring["primary"] == version:
                raise VaultInputError(f"key {self.key_id}: cannot retire the primary version {version}")
            del ring["versions"][version]
            self._write(ring)
        self._aeads.pop(version, None)

    # -- file handling ---------------------------------------------------------------

    def _aead(self, version: str, keyset_json: str) -> aead.Aead:
        cached = self._aeads.get(version)
        if cached is not None and cached[0] == keyset_json:
            return cached[1]
        try:
            handle = tink.json_proto_keyset_format.parse(keyset_json, secret_key_access.TOKEN)
            primitive = handle.primitive(aead.Aead)
        except tink.TinkError as exc:
            raise KeyProviderError(f"keyring {self._path}: version {version} is unreadable") from exc
        self._aeads[version] = (keyset_json, primitive)
        return primitive

    def _load_or_create(self) -> dict:
        ring = self._read()
        if ring is not None:
            return ring
        with self._locked():
            ring = self._read()
            if ring is None:
                ring = self._new_ring()
                ring["versions"]["v1"] = self._new_version()
                ring["primary"] = "v1"
                self._write(ring)
        return ring

    def _new_ring(self) -> dict:
        return {"key_id": self.key_id, "region": self.region, "primary": None, "versions": {}}

    def _new_version(self) -> dict:
        handle = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM)
        keyset = tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN)
        return {"created_at": self._clock().isoformat(), "keyset": keyset}

    def _read(self) -> dict | None:
        try:
            text = self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise KeyProviderError(f"keyring {self._path}: cannot read ({exc.strerror})") from exc
        try:
            ring = json.loads(text)
            if ring["region"] != self.region or ring["primary"] not in ring["versions"]:
                raise ValueError("region or primary does not match")
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyProviderError(f"keyring {self._path}: file is corrupt") from exc
        return ring

    def _write(self, ring: dict) -> None:
        """Under the keyring's lock (every writer holds it): a temporary file beside it is a
        dead writer's, a plaintext copy of the keys (a retired version would live on in it),
        and is shredded first."""
        data = json.dumps(ring, indent=1, sort_keys=True).encode("utf-8")
        try:
            for left in leftovers(self._path):
                shred(left)
            with replaced(self._path) as out:  # created with mode 0600 (_FILE_MODE)
                out.write(data)
        except OSError as exc:
            raise KeyProviderError(f"keyring {self._path}: cannot write ({exc.strerror})") from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self._root.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
            fd = os.open(self._root / f".{self.region}.lock", os.O_RDWR | os.O_CREAT, _FILE_MODE)
        except OSError as exc:
            raise KeyProviderError(f"keyring {self._root}: cannot open ({exc.strerror})") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _version_number(version: str) -> int:
    return int(version.lstrip("v"))
