"""Builds the vault from Settings: one object store and one key provider per region.

``CALLREC_STORE`` picks the store (``local``: ``<data_dir>/vault/<region>``; ``s3``: bucket
``CALLREC_S3_BUCKET`` per region) and with it the key store for wrapped data keys, which
must be somewhere else (``local``: ``CALLREC_KEY_STORE_DIR``, default
``<data_dir>/keystore/<region>``; ``s3``: bucket ``CALLREC_S3_KEY_BUCKET`` per region), and
``CALLREC_KEYS`` the key provider (``local``:
``<data_dir>/keys/<region>.json``; ``kms``: alias ``CALLREC_KMS_KEY`` per region). S3 and KMS
clients are bound to the AWS region that serves the storage region (``CALLREC_AWS_REGIONS``).
Deleting a recording also removes the manifest the HTTP API kept of its call (worker.calls.kept).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import boto3

from callrec.errors import shown
from vault.keys.base import KeyProvider
from vault.keys.kms import KmsKeyProvider
from vault.keys.local import LocalKeyring
from vault.regional import RegionVault
from vault.regions import check_region
from vault.stores.base import ObjectStore
from vault.stores.local import LocalStore
from vault.stores.s3 import S3Store
from vault.vault import Vault
from worker.errors import UsageError, scrub_digits
from worker.calls.kept import forget_call
from worker.settings import Settings, aws_region_map, served_region_names


def build_vault(settings: Settings, *, regions: Iterable[str] | None = None,
                clock: Callable[[], datetime] | None = None) -> Vault:
    """The vault for ``regions`` (default: the served ones, CALLREC_REGIONS); nothing is
    contacted yet."""
    chosen = served_regions(settings) if regions is None else tuple(regions)
    return Vault({region: build_region(settings, region, clock=clock) for region in chosen})


def served_regions(settings: Settings) -> tuple[str, ...]:
    """The regions named by CALLREC_REGIONS (checked as the settings load)."""
    return served_region_names(settings.regions)


def build_region(settings: Settings, region: str, *, clock: Callable[[], datetime] | None = None) -> RegionVault:
    check_region(region)
    return RegionVault(region, build_store(settings, region), build_keys(settings, region),
                       key_store=build_key_store(settings, region), clock=clock, scrub=scrub_digits,
                       forget=lambda entry: forget_call(settings.data_dir, entry.account_id, entry.call_id))


def build_store(settings: Settings, region: str) -> ObjectStore:
    """``settings.store`` is local or s3 (STORES): Settings refuses any other as it loads."""
    if settings.store == "local":
        return LocalStore(settings.data_dir / "vault" / region, region)
    return S3Store(aws_client(settings, "s3", region), settings.s3_bucket.format(region=region), region,
                   aws_region=aws_region(settings, region))


def build_key_store(settings: Settings, region: str) -> ObjectStore:
    """The store of wrapped data keys: never the object store, nor inside or around it."""
    if settings.store == "local":
        base = Path(settings.key_store_dir) if settings.key_store_dir else settings.data_dir / "keystore"
        root, vault_root = (base / region).resolve(), (settings.data_dir / "vault").resolve()
        if root == vault_root or vault_root in root.parents or root in vault_root.parents:
            raise UsageError(f"CALLREC_KEY_STORE_DIR {str(base)!r}: the key store must be apart from the "
                             f"object store ({vault_root})")
        return LocalStore(root, region)
    bucket = settings.s3_key_bucket.format(region=region)  # never the recordings' bucket (Settings checks)
    return S3Store(aws_client(settings, "s3", region), bucket, region, aws_region=aws_region(settings, region))


def build_keys(settings: Settings, region: str) -> KeyProvider:
    """``settings.keys`` is local or kms (KEY_PROVIDERS): Settings refuses any other as it loads."""
    if settings.keys == "local":
        return LocalKeyring(settings.data_dir / "keys", region)
    return KmsKeyProvider(aws_client(settings, "kms", region), region, settings.kms_key.format(region=region))


def aws_region(settings: Settings, region: str) -> str:
    """The AWS region serving storage region ``region`` (from CALLREC_AWS_REGIONS)."""
    mapping = aws_region_map(settings.aws_regions)
    if region not in mapping:
        raise UsageError(f"CALLREC_AWS_REGIONS names no AWS region for {shown(region)}")
    return mapping[region]


def aws_client(settings: Settings, service: str, region: str):
    """A boto3 client for ``service`` in the AWS region of ``region``."""
    return boto3.session.Session().client(
        service, region_name=aws_region(settings, region), endpoint_url=settings.aws_endpoint_url
    )
