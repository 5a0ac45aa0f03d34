"""A call's id (a manifest's ``call_id``, a contact record's ``ContactId``): no card number.

A call id goes into the index entry (plain JSON beside the ciphertext), the metadata, queue
messages, job results and ``callrec process --json``, as given; so one that is a card number
is refused where it enters, as ticket and account ids are. But it is the platform's id, not
the help desk's, and the platforms mint random hex: the ticket rule
(``vault.regions.may_hold_card_number``: 12 digits in a row, or any 13-19 digit stretch across
separators passing the Luhn check) refused 3.0 % of random Twilio call SIDs (``CA`` + 32 hex),
1.0 % of random UUIDs (Amazon Connect contact ids) and 9-47 % of Asterisk unique ids
(``1701234567.1234``), 200,000 of each: real calls never processed.

So a call id is refused when a **number standing apart** in it could be a card number: digits,
in groups joined by ``-`` or ``_`` (an id holds no spaces), with no letter or digit glued to
either end, of which some run of whole groups (the whole number, or ``4111-1111-1111-1111``
after a leading ``9-``) has 13-19 digits, does not begin with 0 and passes the Luhn check.
A UUID is taken as it is. Measured on 300,000 random ids of each kind: no SID, Twilio
``CallSid.RecordingSid`` id, UUID or Asterisk id is refused.

Not caught: a card number glued to letters (``CA4111111111111111``: the shape of a SID whose
hex happens to be decimal, which no rule can tell apart), or joined by dots
(``4111.1111.1111.1111``: Asterisk ids join their counter by a dot) or fitted into a UUID's
8-4-4 groups. Logs and error texts hide such runs anyway (``worker.errors.scrub_digits``).

The same rule masks card numbers in the names of a call's sources (``worker.calls.source_names``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from callrec.luhn import luhn_valid

#: Digit groups joined by - or _ (a number standing apart, once nothing alphanumeric is glued on).
_NUMBER = re.compile(r"[0-9]+(?:[-_][0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
#: A UUID (Amazon Connect contact ids, most platforms' call ids): taken as it is.
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
#: A card number's length (ISO/IEC 7812: 13-19 digits, the last a Luhn check digit).
_PAN_LENGTHS = range(13, 20)
#: What a call id must not hold, as errors word it.
CALL_ID_RULE = ("a number standing apart, in groups joined by - or _, of 13-19 digits (whole groups) "
                "that pass the Luhn check")


def call_id_problem(call_id: str) -> str | None:
    """Why ``call_id`` is refused, worded for ``<field>: <problem>`` (never holding the id),
    when a number standing apart in it could be a card number; else None."""
    return f"could hold a card number ({CALL_ID_RULE})" if _holds_card_number(call_id) else None


def _holds_card_number(call_id: str) -> bool:
    if _UUID.fullmatch(call_id):
        return False
    return any(True for _ in card_numbers_standing_apart(call_id, _NUMBER))


def card_numbers_standing_apart(text: str, runs: re.Pattern[str] = _NUMBER) -> Iterator[tuple[int, int]]:
    """Where in ``text`` a number stands apart that could be a card number, as (start, end).

    ``runs`` finds digit groups and their joiners, greedily (one pass: linear in the text). A
    group with a letter or digit glued to it is not part of a number standing apart (the first
    and last group of a run may be); of the rest, some run of whole groups must have 13-19
    digits, not begin with 0 and pass the Luhn check."""
    for run in runs.finditer(text):
        groups = list(_GROUP.finditer(text, run.start(), run.end()))
        if run.start() > 0 and _glued(text[run.start() - 1]):
            groups = groups[1:]
        if groups and run.end() < len(text) and _glued(text[run.end()]):
            groups = groups[:-1]
        if groups and _has_card_run([group.group() for group in groups]):
            yield groups[0].start(), groups[-1].end()


def _glued(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _has_card_run(groups: list[str]) -> bool:
    for first in range(len(groups)):
        digits = ""
        for index in range(first, len(groups)):  # no copy of the list: a long run stays linear
            digits += groups[index]
            if len(digits) > _PAN_LENGTHS[-1]:
                break
            if len(digits) in _PAN_LENGTHS and digits[0] != "0" and luhn_valid(digits):
                return True
    return False

