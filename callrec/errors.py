"""The root of callrec's one error tree, and how an error is classified.

Every error the service raises on purpose derives from :class:`CallrecError`, through its
layer's base (``audio.errors.AudioError``, ``redaction.errors.RedactionError``,
``vault.errors.VaultError``, ``worker.errors.WorkerError``); anything else is a bug.
Each class says, as class properties, what a failure means for whoever handles it:

- ``permanent``: bad input. No retry can fix it: the CLI exits 2, the HTTP API answers
  4xx, a queued job fails at once.
- ``retryable``: running the same job again may succeed (a store, a disk, Redis away for a
  moment). A failure that repeats on every run (a redacted output that does not verify) is
  neither bad input nor worth retrying: exit 1, the job fails and waits for a fix.

This module lives in the ``callrec`` package, below every layer, because each layer's base
error derives from it and the layers may not import each other (or the worker) for it.
"""

from __future__ import annotations

import os
from typing import ClassVar


class CallrecError(Exception):
    """Raised when callrec fails on purpose (the base of every error it raises)."""

    #: Bad input that no retry can fix (CLI exit 2, HTTP 4xx, the job fails at once).
    permanent: ClassVar[bool] = False
    #: Running the same job again may succeed (never true of bad input).
    retryable: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "permanent" in cls.__dict__ and "retryable" not in cls.__dict__:
            cls.retryable = not cls.permanent  # bad input is never retried


def is_permanent(exc: BaseException) -> bool:
    """True when ``exc`` is bad input that no retry can fix."""
    return isinstance(exc, CallrecError) and exc.permanent


def is_retryable(exc: BaseException) -> bool:
    """True when running the job again may succeed: any foreign exception (a bug or a
    library's transient failure), and our errors that say so."""
    return not isinstance(exc, CallrecError) or exc.retryable


def shown(value: object) -> str:
    """A bad value as an error may name it: quoted when it is short (80 characters) and holds
    3 digits at most, else ``(value not shown)``. A caller's value can be card data (a card
    number with its groups joined by any separators, an expiry date), so an error about such
    a value names the argument and what is wrong instead."""
    text = repr(value)
    return text if len(text) <= 80 and sum(ch.isdigit() for ch in text) <= 3 else "(value not shown)"


def quoted(path: str | os.PathLike[str]) -> str:
    """A filesystem path inside an error's sentence, quoted as Python quotes a string, so a
    space, a quote or a control character cannot blur where it ends (``-o /srv/a b/out.wav:
    directory '/srv/a b' does not exist``). A path heading a message goes through ``heading``."""
    return repr(os.fspath(path))


def heading(path: str | os.PathLike[str]) -> str:
    """A filesystem path (or URI) heading an error, ``PATH: problem`` (the way every layer
    names the file an error is about): as it is when nothing in it could blur where it ends,
    else quoted as ``quoted`` quotes it, as coreutils names a file (``/srv/a.wav: no such
    file``, ``'/srv/a b.wav': no such file``, ``'/srv/x: y.json': not JSON``). Blurring: white
    space (so ``: `` too), a quote or backslash, a character that does not print (control,
    bidi), a trailing ``:``, or nothing at all."""
    text = os.fspath(path)
    if (not text or not text.isprintable() or text.endswith(":")
            or any(ch.isspace() or ch in "'\"\\" for ch in text)):
        return repr(text)
    return text
