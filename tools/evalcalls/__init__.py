"""Evaluation calls for spoken card data: synthetic conversations through a telephone
channel with exact ground truth (dev tool; not used by the product).

    from tools.evalcalls.calls import make_call
    from tools.evalcalls.scoring import score
    call = make_call("en-us", "card", seed=1, index=0)       # or "harmless"; cached on disk
    call.audio                                               # float32, 8 kHz, G.711 mu-law channel
    call.spans                                               # Span(start, end, kind, digits, role) in samples
    _, report = redact_array(call.audio, 8000, recognizer=...)
    score(call, report.masked, gate_regions_s)               # digits masked, leaky card, speech masked, gate recall

Speakers and voices: ``fsdd-jackson``/``fsdd-nicolas``/``fsdd-theo`` (real digit recordings
inside a synthetic conversation), espeak-ng voices and variants (``en-gb-scotland``,
``en-us+f3``), MBROLA voices through espeak-ng (``mb-us1``; Debian's mbrola, mbrola-us1...;
the tune split's strangers ``mb-de4-en``..., MBROLA's other languages' diphones reading English:
mbrola-de4, -fr4, -nl2, -sw2, -de6, -fr1; the second strangers' set, for checking rules only:
mbrola-af1, -gr2, -hu1, -pl1, -ro1, -sw1, -de1, -de5) and SVOX Pico (``pico-en-US``; Debian's
libttspico-utils). splits.py says which may be
tuned on (TUNE) and which are only reported (HELD_OUT); festival/flite voices are reserved
and never used. Calls are in the wording the card logic was developed on (``script="dev"``), in
wordings tuned on (``"alt"``, ``"alt-us"``) or in a held-out one (``make_call(..., script="unseen")``:
other asks, lead-ins and closings; its misses write no rules either). Modules: voices (speech with unit spans), scripts (what is said
and how it is labelled), calls (rendering, channel, cache), scoring, splits, baseline (Whisper tiny.en
masking every run of >= 3 number words, for comparison). The cache lives in
$CALLREC_EVAL_CACHE or the temp directory, never in the repository.
"""
