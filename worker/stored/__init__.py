"""The stored room: operations on recordings already in the vault.

Deletion, export, redaction of a stored recording, retention, key rotation, re-wrap and
migration (operations). Shared by the CLI, the HTTP API and the queue's jobs (whose batch
plans live in the queue room).
"""
