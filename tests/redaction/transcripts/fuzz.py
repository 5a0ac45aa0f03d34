"""A seeded fuzzer for the write-back of provider transcripts (test_fuzz.py).

Card data (a Luhn-valid card number in a provider's styles, an expiry, a security code) is
planted in the string fields a provider fills with what was said (word texts, punctuated and
display forms, transcripts, alternatives, copies of the words) of a real document: one string
whole, appended to one, or one token a field over consecutive words of a list. The product's
write-back must leave none of its digits in any string of the document it writes, or refuse
the document with a TranscriptError naming none of them. Everything is drawn from one seeded
``random.Random``, so a failure is reproduced by its seed.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from redaction import transcripts
from redaction.errors import TranscriptError

#: Keys (compared in lower case) whose strings a provider fills with what was said; a string in a
#: list takes the list's key (Watson's ``timestamps`` [word, start, end], faster-whisper's arrays
#: at the top, ""). Labels, ids, languages and times are not among them: a provider writes no
#: speech there, and the product scrubs a string under another key only when it has a space.
TEXT_KEYS = frozenset({
    "", "word", "punctuated_word", "text", "transcript", "content", "display", "displaytext", "lexical", "itn",
    "maskeditn", "value", "summary", "short", "gist", "headline", "utterance", "timestamps", "word_confidence",
})  # fmt: skip

#: Keys of lists whose elements say the same stretch again (a provider's other hypotheses), or
#: each say a stretch of their own (turns, segments, phrases: consecutive ones may lie far apart,
#: and the card logic rightly reads no card over a long pause): a card is not split over them.
NOT_WORDS = frozenset({"alternatives", "Alternatives", "NBest", "nBest", "word_alternatives", "Transcript", "segments",
                       "phrases", "recognizedPhrases", "SegmentResults", "monologues", "sentences", "paragraphs",
                       "transcription"})

#: Formats whose sessions are saved as JSON lines too (a message a line), written back so.
JSON_LINES = frozenset({"assemblyai-streaming", "deepgram-flux", "revai"})

#: Subtitle formats: card data is planted in their cues' text lines, identifiers, settings and tags
#: (and WebVTT comments).
SUBTITLES = frozenset({"srt", "webvtt"})

#: Where a string is in a parsed document: keys and indices from the top.
Where = tuple[str | int, ...]


@dataclass(frozen=True)
class Plant:
    """Card data to plant: ``tokens`` go one a site over consecutive sites (``split``), or
    joined by spaces into one; ``marks`` are what must not be left in any string (``leaks``)."""

    kind: str
    tokens: tuple[str, ...]
    marks: tuple[str, ...]

    def joined(self) -> str:
        return " ".join(self.tokens)


def text_sites(document: Any) -> list[Where]:
    """Where each string under a TEXT_KEYS key that says something (a letter or a digit: not an
    empty text, not the "." of a punctuation item) is, in document order."""
    found: list[Where] = []
    stack: list[tuple[Any, Where, str]] = [(document, (), "")]
    while stack:
        node, where, key = stack.pop()
        if isinstance(node, dict):
            stack += [(value, (*where, name), name.lower()) for name, value in reversed(node.items())]
        elif isinstance(node, list):
            stack += [(value, (*where, k), key) for k, value in reversed(list(enumerate(node)))]
        elif isinstance(node, str) and key in TEXT_KEYS and any(ch.isalnum() for ch in node):
            found.append(where)
    return found


def strings(text: str) -> list[str]:
    """Every string of a written-back document: of its JSON value, or of the JSON value on each
    line (a session's messages one a line), else its lines (the simple format, Vosk's results
    printed one after another)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        try:
            document = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError:
            return text.splitlines()
    out: list[str] = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack += node.values()
        elif isinstance(node, list):
            stack += node
        elif isinstance(node, str):
            out.append(node)
    return out


