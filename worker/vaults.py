"""Builds the vault from Settings: one object store and one key provider per region.

``CALLREC_STORE`` picks the store (``local``: ``<data_dir>/vault/<region>``; ``s3``: bucket
``CALLREC_S3_BUCKET`` per region) and ``CALLREC_KEYS`` the key provider (``local``:
``<data_dir>/keys/<region>.json``; ``kms``: alias ``CALLREC_KMS_KEY`` per region). S3 and KMS
clients are bound to the AWS region that serves the storage region (``CALLREC_AWS_REGIONS``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import boto3

from vault.keys.base import KeyProvider
from vault.keys.kms import KmsKeyProvider
from vault.keys.local import LocalKeyring
from vault.regional import RegionVault
from vault.regions import REGIONS, check_region
from vault.stores.base import ObjectStore
from vault.stores.local import LocalStore
from vault.stores.s3 import S3Store
from vault.vault import Vault
from worker.errors import UsageError
from worker.settings import Settings

STORES = ("local", "s3")
KEY_PROVIDERS = ("local", "kms")


def build_vault(settings: Settings, *, regions: Iterable[str] | None = None,
                clock: Callable[[], datetime] | None = None) -> Vault:
    """The vault for ``regions`` (default: the served ones, CALLREC_REGIONS); nothing is
    contacted yet."""
    chosen = served_regions(settings) if regions is None else tuple(regions)
    return Vault({region: build_region(settings, region, clock=clock) for region in chosen})


def served_regions(settings: Settings) -> tuple[str, ...]:
    """The regions named by CALLREC_REGIONS, checked."""
    chosen = tuple(r.strip() for r in settings.regions.split(",") if r.strip())
    unknown = [r for r in chosen if r not in REGIONS]
    if unknown or not chosen:
        raise UsageError(f"CALLREC_REGIONS {settings.regions!r}: give one or more of {', '.join(REGIONS)}")
    return chosen


def build_region(settings: Settings, region: str, *, clock: Callable[[], datetime] | None = None) -> RegionVault:
    check_region(region)
    return RegionVault(region, build_store(settings, region), build_keys(settings, region), clock=clock)


def build_store(settings: Settings, region: str) -> ObjectStore:
    if settings.store == "local":
        return LocalStore(settings.data_dir / "vault" / region, region)
    if settings.store == "s3":
        return S3Store(aws_client(settings, "s3", region), settings.s3_bucket.format(region=region), region)
    raise UsageError(f"CALLREC_STORE {settings.store!r} is not one of {', '.join(STORES)}")


def build_keys(settings: Settings, region: str) -> KeyProvider:
    if settings.keys == "local":
        return LocalKeyring(settings.data_dir / "keys", region)
    if settings.keys == "kms":
        return KmsKeyProvider(aws_client(settings, "kms", region), region, settings.kms_key.format(region=region))
    raise UsageError(f"CALLREC_KEYS {settings.keys!r} is not one of {', '.join(KEY_PROVIDERS)}")


def aws_region(settings: Settings, region: str) -> str:
    """The AWS region serving storage region ``region`` (from CALLREC_AWS_REGIONS)."""
    mapping: dict[str, str] = {}
    for item in settings.aws_regions.split(","):
        name, sep, aws = item.strip().partition("=")
        if not sep or not aws.strip():
            raise UsageError(f"CALLREC_AWS_REGIONS: {item!r} is not region=aws-region")
        mapping[name.strip()] = aws.strip()
    if region not in mapping:
        raise UsageError(f"CALLREC_AWS_REGIONS names no AWS region for {region!r}")
    return mapping[region]


def aws_client(settings: Settings, service: str, region: str):
    """A boto3 client for ``service`` in the AWS region of ``region``."""
    return boto3.session.Session().client(
        service, region_name=aws_region(settings, region), endpoint_url=settings.aws_endpoint_url
    )
