"""What every layer of callrec may import: the root of the error tree (``errors``), the
one rule for JSON objects read from outside (``jsonfields``), the one way a file is
replaced whole (``files``), the Luhn check card numbers carry (``luhn``), every script's
digits read as ASCII ones (``digits``), the union of (start, end) spans (``intervals``) and the
id of the HTTP request being served (``request_ids``), and nothing else.

The layers (``worker -> audio, redaction, vault``) never import upwards, and audio,
redaction and vault import each other only where data flows; yet one classification of
errors (bad input, retried, not retried) must hold across all of them. So the one base
class lives below every layer, in this package, which imports nothing of ours; so does the
refusal of a JSON field given twice, which manifests and transcripts share, and the
write-to-temp-then-rename that audio's writers, the redaction engine, the local keyring and
the worker's outputs share, and the Luhn check the card logic, the vault's id rules and the
worker's call ids and error texts share, the fold of every script's digits the card logic, the
worker's source names and its error texts share, the union of spans that audio's pauses,
redaction's masks and the worker's metadata share, and the request id the API's log lines
and the vault's audit records both name.
"""