def luhn_card(rng: random.Random, length: int = 16) -> str:
    """A card number of ``length`` digits that passes the Luhn check (a Visa or Mastercard
    prefix; American Express for 15)."""
    prefix = rng.choice(["34", "37"]) if length == 15 else rng.choice(["4", "51", "52", "53", "54", "55"])
    digits = [int(d) for d in prefix]
    digits += [rng.randrange(10) for _ in range(length - 1 - len(digits))]
    total = 0
    for k, d in enumerate(reversed(digits)):  # the check digit will sit to the right: double from here
        total += (d * 2 - 9 if d > 4 else d * 2) if k % 2 == 0 else d
    return "".join(map(str, digits)) + str(-total % 10)


def luhn_valid(number: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(number)):
        d = int(ch)
        total += (d * 2 - 9 if d > 4 else d * 2) if k % 2 else d
    return total % 10 == 0


#: Digits as a recognizer without number formatting writes them.
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

#: How a provider writes a card number: groups spaced (one a word when split), joined, dashed, dotted.
CARD_STYLES = ("spaced", "joined", "dashed", "dotted")


def _marked(mark: str, text: str) -> bool:
    """Whether ``mark`` (digits, maybe with a slash) is in ``text`` as a run of its own or part of a
    longer run of card digits: a 4-digit group is a leak inside "4111111111111111" too."""
    return mark in text if len(mark) >= 4 else re.search(rf"(?<!\d){re.escape(mark)}(?!\d)", text) is not None


def leaks(plant: Plant, texts: list[str]) -> list[str]:
    """The marks of ``plant`` left in ``texts``."""
    return [mark for mark in plant.marks if any(_marked(mark, text) for text in texts)]


def draw_plant(rng: random.Random, split: bool, before: list[str]) -> Plant:
    """Card data none of whose marks is in ``before`` (the document's strings): a card number,
    an expiry or a security code, as one token a word (``split``) or as a phrase."""
    for _ in range(1000):
        kind = rng.choice(("card", "card", "spoken", "expiry", "code"))
        if kind == "card":
            number = luhn_card(rng, rng.choice((16, 16, 16, 15)))
            cuts = (0, 4, 10, 15) if len(number) == 15 else (0, 4, 8, 12, 16)  # Amex: 4-6-5
            groups = tuple(number[a:b] for a, b in zip(cuts, cuts[1:]))
            style = "spaced" if split else rng.choice(CARD_STYLES)
            joiner = {"spaced": " ", "joined": "", "dashed": "-", "dotted": "."}[style]
            tokens = groups if style == "spaced" else (joiner.join(groups),)
            if rng.random() < 0.3:
                tokens = (*tokens[:-1], tokens[-1] + rng.choice(",.?"))
            plant = Plant(kind, tokens if split else ("card", *tokens), (*groups, number))
        elif kind == "spoken":  # read digit by digit, as a recognizer without number formatting writes it
            said = tuple(DIGIT_WORDS[int(d)] for d in luhn_card(rng))
            windows = tuple(" ".join(said[k : k + 4]) for k in range(len(said) - 3))
            plant = Plant(kind, said if split else ("card", *said), windows)
        elif kind == "expiry":
            said = rng.choice(("{:02d}/{}", "{:02d}/20{}", "{:02d}-{}")).format(rng.randint(1, 12), rng.randint(26, 35))
            plant = Plant(kind, (rng.choice(("expiry", "expires", "expiration")), said), (said,))
        else:
            code = f"{rng.randint(100, 999)}"
            plant = Plant(kind, (*rng.choice((("security", "code"), ("CVV",), ("CVC",))), code), (code,))
        if kind in ("expiry", "code") and rng.random() < 0.3:  # "731." ends a sentence
            plant = Plant(kind, (*plant.tokens[:-1], plant.tokens[-1] + rng.choice(",.?")), plant.marks)
        if not leaks(plant, before):
            return plant
    raise AssertionError("no card data that the document does not already hold")


def _get(document: Any, where: Where) -> Any:
    for key in where:
        document = document[key]
    return document


def _set(document: Any, where: Where, value: Any) -> None:
    _get(document, where[:-1])[where[-1]] = value


