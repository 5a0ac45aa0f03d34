"""The add-on's HTTP face: ``callrec serve`` (Starlette under uvicorn).

Modules: ``app`` (routes and JSON errors for unknown paths), ``services`` (what routes
share), ``errors`` (JSON errors worded as the CLI words them), ``handlers`` (endpoint glue),
``keys`` (per-account API keys, stored hashed), ``auth`` and ``ratelimit`` (per key),
``requests`` (bounded body reading), ``sources`` (where an HTTP manifest's sources may come
from), ``submissions`` and ``owners`` (jobs, their accounts, ``Idempotency-Key``),
``profiles`` (an account's plan and region for ingress), ``webhooks`` (endpoints, events,
signatures), ``events`` (the broker middleware announcing outcomes), ``delivery`` (the
``deliver_webhook`` job), ``review_links`` and ``review`` (the review page), ``openapi``,
``demo`` (what ``callrec demo`` starts), ``routes/`` (one module per resource) and
``ingress/`` (Twilio recording callbacks, Amazon Connect contact records).
"""
