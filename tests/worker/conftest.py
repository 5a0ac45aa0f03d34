"""Fixtures for the queue tests: a real Redis (REDIS_URL when set, else the embedded one).

The queue's settings are read from the environment when ``worker.broker`` is first imported,
so they are set here, before any test module imports it: a private data dir, no metrics
server, short heartbeat and lease so crash tests finish in seconds.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import redis

_DATA_DIR = Path(tempfile.mkdtemp(prefix="callrec-worker-tests-"))
os.environ["CALLREC_DATA_DIR"] = str(_DATA_DIR)
os.environ["CALLREC_METRICS_PORT"] = "0"
os.environ["CALLREC_QUEUE_HEARTBEAT_TIMEOUT_S"] = "2"
os.environ["CALLREC_JOB_LEASE_S"] = "1.5"
os.environ["CALLREC_QUEUE_MAINTENANCE_PER_MILLION"] = "1000000"
os.environ["CALLREC_JOB_MIN_BACKOFF_S"] = "0.1"
os.environ["CALLREC_LOG_LEVEL"] = "WARNING"
# Test calls are written under pytest's tmp dirs, inside the system temp dir: that is the
# inbox whose sources the queue workers destroy once stored (the data dir is never touched).
os.environ["CALLREC_INBOX"] = os.path.realpath(tempfile.gettempdir())
# Read by Dramatiq when dramatiq.worker is first imported: how long a consumer waits before
# restarting after a Redis connection error, and also after a pause (Worker.pause() returns
# only then). Its default, 3 s, made every only_worker_processes test and the Redis restart
# test wait 3 s for nothing.
os.environ["dramatiq_restart_delay"] = "100"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return _DATA_DIR


@pytest.fixture(scope="session")
def redis_url(data_dir):
    from worker.redis_server import EmbeddedRedis

    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    server = EmbeddedRedis(data_dir)
    started = server.start()
    yield server.url
    if started:  # not when started for another directory's tests (tests/hostile)
        server.stop()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_DATA_DIR, ignore_errors=True)


@pytest.fixture
def redis_client(redis_url):
    """A client of the test Redis, emptied before each test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture(scope="session")
def inprocess_worker(redis_url):
    """The one Dramatiq worker of this test process, on the product's broker.

    One per session: a Dramatiq Worker leaves its middleware on the broker when stopped, so
    a second one in the same process would share queues with a stopped one. It consumes
    every declared queue, including test actors' ones declared later.
    """
    import dramatiq

    from worker.broker import broker

    import worker.actors  # noqa: F401  (declares the product's queues)

    if _WORKERS:  # started for another directory's tests (tests/hostile imports these fixtures)
        yield broker
        return
    running = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    running.start()
    _WORKERS.append(running)
    yield broker
    _WORKERS.remove(running)
    running.stop()


@pytest.fixture
def only_worker_processes():
    """Pause this process's worker (if one runs) so that messages go to worker processes."""
    for running in _WORKERS:
        running.pause()
    yield
    for running in _WORKERS:
        running.resume()


_WORKERS: list = []
