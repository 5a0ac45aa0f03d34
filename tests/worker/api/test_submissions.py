"""An Idempotency-Key is claimed before anything is submitted: two requests racing with one key and
different bodies cannot both be accepted (found by the audit: both got a 202 in 4 of 5 trials)."""

from __future__ import annotations

import hashlib

import pytest

from vault.keys.local import LocalKeyring
from vault.regional import RegionVault
from vault.stores.local import LocalStore
from vault.vault import Vault
from worker.api.errors import ApiError
from worker.api.submissions import Submitter, idempotency_key


def _vault(root, *regions: str) -> Vault:
    return Vault({region: RegionVault(region, LocalStore(root / "vault" / region, region),
                                      LocalKeyring(root / "keys", region),
                                      key_store=LocalStore(root / "keystore" / region, region))
                  for region in regions})


@pytest.fixture
def vault(tmp_path) -> Vault:
    return _vault(tmp_path, "eu")


def test_a_key_is_claimed_by_the_first_request_before_it_submits(redis_client, vault):
    submitter = Submitter(None, redis_client, vault=vault)
    assert submitter.remembered("acme", "k-1", b"body one") is None  # claimed: this request goes on
    # a second request with another body while the first is still submitting: refused now
    with pytest.raises(ApiError) as refused:
        submitter.remembered("acme", "k-1", b"body two")
    assert (refused.value.status, refused.value.code) == (422, "idempotency_key_reused")
    # the same body (a client's retry) goes on: its job id is the same deterministic one
    assert submitter.remembered("acme", "k-1", b"body one") is None
    submitter.remember("acme", "k-1", b"body one", "call-abc")
    assert submitter.remembered("acme", "k-1", b"body one") == "call-abc"
    assert submitter.remembered("acme", "k-1 ", b"body two") is None  # another key
    assert submitter.remembered("other", "k-1", b"body two") is None  # another account's


def test_a_request_refused_before_it_made_a_job_gives_its_key_back(redis_client, vault):
    submitter = Submitter(None, redis_client, vault=vault)
    assert submitter.remembered("acme", "k-2", b"a bad manifest") is None
    submitter.release("acme", "k-2", b"a bad manifest")
    assert submitter.remembered("acme", "k-2", b"the corrected manifest") is None
    submitter.remember("acme", "k-2", b"the corrected manifest", "call-def")
    submitter.release("acme", "k-2", b"the corrected manifest")  # a job was made: the key stays its
    assert submitter.remembered("acme", "k-2", b"the corrected manifest") == "call-def"


def test_a_retry_of_the_same_json_written_otherwise_is_the_same_request(redis_client, vault):
    """Found by the session-47 audit: the key compared raw bytes, so the same manifest sent again
    re-serialised (indented, keys in another order, as another client library writes it) was
    refused as ``idempotency_key_reused``. JSON bodies are compared as JSON."""
    submitter = Submitter(None, redis_client, vault=vault)
    first = b'{"call_id": "CA1", "ticket_id": "T-1", "n": [1, 2]}'
    again = b'{\n  "ticket_id": "T-1",\n  "call_id": "CA1",\n  "n": [1, 2]\n}'
    assert submitter.remembered("acme", "k-3", first) is None
    submitter.remember("acme", "k-3", first, "call-ghi")
    assert submitter.remembered("acme", "k-3", again) == "call-ghi"
    with pytest.raises(ApiError):
        submitter.remembered("acme", "k-3", b'{"call_id": "CA1", "ticket_id": "T-2", "n": [1, 2]}')
    with pytest.raises(ApiError):
        submitter.remembered("acme", "k-3", b'{"call_id": "CA1", "ticket_id": "T-1", "n": [2, 1]}')  # order in lists counts


@pytest.mark.parametrize("key", ["4111111111111111", "4111-1111-1111-1111", "retry.4111111111111111",
                                 "pay4532015112830366", "4532015112830366x", "4532%2D0151%2D1283%2D0366"])
def test_a_key_is_kept_in_redis_as_a_keyed_mac_nobody_without_the_vault_s_key_can_test_a_guess_against(
        key, redis_client, vault, tmp_path):
    """Session 55's review: a key was kept as its plain SHA-256 in a Redis key's name, and the
    digest of a key holding a card number gives the card back by trying card numbers (a BIN and
    the Luhn check leave about 10^8); the refusal of such keys missed cards glued to letters or
    percent-encoded. A key is kept as a keyed MAC under the first region's index MAC key (in its
    key store, wrapped by its KEK: never in Redis), so any key is taken."""
    assert idempotency_key({"idempotency-key": key}) == key
    Submitter(None, redis_client, vault=vault).remembered("acme", key, b"body")
    names = [name.decode() for name in redis_client.keys("callrec:api:idem:*")]
    assert len(names) == 1 and not any(digit in names[0] for digit in ("4111", "4532"))
    assert hashlib.sha256(key.encode()).hexdigest() not in names[0]
    # the same vault (another process): the same record; another vault's key: another name
    assert Submitter(None, redis_client, vault=vault).remembered("acme", key, b"body") is None
    with pytest.raises(ApiError):
        Submitter(None, redis_client, vault=vault).remembered("acme", key, b"another body")
    other = _vault(tmp_path / "other", "eu")
    assert Submitter(None, redis_client, vault=other).remembered("acme", key, b"another body") is None


@pytest.mark.parametrize("key", ["123e4567-e89b-12d3-a456-426614174000", "CA1008-try-1", "order-2026-12-01-000123",
                                 "01HF8Z2X3Y4W5V6T7S8R9Q0P1N", "4111"])
def test_keys_that_hold_no_card_number_are_taken(key):
    assert idempotency_key({"idempotency-key": key}) == key
