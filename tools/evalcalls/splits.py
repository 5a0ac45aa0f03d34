"""Which speakers and voices may be looked at, and which are only reported (issue 9).

TUNE: the speech engineer may study these calls' misses and write rules from them.
HELD_OUT: reported only; nobody writes rules from their individual misses. Festival and
flite voices are reserved for the final external judgement and appear nowhere.

Caveat: the built-in network (redaction/speech/model.npz) was trained on fsdd nicolas and
on many espeak-ng voices and variants; only theo, the MBROLA and the Pico voices are new
to every component (``UNSEEN``).
"""

from __future__ import annotations

#: fsdd jackson changed the way people differ (voices.PERTURBATIONS: vocal tract length,
#: speaking rate, level and noise): the tune split's stand-in for people no component has
#: heard (theo, the judgement's speakers), whose digits the gate must not lose.
PERTURBED = ("fsdd-jackson+deep", "fsdd-jackson+high", "fsdd-jackson+slow", "fsdd-jackson+fast",
             "fsdd-jackson+rough")
#: espeak-ng variants no held-out voice uses (held out: f2, m4, f3, klatt2, m7; conversation
#: m2, f3), in the two tune accents: voices Whisper tiny has never heard like the held-out
#: espeak-ng ones, whose digits it writes as other words (whole cards lost there).
VARIANTS = ("en-us+f1", "en-gb+f5", "en-us+m6", "en-gb+klatt4", "en-us+croak", "en-gb+m1")
#: More of them (2026-12-02, session 10): with the beam search the six above no longer lost
#: whole cards (tune seeds 39-42), while held-out voices still did; these are espeak-ng's
#: named variants, which no held-out voice uses either.
MORE_VARIANTS = ("en-us+m5", "en-gb+klatt3", "en-us+Andy", "en-gb+Storm", "en-us+Michael", "en-gb+m8")
#: English read by MBROLA's German, French, Dutch and Swedish diphone voices through espeak-ng's
#: English front end (2026-12-02, session 12): no component has met them (the network was
#: trained on espeak-ng's own voices), and they are neither held out nor Festival's. Their
#: calls' agent and conversation are strangers too (``conversation_of``): rules that read the
#: gate network's number sounds were written on tune calls whose agents the network knew,
#: and on the held-out calls, whose agents it does not know, took number sounds in the
#: agents' words (the slot answers of docs/measurements.md).
STRANGERS = ("mb-de4-en", "mb-fr4-en", "mb-nl2-en", "mb-sw2-en", "mb-de6-en", "mb-fr1-en")
#: More strangers (2026-12-03, session 14): English read by MBROLA's Afrikaans, Greek, Hungarian,
#: Polish, Romanian, Swedish (male) and two more German diphone voices (Debian's mbrola-af1 ...
#: packages), agents and conversation from the same eight. Rules written from the first
#: strangers' calls are checked here before a held-out run; none is written from these.
STRANGERS_2 = ("mb-af1-en", "mb-gr2-en", "mb-hu1-en", "mb-pl1-en", "mb-ro1-en", "mb-sw1-en", "mb-de1-en",
               "mb-de5-en")
TUNE = ("fsdd-jackson", "en-us", "en-gb", *PERTURBED, *VARIANTS, *MORE_VARIANTS, *STRANGERS, *STRANGERS_2)
HELD_OUT = (
    "fsdd-nicolas", "fsdd-theo",
    "en-gb-scotland", "en-029+f2", "en-gb-x-rp+m4", "en-us-nyc+f3", "en-gb-x-gbclan+klatt2", "en-gb-x-gbcwmd+m7",
    "mb-us1", "mb-us2", "mb-us3", "mb-en1",
    "pico-en-US", "pico-en-GB",
)
#: Held-out speakers and voices that no component (network training included) has met.
UNSEEN = ("fsdd-theo", "mb-us1", "mb-us2", "mb-us3", "mb-en1", "pico-en-US", "pico-en-GB")
#: Synthetic voices that say the conversation around a real speaker's digits, and the
#: agent's side of every call, drawn from the same split as the call's speaker.
CONVERSATION = {
    "tune": ("en-us", "en-gb", "en-us+m3", "en-gb+f4"),
    "held-out": ("en-gb-scotland+m2", "en-029", "en-us-nyc", "mb-us2", "pico-en-GB", "mb-en1", "en-gb-x-rp+f3"),
}


def conversation_of(voice: str) -> tuple[str, ...]:
    """The voices that may say the agent's side and the conversation in ``voice``'s calls:
    its split's, or its own strangers' set for a stranger."""
    for strangers in (STRANGERS, STRANGERS_2):
        if voice in strangers:
            return strangers
    return CONVERSATION[split_of(voice)]


def split_of(voice: str) -> str:
    if voice in TUNE:
        return "tune"
    if voice in HELD_OUT:
        return "held-out"
    raise ValueError(f"{voice!r} is in neither the tune nor the held-out split")
