"""Free text read in windows: bounded memory, and the same card data found as read whole."""

from __future__ import annotations

import pytest

from redaction.transcripts import freetext

CARD = "my card number is 4111 1111 1111 1111 thanks"
FILLER = "we talked about the weather and the parcel for a while"


def _text(card_at_tokens: list[int], tokens: int) -> str:
    """``tokens`` filler tokens with CARD's tokens starting at each of ``card_at_tokens``."""
    filler, card = FILLER.split(), CARD.split()
    out: list[str] = []
    for at in sorted(card_at_tokens):
        while len(out) < at:
            out.append(filler[len(out) % len(filler)])
        out += card
    while len(out) < tokens:
        out.append(filler[len(out) % len(filler)])
    return " ".join(out)


def test_a_long_free_text_is_redacted_window_by_window_as_it_is_read_whole(monkeypatch) -> None:
    w, margin = freetext.WINDOW_TOKENS, freetext.WINDOW_MARGIN_TOKENS
    # a card at the start, one across the first windows' edge, one in a margin, one at the end
    text = _text([3, w - 5, 2 * w + margin - 2, 3 * w - 9], 3 * w)
    windowed = freetext.redact_free(text)
    assert "1111" not in windowed and windowed.count("is [redacted] [redacted] [redacted] [redacted] thanks") == 4
    # nothing else touched: the tokens that differ are the cards' 16
    assert sum(a != b for a, b in zip(windowed.split(), text.split())) == 16 and len(windowed.split()) == 3 * w
    entities = freetext.entities_in([(text, 0.0, 0.3 * 3 * w)])
    assert [e.entity for e, _ in entities] == ["card_number"] * 4  # each once, the one across the edge too
    starts = [round(e.start_s / 0.3) for e, _ in entities]
    assert starts == [3 + 4, w - 5 + 4, 2 * w + margin - 2 + 4, 3 * w - 9 + 4]  # "my card number is" before
    monkeypatch.setattr(freetext, "WINDOW_TOKENS", 10 * w)  # read whole
    assert freetext.redact_free(text) == windowed
    assert [(e.entity, e.start_s, e.end_s, e.words) for e, _ in freetext.entities_in([(text, 0.0, 0.3 * 3 * w)])] \
        == [(e.entity, e.start_s, e.end_s, e.words) for e, _ in entities]


@pytest.mark.parametrize("tokens", [0, 1, freetext.WINDOW_TOKENS, freetext.WINDOW_TOKENS + 1])
def test_texts_at_a_windows_edges_are_read_once(tokens: int) -> None:
    text = _text([max(0, tokens - 9)] if tokens >= 9 else [], tokens)
    out = freetext.redact_free(text)
    assert len(out.split()) == tokens and out.count("[redacted]") == (4 if tokens >= 9 else 0) and "1111" not in out


