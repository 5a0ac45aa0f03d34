"""Fixtures for the queue tests: a real Redis (REDIS_URL when set, else the embedded one).

The queue tests' settings (:data:`QUEUE_SETTINGS`: a private data dir, no metrics server,
short heartbeat and lease so crash tests finish in seconds) build this process's broker,
backends and in-process worker explicitly (:func:`queue_broker`, :func:`queue_backends`).
The same values go into the environment for what the tests start that reads it when it
starts: ``callrec`` commands run in-process and ``callrec worker`` processes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import redis

from worker.settings import Settings

_DATA_DIR = Path(tempfile.mkdtemp(prefix="callrec-worker-tests-"))
QUEUE_ENV = {
    "CALLREC_DATA_DIR": str(_DATA_DIR),
    "CALLREC_METRICS_PORT": "0",
    "CALLREC_QUEUE_HEARTBEAT_TIMEOUT_S": "2",
    "CALLREC_JOB_LEASE_S": "1.5",
    "CALLREC_QUEUE_MAINTENANCE_PER_MILLION": "1000000",
    "CALLREC_JOB_MIN_BACKOFF_S": "0.1",
    "CALLREC_LOG_LEVEL": "WARNING",
    # Test calls are written under pytest's tmp dirs, inside the system temp dir: that is the
    # inbox whose sources the queue workers destroy once stored (the data dir is never touched).
    "CALLREC_INBOX": os.path.realpath(tempfile.gettempdir()),
}
os.environ.update(QUEUE_ENV)  # for the commands and worker processes the tests start
#: The settings of this process's broker, backends and in-process worker.
QUEUE_SETTINGS = Settings.from_env({**os.environ, **QUEUE_ENV})
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
    from worker.queue.redis_server import EmbeddedRedis

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

    broker = queue_broker()
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
_BUILT: dict = {}


def queue_backends():
    """The backends of this process's queue tests, built once from QUEUE_SETTINGS."""
    from worker.boot import build_backends

    if "backends" not in _BUILT:
        _BUILT["backends"] = build_backends(QUEUE_SETTINGS)
    return _BUILT["backends"]


def queue_broker():
    """This process's one broker, built once from QUEUE_SETTINGS, with the product's actors
    declared on it over the tests' job runner and backends (what ``start_worker`` does in a
    worker process)."""
    if "broker" not in _BUILT:
        from worker.queue.actors import declare_actors
        from worker.queue.broker import build_broker
        from worker.queue.runner import job_runner

        broker = build_broker(QUEUE_SETTINGS)
        declare_actors(broker, job_runner(broker.client, QUEUE_SETTINGS), queue_backends())
        _BUILT["broker"] = broker
    return _BUILT["broker"]
