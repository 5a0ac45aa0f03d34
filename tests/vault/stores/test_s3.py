"""S3-store specifics: a delete removes every version from a versioned bucket."""

from __future__ import annotations

import uuid

import pytest

from tests.vault.conftest import aws_client
from vault.errors import StoreError
from vault.stores.base import get_bytes, put_bytes
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


def test_the_test_servers_conditional_writes_let_one_of_two_racing_writers_win(store, monkeypatch):
    """moto checks a put's If-None-Match (or If-Match) and then writes: two creates of one name
    racing both passed the check and both won, which S3 never lets happen (found failing:
    test_two_puts_of_one_recording_at_once_store_one[s3], 1 run in 24 under load, at b9fcd3c).
    The suite's server (tests/conftest.py, ``moto_url``) serves its puts one at a time. Here the
    second create comes while the first has checked and not yet written."""
    import threading

    from moto.s3.models import S3Backend

    from tests.conftest import MOTO_PUTS
    from vault.errors import ObjectExistsError

    name = "index/rec_eu_race.json"
    real_put_object = S3Backend.put_object
    second: list = []

    def create_second() -> None:
        try:
            store.create(name, b"second")
            second.append("written")
        except ObjectExistsError:
            second.append("exists")
        with MOTO_PUTS.changed:
            MOTO_PUTS.changed.notify_all()

    def the_other_writer_comes_between_check_and_write(backend, bucket_name, key_name, *args, **kwargs):
        if key_name == name and not racing:
            racing.append(threading.Thread(target=create_second))
            racing[0].start()
            with MOTO_PUTS.changed:  # until it has written, or waits for this put to end
                MOTO_PUTS.changed.wait_for(lambda: second or MOTO_PUTS.waiting)
        return real_put_object(backend, bucket_name, key_name, *args, **kwargs)

    racing: list[threading.Thread] = []
    monkeypatch.setattr(S3Backend, "put_object", the_other_writer_comes_between_check_and_write)
    store.create(name, b"first")
    racing[0].join()
    monkeypatch.undo()
    assert second == ["exists"]
    assert store.read_versioned(name)[0] == b"first"


class _ConflictsFirst:
    """A boto3 S3 client whose first ``conflicts`` conditional puts answer 409 ConditionalRequestConflict,
    as S3 does when another conditional write to the name is in flight (it says: retry)."""

    def __init__(self, inner, conflicts: int):
        self._inner, self._left, self.puts = inner, conflicts, 0

    def put_object(self, **kwargs):
        self.puts += 1
        if self._left and "IfNoneMatch" in kwargs:
            self._left -= 1
            from botocore.exceptions import ClientError
            raise ClientError({"Error": {"Code": "ConditionalRequestConflict", "Message": "retry"}}, "PutObject")
        return self._inner.put_object(**kwargs)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_a_create_that_meets_a_conflicting_conditional_write_asks_again(store):
    """S3 answers a conditional put racing another on the same name with 409, meaning: retry. create
    raised a plain StoreError, so the compare-and-swap loops (audit heads, policy digests) gave up
    where a second ask settles it (written, or ObjectExistsError when the other write won)."""
    client = _ConflictsFirst(store._client, conflicts=1)
    store._client = client
    store.create("seal/audit/r/2026-12-08.json", b"{}")
    assert get_bytes(store, "seal/audit/r/2026-12-08.json") == b"{}"
    assert client.puts == 2
    from vault.errors import ObjectExistsError
    with pytest.raises(ObjectExistsError):
        store.create("seal/audit/r/2026-12-08.json", b"{}")


def test_a_create_that_keeps_meeting_conflicts_fails_as_the_store_s_error(store):
    client = _ConflictsFirst(store._client, conflicts=100)
    store._client = client
    with pytest.raises(StoreError, match="ConditionalRequestConflict") as info:
        store.create("seal/x.json", b"{}")
    assert not info.value.permanent
    assert client.puts == 3
