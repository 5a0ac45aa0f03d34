"""Fixtures shared by more than one package's tests."""

from __future__ import annotations

import re
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


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """A moto server (S3 and KMS) on 127.0.0.1 for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