def _run(document: Any, sites: set[Where], where: Where, length: int) -> list[Where] | None:
    """``length`` sites from ``where`` on, the same field of consecutive words: each the next
    element of one list, one token, in an element that holds no list of words itself (not the
    alternatives of a stretch, its segments or a streaming session's messages, which say the
    same stretch again or say sentences), trying each list index of ``where`` from the innermost out."""
    for p in reversed([p for p, key in enumerate(where) if isinstance(key, int)]):
        run = [(*where[:p], where[p] + j, *where[p + 1 :]) for j in range(length)]
        if p > 0 and where[p - 1] in NOT_WORDS:
            continue
        if all(site in sites and len(_get(document, site).split()) == 1 and _word_like(_get(document, site[: p + 1]))
               for site in run):
            return run
    return None


def _word_like(element: Any, depth: int = 0) -> bool:
    """Whether a list's element may be a word: no list of two or more mappings or arrays in it,
    at any depth (a result's alternatives' word list, a message's words)."""
    values = element.values() if isinstance(element, dict) else element if isinstance(element, list) else ()
    for value in values:
        if isinstance(value, list) and sum(isinstance(x, (dict, list)) for x in value) >= 2 and depth < 8:
            return False
        if isinstance(value, (dict, list)) and not _word_like(value, depth + 1):
            return False
    return True


def _lead(text: str) -> str:
    """The whitespace a word's text starts with (Whisper's " four"): kept."""
    return text[: len(text) - len(text.lstrip())]


def plant(document: Any, rng: random.Random, before: list[str],
          used: set[Where]) -> tuple[Plant, str, tuple[Where, ...]] | None:
    """Plant card data at a random text site of ``document`` (in place) not ``used`` by another
    plant (nor next to one: a plant's context is not another's): ``whole`` (the string is the
    phrase), ``append`` (the phrase follows its text) or ``split`` (one token a site over
    consecutive words); returns the plant, how and where (None: no site left)."""
    sites = [site for site in text_sites(document) if site not in used and not any(
        site[: p + 1] in used or ("@", site[p - 1], key) in used for p, key in enumerate(site) if isinstance(key, int))]
    if not sites:
        return None
    how = rng.choice(("whole", "append", "split", "split"))
    if how == "split":
        site = rng.choice(sites)
        chosen = draw_plant(rng, True, before)
        run = _run(document, set(sites), site, len(chosen.tokens))
        if run is not None:
            for where, token in zip(run, chosen.tokens):
                _set(document, where, _lead(_get(document, where)) + token)
            used.update(_around(document, run))
            others = [site for site in sites if site not in used and len(_get(document, site).split()) > 1]  # text
            if chosen.kind in ("card", "spoken") and others and rng.random() < 0.5:  # a summary quotes it
                return _quoted(document, rng, chosen, rng.choice(others), tuple(run), used)
            return chosen, how, tuple(run)
        how = "whole"
    site = rng.choice(sites)
    chosen = draw_plant(rng, False, before)
    text = _get(document, site)
    _set(document, site, _lead(text) + chosen.joined() if how == "whole" else f"{text} {chosen.joined()}")
    used.update(_around(document, [site]))
    return chosen, how, (site,)


def _quoted(document: Any, rng: random.Random, chosen: Plant, site: Where, run: tuple[Where, ...],
            used: set[Where]) -> tuple[Plant, str, tuple[Where, ...]]:
    """``chosen`` (split over ``run``) quoted in the text at ``site``: its last four digits, in
    numerals or in words ("ending 0366", "ending oh three six six"), as a summary quotes a card."""
    digits = (chosen.marks[-1] if chosen.kind == "card"
              else "".join(str(DIGIT_WORDS.index(word.rstrip(",.?"))) for word in chosen.tokens))[-4:]
    said = digits if rng.random() < 0.5 else " ".join(DIGIT_WORDS[int(d)] for d in digits)
    _set(document, site, f"{_get(document, site)} The card ends {said}.")
    used.update(_around(document, [site]))
    marks = (*chosen.marks, digits, " ".join(DIGIT_WORDS[int(d)] for d in digits))
    return Plant(chosen.kind, chosen.tokens, marks), "quoted", (*run, site)


