"""The add-on's HTTP face: ``callrec serve`` (Starlette under uvicorn).

Modules: ``app`` (routes and middleware), ``errors`` (JSON errors worded as the CLI words
them), ``keys`` (per-account API keys, stored hashed), ``auth`` and ``ratelimit`` (per key),
``requests`` (bounded body reading), ``submissions`` (HTTP manifests and idempotency),
``webhooks`` (endpoints, signing, events), ``delivery`` (the queue actor that delivers
them), ``review`` (the review page), ``routes/`` (one module per resource) and
``ingress/`` (Twilio recording callbacks, Amazon Connect contact records).
"""
