"""Call ids (worker/calls/call_ids.py): a card number in one is refused, the platforms' ids never.

A call id reaches the index entry (plain JSON beside the ciphertext), the metadata, queue
messages, job results and `process --json`: a card number given as one was stored and printed
as given. The platforms' own ids (Twilio SIDs, Amazon Connect contact ids and other UUIDs,
Asterisk unique ids) are random hex or counters, so a card rule that reads them as numbers
refuses real calls: the ticket rule (may_hold_card_number) refused 3.0 % of random SIDs and
1.0 % of random UUIDs, and 9-47 % of Asterisk ids.
"""

from __future__ import annotations

import random
import uuid

import pytest

from tests.cards import luhn_complete
from worker.calls.call_ids import call_id_problem

PAN = luhn_complete("411111111111111")
AMEX = luhn_complete("37828224631000")
#: A card number as a call id, each way it can be written inside one (never printed: the ids).
CARDS = {
    "bare": PAN, "dashed": "-".join(PAN[i:i + 4] for i in range(0, 16, 4)),
    "underscored": "_".join(PAN[i:i + 4] for i in range(0, 16, 4)),
    "amex-grouped": f"{AMEX[:4]}-{AMEX[4:10]}-{AMEX[10:]}", "prefixed": f"call-{PAN}",
    "suffixed": f"{PAN}.wav", "led-by-a-digit-group": "9-" + "-".join(PAN[i:i + 4] for i in range(0, 16, 4)),
    "in-a-path-like-id": f"acme:{PAN}:leg-1",
}


@pytest.mark.parametrize("call_id", list(CARDS.values()), ids=list(CARDS))
def test_a_card_number_in_a_call_id_is_refused_without_echo(call_id: str) -> None:
    problem = call_id_problem(call_id)
    assert problem is not None and problem.startswith("could hold a card number")
    assert PAN[:6] not in problem and AMEX[:6] not in problem


def test_the_platforms_call_ids_are_taken() -> None:
    """20,000 of each, seeded: none refused."""
    rng = random.Random(7)
    hexes = lambda n: "".join(rng.choice("0123456789abcdef") for _ in range(n))  # noqa: E731
    for _ in range(20_000):
        sid = "CA" + hexes(32)
        for call_id in (sid, f"{sid}.RE{hexes(32)}", str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        f"{rng.randrange(1_600_000_000, 1_800_000_000)}.{rng.randrange(1, 10**6)}"):
            assert call_id_problem(call_id) is None, call_id.replace(call_id, "a platform id")  # never echoed


@pytest.mark.parametrize("call_id", ["CA1001", "+15550100", "T.1:a@b_c", "00001012341700000000", "1234567890123"],
                         ids=["sample", "phone", "punctuated", "avaya-ucid-20-digits", "13-digits-not-luhn"])
def test_numbers_that_are_no_card_number_are_taken(call_id: str) -> None:
    assert call_id_problem(call_id) is None
