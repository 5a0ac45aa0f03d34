"""Card data in text without word times: segments, summaries, chapters, entity values.

Text is split at whitespace into tokens; each token gets a time (spread evenly over its
segment, or 0.3 s apiece for free text) so the card logic can run on it as on timed words.
``scrub`` walks a whole JSON document and redacts card data in every free-text string,
leaving the fields a format owns of the words it handled itself (``skip``) to it;
``redact_word_texts`` reads those words' texts, copies of them too, as free text in order (a
copy may say card data the words read do not). A number beside a redacted word goes too
(``beside_redacted``: text rebuilt from words quotes the rest of their card).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
import dataclasses
from dataclasses import dataclass, replace
from typing import Any

from redaction.cards import Entity, find_entities
from redaction.numbers import atoms_of, grouped_digits, plain
from redaction.transcripts.base import PLACEHOLDER, WriteBack, dump_json, redact_text
from redaction.transcripts.quotes import NO_CORES, Cores, quoting, said_digits
from redaction.words import TimedWord

#: Time given to a token of free text (about one spoken word).
TOKEN_S = 0.3
#: Keys whose string values are free text even without a space ("value": "4111111111111111").
FREE_KEYS = frozenset({
    "text", "transcript", "content", "summary", "gist", "headline", "value", "display", "lexical", "itn",
    "maskeditn", "snippet", "sentence", "paragraph", "word", "punctuated_word", "written_form", "spoken_form",
    "displaytext",
})  # fmt: skip
#: A token of free text: a run of non-space characters (what the card logic reads as a word).
TOKEN = re.compile(r"\S+")
_CORE = re.compile(r"[\W_]+")
#: Digits in a row that quote card data where no speech is written (a label, an id, a number): a
#: card number's first twelve (a time in ms or 100 ns ticks of a call never has as many).
LABEL_QUOTE_DIGITS = 12
_LABEL_RUNS = re.compile(f"[0-9]{{{LABEL_QUOTE_DIGITS},}}")


#: The card logic reads free text in windows of WINDOW_TOKENS tokens (each with WINDOW_MARGIN_TOKENS more
#: on either side for context, 150 s at TOKEN_S: more than any ask and answer take): memory bounded whatever
#: a transcript holds (a 20 MB text of one-word tokens took 3.5 GB read whole). A card entity belongs to
#: the window its first token is in; a text of up to WINDOW_TOKENS tokens is read whole, as before.
WINDOW_TOKENS = 4000
WINDOW_MARGIN_TOKENS = 500

#: A token of free text: (item, start and end offset in its text, start_s, end_s, its text).
_Token = tuple[int, int, int, float, float, str]


def _tokens(texts: Sequence[tuple[str, float, float]]) -> Iterator[_Token]:
    """The tokens of ``(text, start_s, end_s)`` items, one at a time, each timed by spreading its
    item's time evenly over the item's tokens (each text is scanned twice: to count, then to time)."""
    for k, (text, start_s, end_s) in enumerate(texts):
        step = (end_s - start_s) / max(sum(1 for _ in TOKEN.finditer(text)), 1)
        for j, token in enumerate(TOKEN.finditer(text)):
            yield k, token.start(), token.end(), start_s + j * step, start_s + (j + 1) * step, token.group()


def _found(texts: Sequence[tuple[str, float, float]]) -> Iterator[tuple[Entity, list[_Token]]]:
    """Each card entity in the items (its ``words`` and ``asked`` indices counted over all the items'
    tokens, not the window's), with its tokens, read window by window (``WINDOW_TOKENS``)."""
    stream = _tokens(texts)
    buffer: list[_Token] = []  # tokens from index ``base`` on
    base = own_from = 0
    ended = False
    while True:
        while not ended and base + len(buffer) < own_from + WINDOW_TOKENS + WINDOW_MARGIN_TOKENS:
            token = next(stream, None)
            ended = token is None
            if token is not None:
                buffer.append(token)
        known = base + len(buffer)
        own_to = min(own_from + WINDOW_TOKENS, known)
        window_from = max(base, own_from - WINDOW_MARGIN_TOKENS)
        window = buffer[window_from - base :]
        words = [TimedWord(start_s, end_s, text) for _, _, _, start_s, end_s, text in window]
        for entity in find_entities(words, whole_numerals=True):  # a provider's text: its numerals whole
            if own_from <= window_from + min(entity.words) < own_to:
                shifted = replace(entity, words=tuple(window_from + i for i in entity.words),
                                  asked=None if entity.asked is None else window_from + entity.asked)
                yield shifted, [window[i] for i in entity.words]
        if ended and own_to >= known:
            return
        own_from = own_to
        drop = own_from - WINDOW_MARGIN_TOKENS - base
        if drop > 0:
            del buffer[:drop]
            base += drop


def entities_in(texts: Sequence[tuple[str, float, float]]) -> list[tuple[Entity, frozenset[int]]]:
    """Card entities in the items, each with the indices of the items that hold it."""
    return [(entity, frozenset(token[0] for token in tokens)) for entity, tokens in _found(texts)]


def redact_texts(texts: Sequence[tuple[str, float, float]], cores: Cores = NO_CORES) -> list[str]:
    """The texts with every token that says card data (or whose core is one of ``cores``,
    digits said elsewhere as card data) redacted, punctuation kept."""
    hit = token_hits(texts, cores)
    return [replace_tokens(text, hit.get(k, ())) for k, (text, _, _) in enumerate(texts)]


def token_hits(texts: Sequence[tuple[str, float, float]], cores: Cores = NO_CORES) -> dict[int, set[tuple[int, int]]]:
    """The (start, end) offsets of the tokens ``redact_texts`` redacts, by item (for a format that
    reads a text other than the one it writes back, of the same length: tags blanked)."""
    hit: dict[int, set[tuple[int, int]]] = {}  # by item: (start, end) offsets of its tokens to redact
    for _, tokens in _found(texts):
        for k, start, end, *_ in tokens:
            hit.setdefault(k, set()).add((start, end))
    if cores:
        for k, start, end, _, _, text in _tokens(texts):
            if core(text) in cores:
                hit.setdefault(k, set()).add((start, end))
        said = (((k, start, end), text) for k, start, end, _, _, text in _tokens(texts))
        for k, start, end in quoting(said, cores):  # "oh three six six"
            hit.setdefault(k, set()).add((start, end))
    return hit


def replace_tokens(text: str, tokens: Iterable[tuple[int, int]]) -> str:
    """``text`` with the tokens at ``tokens`` ((start, end) offsets, none overlapping) redacted,
    joined once: a text rebuilt for each token took a 1 MB transcript's text a minute."""
    pieces, at = [], 0
    for start, end in sorted(tokens):
        pieces += [text[at:start], redact_text(text[start:end])]
        at = end
    return "".join(pieces) + text[at:] if pieces else text


def redact_free(text: str, cores: Cores = NO_CORES) -> str:
    """Free text (no times) with its card data redacted, and each number beside a redacted
    token (``beside_redacted``: text rebuilt from redacted words quotes the rest of a card)."""
    return redact_free_parts([text], cores)[0]


def redact_free_parts(texts: Sequence[str], cores: Cores = NO_CORES) -> list[str]:
    """Parts of one free text (comment lines, NOTE blocks, a list's strings), read in order as
    one, TOKEN_S a token, each redacted in its place, its white space kept (``redact_free`` of
    them together; session 54: parts joined, read and split again were read each alone when a
    part held the white space they were split on, a card a group a part written back whole)."""
    timed, at_s = [], 0.0
    for text in texts:
        end_s = at_s + TOKEN_S * sum(1 for _ in TOKEN.finditer(text))
        timed.append((text, at_s, end_s))
        at_s = end_s
    after = redact_texts(timed, cores)
    if not any(PLACEHOLDER in text for text in after):
        return after
    tokens = [(k, token) for k, text in enumerate(after) for token in TOKEN.finditer(text)]
    hit: dict[int, list[tuple[int, int]]] = {}
    for j in beside_redacted([token.group() for _, token in tokens]):
        k, token = tokens[j]
        hit.setdefault(k, []).append((token.start(), token.end()))
    return [replace_tokens(text, hit.get(k, ())) for k, text in enumerate(after)]


def beside_redacted(texts: Sequence[str]) -> list[int]:
    """Positions of the ``texts`` (words or tokens in order) that say a number and stand beside
    a redacted one, or beside such a number: the rest of a card whose other words were redacted
    (a group "4111" or "five one" before "[redacted]")."""
    hit: set[int] = set()
    for order in (range(len(texts)), range(len(texts) - 1, -1, -1)):
        last = False
        for k in order:
            here = PLACEHOLDER in texts[k]
            if not here and last and k not in hit and redact_numbers(texts[k]) != texts[k]:
                hit.add(k)
                here = True
            last = here or k in hit
    return sorted(hit)


def redact_copies(places: Sequence[tuple[Any, Any]], cores: Cores = NO_CORES) -> dict[int, str]:
    """Word texts at ``places`` (a word mapping or array and the key or index of its text), read
    in order as one free text, TOKEN_S a word (their own times may be anything): those that say
    card data with their neighbours, or alone, or hold one of ``cores``, and then each that says
    a number beside a redacted one (a group "4111" before "[redacted]": the rest of its card
    redacted already) are redacted in place; returns their positions and what they said."""
    texts = [(holder[key], j * TOKEN_S, (j + 1) * TOKEN_S) for j, (holder, key) in enumerate(places)]
    after = redact_texts(texts, cores)
    for j in beside_redacted(after):
        after[j] = redact_text(after[j])
    changed = {}
    for j, ((holder, key), (text, _, _), new) in enumerate(zip(places, texts, after)):
        if new != text:
            holder[key] = new
            changed[j] = text
    return changed


#: A word of a copy no reader reads: what holds its text (a mapping or list), the text's key or
#: index, its start_s and end_s, and what its text becomes at a redacted word's time (None: it is
#: not at one).
CopyWord = tuple[Any, Any, float, float, Callable[[str], str] | None]


def redact_copy(words: Sequence[CopyWord], cores: Cores) -> dict[int, str]:
    """A copy of the words read (an interim or partial hypothesis, a turn's other messages)
    redacted in place: the copy's own card data (a copy may say what the words read do not;
    ``cores``: ``said_cores``), read as it was written, then each word it left at a redacted word's
    time as its ``CopyWord`` says (redacted by time first, a card the copy says partly at those
    times was read with its groups there gone: "4111 1111 [redacted] [redacted]" kept eight
    digits); returns the positions changed and what they said (text elsewhere may quote it)."""
    own = redact_texts([(holder[key], start_s, end_s) for holder, key, start_s, end_s, _ in words], cores)
    changed = {}
    for j, ((holder, key, _, _, at_redacted), new) in enumerate(zip(words, own)):
        if new == holder[key] and at_redacted is not None:
            new = at_redacted(new)
        if new != holder[key]:
            changed[j] = holder[key]
            holder[key] = new
    return changed


def text_places(word: Any, path: str) -> list[tuple[Any, str]]:
    """The strings at the dotted ``path`` of a word mapping (lists passed through: AWS's
    "alternatives.content"), as (holder, key)."""
    first, _, rest = path.partition(".")
    if isinstance(word, list):
        return [place for item in word for place in text_places(item, path)]
    if not isinstance(word, dict) or first not in word:
        return []
    if rest:
        return text_places(word[first], rest)
    return [(word, first)] if isinstance(word[first], str) else []


def redact_word_texts(words: Sequence[Any], owned: Iterable[str], cores: Cores) -> list[str]:
    """The texts of ``words`` (word mappings a format redacted itself, in its order) read as free
    text too: each text field among ``owned`` (a FREE_KEYS key at the end of its path), the
    n-th string of each word there in one run (``redact_copies``). A copy no reader reads, or a
    field beside the one read, may say card data the words read do not (a WhisperX
    word_segments entry "4111111111111111", a Deepgram punctuated_word "4111-1111-1111-1111,"
    for "of", an AssemblyAI utterance's word). A word one of whose texts is redacted so has all
    its texts redacted (they are forms of the one word); returns what the texts redacted said
    (text derived from the words before, a transcript, quotes them)."""
    paths = [path for path in owned if path.rsplit(".", 1)[-1].lower() in FREE_KEYS]
    found: dict[int, Any] = {}
    said: list[str] = []
    for path in paths:
        runs: list[list[tuple[Any, str]]] = []
        owners: list[list[Any]] = []
        for word in words:
            for n, place in enumerate(text_places(word, path)):
                if n == len(runs):
                    runs.append([])
                    owners.append([])
                runs[n].append(place)
                owners[n].append(word)
        for run, owner in zip(runs, owners):
            changed = redact_copies(run, cores)
            found.update((id(owner[j]), owner[j]) for j in changed)
            said += changed.values()
    for word in found.values():
        for path in paths:
            for holder, key in text_places(word, path):
                if PLACEHOLDER not in holder[key]:
                    said.append(holder[key])
                    holder[key] = redact_text(holder[key])
    return said


def core(text: str) -> str:
    """A token's letters and digits, lower case, read as the card logic reads them
    (``numbers.plain``: "4532," and "٤٥٣٢" -> "4532")."""
    return _CORE.sub("", plain(text)).lower()


def digit_cores(texts: Iterable[str]) -> Cores:
    """Cores with two or more digits among ``texts`` (sensitive words): the same digits in
    free text are card data too ("card ending 0366"); so is any run of four or more of their
    digits (``quotes.Cores``), however free text groups them ("4,111,111,111,111,111" said:
    "starting 4,111", "ending 1.111")."""
    cores = {c for c in map(core, texts) if sum(ch.isdigit() for ch in c) >= 2}
    return Cores.of(cores, {"".join(ch for ch in c if ch.isdigit()) for c in cores})


def said_cores(said: Sequence[str]) -> Cores:
    """The cores of what the redacted words ``said`` (in order): each word's (``digit_cores``)
    and the digits of a card said in words, a digit a word ("four five three two ...":
    ``quotes.said_digits``), which no word's own core holds."""
    return digit_cores([*said, *said_digits(said)])


def scrub(node: Any, cores: Cores, skip: frozenset[int] = frozenset(), key: str = "",
          near: Callable[[dict[str, Any]], bool] | None = None, numbers: bool = False,
          owned: frozenset[str] = frozenset()) -> Any:
    """``node`` (parsed JSON) with card data redacted in every free-text string: strings
    under FREE_KEYS and strings with a space. Of the mappings whose ``id()`` is in ``skip``
    (words a format redacted itself) the fields in ``owned`` are left as they are, and every
    string in the others is free text (``_Scrub.word``); in a mapping for which ``near`` is
    true, and below it, every number is redacted too."""
    return _Scrub(cores, skip, near, owned).node(node, key, numbers)


@dataclass
class _Scrub:
    """One document's scrubbing (``scrub``), and what each string came out as: the fields of
    every word are scrubbed, and words repeat theirs (a speaker label "spk_0", a language "en":
    a card logic run each, 2.6 s more for 20,000 AWS items). Kept for the one call only: the
    strings are the transcript's text."""

    cores: Cores
    skip: frozenset[int]
    near: Callable[[dict[str, Any]], bool] | None
    owned: frozenset[str]
    done: dict[tuple[str, bool], str] = dataclasses.field(default_factory=dict)
    #: Keys as redacted (``key``): labels are not kept in ``done`` (20,000 AWS items 0.26 -> 0.47 s without it).
    named: dict[tuple[str, bool], str] = dataclasses.field(default_factory=dict)

    def node(self, node: Any, key: str, numbers: bool) -> Any:
        if isinstance(node, dict):
            numbers = numbers or (self.near is not None and self.near(node))
            if id(node) in self.skip:
                return self.word(node, numbers or _redacted(node, self.owned))
            self.keys(node, lambda name: self.key(name, numbers))
            for name, value in node.items():
                node[name] = self.node(value, name, numbers)
            return node
        if isinstance(node, list):
            self.tokens(node)
            return [self.node(value, key, numbers) for value in node]
        if isinstance(node, str) and (key.lower() in FREE_KEYS or any(ch.isspace() for ch in node.strip())):
            return self.free(node, numbers)
        if isinstance(node, (str, int)) and not isinstance(node, bool) and self.cores:
            return self.label(node)
        return node

    def tokens(self, items: list[Any]) -> None:
        """The texts of ``items`` (its strings, or each mapping's first string under a text key) read
        in order as one free text and redacted in place (``redact_free_parts``): a list no reader reads
        may hold a card a group a string (session 54: "4111", "1111"... each scrubbed alone, the card
        written back whole; then "card is 4111", "1111 1111"... each alone as they held a space). Words
        a format redacted itself (``skip``) are not read again; nor are numbers (Whisper's token ids:
        read as free text, any run of them is a card), which ``label`` reads. ``node`` reads each item
        alone after too: the reading together misses a card a phone's lead-in in the string before joins
        into one run ("my phone is 1234", "4111111111111111 is my card"; session 55 read them once only)."""
        places: list[tuple[Any, Any]] = []
        for index, item in enumerate(items):
            if isinstance(item, str):
                places.append((items, index))
            elif isinstance(item, dict) and id(item) not in self.skip:
                name = next((n for n, v in item.items() if n.lower() in FREE_KEYS and isinstance(v, str)), None)
                if name is not None:
                    places.append((item, name))
        if len(places) >= 2:
            texts = [holder[key] for holder, key in places]
            for (holder, key), text, after in zip(places, texts, redact_free_parts(texts, self.cores)):
                if after != text:
                    holder[key] = after

    def keys(self, node: dict[str, Any], redact: Callable[[str], str], path: str = "") -> None:
        """``node``'s keys redacted in place (its order kept) by ``redact``, which reads each as a string
        value in its place is (``key`` in a document, ``free`` in a word, with its context's ``numbers``).
        Keys were copied as they were (session 56: a card number as a key, a provider's metadata echoing
        a client's labels, was written back beside its words redacted; then its review: a redacted word's
        ``"alts": {"4111": 0.9}`` kept the card's groups as keys). A key an owned path names (``path``: a
        word's, dotted) is the format's own; two keys redacted alike are told apart by a count
        ("[redacted] (2)")."""
        renamed = {name: redact(name) for name in node if f"{path}{name}" not in self.owned}
        if all(new == name for name, new in renamed.items()):
            return
        items = list(node.items())
        node.clear()
        counts: dict[str, int] = {}  # each name's last count: the ones below are taken (bounded work)
        for name, value in items:
            base = renamed.get(name, name)
            n = counts.get(base, 1)
            new = base if n == 1 else f"{base} ({n})"
            while new in node:
                n += 1
                new = f"{base} ({n})"
            counts[base] = n
            node[new] = value

    def key(self, name: str, numbers: bool) -> str:
        """A document's key as a string value in its place is redacted (``node``: free text, its numbers
        too with ``numbers``, or a label)."""
        if (name, numbers) not in self.named:
            redacted = self.node(name, "", numbers)
            self.named[name, numbers] = redacted if isinstance(redacted, str) else name
        return self.named[name, numbers]

    def label(self, value: str | int) -> str | int:
        """A string not read as free text (a label, an id, a time) or a JSON number, redacted (as a
        string) when it quotes card data the words said: a run of LABEL_QUOTE_DIGITS digits or more
        among its letters and digits is among the cores (session 54: ``"ref": "4532015112830366"``
        beside the words saying that card, or the card as a JSON number, was written back as it
        was), or holds LABEL_QUOTE_DIGITS of a core's in a row ("4532015112830366-0": more digits
        glued on). Shorter runs are kept: a time (4532 ms, "1283.03") may share digits with the card."""
        if any(run in self.cores or any(run[i : i + LABEL_QUOTE_DIGITS] in self.cores
                                        for i in range(len(run) - LABEL_QUOTE_DIGITS + 1))
               for run in _LABEL_RUNS.findall(core(str(value)))):
            return redact_text(value) if isinstance(value, str) else PLACEHOLDER
        return value

    def word(self, node: Any, numbers: bool, path: str = "") -> Any:
        """A word mapping (or a part of one at ``path``, dotted, lists passed through) with every
        string outside its ``owned`` fields (paths: "start", "alternatives.content") redacted as free
        text, whatever its key and however short: a field a reader does not read is copied through, so
        card digits in it ("AccuracyScore": "4111 ...", a word's "display" form, a character's "text")
        would be too; with ``numbers`` (the word itself redacted) every number in them is redacted too
        ("ITN": "4" of "four")."""
        if isinstance(node, dict):
            self.keys(node, lambda name: self.free(name, numbers), path)
            for name, value in node.items():
                if f"{path}{name}" not in self.owned:
                    node[name] = self.word(value, numbers, f"{path}{name}.")
            return node
        if isinstance(node, list):
            return [self.word(value, numbers, path) for value in node]
        return self.free(node, numbers) if isinstance(node, str) else node

    def free(self, text: str, numbers: bool) -> str:
        """``text`` redacted as free text (its numbers too with ``numbers``)."""
        if (text, numbers) not in self.done:
            after = redact_free(text, self.cores)
            self.done[text, numbers] = redact_numbers(after) if numbers else after
        return self.done[text, numbers]


def _redacted(node: Any, owned: frozenset[str], path: str = "") -> bool:
    """Whether an ``owned`` string of the word mapping ``node`` was redacted (holds PLACEHOLDER)."""
    if isinstance(node, dict):
        return any(f"{path}{name}" in owned and isinstance(value, str) and PLACEHOLDER in value
                   or _redacted(value, owned, f"{path}{name}.") for name, value in node.items())
    if isinstance(node, list):
        return any(_redacted(value, owned, path) for value in node)
    return False


def redact_numbers(text: str) -> str:
    """Every token that says a number redacted: for derived text (summaries, entity values,
    search snippets) tied to the time of card data, whose digits may be any part of it."""
    numbers = []
    for token in TOKEN.finditer(text):
        if grouped_digits(token.group()):  # "4,111": an amount alone, but it may be any card group
            numbers.append((token.start(), token.end()))
            continue
        atoms = atoms_of(token.group(), 0)
        if atoms and any(a.kind in _NUMBER_KINDS for a in atoms) and all(a.kind in _NUMBER_KINDS | {"filler"} for a in atoms):
            numbers.append((token.start(), token.end()))
    return replace_tokens(text, numbers)


_NUMBER_KINDS = frozenset({"digits", "unit", "teen", "tens", "repeat", "hundred", "thousand"})


def finish(document: Any, sensitive_texts: Iterable[str], skip: Iterable[Any] = (),
           near: Callable[[dict[str, Any]], bool] | None = None, removed: Iterable[str] = (),
           owned: Iterable[str] = ()) -> WriteBack:
    """The write-back of ``document``: free text scrubbed (``scrub``), then dumped.
    ``skip``: word mappings the format redacted itself, of which it handled the fields ``owned``
    (dotted paths: text, times, confidence, type), their texts read as free text in order
    (``redact_word_texts``), every other string scrubbed; ``near``: True
    for a mapping tied to the time of redacted words (its number words are redacted too)."""
    said, skip = list(sensitive_texts), list(skip)
    cores = said_cores(said)
    if added := redact_word_texts(skip, owned, cores):
        said += added
        cores = said_cores(said)
    # the scrubbed document: a list is scrubbed into a new one (a list in a list too: keep it)
    document = scrub(document, cores, frozenset(id(item) for item in skip), near=near, owned=frozenset(owned))
    return WriteBack(dump_json(document), tuple(removed))