def _around(document: Any, run: list[Where]) -> set[Where]:
    """The sites of a run, and the words they are in with a word either side (the element of the
    innermost list of more than one element on each site's path; also as ("@", the list's key,
    index)), for ``plant``'s ``used``."""
    out = set(run)
    for site in run:
        lists = [p for p, key in enumerate(site) if isinstance(key, int)]
        longer = [p for p in lists if len(_get(document, site[:p])) > 1]
        for p in longer[-1:]:  # (a string under lists of one element: itself only)
            out.update({(*site[:p], site[p] + step) for step in (-1, 0, 1)})
            # and the words at the same place in every list of that name: copies at the same times
            # (a plant's word redacted by another's time loses its context)
            out.update({("@", site[p - 1], site[p] + step) for step in (-1, 0, 1)} if p else set())
    return out


@dataclass(frozen=True)
class Outcome:
    """One plant's write-back: the marks left (in the document, or in the error's text when the
    document was refused)."""

    how: str
    where: tuple[Where, ...]
    plant: Plant
    left: tuple[str, ...]
    refused: str | None


def trials(text: str, format_name: str, seed: int, count: int, per_document: int = 2) -> Iterator[Outcome]:
    """``count`` write-backs of ``text`` (in ``format_name``), each with ``per_document`` plants."""
    rng = random.Random(seed)
    json_document = True
    try:
        original = json.loads(text)
    except json.JSONDecodeError:  # the simple format, Vosk's results one after another
        json_document = False
    before = strings(text)
    own = _redacted_sites(original, text, format_name) if json_document else set()
    lines = format_name in JSON_LINES and isinstance(original, list)
    for _ in range(count):
        if json_document:
            document, used = json.loads(json.dumps(original)), set(own)
            planted = [p for p in (plant(document, rng, before, used) for _ in range(per_document)) if p is not None]
            if not planted:
                return
            source = json.dumps(document)
            if lines and rng.random() < 0.5:  # a session's messages saved one a line
                source = "".join(json.dumps(message) + "\n" for message in document)
        elif format_name in SUBTITLES:
            source, planted = _plant_cues(text, rng, before, per_document, format_name == "webvtt")
        else:
            source, planted = _plant_lines(text, rng, before, per_document)
        try:
            written = transcripts.write_back(transcripts.load(source, format_name)).text
        except TranscriptError as exc:
            for plant_, how, where in planted:
                yield Outcome(how, where, plant_, tuple(leaks(plant_, [str(exc)])), str(exc))
            continue
        after = strings(written)
        for plant_, how, where in planted:
            yield Outcome(how, where, plant_, tuple(leaks(plant_, after)), None)


def _redacted_sites(document: Any, text: str, format_name: str) -> set[Where]:
    """The text sites of the document's own card data (those its write-back changes), with a
    word either side: a plant is judged on its own, not as the context of a card word (a copy's
    "security" at a redacted word's time is redacted by that time, and the code after it loses
    its context)."""
    try:
        written = json.loads(transcripts.write_back(transcripts.load(text, format_name)).text)
    except TranscriptError:
        return set()
    changed = []
    for site in text_sites(document):
        try:
            if _get(written, site) != _get(document, site) and any(isinstance(key, int) for key in site):
                changed.append(site)  # a word's, a segment's (the document's transcript stays open)
        except (KeyError, IndexError, TypeError):
            continue
    words = [site for site in changed if len(_get(document, site).split()) == 1]
    return set(changed) | _around(document, words)


def _plant_lines(text: str, rng: random.Random, before: list[str],
                 count: int) -> tuple[str, list[tuple[Plant, str, tuple[Where, ...]]]]:
    """The simple format (``start_s end_s word [confidence]`` a line, ``#`` comments): tokens in
    place of the words of consecutive lines (``split``), away from another plant's lines, or a
    phrase in a comment at the end (``comment``)."""
    lines = text.splitlines()
    planted: list[tuple[Plant, str, tuple[Where, ...]]] = []
    taken: set[int] = set()
    for _ in range(count):
        if rng.random() < 0.25:
            chosen = draw_plant(rng, False, before)
            lines.append(f"# {chosen.joined()}")
            planted.append((chosen, "comment", ((len(lines) - 1,),)))
            continue
        chosen = draw_plant(rng, True, before)
        worded = [k for k, line in enumerate(lines) if not line.startswith("#") and len(line.split()) >= 3]
        runs = [worded[k : k + len(chosen.tokens)] for k in range(len(worded) - len(chosen.tokens) + 1)]
        runs = [run for run in runs if not taken & set(run)]
        if not runs:
            continue
        run = rng.choice(runs)
        for k, token in zip(run, chosen.tokens):
            fields = lines[k].split()
            lines[k] = " ".join([*fields[:2], token, *fields[3:]])
        taken.update(range(run[0] - 1, run[-1] + 2))
        planted.append((chosen, "split", tuple((k,) for k in run)))
    return "\n".join(lines) + "\n", planted


