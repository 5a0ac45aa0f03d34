"""Whether code runs on an event loop: the API's blocking calls (Redis, the key store) must not."""

from __future__ import annotations

import asyncio


def on_loop() -> bool:
    """True when called from a running event loop's thread (a coroutine, not the thread pool)."""
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False
