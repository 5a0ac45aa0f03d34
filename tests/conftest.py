"""Fixtures shared by more than one package's tests."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest

#: A run of digits as long as a card number's group: hidden in generated test ids.
_ID_DIGIT_RUN = re.compile(r"[0-9]{4,}")


def pytest_make_parametrize_id(config: Any, val: object, argname: str) -> str | None:
    """A parametrized string's id with every run of 4+ digits hidden (``card #### ####``).

    Ids are printed in every run, put in -k expressions and CI reports: a test value holding
    card data ("4111********1111", a card's first groups) must not show its digits there.
    Other values keep pytest's own id (None); an id given with ``ids=`` is its author's, and
    must follow the same rule. Escaped as pytest escapes ids (non-ASCII as ``\\uXXXX``)."""
    if not isinstance(val, str) or _ID_DIGIT_RUN.search(val) is None:
        return None
    hidden = _ID_DIGIT_RUN.sub(lambda run: "#" * len(run.group()), val)
    return hidden.encode("unicode_escape").decode("ascii")


class OneAtATime:
    """A lock that tells how many threads wait for it (``waiting``; ``changed`` is notified
    when that grows), so a test can see a request held behind another."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.changed = threading.Condition()
        self.waiting = 0

    def __enter__(self) -> None:
        if self._lock.acquire(blocking=False):
            return
        with self.changed:
            self.waiting += 1
            self.changed.notify_all()
        self._lock.acquire()
        with self.changed:
            self.waiting -= 1

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


#: The moto server's S3 puts, one at a time (``moto_url``).
MOTO_PUTS = OneAtATime()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """A moto server (S3 and KMS) on 127.0.0.1 for the whole session. Its S3 puts are served one
    at a time: moto checks a conditional put (If-None-Match, If-Match) and then writes, so two
    racing writers both passed the check and both won; S3 decides atomically."""
    from moto.s3.responses import S3Response
    from moto.server import ThreadedMotoServer

    unguarded = S3Response.put_object

    def put_object(self):  # type: ignore[no-untyped-def]
        with MOTO_PUTS:
            return unguarded(self)

    S3Response.put_object = put_object  # type: ignore[method-assign]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        S3Response.put_object = unguarded  # type: ignore[method-assign]
