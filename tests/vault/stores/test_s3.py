"""S3-store specifics: a delete removes every version from a versioned bucket."""

from __future__ import annotations

import uuid

import pytest

from tests.vault.conftest import aws_client
from vault.errors import StoreError
from vault.stores.base import put_bytes
from vault.stores.s3 import S3Store


@pytest.fixture
def store(moto_url):
    s3 = S3Store(aws_client("s3", moto_url, "eu"), f"callrec-eu-{uuid.uuid4().hex[:8]}", "eu")
    s3.ensure_bucket(versioned=True)
    return s3


def versions(store, name):
    listing = store._client.list_object_versions(Bucket=store.bucket, Prefix=name)
    return [v for v in listing.get("Versions", []) + listing.get("DeleteMarkers", []) if v["Key"] == name]


def test_bucket_is_in_the_region(store):
    location = store._client.get_bucket_location(Bucket=store.bucket)["LocationConstraint"]
    assert location == "eu-central-1"


def test_delete_removes_every_version(store):
    for data in (b"v1", b"v2", b"v3"):
        put_bytes(store, "keys/r/audio.1.json", data)
    store._client.delete_object(Bucket=store.bucket, Key="keys/r/audio.1.json")  # a delete marker
    assert len(versions(store, "keys/r/audio.1.json")) == 4
    store.delete("keys/r/audio.1.json")
    assert versions(store, "keys/r/audio.1.json") == []


def test_unreachable_store_is_transient():
    dead = S3Store(aws_client("s3", "http://127.0.0.1:9", "eu"), "callrec-eu", "eu")
    with pytest.raises(StoreError) as info:
        put_bytes(dead, "x", b"y")
    assert not info.value.permanent


def test_a_bucket_in_another_aws_region_takes_no_write(moto_url):
    """Found by the session-47 audit: an EU account's ciphertext, wrapped keys and index went to
    a bucket created in us-east-1 (the default) without a word, though nothing of an EU recording
    may leave the EU. A store bound to an AWS region checks its bucket's location before its
    first write (GetBucketLocation) and refuses every write when it is another region's."""
    from vault.errors import StoreLocationError

    name = f"callrec-eu-{uuid.uuid4().hex[:8]}"
    S3Store(aws_client("s3", moto_url, "us"), name, "us").ensure_bucket()  # us-east-1, by mistake
    store = S3Store(aws_client("s3", moto_url, "eu"), name, "eu", aws_region="eu-central-1")
    for _ in range(2):  # refused every time, not only the first
        with pytest.raises(StoreLocationError, match=f"bucket {name} is in AWS region us-east-1, not eu-central-1"):
            put_bytes(store, "index/x.json", b"{}")
    with pytest.raises(StoreLocationError):
        store.create("index/y.json", b"{}")
    assert list(store.names("")) == []
    right = S3Store(aws_client("s3", moto_url, "eu"), f"callrec-eu-{uuid.uuid4().hex[:8]}", "eu",
                    aws_region="eu-central-1")
    right.ensure_bucket()
    put_bytes(right, "index/x.json", b"{}")
    assert list(right.names("")) == ["index/x.json"]
