"""worker.calls.fetch_hosts: the fetch settings' host and token lists."""

from __future__ import annotations

import pytest

from worker.calls.fetch_hosts import HostEntry, parse_hosts, parse_twilio_hosts, parse_twilio_tokens, twilio_sid_accounts
from worker.errors import ManifestError


def test_twilio_tokens_may_name_the_account_each_sid_is_for():
    text = f"acme=AC{'0' * 31}1:tok1, AC{'0' * 31}2:tok2"
    assert parse_twilio_tokens(text) == ((f"AC{'0' * 31}1", "tok1"), (f"AC{'0' * 31}2", "tok2"))
    assert twilio_sid_accounts(text) == {f"AC{'0' * 31}1": "acme"}


def test_host_lists_parse_host_port_and_credentials_and_refuse_what_is_neither():
    assert parse_hosts(" A.example, b.example:8443 ,, u%40x:p%3Aw@C.example:444") == (
        HostEntry("a.example", None), HostEntry("b.example", 8443), HostEntry("c.example", 444, "u@x", "p:w"))
    assert parse_hosts("u@d.example") == (HostEntry("d.example", None, "u", ""),)
    assert parse_twilio_hosts(" API.twilio.com , localhost:8443,") == (("api.twilio.com", None), ("localhost", 8443))
    for text, setting, named in (("a.example:https", "CALLREC_FETCH_HOSTS", "a.example:https"),
                                 ("u:p@:443", "CALLREC_FETCH_HOSTS", ":443"),
                                 ("a.example:x", "CALLREC_TWILIO_HOSTS", "a.example:x"),
                                 (":443", "CALLREC_TWILIO_HOSTS", ":443"),
                                 ("u@api.twilio.com", "CALLREC_TWILIO_HOSTS", "u@api.twilio.com")):
        parse = parse_hosts if setting == "CALLREC_FETCH_HOSTS" else parse_twilio_hosts
        with pytest.raises(ManifestError) as caught:
            parse(text)
        assert str(caught.value) == f"{setting}: entry {named} is not host or host:port"


def test_twilio_tokens_refuse_an_entry_without_sid_or_token_and_name_no_secret():
    sid = "AC" + "0" * 32
    assert parse_twilio_tokens(f" {sid}:tok ,,AC=x:y") == ((sid, "tok"), ("AC=x", "y"))
    assert twilio_sid_accounts(f"acme={sid}:tok,AC=x:y,,beta=noSid") == {sid: "acme", "noSid": "beta"}
    for text in (f"{sid}", f"{sid}:", "acme=XX:s3cret", f"acme={sid}"):
        with pytest.raises(ManifestError) as caught:
            parse_twilio_tokens(text)
        assert str(caught.value) == "CALLREC_TWILIO_AUTH_TOKENS: each entry is AccountSid:AuthToken"
