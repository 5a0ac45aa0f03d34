"""Fixtures for the vault: stores of both kinds (S3 on the moto server of tests/conftest.py),
keyrings, a clock."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vault import envelope
from vault.context import ArtifactRef
from vault.index import IndexEntry
from vault.keys.local import LocalKeyring
from vault.regional import RegionVault
from vault.regions import recording_id
from vault.stores.local import LocalStore
from vault.stores.s3 import S3Store
from tests.aws import AWS_REGIONS, aws_client  # noqa: F401  (vault tests import them from here)


class Clock:
    """A settable clock (tests supply the time)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))


@pytest.fixture(params=["local", "s3"])
def make_store(request, tmp_path: Path) -> Callable[[str], object]:
    """Builds a store for a region; the whole suite runs once per store kind. Its
    ``key_store`` builds the region's key store of the same kind, somewhere else."""
    if request.param == "local":
        build = lambda region: LocalStore(tmp_path / "vault" / region, region)  # noqa: E731
        build.key_store = lambda region: LocalStore(tmp_path / "keystore" / region, region)
        return build
    url = request.getfixturevalue("moto_url")
    suffix = uuid.uuid4().hex[:8]

    def bucket(name: str, region: str) -> S3Store:
        store = S3Store(aws_client("s3", url, region), name, region)
        store.ensure_bucket(versioned=True)
        return store

    def build(region: str) -> S3Store:
        return bucket(f"callrec-{region}-{suffix}", region)

    build.key_store = lambda region: bucket(f"callrec-keys-{region}-{suffix}", region)
    return build


@pytest.fixture
def make_key_store(make_store) -> Callable[[str], object]:
    return make_store.key_store


@pytest.fixture
def make_keys(tmp_path: Path, clock: Clock) -> Callable[[str], LocalKeyring]:
    return lambda region: LocalKeyring(tmp_path / "keys", region, clock=clock)


@pytest.fixture
def make_region(make_store, make_key_store, make_keys, clock) -> Callable[[str], RegionVault]:
    return lambda region: RegionVault(region, make_store(region), make_keys(region),
                                      key_store=make_key_store(region), clock=clock)


def make_entry(region: str = "eu", call: str = "CA1", *, kind: str = "call", ticket: str = "T-1",
               account: str = "acme", created_at: datetime | None = None,
               retention_days: int | None = None, public: bool = False) -> IndexEntry:
    return IndexEntry(
        recording_id=recording_id(account, call, region),
        account_id=account,
        call_id=call,
        ticket_id=ticket,
        kind=kind,
        region=region,
        created_at=created_at or datetime(2026, 1, 15, 12, 0, tzinfo=UTC),
        retention_days=retention_days,
        public=public,
        redacted=True,
        pipeline_version="test",
        detector_version="dtmf-1",
    )


#: A recording id in the EU region, for the envelope's tests.
RID = "rec_eu_" + "ab" * 16


@pytest.fixture
def keys(tmp_path):
    """An EU keyring of its own."""
    return LocalKeyring(tmp_path / "keys", "eu")


@pytest.fixture
def ref():
    """An audio artifact of RID."""
    return ArtifactRef(RID, "acme", "eu", "audio")


def seal(data: bytes, keys, ref) -> tuple[bytes, envelope.WrappedKey]:
    """``data`` encrypted by the vault's envelope: the ciphertext and its wrapped key."""
    out = io.BytesIO()
    wrapped = envelope.encrypt_stream(io.BytesIO(data), out, keys, ref)
    return out.getvalue(), wrapped
