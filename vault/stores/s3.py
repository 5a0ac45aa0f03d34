"""The S3 object store: one bucket per region, reached through a boto3 client for it.

A write is staged in a local temporary file (ciphertext only) and uploaded when the block
ends; S3 makes an object visible only when its upload completes (boto3 aborts a failed
multipart upload), so a failed write leaves no partial object. A delete removes every
version and delete marker of the name, so nothing recovers it from a versioned bucket.
``create`` is a conditional write (``If-None-Match: *``), S3's compare-and-swap for new names;
``replace_if`` is the one for existing names (``If-Match: <ETag>``, the ETag read with it).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from botocore.exceptions import BotoCoreError, ClientError

from vault.errors import ObjectChangedError, ObjectExistsError, ObjectMissingError, StoreError, StoreLocationError
from vault.regions import check_region

#: Staged writes stay in memory up to this size, then spill to a temporary file.
_SPOOL_BYTES = 8 << 20
_MISSING = {"NoSuchKey", "404", "NotFound"}
_CONFLICT = {"ConditionalRequestConflict", "409"}
_CHANGED = {"PreconditionFailed", "412", *_CONFLICT}
#: How often ``create`` asks when S3 answers that another conditional write raced it.
_CONFLICT_TRIES = 3


class S3Store:
    """Objects in one S3 bucket (the region's own). With ``aws_region`` (the AWS region serving
    ``region``), the bucket's location is checked before the store's first write, and a bucket
    elsewhere takes no write (StoreLocationError): a bucket created with the SDK's default
    region held an EU account's recordings in us-east-1 (session-47 audit)."""

    def __init__(self, client: Any, bucket: str, region: str, *, aws_region: str | None = None):
        self.region = check_region(region)
        self.bucket = bucket
        self.aws_region = aws_region
        self._client = client
        self._located = aws_region is None

    def _check_location(self) -> None:
        """StoreLocationError unless the bucket is in ``aws_region`` (checked once, when it is)."""
        if self._located:
            return
        try:
            response = self._client.get_bucket_location(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) in ("NoSuchBucket", *_MISSING):
                return  # the write fails on its own, naming the bucket
            if _code(exc) in ("AccessDenied", "403"):
                raise StoreLocationError(f"S3 {self.region}: cannot check that bucket {self.bucket} is in AWS region "
                                         f"{self.aws_region} (allow s3:GetBucketLocation): nothing is written") from None
            raise self._error("get_bucket_location", exc) from exc
        except BotoCoreError as exc:
            raise self._error("get_bucket_location", exc) from exc
        location = response.get("LocationConstraint") or "us-east-1"  # S3 names us-east-1 by nothing
        location = {"EU": "eu-west-1"}.get(location, location)  # and eu-west-1, in old buckets, "EU"
        if location != self.aws_region:
            raise StoreLocationError(f"S3 {self.region}: bucket {self.bucket} is in AWS region {location}, not "
                                     f"{self.aws_region}, which serves region {self.region} (CALLREC_AWS_REGIONS): "
                                     "nothing is written")
        self._located = True

    def ensure_bucket(self, *, versioned: bool = True) -> None:
        """Create the bucket in the client's AWS region when it does not exist."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _code(exc) not in _MISSING and _code(exc) != "NoSuchBucket":
                raise self._error("head_bucket", exc) from exc
        aws_region = self._client.meta.region_name
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if aws_region and aws_region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": aws_region}
        self._request("create_bucket", **kwargs)
        if versioned:
            self._request(
                "put_bucket_versioning", Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"}
            )

    @contextlib.contextmanager
    def writer(self, name: str) -> Iterator[BinaryIO]:
        self._check_location()
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as staged:
            yield staged  # type: ignore[misc]
            staged.seek(0)
            try:
                with self._mapped("upload"):
                    self._client.upload_fileobj(staged, self.bucket, name)
            except StoreError:
                raise
            except Exception as exc:  # boto3's S3UploadFailedError and transfer errors
                raise StoreError(f"S3 {self.region}: upload of {name} failed ({type(exc).__name__})") from exc

    def create(self, name: str, data: bytes) -> None:
        """S3's conditional write (``If-None-Match: *``): of two writers exactly one wins. S3 answers
        one racing another conditional write to the name with 409 ConditionalRequestConflict ("retry"):
        asked again, up to ``_CONFLICT_TRIES`` times in all, then a StoreError (transient)."""
        self._check_location()
        with self._mapped("put_object"):
            for tries_left in range(_CONFLICT_TRIES - 1, -1, -1):
                try:
                    self._client.put_object(Bucket=self.bucket, Key=name, Body=data, IfNoneMatch="*")
                    return
                except ClientError as exc:
                    if _code(exc) in ("PreconditionFailed", "412"):
                        raise ObjectExistsError(f"{self.region} store has an object {name} already") from None
                    if _code(exc) not in _CONFLICT or not tries_left:
                        raise

    def read_versioned(self, name: str) -> tuple[bytes, str]:
        response = self._get(name)
        with self._mapped("get_object"), contextlib.closing(response["Body"]) as body:
            return body.read(), response["ETag"]

    def replace_if(self, name: str, data: bytes, version: str) -> None:
        """S3's conditional write (``If-Match: <ETag>``): 412 when the object changed, 404
        when it is gone, 409 when another conditional write raced it (S3 says: read again)."""
        self._check_location()
        with self._mapped("put_object"):
            try:
                self._client.put_object(Bucket=self.bucket, Key=name, Body=data, IfMatch=version)
            except ClientError as exc:
                if _code(exc) in _CHANGED | _MISSING:
                    raise ObjectChangedError(f"{self.region} store: {name} changed since it was read") from None
                raise

    def _get(self, name: str) -> dict:
        """``get_object``'s response; ObjectMissingError when there is no such object."""
        with self._mapped("get_object", missing=name):
            return self._client.get_object(Bucket=self.bucket, Key=name)

    @contextlib.contextmanager
    def reader(self, name: str) -> Iterator[BinaryIO]:
        body = self._get(name)["Body"]
        with contextlib.closing(body):
            yield io.BufferedReader(_BodyReader(body, self), buffer_size=1 << 20)  # type: ignore[misc]

    def read_range(self, name: str, start: int, length: int) -> tuple[bytes, int]:
        """One ranged GET: the bytes and, from its Content-Range, the object's size."""
        if length <= 0:
            return b"", self._size(name)
        with self._mapped("get_object", missing=name):
            try:
                response = self._client.get_object(Bucket=self.bucket, Key=name,
                                                   Range=f"bytes={start}-{start + length - 1}")
            except ClientError as exc:
                if _code(exc) not in ("InvalidRange", "416"):
                    raise
                response = None  # from at or past its end
            if response is None:
                return b"", self._size(name)
            with contextlib.closing(response["Body"]) as body:
                data = body.read()
        total = str(response.get("ContentRange", "")).rpartition("/")[2]
        if not total.isdigit():  # the range ignored: the whole object came
            return data[start:start + length], len(data)
        return data, int(total)

    def _size(self, name: str) -> int:
        with self._mapped("head_object", missing=name):
            return int(self._client.head_object(Bucket=self.bucket, Key=name)["ContentLength"])

    def delete(self, name: str) -> None:
        paginator = self._client.get_paginator("list_object_versions")
        with self._mapped("delete"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=name):
                doomed = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                    if v["Key"] == name
                ]
                if doomed:
                    result = self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": doomed, "Quiet": True})
                    if result.get("Errors"):
                        raise StoreError(f"S3 {self.region}: delete of {name} failed ({result['Errors'][0].get('Code')})")

    def names(self, prefix: str) -> Iterator[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        with self._mapped("list"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield obj["Key"]

    def discard_partial(self, prefix: str) -> int:
        """Nothing to do: a killed writer's staging file was unlinked from the start and its
        unfinished multipart upload is invisible (the bucket's lifecycle rule
        AbortIncompleteMultipartUpload reclaims the parts)."""
        return 0

    def _request(self, operation: str, **kwargs: Any) -> dict:
        with self._mapped(operation):
            return getattr(self._client, operation)(**kwargs)

    @contextlib.contextmanager
    def _mapped(self, operation: str, missing: str | None = None) -> Iterator[None]:
        """boto's errors as the store's: StoreError naming ``operation`` (and S3's error code, never
        a key's content), or ObjectMissingError when S3 says there is no object ``missing``."""
        try:
            yield
        except ClientError as exc:
            if missing is not None and _code(exc) in _MISSING:
                raise ObjectMissingError(f"{self.region} store has no object {missing}") from None
            raise self._error(operation, exc) from exc
        except BotoCoreError as exc:
            raise self._error(operation, exc) from exc

    def _error(self, operation: str, exc: Exception) -> StoreError:
        code = _code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        return StoreError(f"S3 {self.region} ({self.bucket}): {operation} failed ({code})")


class _BodyReader(io.RawIOBase):
    """botocore's StreamingBody as a raw stream, its errors translated."""

    def __init__(self, body: Any, store: S3Store):
        self._body = body
        self._store = store

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        with self._store._mapped("read"):
            data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "unknown"))
    return type(exc).__name__