def _plant_cues(text: str, rng: random.Random, before: list[str], count: int,
                notes: bool) -> tuple[str, list[tuple[Plant, str, tuple[Where, ...]]]]:
    """Subtitles (a timing line ``... --> ...``, then a cue's text lines up to a blank line): a phrase
    in place of a cue's text line or after it (``whole``, ``append``), split over the end of one
    cue's text and the start of the next's (``split``: a caption broken inside a card number), as
    a cue's identifier, after its timing or in a tag in its text (``identifier``, ``settings``,
    ``tag``), or a WebVTT comment at the end (``comment``); each away from another plant's cues."""
    lines = text.splitlines()
    cues: list[list[int]] = []  # the text lines of each cue
    timings: list[int] = []  # the timing line of each cue
    for k, line in enumerate(lines):
        if "-->" in line:
            cues.append([])
            timings.append(k)
        elif cues and line.strip() and (k == 0 or lines[k - 1].strip()) and (cues[-1] or "-->" in lines[k - 1]):
            cues[-1].append(k)
    planted: list[tuple[Plant, str, tuple[Where, ...]]] = []
    taken: set[int] = set()
    for _ in range(count):
        if notes and rng.random() < 0.25:
            chosen = draw_plant(rng, False, before)
            lines += ["", f"NOTE {chosen.joined()}"]
            planted.append((chosen, "comment", ((len(lines) - 1,),)))
            continue
        free = [c for c, held in enumerate(cues) if held and not taken & {c - 1, c, c + 1}]
        how = rng.choice(("whole", "append", "split", "split", "identifier", "settings", "tag"))
        if how in ("identifier", "settings", "tag") and free:
            c = rng.choice(free)
            chosen = draw_plant(rng, False, before)
            k = timings[c]
            if how == "identifier" and k > 0 and lines[k - 1].strip():  # SRT's cue number, an identifier
                k -= 1
                lines[k] = chosen.joined()
            elif how == "identifier":  # a line of its own over the timing (no line numbers move)
                lines[k] = f"{chosen.joined()}\n{lines[k]}"
            elif how == "settings":
                lines[k] = f"{lines[k]} {chosen.joined()}"
            else:
                k = rng.choice(cues[c])
                tag = rng.choice(("<v {}>", "<{}>", '<font color="{}">'))
                lines[k] = f"{lines[k]} {tag.format(chosen.joined())}"
            taken.add(c)
            planted.append((chosen, how, ((k,),)))
            continue
        pairs = [c for c in free if c + 1 < len(cues) and cues[c + 1] and c + 1 in free]
        if how == "split" and pairs:
            c = rng.choice(pairs)
            chosen = draw_plant(rng, True, before)
            cut = rng.randint(1, len(chosen.tokens) - 1) if len(chosen.tokens) > 1 else 1
            last, first = cues[c][-1], cues[c + 1][0]
            lines[last] = f"{lines[last]} {' '.join(chosen.tokens[:cut])}"
            if chosen.tokens[cut:]:
                lines[first] = f"{' '.join(chosen.tokens[cut:])} {lines[first]}"
            taken.update({c, c + 1})
            planted.append((chosen, how, ((last,), (first,))))
            continue
        if not free:
            continue
        c = rng.choice(free)
        chosen = draw_plant(rng, False, before)
        k = rng.choice(cues[c])
        lines[k] = chosen.joined() if how != "append" else f"{lines[k]} {chosen.joined()}"
        taken.add(c)
        planted.append((chosen, "whole" if how != "append" else how, ((k,),)))
    return "\n".join(lines) + "\n", planted
