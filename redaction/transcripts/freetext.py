"""Card data in text without word times: segments, summaries, chapters, entity values.

Text is split at whitespace into tokens; each token gets a time (spread evenly over its
segment, or 0.3 s apiece for free text) so the card logic can run on it as on timed words.
``scrub`` walks a whole JSON document and redacts card data in every free-text string,
leaving the word lists the format handled itself (``skip``) alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from redaction.cards import Entity, find_entities
from redaction.numbers import atoms_of
from redaction.transcripts.base import WriteBack, dump_json, redact_text
from redaction.words import TimedWord

#: Time given to a token of free text (about one spoken word).
TOKEN_S = 0.3
#: Keys whose string values are free text even without a space ("value": "4111111111111111").
FREE_KEYS = frozenset({
    "text", "transcript", "content", "summary", "gist", "headline", "value", "display", "lexical", "itn",
    "maskeditn", "snippet", "sentence", "paragraph", "word", "punctuated_word", "written_form", "spoken_form",
})  # fmt: skip
_TOKEN = re.compile(r"\S+")
_CORE = re.compile(r"[\W_]+")


def spread(texts: Sequence[tuple[str, float, float]]) -> tuple[list[TimedWord], list[tuple[int, re.Match[str]]]]:
    """Timed tokens of ``(text, start_s, end_s)`` items, and for each its (item, match)."""
    words: list[TimedWord] = []
    owners: list[tuple[int, re.Match[str]]] = []
    for k, (text, start_s, end_s) in enumerate(texts):
        tokens = list(_TOKEN.finditer(text))
        step = (end_s - start_s) / max(len(tokens), 1)
        for j, token in enumerate(tokens):
            words.append(TimedWord(start_s + j * step, start_s + (j + 1) * step, token.group()))
            owners.append((k, token))
    return words, owners


def entities_in(texts: Sequence[tuple[str, float, float]]) -> list[tuple[Entity, frozenset[int]]]:
    """Card entities in the items, each with the indices of the items that hold it."""
    words, owners = spread(texts)
    return [(entity, frozenset(owners[i][0] for i in entity.words)) for entity in find_entities(words)]


def redact_texts(texts: Sequence[tuple[str, float, float]], cores: frozenset[str] = frozenset()) -> list[str]:
    """The texts with every token that says card data (or whose core is one of ``cores``,
    digits said elsewhere as card data) redacted, punctuation kept."""
    words, owners = spread(texts)
    hit = {i for entity in find_entities(words) for i in entity.words}
    hit |= {i for i, word in enumerate(words) if cores and core(word.text) in cores}
    tokens: dict[int, list[re.Match[str]]] = {}
    for i in hit:
        k, token = owners[i]
        tokens.setdefault(k, []).append(token)
    return [_replaced(text, tokens.get(k, ())) for k, (text, _, _) in enumerate(texts)]


def _replaced(text: str, tokens: Iterable[re.Match[str]]) -> str:
    """``text`` with each of ``tokens`` (matches in it, none overlapping) redacted, joined once: a
    text rebuilt for each token took a 1 MB transcript's text a minute."""
    pieces, at = [], 0
    for token in sorted({t.start(): t for t in tokens}.values(), key=lambda t: t.start()):
        pieces += [text[at : token.start()], redact_text(token.group())]
        at = token.end()
    return "".join(pieces) + text[at:] if pieces else text


def redact_free(text: str, cores: frozenset[str] = frozenset()) -> str:
    """Free text (no times) with its card data redacted."""
    return redact_texts([(text, 0.0, TOKEN_S * max(1, len(text.split())))], cores)[0]


def core(text: str) -> str:
    """A token's letters and digits, lower case ("4532," -> "4532")."""
    return _CORE.sub("", text).lower()


def digit_cores(texts: Iterable[str]) -> frozenset[str]:
    """Cores with two or more digits among ``texts`` (sensitive words): the same digits in
    free text are card data too ("card ending 0366")."""
    return frozenset(c for c in map(core, texts) if sum(ch.isdigit() for ch in c) >= 2)


def scrub(node: Any, cores: frozenset[str], skip: frozenset[int] = frozenset(), key: str = "",
          near: Callable[[dict[str, Any]], bool] | None = None, numbers: bool = False) -> Any:
    """``node`` (parsed JSON) with card data redacted in every free-text string: strings
    under FREE_KEYS and strings with a space. Mappings whose ``id()`` is in ``skip`` (word
    lists a format redacted itself) are left as they are; in a mapping for which ``near``
    is true, and below it, every number is redacted too."""
    if isinstance(node, dict):
        if id(node) in skip:
            return node
        numbers = numbers or (near is not None and near(node))
        for name, value in node.items():
            node[name] = scrub(value, cores, skip, name, near, numbers)
        return node
    if isinstance(node, list):
        return [scrub(value, cores, skip, key, near, numbers) for value in node]
    if isinstance(node, str) and (key.lower() in FREE_KEYS or any(ch.isspace() for ch in node.strip())):
        text = redact_free(node, cores)
        return redact_numbers(text) if numbers else text
    return node


def redact_numbers(text: str) -> str:
    """Every token that says a number redacted: for derived text (summaries, entity values,
    search snippets) tied to the time of card data, whose digits may be any part of it."""
    numbers = []
    for token in _TOKEN.finditer(text):
        atoms = atoms_of(token.group(), 0)
        if atoms and any(a.kind in _NUMBER_KINDS for a in atoms) and all(a.kind in _NUMBER_KINDS | {"filler"} for a in atoms):
            numbers.append(token)
    return _replaced(text, numbers)


_NUMBER_KINDS = frozenset({"digits", "unit", "teen", "tens", "repeat", "hundred", "thousand"})


def finish(document: Any, sensitive_texts: Iterable[str], skip: Iterable[Any] = (),
           near: Callable[[dict[str, Any]], bool] | None = None, removed: Iterable[str] = ()) -> WriteBack:
    """The write-back of ``document``: free text scrubbed (``scrub``), then dumped.
    ``skip``: word mappings the format redacted itself; ``near``: True for a mapping tied
    to the time of redacted words (its number words are redacted too)."""
    cores = digit_cores(sensitive_texts)
    scrub(document, cores, frozenset(id(item) for item in skip), near=near)
    return WriteBack(dump_json(document), tuple(removed))
