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
from worker.calls.source_names import masked_source, source_name

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
    "dotted": (f"file:legs/{grouped(PAN, '.')}.wav", "file:legs/####.####.####.####.wav"),
    "amex-dotted": (f"file:{AMEX[:4]}.{AMEX[4:10]}.{AMEX[10:]}.wav", "file:####.######.#####.wav"),
    "amex-grouped": (f"file:{AMEX[:4]}-{AMEX[4:10]}-{AMEX[10:]}.wav", "file:####-######-#####.wav"),
    "led-by-a-digit-group": (f"file:9-{grouped(PAN, '-')}.wav", "file:#-####-####-####-####.wav"),
    "beside-a-contact-id": (f"s3://b/4e3b1c2a-9f0d-4c57-8a2e-1b6f0c9d7e21_{grouped(PAN, '-')}.wav",
                            "s3://b/4e3b1c2a-9f0d-4c57-8a2e-1b6f0c9d7e21_####-####-####-####.wav"),
    "https-path": (f"https://media.example.com/r/{PAN}?x=1", "https://media.example.com/r/################"),
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
    """A run glued to letters (a SID's shape) is not masked, as in call ids; nor dotted groups whose
    digits pass no Luhn check."""
    assert masked_source(uri) == uri


# -- what a source's name keeps of a URL --------------------------------------------------------

#: A presigned S3 GET (SigV4, temporary credentials) as boto3's generate_presigned_url writes it:
#: the key id, the session token and the signature are in the query string.
S3_OBJECT = ("https://amazon-connect-6f1d2c3b4a59.s3.us-east-1.amazonaws.com/connect/acme/CallRecordings/"
             "2026/12/02/4e3b1c2a-9f0d-4c57-8a2e-1b6f0c9d7e21_20261202T10:15_UTC.wav")
PRESIGNED = (S3_OBJECT + "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
             "&X-Amz-Credential=ASIAQXYZEXAMPLEKEY7Q%2F20261202%2Fus-east-1%2Fs3%2Faws4_request"
             "&X-Amz-Date=20261202T101700Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
             "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F%2F%2F%2FwEaCXVzLWVhc3QtMSJHMEUCIQDsessiontoken"
             "&X-Amz-Signature=" + "9c" * 32)
TWILIO_MEDIA = ("https://api.twilio.com/2010-04-01/Accounts/AC" + "5e" * 16 + "/Recordings/RE" + "b2" * 16 + ".wav")
#: What must never be kept or shown of a source's URL.
SECRETS = ("ASIAQXYZEXAMPLEKEY7Q", "IQoJb3JpZ2luX2VjEJr", "sessiontoken", "9c" * 32, "X-Amz-", "7d" * 16)

URLS = {
    "presigned-s3": (PRESIGNED, S3_OBJECT),
    "presigned-path-style": (PRESIGNED.replace("amazon-connect-6f1d2c3b4a59.s3.us-east-1.amazonaws.com",
                                               "s3.us-east-1.amazonaws.com/amazon-connect-6f1d2c3b4a59"),
                             S3_OBJECT.replace("amazon-connect-6f1d2c3b4a59.s3.us-east-1.amazonaws.com",
                                               "s3.us-east-1.amazonaws.com/amazon-connect-6f1d2c3b4a59")),
    "twilio-channels": (TWILIO_MEDIA + "?RequestedChannels=2", TWILIO_MEDIA),
    "twilio-basic-auth": (TWILIO_MEDIA.replace("https://", "https://AC" + "5e" * 16 + ":" + "7d" * 16 + "@"),
                          TWILIO_MEDIA),
    "token-in-fragment": ("https://media.example.com/r/a.wav#access_token=" + "7d" * 16,
                          "https://media.example.com/r/a.wav"),
    "port-and-ipv6": ("https://[2001:db8::1]:8443/r/a.wav?sig=" + "7d" * 16, "https://[2001:db8::1]:8443/r/a.wav"),
    "s3-uri-query": ("s3://calls-in/acme/a.wav?versionId=" + "7d" * 16, "s3://calls-in/acme/a.wav"),
    "no-query": (S3_OBJECT, S3_OBJECT),
}


@pytest.mark.parametrize("uri, kept", list(URLS.values()), ids=list(URLS))
def test_a_url_keeps_only_what_names_the_object(uri: str, kept: str) -> None:
    """Scheme, host (and port) and path: no user info, query string or fragment, where a
    presigned URL carries its credential, session token and signature."""
    assert source_name(uri) == kept
    assert masked_source(uri) == kept
    leaked = [secret for secret in SECRETS if secret in source_name(uri)]
    assert leaked == []


@pytest.mark.parametrize("uri", ["file:CA1001-a.wav", "file:take #2?.wav", "/srv/calls/a?b#c.wav",
                                 "file:///srv/calls/a.wav", "file:legs/agent.wav"])
def test_local_names_are_kept_whole(uri: str) -> None:
    """A local file's name is no URL: a ``?`` or ``#`` in it is part of the name."""
    assert source_name(uri) == uri


def test_a_card_number_in_a_presigned_url_s_path_is_masked_and_its_query_dropped() -> None:
    uri = S3_OBJECT.replace("_UTC.wav", f"_UTC/{grouped(PAN, '-')}.wav") + PRESIGNED[len(S3_OBJECT):]
    assert masked_source(uri) == S3_OBJECT.replace("_UTC.wav", "_UTC/####-####-####-####.wav")


