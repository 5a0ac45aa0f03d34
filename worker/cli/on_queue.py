"""What the commands that talk to the job queue share: the settings read once, a Redis that
does not answer named (``worker.queue.broker.queue_errors``), and the broker with the embedded
Redis started when no ``REDIS_URL`` names one. Imported when such a command runs, not when the
parser is built (``callrec --help`` loads no Redis client)."""

from __future__ import annotations

from collections.abc import Callable

from worker.queue.broker import build_broker, ensure_redis, queue_errors
from worker.settings import Settings


def on_queue(work: Callable[[Settings], int]) -> int:
    """``work(settings)``, the settings from the environment; a Redis error raised in it is a
    QueueUnavailableError naming the server."""
    settings = Settings.from_env()
    with queue_errors(settings):
        return work(settings)


def started_broker(settings: Settings):
    """The queue's broker, the embedded Redis started when no ``REDIS_URL`` is set."""
    broker = build_broker(settings)
    ensure_redis(settings)
    return broker
