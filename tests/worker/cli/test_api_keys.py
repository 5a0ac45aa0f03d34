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


def test_a_label_that_could_hold_card_data_is_refused_without_echo(redis_client, capsys):
    """A label is free text kept in Redis and printed by ``api-keys list``: refused as the other
    free text (``delete --reason``) is, naming --label, never echoed; nothing stored."""
    from tests.cards import luhn_complete

    pan = luhn_complete("411111111111111")
    for label in (f"zendesk {pan}", "-".join(pan[i:i + 4] for i in range(0, 16, 4)),
                  f"card {pan[:4]} {pan[4:8]} {pan[8:12]} {pan[12:]}", "expires 0527"):
        code, out, err = run(capsys, "create", "--account", "acme", "--label", label)
        echoed = pan[:4] in out + err or pan[-4:] in out + err or "0527" in out + err  # a boolean: no digits printed
        assert (code, err.count("--label"), echoed) == (2, 1, False)
    assert not redis_client.keys("callrec:api:*")
    assert run(capsys, "create", "--account", "acme", "--label", "zendesk-prod eu1")[0] == 0


def test_a_label_stored_before_the_check_is_listed_with_its_digit_runs_hidden(redis_client, capsys):
    from tests.cards import luhn_complete

    pan = luhn_complete("411111111111111")
    code, out, _ = run(capsys, "create", "--account", "acme", "--label", "helpdesk")
    key_id = out.strip().split("_")[1]
    redis_client.hset(f"callrec:api:key:{key_id}", "label", f"old {pan}")  # as an earlier version kept it
    code, out, _ = run(capsys, "list", "--account", "acme")
    echoed = pan[:4] in out or pan[-4:] in out  # a boolean: no digits printed
    assert (code, echoed, out.rstrip("\n").endswith("\told " + "#" * 16)) == (0, False, True)


def test_a_key_id_holds_no_card_shaped_run(redis_client, monkeypatch):
    """A key's id is named in jobs (who asked for a deletion) and the audit trail, which refuse
    card-shaped digit runs: about 1 random id in 1000 held one, and is drawn again."""
    import secrets

    from worker.api.keys import KeyStore

    made = iter(["4111111111111111", "1acf51902a83b685"])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(made))
    record, _ = KeyStore(redis_client).create("acme")
    assert record.key_id == "1acf51902a83b685"
