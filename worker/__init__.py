"""The worker layer: three rooms on one floor, and the two ways in.

- ``worker.queue``: jobs on Dramatiq and Redis, and their bookkeeping;
- ``worker.calls``: one call, manifest to vault;
- ``worker.stored``: operations on recordings already stored;
- ``worker.cli`` and ``worker.api``: the ``callrec`` command line and the HTTP API;
- the floor: settings, errors, boot (backends built once at start), vaults, workdirs, outputs.

Rooms call downwards only (queue -> calls, stored; stored -> calls); the layers below
(audio, redaction, vault) never import the worker.
"""
