"""The id of the number a call came in on or went out from (a manifest's ``number.id``).

It is kept in the manifest the API stores for the workers (on disk, sealed, until the call's
job is done or its recording deleted: worker.calls.kept), so a card number put there would
be stored. What the platforms send:

- a phone number in E.164: ``+``, a country code and at most 15 digits in all, without
  spaces or separators (Twilio's ``To``/``From``, Amazon Connect's ``SystemEndpoint.Address``);
- a SIP or tel URI of such a number (``sip:+4930901820@pbx.example.com``, ``tel:+4930901820``):
  the number judged as a phone number, the host as an id;
- another identifier: ``client:alice`` (Twilio Client), ``sip:alice@pbx.example.com``, or a
  label (``twilio``, ``connect``, ``main-line``), checked as ticket ids are
  (``vault.regions.may_hold_card_number``).

A phone number cannot go through the id rule: every number of 12 or more digits (most of the
world's: ``+44 20 7946 0956``, 12) has 12 digits in a row, and 1 in 10 of those of 13-15 digits
passes the Luhn check by chance. Card numbers of 16-19 digits are longer than any E.164 number.
So a phone number of 12 or more digits (what the id rule would take for a card number) is taken
when it is one its country's numbering plan uses, as Google's libphonenumber knows the plans
(``is_valid_number``: country code, length and the ranges in use), and refused otherwise; a
shorter one is taken as written (``+15550100``, the design brief's example). Measured on 20,000
random Luhn-valid numbers each, prefixed with ``+``: 0 % of 15-digit Amex (34, 37) or UATP (1)
numbers, 0.8 % of 14-digit Diners (30, 36, 38), 1-3 % of 13-15-digit numbers of any first digit
and 12 % of 13-digit Visa numbers (German numbers take most lengths) are numbers in use and so
taken: a card number that is also a dialable phone number cannot be told from one.
"""

from __future__ import annotations

import re

import phonenumbers

from vault.regions import card_number_problem

#: A phone number as E.164 writes it: ``+``, no leading 0, at most 15 digits.
E164 = re.compile(r"\+[1-9][0-9]{0,14}")
#: From this many digits a phone number must be one its country's numbering plan uses (the id
#: rule takes 12 digits in a row for a card number).
PLAN_CHECKED_DIGITS = 12


#: A SIP or tel URI whose user part is a phone number (``sip:+4930901820@pbx.example.com``,
#: ``tel:+4930901820``): the number is judged as one, the host as any other id.
_PHONE_URI = re.compile(r"(?:sips?|tel):(\+[^@]*)(@.*)?")


def number_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be a number id (worded for ``<field>: <problem>``, never holding the
    value), or None when it can."""
    uri = _PHONE_URI.fullmatch(value)
    if uri is not None:
        return _phone_problem(uri.group(1)) or card_number_problem(uri.group(2) or "")
    if value.startswith("+"):
        return _phone_problem(value)
    return card_number_problem(value)


def _phone_problem(value: str) -> str | None:
    if E164.fullmatch(value) is None:
        return "not a phone number: + and at most 15 digits (E.164, without spaces or separators)"
    if len(value) - 1 >= PLAN_CHECKED_DIGITS and not _in_use(value):
        return (f"could hold a card number: a phone number of {PLAN_CHECKED_DIGITS} or more digits is "
                f"taken when its country's numbering plan uses it (libphonenumber "
                f"{phonenumbers.__version__}), and this one is not")
    return None


def _in_use(value: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, None))
    except phonenumbers.NumberParseException:  # a country code no country has
        return False
