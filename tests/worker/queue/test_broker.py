from pathlib import Path

from dramatiq.middleware import Retries

from redaction.errors import VerificationError

from worker.queue.broker import build_broker, redis_url, retry_policy
from worker.errors import ManifestError, WorkerError
from worker.errors import JobBusy, PoisonJob
from worker.queue.lifecycle import JobLifecycle
from worker.queue.metrics import prometheus
from worker.queue.redis_server import EmbeddedRedis
from worker.settings import Settings


def test_redis_url_prefers_the_environment():
    assert redis_url(Settings.from_env({"REDIS_URL": "redis://cache:6379/2"})) == "redis://cache:6379/2"


def test_without_redis_url_the_embedded_server_of_the_data_dir(tmp_path):
    settings = Settings.from_env({"CALLREC_DATA_DIR": str(tmp_path)})
    assert redis_url(settings) == EmbeddedRedis(Path(tmp_path)).url == f"unix://{tmp_path}/redis/redis.sock"


def test_retry_policy_never_retries_bad_input():
    retry_when = retry_policy(max_retries=3)
    assert retry_when(0, WorkerError("store unavailable")) is True
    assert retry_when(0, JobBusy("held")) is True
    assert retry_when(2, OSError("disk")) is True
    assert retry_when(3, WorkerError("store unavailable")) is False  # retries used up
    assert retry_when(0, ManifestError("events: missing")) is False
    assert retry_when(0, PoisonJob("crashed workers")) is False
    assert retry_when(0, VerificationError("keyed digits remain after masking")) is False  # repeats every run


def test_broker_is_built_from_settings_without_connecting(tmp_path):
    settings = Settings.from_env({"CALLREC_DATA_DIR": str(tmp_path), "CALLREC_QUEUE_HEARTBEAT_TIMEOUT_S": "7",
                                  "CALLREC_JOB_MIN_BACKOFF_S": "2", "CALLREC_METRICS_PORT": "0"})
    broker = build_broker(settings)
    assert broker.heartbeat_timeout == 7000
    assert broker.namespace == "callrec-queue"
    kinds = [type(m) for m in broker.middleware]
    assert "Metrics" not in [kind.__name__ for kind in kinds]  # metrics_port 0: no exposition server
    # after-hooks run in reverse: the lifecycle must come before Retries to see its verdict
    assert kinds.index(JobLifecycle) < kinds.index(Retries)
    retries = next(m for m in broker.middleware if isinstance(m, Retries))
    assert retries.min_backoff == 2000
    assert not (tmp_path / "redis").exists()  # nothing started


def test_metrics_middleware_when_a_port_is_set(tmp_path):
    broker = build_broker(Settings.from_env({"CALLREC_DATA_DIR": str(tmp_path), "CALLREC_METRICS_PORT": "9300"}))
    metrics = next(m for m in broker.middleware if isinstance(m, prometheus(tmp_path).Metrics))
    assert metrics.port == 9300 and [f.__name__ for f in metrics.forks] == ["serve_metrics"]


def test_redis_errors_become_queue_unavailable_without_the_password():
    import pytest
    import redis

    from worker.queue.broker import queue_errors
    from worker.errors import QueueUnavailableError, is_permanent

    settings = Settings.from_env({"REDIS_URL": "redis://user:s3cret@cache.internal:6380/1"})
    with pytest.raises(QueueUnavailableError) as info:
        with queue_errors(settings):
            raise redis.ConnectionError("Connection refused")
    assert str(info.value) == "Redis at redis://cache.internal:6380/1 did not answer (ConnectionError)"
    assert not is_permanent(info.value)


def test_a_delivery_that_finds_its_job_running_elsewhere_waits_without_using_up_retries():
    """Found by the session-46 audit: a second delivery of a running job (the at-least-once
    redelivery) retried on JobBusy until its retries ran out and then failed the job (a
    ``job.failed`` webhook) while the first delivery still ran it. It waits for as long as the
    other's lease lives: the holder finishes (the wait then finds it done) or dies (its lease
    expires and the wait runs it)."""
    retry_when = retry_policy(max_retries=3)
    assert retry_when(3, JobBusy("held")) is True and retry_when(100, JobBusy("held")) is True
