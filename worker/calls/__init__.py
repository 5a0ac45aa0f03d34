"""The calls room: one call's manifest in, one assembled, redacted recording out.

The manifest and its rules, the input limits, reading the call's sources (confined to
their roots; s3 and https fetched), assembly with the beep, redaction over the redaction
layer, and the pipeline that orchestrates them into the vault with the recording's
metadata; and the manifests the HTTP API keeps for the workers, from written to removed
(``kept``). It knows nothing of the queue.
"""