@pytest.mark.parametrize("digits", [
    lambda d: chr(0xFF10 + int(d)),  # fullwidth
    lambda d: chr(0x0660 + int(d)),  # Arabic-Indic
    lambda d: "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"[int(d)],  # superscript
], ids=["fullwidth", "arabic-indic", "superscript"])
def test_a_card_number_in_a_source_s_name_in_other_digits_is_masked(digits) -> None:
    """Session 56's red team: a name was read for ASCII digits only, so a leg named with the card
    number in fullwidth, Arabic-Indic or superscript digits was kept whole in the recording's metadata
    (``digests.inputs``, stored and served by GET /v1/recordings/{id}) where its ASCII form is masked.
    Every digit is read as the decimal digit it is, and masked so."""
    written = "".join(map(digits, PAN))
    assert masked_source(f"file:legs/{grouped(written, '-')}.wav") == "file:legs/####-####-####-####.wav"
    assert masked_source(f"file:{written}.wav") == "file:################.wav"


def escaped(text: str) -> str:
    """``text`` with every character percent-escaped (its UTF-8 bytes)."""
    return "".join(f"%{byte:02X}" for byte in text.encode())


def fullwidth(text: str) -> str:
    """``text``'s digits and hyphens in their fullwidth forms."""
    return "".join(chr(0xFF10 + int(ch)) if ch.isdigit() else "\uff0d" if ch == "-" else ch for ch in text)


#: A card number in a name as it is read (the manifest reader unescapes a file: URI, NFKC folds fullwidth
#: forms, nothing is shown of format characters and combining marks), and the name as kept.
READ_CARDS = {
    "percent-escaped": (f"file:{escaped(PAN)}.wav", "file:################.wav"),
    "fullwidth-hyphens": (f"file:{fullwidth(grouped(PAN, '-'))}.wav", "file:####-####-####-####.wav"),
    "escaped-zero-width": (f"file:legs/{grouped(PAN, '%E2%80%8B')}.wav", "file:legs/################.wav"),
    "escaped-soft-hyphen": (f"https://media.example.com/{grouped(PAN, '%C2%AD')}", "https://media.example.com/"
                            "################"),
    "combining-marks": ("/srv/calls/" + "".join(d + "\u0303" for d in PAN) + ".wav", "/srv/calls/################.wav"),
    "beside-one-written": (f"file:{grouped(PAN, '-')}-{escaped(PAN)}.wav",
                           "file:####-####-####-####-################.wav"),
}


@pytest.mark.parametrize("uri, kept", READ_CARDS.values(), ids=READ_CARDS)
def test_a_card_number_in_a_source_s_name_as_it_is_read_is_masked(uri, kept) -> None:
    """Session 56's review: a name was judged as written (its digits folded one for one), so a leg
    named with the card percent-escaped (which the manifest reader unescapes to open the card-named
    file), in fullwidth digits joined by fullwidth hyphens, or joined by escaped zero-width spaces or
    soft hyphens, or with a combining mark on each digit, was kept whole in the recording's metadata.
    The name is judged as written and as read; one whose reading holds a card is kept as read, masked."""
    from worker.calls.source_names import holds_card_number

    assert holds_card_number(uri)
    assert masked_source(uri) == kept


@pytest.mark.parametrize("uri", ["file:CA1%20leg%2Da.wav", "file:%31%32%33-%34.wav", "/srv/calls/caf\u00e9\u0301 1.wav",
                                 "file:\uff11\uff12\uff13.wav", "file:%E2%80%8B4111.wav"])
def test_a_name_whose_reading_holds_no_card_number_is_kept_as_written(uri) -> None:
    from worker.calls.source_names import holds_card_number

    assert not holds_card_number(uri)
    assert masked_source(uri) == uri


@pytest.mark.parametrize("uri, kept", [
    ("file:CA-sur-1-\udc80a.wav", "file:CA-sur-1-\\x80a.wav"),  # os.fsdecode's escape of the byte 0x80
    ("/srv/calls/caf\udce9-\udcff\udcfe.wav", "/srv/calls/caf\\xe9-\\xff\\xfe.wav"),  # a Latin-1 name
    (f"file:\udce9{PAN}.wav", "file:\\xe9################.wav"),  # masked before: the escape glues "e9" on
    ("file:" + "".join(chr(0xDC00 + b) for b in "\uff14".encode()) + PAN[1:] + ".wav",  # "４" in escaped bytes
     "file:################.wav"),
    ("file:CA-\ud800.wav", "file:CA-\\ud800.wav"),  # no manifest takes it: an older record's
])
def test_a_local_name_s_undecodable_bytes_are_kept_as_escapes_that_can_be_written(uri, kept) -> None:
    """Session 56's review: a local name holding a byte that is not UTF-8 (as Python's os.fsdecode
    reads it, "\\udc80") was kept so in ``digests.inputs``, which no UTF-8 writer can encode: GET
    /v1/recordings/{id} was a 500. The file is read as named; its name is kept with each such byte
    as ``\\xNN``, as ``ls -b`` shows it."""
    from worker.calls.source_names import with_inputs_named

    assert masked_source(uri) == kept
    kept.encode("utf-8")
    assert with_inputs_named({"digests": {"inputs": [{"uri": uri, "sha256": "ab"}]}}) == {
        "digests": {"inputs": [{"uri": kept, "sha256": "ab"}]}}
