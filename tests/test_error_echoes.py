"""Errors about a malformed or unknown id, name or argument never echo the caller's value
when it could carry digits (a card number joined by separators, ``4111_1111_1111_1111``, is
what the scrubber at the boundaries might miss): they name the argument and what is wrong.
A value without digits may still be named (``'mars' is not one of us, eu, au``)."""

from __future__ import annotations

import argparse

import pytest

from callrec.errors import CallrecError

#: A Luhn-valid number with its groups joined, in the shapes a caller can type.
CARD = ("4111_1111_1111_1111", "4111+1111+1111+1111", "4111/1111/1111/1111", "4111:1111:1111:1111",
        "4111.1111.1111.1111")
#: The cases' names in test ids (pytest prints them): the separator, never the digits.
CARD_IDS = ("underscores", "pluses", "slashes", "colons", "dots")


def message_of(call, *args) -> str:
    with pytest.raises((CallrecError, argparse.ArgumentTypeError)) as info:
        call(*args)
    return str(info.value)


def no_digits_echoed(message: str) -> bool:
    return "1111" not in message and "4111" not in message


@pytest.mark.parametrize("card", CARD, ids=CARD_IDS)
def test_vault_errors_name_the_argument_not_the_value(card):
    from vault.access import Principal
    from vault.regions import check_region, region_of
    from vault.retention import policy_name

    for message in (message_of(region_of, f"rec_eu_{card}"), message_of(check_region, f"eu{card}"),
                    message_of(Principal.parse, f"agent{card}", "acme", frozenset()),
                    message_of(policy_name, f"/acme{card}")):
        assert no_digits_echoed(message), message
    assert "recording id" in message_of(region_of, f"rec_eu_{card}")


@pytest.mark.parametrize("card", CARD, ids=CARD_IDS)
def test_worker_errors_name_the_argument_not_the_value(card, monkeypatch):
    from worker.api.keys import check_account
    from worker.cli.batch import _date, _rate
    from worker.cli.checks import positive as _positive
    from worker.settings import Settings

    messages = [message_of(check_account, f"/{card}"), message_of(_positive, f"x{card}"), message_of(_positive, f"-{card}"),
                message_of(_date, f"day {card}"), message_of(_rate, f"x{card}"), message_of(_rate, f"-{card}")]
    monkeypatch.setenv("CALLREC_MAX_EVENTS", f"x{card}")
    messages.append(message_of(Settings.from_env))
    for message in messages:
        assert no_digits_echoed(message), message


@pytest.mark.parametrize("card", CARD, ids=CARD_IDS)
def test_a_manifest_choice_holding_digits_is_not_echoed(card):
    from tests.worker.calls.test_manifest import change, parse

    message = message_of(parse, change(("account", "plan"), f"gold{card}"))
    assert message.startswith("account.plan: unknown value") and no_digits_echoed(message), message
