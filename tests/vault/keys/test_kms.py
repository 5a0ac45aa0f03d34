"""The KMS key provider against moto's server on 127.0.0.1."""

from __future__ import annotations

import io
import uuid

import pytest

from tests.vault.conftest import aws_client
from vault import envelope
from vault.context import ArtifactRef
from vault.errors import DecryptionError, KeyProviderError, VaultInputError
from vault.keys.kms import KmsKeyProvider

REF = ArtifactRef("rec_eu_" + "12" * 16, "acme", "eu", "audio")


@pytest.fixture
def alias() -> str:
    return f"alias/callrec-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def kms(moto_url):
    return aws_client("kms", moto_url, "eu")


def test_creates_key_on_first_use_and_round_trips(kms, alias):
    keys = KmsKeyProvider(kms, "eu", alias)
    out = io.BytesIO()
    wrapped = envelope.encrypt_stream(io.BytesIO(b"audio" * 100), out, keys, REF)
    assert wrapped.key_id == alias and wrapped.version.startswith("arn:aws:kms:eu-central-1:")
    back = io.BytesIO()
    envelope.decrypt_stream(io.BytesIO(out.getvalue()), back, wrapped, keys, REF)
    assert back.getvalue() == b"audio" * 100


def test_encryption_context_binds_the_artifact(kms, alias):
    keys = KmsKeyProvider(kms, "eu", alias)
    out = io.BytesIO()
    wrapped = envelope.encrypt_stream(io.BytesIO(b"x"), out, keys, REF)
    other = ArtifactRef(REF.recording_id, "acme", "eu", "metadata")
    with pytest.raises(DecryptionError):
        envelope.unwrap_data_key(wrapped, keys, other)


def test_rotate_rewrap_retire(kms, alias):
    keys = KmsKeyProvider(kms, "eu", alias)
    out = io.BytesIO()
    wrapped = envelope.encrypt_stream(io.BytesIO(b"x"), out, keys, REF)
    first = wrapped.version
    second = keys.rotate()
    assert second != first and keys.primary()[0] == second
    assert keys.versions() == (first, second)
    again = envelope.rewrap(wrapped, keys, REF)
    assert again.version == second
    with pytest.raises(VaultInputError):
        keys.retire(second)
    keys.retire(first)
    assert keys.versions() == (second,)
    # Real KMS then refuses to decrypt with the old key; moto does not enforce key states.
    assert kms.describe_key(KeyId=first)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    back = io.BytesIO()
    envelope.decrypt_stream(io.BytesIO(out.getvalue()), back, again, keys, REF)
    assert back.getvalue() == b"x"


def test_a_key_the_operator_made_stays_a_version_after_a_rotation(kms, alias):
    """Found by the session-47 audit: with the KMS key and alias made by the operator (Terraform:
    no callrec tag), the first rotation dropped that key from ``versions()``: ``keys status`` then
    called every data key under it unreadable (they decrypted fine), and ``keys rewrap`` never
    retired it. A rotation tags the key it moves the alias from."""
    made = kms.create_key(Description="made by the operator")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=alias, TargetKeyId=made)
    keys = KmsKeyProvider(kms, "eu", alias, create=False)
    assert keys.versions() == (made,)
    second = keys.rotate()
    assert keys.versions() == (made, second)
    keys.retire(made)
    assert keys.versions() == (second,)


def test_missing_alias_without_create(kms, alias):
    with pytest.raises(KeyProviderError, match="does not exist"):
        KmsKeyProvider(kms, "eu", alias, create=False).primary()


def test_alias_required(kms):
    with pytest.raises(VaultInputError, match="alias"):
        KmsKeyProvider(kms, "eu", "1234abcd")


def test_unreachable_kms_is_transient():
    from tests.vault.conftest import aws_client as client

    keys = KmsKeyProvider(client("kms", "http://127.0.0.1:9", "eu"), "eu", "alias/x")
    with pytest.raises(KeyProviderError) as info:
        keys.primary()
    assert not info.value.permanent


def test_region_vault_on_kms_and_s3(kms, alias, moto_url):
    from tests.vault.conftest import make_entry
    from vault.regional import RegionVault
    from vault.stores.s3 import S3Store

    store = S3Store(aws_client("s3", moto_url, "eu"), f"callrec-eu-{uuid.uuid4().hex[:8]}", "eu")
    store.ensure_bucket()
    key_store = S3Store(aws_client("s3", moto_url, "eu"), f"callrec-keys-eu-{uuid.uuid4().hex[:8]}", "eu")
    key_store.ensure_bucket()
    rv = RegionVault("eu", store, KmsKeyProvider(kms, "eu", alias), key_store=key_store)
    entry = rv.put(make_entry("eu"), {"audio": io.BytesIO(b"RIFF-audio"), "metadata": io.BytesIO(b"{}")})
    first = entry.key_versions()
    rv.keys.rotate()
    assert rv.retire_unused() == ()
    assert rv.rewrap(entry.recording_id) == 2
    assert rv.retire_unused() == first
    out = io.BytesIO()
    rv.read(rv.get(entry.recording_id), "audio", out)
    assert out.getvalue() == b"RIFF-audio"
    rv.delete(entry.recording_id, actor="operator", reason="request")
    assert [n for n in store.names("") if not n.startswith("audit/")] == [f"index/{entry.recording_id}.json"]


class CountingClient:
    """A KMS client that counts the calls made through it, by operation."""

    def __init__(self, inner):
        self._inner = inner
        self.calls: dict[str, int] = {}

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def counted(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            return attr(*args, **kwargs)
        return counted


def test_a_recording_write_resolves_the_current_key_version_once(kms, alias, moto_url):
    """Found in session 47: every artifact of a write asked KMS for the alias's key twice (its
    data key wrapped under ``primary()``, then ``current()`` to see it was not retired meanwhile):
    six round trips for a call's three artifacts. The write resolves the version once and checks
    it once; each artifact's data key is still wrapped by KMS (one Encrypt each), and a rotation
    is seen by the next write."""
    from tests.vault.conftest import make_entry
    from vault.regional import RegionVault
    from vault.stores.s3 import S3Store

    def bucket(name: str) -> S3Store:
        store = S3Store(aws_client("s3", moto_url, "eu"), f"{name}-{uuid.uuid4().hex[:8]}", "eu")
        store.ensure_bucket()
        return store

    client = CountingClient(kms)
    rv = RegionVault("eu", bucket("callrec-eu"), KmsKeyProvider(client, "eu", alias), key_store=bucket("callrec-keys"))
    artifacts = lambda: {"audio": io.BytesIO(b"RIFF"), "metadata": io.BytesIO(b"{}"),  # noqa: E731
                         "transcript": io.BytesIO(b"[redacted]")}
    rv.put(make_entry("eu", "CA1"), artifacts())  # makes the key and the index MAC key
    client.calls.clear()
    entry = rv.put(make_entry("eu", "CA2"), artifacts())
    assert (client.calls.get("describe_key"), client.calls.get("encrypt")) == (2, 3)
    new = rv.keys.rotate()
    client.calls.clear()
    rewritten = rv.replace(entry.recording_id, artifacts())
    assert (client.calls.get("describe_key"), client.calls.get("encrypt")) == (2, 3)
    assert rewritten.key_versions() == (new,) != entry.key_versions()
    rv.keys.rotate()
    client.calls.clear()
    assert rv.rewrap(entry.recording_id) == 3  # a re-wrap too resolves the primary once, not per key,
    # and checks it once before it replaces the first key (it replaces the only copy of each)
    assert (client.calls.get("describe_key"), client.calls.get("encrypt")) == (2, 3)
