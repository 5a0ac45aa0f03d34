"""The vault factory: backends and regions chosen by settings."""

from __future__ import annotations

import pytest

from vault.keys.kms import KmsKeyProvider
from vault.keys.local import LocalKeyring
from vault.stores.local import LocalStore
from vault.stores.s3 import S3Store
from worker.errors import UsageError
from worker.settings import Settings
from worker.vaults import aws_region, build_vault


def test_local_defaults(tmp_path):
    vault = build_vault(Settings(data_dir=tmp_path))
    assert vault.regions == ("us", "eu", "au")
    eu = vault.region("eu")
    assert isinstance(eu.store, LocalStore) and eu.store.root == tmp_path / "vault" / "eu"
    assert isinstance(eu.key_store, LocalStore) and eu.key_store.root == (tmp_path / "keystore" / "eu").resolve()
    assert isinstance(eu.keys, LocalKeyring) and eu.keys.path == tmp_path / "keys" / "eu.json"


def test_served_regions(tmp_path):
    assert build_vault(Settings(data_dir=tmp_path, regions="eu, au")).regions == ("eu", "au")
    with pytest.raises(UsageError, match="setting CALLREC_REGIONS: 'eu,mars': give one or more of us, eu, au"):
        build_vault(Settings(data_dir=tmp_path, regions="eu,mars"))


def test_aws_backends_are_bound_to_the_region(tmp_path):
    settings = Settings(data_dir=tmp_path, store="s3", keys="kms", s3_bucket="rec-{region}",
                        kms_key="alias/k-{region}", aws_endpoint_url="http://127.0.0.1:9")
    au = build_vault(settings, regions=("au",)).region("au")
    assert isinstance(au.store, S3Store) and au.store.bucket == "rec-au"
    assert isinstance(au.key_store, S3Store) and au.key_store.bucket == "callrec-keys-au"
    assert au.key_store._client.meta.region_name == "ap-southeast-2"
    assert au.store._client.meta.region_name == "ap-southeast-2"
    assert au.store.aws_region == au.key_store.aws_region == "ap-southeast-2"  # their buckets' location checked
    assert isinstance(au.keys, KmsKeyProvider) and au.keys.key_id == "alias/k-au"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("store", "ftp", "setting CALLREC_STORE: 'ftp' is not one of local, s3"),
    ("keys", "hsm", "setting CALLREC_KEYS: 'hsm' is not one of local, kms"),
])
def test_unknown_backends(tmp_path, field, value, message):
    with pytest.raises(UsageError, match=message):
        build_vault(Settings(data_dir=tmp_path, **{field: value}))


def test_aws_region_mapping():
    assert aws_region(Settings(), "eu") == "eu-central-1"
    with pytest.raises(UsageError, match="no AWS region for 'au'"):
        aws_region(Settings(aws_regions="us=us-east-1"), "au")
    with pytest.raises(UsageError, match="not region=aws-region"):
        aws_region(Settings(aws_regions="us"), "us")


@pytest.mark.parametrize("key_dir", ["{data}/vault", "{data}/vault/keys", "{data}/keystore/../vault"])
def test_key_store_must_be_apart_from_the_object_store(tmp_path, key_dir):
    settings = Settings(data_dir=tmp_path, key_store_dir=key_dir.format(data=tmp_path))
    with pytest.raises(UsageError, match="the key store must be apart from the object store"):
        build_vault(settings, regions=("eu",))


def test_key_bucket_must_be_a_bucket_of_its_own(tmp_path):
    with pytest.raises(UsageError, match="setting CALLREC_S3_KEY_BUCKET: 'rec-us' is the recordings' bucket "
                                         r"\(CALLREC_S3_BUCKET\): the key store must be a bucket of its own"):
        Settings(data_dir=tmp_path, store="s3", s3_bucket="rec-{region}", s3_key_bucket="rec-{region}",
                 aws_endpoint_url="http://127.0.0.1:9")


def test_key_store_dir_setting(tmp_path):
    settings = Settings.from_env({"CALLREC_DATA_DIR": str(tmp_path / "d"), "CALLREC_KEY_STORE_DIR": str(tmp_path / "k")})
    assert build_vault(settings, regions=("au",)).region("au").key_store.root == (tmp_path / "k" / "au").resolve()
