"""The Dramatiq broker, built explicitly from the settings by whoever starts a process
(``worker.boot.start_worker`` in each worker process; the CLI's queue commands); never at
import.

Redis is REDIS_URL when set; otherwise the embedded redis-server under ``<data_dir>/redis``
(worker.queue.redis_server), which every process sharing the data dir reaches by the same unix
socket. Building the broker connects to nothing: call :func:`ensure_redis` before the first
command (``callrec worker``, ``enqueue``, ``batch`` and ``demo`` do).

Middleware, in order: Prometheus (when ``metrics_port`` is set), Dramatiq's defaults, Retries
that retry only what may succeed next time (``callrec.errors.is_retryable``), the worker
processes' presence keys (``callrec health``), the job lifecycle (status, failures,
metrics, logs) and the HTTP API's webhook events (worker.api.events).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from callrec.errors import is_retryable
from worker.api.events import WebhookEvents
from worker.errors import JobBusy, QueueUnavailableError
from worker.queue.lifecycle import JobLifecycle
from worker.queue.metrics import prometheus
from worker.queue.presence import Presence
from worker.queue.redis_server import EmbeddedRedis
from worker.settings import MAX_BACKOFF_S, Settings

#: Prefix of Dramatiq's keys in Redis (ours use ``callrec:``).
QUEUE_NAMESPACE = "callrec-queue"


#: Retries of a Redis command that failed to connect: 0.05 s doubling to 1 s, then 1 s
#: apart, so about 30 s of Redis outage (a restart, a failover) go unnoticed by jobs.
REDIS_RETRIES = 35
#: The HTTP API's retries: a client waits for its answer, so a Redis away gets it a prompt 503
#: (about half a second of retries) rather than a wait of 30 s per command (session-47 audit).
API_REDIS_RETRIES = 3
#: Seconds the API's Redis client waits to connect or for an answer (an unreachable host hung).
API_REDIS_TIMEOUT_S = 5.0


def redis_url(settings: Settings) -> str:
    """REDIS_URL when set, else the embedded server's socket URL."""
    return settings.redis_url or EmbeddedRedis(settings.data_dir).url


def ensure_redis(settings: Settings) -> bool:
    """Start the embedded Redis when no REDIS_URL is set and it is not running yet; True
    when this call started it."""
    if not settings.redis_url:
        return EmbeddedRedis(settings.data_dir).start()
    return False


def redis_client(settings: Settings, *, for_api: bool = False) -> redis.Redis:
    """A client that rides out a Redis restart: failed commands retry for about REDIS_OUTAGE_S
    (``for_api``: the HTTP API's, which retries briefly and times out, so its clients get a
    prompt 503)."""
    retry = Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=API_REDIS_RETRIES if for_api else REDIS_RETRIES)
    timeouts = {"socket_timeout": API_REDIS_TIMEOUT_S, "socket_connect_timeout": API_REDIS_TIMEOUT_S} if for_api else {}
    return redis.Redis.from_url(redis_url(settings), retry=retry,
                                retry_on_error=[redis.ConnectionError, redis.TimeoutError,
                                                redis.BusyLoadingError], **timeouts)


@contextmanager
def queue_errors(settings: Settings) -> Iterator[None]:
    """Translate Redis errors into QueueUnavailableError naming the server (no password)."""
    try:
        yield
    except redis.RedisError as exc:
        parts = urlsplit(redis_url(settings))
        where = parts._replace(netloc=parts.hostname or "" if parts.port is None
                               else f"{parts.hostname}:{parts.port}").geturl()
        raise QueueUnavailableError(f"Redis at {where} did not answer ({type(exc).__name__})") from exc


def retry_policy(max_retries: int) -> Callable[[int, BaseException], bool]:
    """Retry transient failures up to ``max_retries`` times; bad input and verification failures never."""

    def retry_when(retries_so_far: int, exc: BaseException) -> bool:
        if isinstance(exc, JobBusy):
            # another delivery runs it: wait while its lease lives (it finishes, or dies and the
            # lease expires), never using up retries and failing a job that is running
            return True
        return is_retryable(exc) and retries_so_far < max_retries

    return retry_when


def build_broker(settings: Settings, *, for_api: bool = False) -> RedisBroker:
    middleware = [prometheus(settings.data_dir).Metrics(port=settings.metrics_port)] if settings.metrics_port else []
    middleware += [
        AgeLimit(),
        TimeLimit(time_limit=int(settings.job_time_limit_s * 1000)),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Presence(),
        WebhookEvents(settings),  # the HTTP API's job events, once JobLifecycle has recorded the outcome
        JobLifecycle(settings),  # before Retries: after-hooks run in reverse, so it sees the verdict
        Retries(min_backoff=int(settings.job_min_backoff_s * 1000),
                max_backoff=int(MAX_BACKOFF_S * 1000),
                retry_when=retry_policy(settings.job_max_retries)),
        CurrentMessage(),
    ]
    return RedisBroker(client=redis_client(settings, for_api=for_api), middleware=middleware, namespace=QUEUE_NAMESPACE,
                       heartbeat_timeout=int(settings.queue_heartbeat_timeout_s * 1000),
                       maintenance_chance=settings.queue_maintenance_per_million)

