import subprocess
import sys

BOOT = """
import numpy  # noqa: F401  (loads OpenBLAS)
import threadpoolctl
from worker.queue.lifecycle import JobLifecycle
from worker.settings import Settings
JobLifecycle(Settings.from_env({"CALLREC_MATH_THREADS": "%s"})).after_process_boot(None)
print(sorted({pool["num_threads"] for pool in threadpoolctl.threadpool_info()}))
"""


def booted_pool_sizes(math_threads: str) -> str:
    return subprocess.run([sys.executable, "-c", BOOT % math_threads], capture_output=True, text=True,
                          check=True, env={"OPENBLAS_NUM_THREADS": "2", "PATH": ""}).stdout.strip()


def test_worker_process_boot_caps_numeric_library_threads():
    assert booted_pool_sizes("1") == "[1]"
    assert booted_pool_sizes("0") == "[2]"  # 0 leaves the libraries' own setting


def test_a_failed_calls_kept_manifest_is_marked_and_a_mark_that_fails_never_hides_the_failure(
        redis_client, monkeypatch, tmp_path):
    from types import SimpleNamespace

    from worker.calls.kept import failure_mark, manifest_path
    from worker.errors import ManifestError
    from worker.queue import effects
    from worker.queue.jobs import ProcessCall
    from worker.queue.lifecycle import JobLifecycle
    from worker.queue.records import JobRecords
    from worker.settings import Settings

    settings = Settings(data_dir=tmp_path / "state")
    records = JobRecords(redis_client)
    lifecycle = JobLifecycle(settings)
    broker = SimpleNamespace(client=redis_client)

    def fail(call_id: str):
        path = manifest_path(settings.data_dir, "acme", call_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"callrec-kept-manifest/1 us\n")
        job = ProcessCall.for_call(str(path), "acme", call_id)
        records.create(job)
        message = SimpleNamespace(args=[job.encode()], failed=True, queue_name="calls", actor_name="process_call",
                                  options={"redis_message_id": "1-0", "retries": 0})
        lifecycle.after_process_message(broker, message, exception=ManifestError("a leg is not audio"))
        return records.get(job.job_id).state, failure_mark(path).exists()

    assert fail("CA1") == ("failed", True)

    def broken(*args):
        raise RuntimeError("disk gone odd")

    monkeypatch.setattr(effects, "mark_failed", broken)
    assert fail("CA2") == ("failed", False)


def test_a_delivery_that_found_its_job_running_elsewhere_leaves_its_record_alone(redis_client, tmp_path):
    """Found by the session-46 audit: the second delivery's JobBusy wrote "retrying" over the
    running job's record (and, its retries used up, "failed")."""
    from types import SimpleNamespace

    from worker.errors import JobBusy
    from worker.queue.jobs import ProcessCall
    from worker.queue.lifecycle import JobLifecycle
    from worker.queue.records import JobRecords
    from worker.settings import Settings

    records = JobRecords(redis_client)
    job = ProcessCall.for_call("/calls/busy.json", "acme", "busy")
    records.create(job)
    claim = records.claim(job.job_id)
    records.running(job.job_id)
    message = SimpleNamespace(args=[job.encode()], failed=False, queue_name="calls", actor_name="process_call",
                              options={"redis_message_id": "2-0", "retries": 4})
    JobLifecycle(Settings(data_dir=tmp_path / "state")).after_process_message(
        SimpleNamespace(client=redis_client), message, exception=JobBusy(f"job {job.job_id} is being run by another worker"))
    assert records.get(job.job_id).state == "running"
    records.release(claim)
