"""Source names (worker/calls/source_names.py): a card number in one is masked, the platforms'
names are kept as they are.

A segment's URI is kept in the recording's metadata; the platforms name the files (Connect's
``<ContactId>_<time>_UTC.wav``, Twilio's ``RE<32 hex>``), so a call is never refused for its
file name: the name is kept with the card number's digits masked.
"""

from __future__ import annotations

import random
import uuid

import pytest

from tests.cards import luhn_complete
from worker.calls.source_names import masked_source

PAN = luhn_complete("411111111111111")
AMEX = luhn_complete("37828224631000")


def grouped(number: str, joiner: str, size: int = 4) -> str:
    return joiner.join(number[i:i + size] for i in range(0, len(number), size))


#: A card number in a source's name, each way (never printed: the ids), and the name as kept.
CARDS = {
    "bare": (f"file:{PAN}.wav", "file:################.wav"),
    "dashed": (f"file:legs/{grouped(PAN, '-')}.wav", "file:legs/####-####-####-####.wav"),
    "underscored": (f"s3://b/k/{grouped(PAN, '_')}_leg.wav", "s3://b/k/####_####_####_####_leg.wav"),
    "spaced": (f"/srv/calls/card {grouped(PAN, ' ')}.flac", "/srv/calls/card #### #### #### ####.flac"),
    "amex-grouped": (f"file:{AMEX[:4]}-{AMEX[4:10]}-{AMEX[10:]}.wav", "file:####-######-#####.wav"),
    "led-by-a-digit-group": (f"file:9-{grouped(PAN, '-')}.wav", "file:#-####-####-####-####.wav"),
    "beside-a-contact-id": (f"s3://b/4e3b1c2a-9f0d-4c57-8a2e-1b6f0c9d7e21_{grouped(PAN, '-')}.wav",
                            "s3://b/4e3b1c2a-9f0d-4c57-8a2e-1b6f0c9d7e21_####-####-####-####.wav"),
    "https-path": (f"https://media.example.com/r/{PAN}?x=1", "https://media.example.com/r/################?x=1"),
}


@pytest.mark.parametrize("uri, kept", list(CARDS.values()), ids=list(CARDS))
def test_a_card_number_in_a_source_s_name_is_masked(uri: str, kept: str) -> None:
    assert masked_source(uri) == kept


def hexes(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def platform_names(rng: random.Random) -> tuple[str, ...]:
    """One name of each platform's shape, random where the platform's is."""
    contact = uuid.UUID(int=rng.getrandbits(128), version=4)
    day = f"{rng.randrange(2018, 2027)}/{rng.randrange(1, 13):02d}/{rng.randrange(1, 29):02d}"
    stamp = day.replace("/", "") + f"T{rng.randrange(24):02d}:{rng.randrange(60):02d}"
    return (
        f"s3://amazon-connect-{hexes(rng, 12)}/connect/acme/CallRecordings/{day}/{contact}_{stamp}_UTC.wav",
        f"https://api.twilio.com/2010-04-01/Accounts/AC{hexes(rng, 32)}/Recordings/RE{hexes(rng, 32)}.wav",
        f"file:RE{hexes(rng, 32)}.mp3",
        f"/var/spool/asterisk/monitor/{rng.randrange(1_500_000_000, 1_800_000_000)}.{rng.randrange(1, 10**6)}.wav",
    )


def test_the_platforms_names_are_kept() -> None:
    """20,000 of each shape, seeded: none changed (300,000 each measured: none either)."""
    rng = random.Random(7)
    for _ in range(20_000):
        for uri in platform_names(rng):
            changed = masked_source(uri) != uri  # a boolean: a failure prints no name
            assert not changed


@pytest.mark.parametrize("uri", ["file:CA1001-a.wav", "file:legs/agent.wav", "s3://b/2026/12/02/1234567890123.wav",
                                 f"file:CA{PAN}.wav", "file:10.20.30.40.50.60.70.80.wav", "file:0000-1111-2222-3333.wav"],
                         ids=["sample", "plain", "13-digits-not-luhn", "glued-to-letters", "dotted", "leading-zero"])
def test_names_without_a_card_number_standing_apart_are_kept(uri: str) -> None:
    """A run glued to letters (a SID's shape) or joined by dots is not masked, as in call ids."""
    assert masked_source(uri) == uri
