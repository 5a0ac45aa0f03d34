import re

from worker.cli import main


def run(capsys, *argv):
    code = main(["api-keys", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_create_list_revoke(redis_client, capsys):
    from worker.api.keys import KeyStore

    code, out, err = run(capsys, "create", "--account", "acme", "--label", "helpdesk")
    assert code == 0
    text = out.strip()
    assert re.fullmatch(r"crk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", text)
    key_id = text.split("_")[1]
    assert "shown once" in err
    assert KeyStore(redis_client).verify(text).account_id == "acme"
    stored = b"".join(v for v in redis_client.hgetall(f"callrec:api:key:{key_id}").values())
    assert text.split("_", 2)[2].encode() not in stored  # hashed, never the secret

    code, out, _ = run(capsys, "list", "--account", "acme")
    assert code == 0 and out.startswith(f"{key_id}\t") and "active\thelpdesk" in out and text not in out
    assert run(capsys, "list", "--account", "globex")[1] == ""

    assert run(capsys, "revoke", "--account", "globex", key_id)[0] == 2  # not its key
    code, out, _ = run(capsys, "revoke", "--account", "acme", key_id)
    assert code == 0 and out == f"key {key_id} of account acme: revoked\n"
    assert KeyStore(redis_client).verify(text) is None
    assert "revoked" in run(capsys, "list", "--account", "acme")[1]


def test_bad_account_is_exit_2(redis_client, capsys):
    code, _, err = run(capsys, "create", "--account", "no spaces")
    assert code == 2 and "is not a valid account id" in err


def test_an_account_that_could_hold_a_card_number_gets_no_key(redis_client, capsys):
    """Its id would be a Redis key and the account of every manifest sent with the key."""
    for account in ("4111-1111-1111-1111", "acme.4111.1111.1111.1111"):
        code, out, err = run(capsys, "create", "--account", account)
        assert code == 2 and "could hold a card number" in err and "4111" not in out + err
    assert not redis_client.keys("callrec:api:*")
    assert run(capsys, "create", "--account", "INC-2026-12-01-000123")[0] == 0