def test_a_string_every_word_repeats_is_read_by_the_card_logic_once_a_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every field of a word its reader does not read is scrubbed (session 51), and words repeat
    theirs: 20,000 AWS items' "speaker_label" took 2.6 s more, a card logic run each. A string
    is scrubbed once a document (and remembered for that document only: it is transcript text)."""
    runs: list[str] = []
    real = freetext.redact_free
    monkeypatch.setattr(freetext, "redact_free", lambda text, cores=frozenset(): runs.append(text) or real(text, cores))
    words = [{"word": "well", "speaker_label": f"spk_{k % 2}", "language": "en"} for k in range(1000)]  # "w1" reads as a digit
    document = {"words": words, "summary": "spk_0 said so"}
    freetext.finish(document, ["4111"], words, owned=("word",))
    assert sorted(runs) == ["en", "language", "speaker_label", "spk_0", "spk_0 said so", "spk_1"]  # a word's keys too
    freetext.finish({"words": words}, ["4111"], words, owned=("word",))
    assert len(runs) == 6 + 5  # a new document: read again


@pytest.mark.parametrize(("text", "expected"), [
    ("it's five one [redacted] [redacted], thanks two", "it's [redacted] [redacted] [redacted] [redacted], thanks two"),
    ("[redacted] 4111, 12 and more", "[redacted] [redacted], [redacted] and more"),
    ("two [redacted]", "[redacted] [redacted]"),
    ("takes two minutes", "takes two minutes"),
])
def test_a_number_beside_a_redacted_word_in_free_text_is_redacted(text: str, expected: str) -> None:
    """Text rebuilt from words, some redacted, quotes the rest of their card."""
    assert freetext.redact_free(text) == expected


def test_free_parts_are_read_in_order_as_one_text_each_kept_in_its_place() -> None:
    """A card a group a part (a comment line, a NOTE, a list's string) is card data read together;
    each part comes back on its own, its white space (line ends, U+2029) and an empty part kept."""
    parts = ["# card 4111\n", "", "1111\u2029 1111", "\n", " 1111 thanks\r\n"]
    assert freetext.redact_free_parts(parts) == ["# card [redacted]\n", "", "[redacted]\u2029 [redacted]", "\n",
                                                 " [redacted] thanks\r\n"]
    assert freetext.redact_free_parts([]) == []
    assert freetext.redact_free_parts(["the 4111", "parcel"]) == ["the 4111", "parcel"]


def test_a_number_beside_a_redacted_one_in_the_next_part_is_redacted_too() -> None:
    """The digits said elsewhere (cores) redact "0366"; "1283" beside it in the part before is the
    rest of that card (``beside_redacted`` across the parts, as across a text's tokens)."""
    cores = freetext.digit_cores(["0366"])
    assert freetext.redact_free_parts(["my ref 1283", "0366 ok"], cores) == ["my ref [redacted]", "[redacted] ok"]
    assert freetext.redact_free("my ref 1283 0366 ok", cores) == "my ref [redacted] [redacted] ok"


@pytest.mark.parametrize(("strings", "expected"), [
    (["my card is 4111", "1111 1111", "1111 thanks"], ["my card is [redacted]", "[redacted] [redacted]", "[redacted] thanks"]),
    (["hello there", "card 4111 1111 1111 1111 ok", "bye now"], ["hello there", "card [redacted] [redacted] [redacted] [redacted] ok", "bye now"]),
    (["my ref 1283", "0366 ok", "the parcel"], ["my ref [redacted]", "[redacted] ok", "the parcel"]),  # 0366: said elsewhere
], ids=["split-over-strings", "inside-one-string", "beside-a-redacted-word"])
def test_a_list_s_strings_are_read_by_the_card_logic_together(strings, expected) -> None:
    """A list no reader reads (strings, or mappings' texts) is read as one free text (session 54),
    as well as each string alone (a card the reading together misses: the test below)."""
    cores = freetext.digit_cores(["0366"])
    assert freetext.scrub(list(strings), cores) == expected
    mappings = [{"text": text, "id": k} for k, text in enumerate(strings)]
    assert freetext.scrub({"segments": mappings}, cores) == {
        "segments": [{"text": text, "id": k} for k, text in enumerate(expected)]}
    near = freetext.scrub([{"text": "it took two minutes"}, {"text": "4111 1111 1111 1111"}], cores, near=lambda _: True)
    assert near == [{"text": "it took [redacted] minutes"}, {"text": "[redacted] [redacted] [redacted] [redacted]"}]
    lists = {"a": [["hello there", "bye now"] for _ in range(50)], "b": [["card 4111 1111 1111 1111"]] * 50}
    assert freetext.scrub(lists, cores)["b"] == [["card [redacted] [redacted] [redacted] [redacted]"]] * 50  # read alone


@pytest.mark.parametrize(("strings", "expected"), [
    (["my phone is 1234", "4111111111111111 is my card"], ["my phone is 1234", "[redacted] is my card"]),
    (["ok phone me 1234", "4111111111111111 card four"], ["ok phone me 1234", "[redacted] card [redacted]"]),
    (["call me on 0207", "4111111111111111 thanks"], ["call me on 0207", "[redacted] thanks"]),
], ids=["phone-is", "phone-me", "call-me-on"])
def test_a_card_the_list_read_together_misses_is_found_in_its_string_read_alone(strings, expected) -> None:
    """A phone's lead-in in the string before joins the card's digits into one run the card logic
    takes for no card (reading the strings together); the string read alone finds it. Session 55
    read such strings no more (9cb86bb) and wrote the card back."""
    assert freetext.scrub(list(strings), freetext.NO_CORES) == expected
    mappings = {"segments": [{"text": text} for text in strings]}
    assert freetext.scrub(mappings, freetext.NO_CORES) == {"segments": [{"text": text} for text in expected]}


def test_a_list_s_labels_are_read_as_labels_beside_the_reading_together() -> None:
    """A list's string holding no space is a label (a card's digits said elsewhere redacted in it,
    as glued to letters); it was not read so after its list was read together (9cb86bb): the card
    kept, while beside a redacted word's time ``near`` redacted a spoken numeral in a label."""
    cores = freetext.digit_cores(["4532015112830366"])
    assert freetext.scrub({"refs": ["pay4532015112830366", "vip"]}, cores) == {"refs": ["[redacted]", "vip"]}
    assert freetext.scrub({"refs": ["oh", "security"]}, cores, near=lambda _: True) == {"refs": ["oh", "security"]}


def test_a_key_is_redacted_as_a_value_in_its_place_is() -> None:
    """Session 56's review: keys were read as labels only, so a redacted word's ``"alts": {"four":
    0.9}`` (a number, redacted as a value there) and a spaced key under a mapping tied to a redacted
    word's time ("took two minutes") kept their numbers."""
    word = {"word": " [redacted]", "alts": {"four": 0.9, "it": 0.1}, "4111": {"five": 1}}
    other = {"word": " fine", "alts": {"fine": 0.9}, "1283": 1}
    document = {"words": [word, other]}
    scrubbed = freetext.scrub(document, freetext.NO_CORES, skip=frozenset({id(word), id(other)}),
                              owned=frozenset({"word"}))
    assert scrubbed == {"words": [{"word": " [redacted]", "alts": {"[redacted]": 0.9, "it": 0.1}, "[redacted]": {"[redacted]": 1}},
                                  {"word": " fine", "alts": {"fine": 0.9}, "1283": 1}]}
    note = {"note": {"took two minutes": 1, "2": 2}}
    assert freetext.scrub(note, freetext.NO_CORES, near=lambda _: True) == {"note": {"took [redacted] minutes": 1, "2": 2}}
    assert freetext.scrub({"note": {"took two minutes": 1}}, freetext.NO_CORES) == {"note": {"took two minutes": 1}}


class _CountingDict(dict):  # type: ignore[type-arg]
    """A mapping that counts the membership checks made on it."""

    checks = 0

    def __contains__(self, key: object) -> bool:
        type(self).checks += 1
        return super().__contains__(key)


def test_keys_redacted_alike_are_numbered_in_work_linear_in_their_count() -> None:
    """Review B, item 3: each key redacted like the ones before it counted its number up from 1
    again (``while new in node``), so k keys alike took k²/2 checks (4,000 keys 0.86 s; a hostile
    transcript's 100,000, minutes). A name already taken (a key "[redacted]" to start with) is still
    passed over."""
    cores = freetext.digit_cores(["4532015112830366"])
    k = 2000
    meta = _CountingDict({f"{'a' * (n % 50)}pay4532015112830366{'b' * (n // 50)}": n for n in range(k)})
    meta["vip"] = "x"
    _CountingDict.checks = 0
    scrubbed = freetext.scrub({"meta": meta}, cores)
    assert list(scrubbed["meta"]) == ["[redacted]", *(f"[redacted] ({n})" for n in range(2, k + 1)), "vip"]
    assert list(scrubbed["meta"].values()) == [*range(k), "x"]
    assert _CountingDict.checks <= 2 * (k + 1)  # was k * (k + 1) / 2 + 1
    taken = freetext.scrub({"m": {"[redacted]": 0, "pay4532015112830366": 1, "x3": 2, "4532015112830366": 3}}, cores)
    assert taken == {"m": {"[redacted]": 0, "[redacted] (2)": 1, "x3": 2, "[redacted] (3)": 3}}


def test_a_label_quoting_the_card_with_more_digits_glued_on_is_redacted() -> None:
    """Found beside review B's bench_keys.py (its first line): a label's run of digits was looked up whole,
    so the card said with a digit more joined by a sign ("4532015112830366-0", a provider's id for the
    word's first alternative) was no quote of it and was written back; a run quoting LABEL_QUOTE_DIGITS
    of the card's digits in a row is a quote, whatever is glued on. Shorter runs are still kept."""
    cores = freetext.digit_cores(["4532015112830366"])
    document = {"ref": "4532015112830366-0", "id": "0-4532015112830366", "at": "4532015112830366.0",
                "key": "w_1_453201511283", "ts": "4532.0151", "other": "4111111111111111-0",
                "m": {"4532015112830366-0": 1}}
    assert freetext.scrub(document, cores) == {
        "ref": "[redacted]", "id": "[redacted]", "at": "[redacted]", "key": "[redacted]", "ts": "4532.0151",
        "other": "4111111111111111-0", "m": {"[redacted]": 1}}
