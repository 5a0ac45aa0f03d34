"""Redis restarted in the middle of a batch: the batch still reaches 100 %, once per recording.

The embedded Redis keeps an append-only file (flushed on shutdown), so queued messages,
job status and idempotency records survive the restart; workers reconnect by themselves.
"""

import os
import threading
import time

import pytest

from worker.cli import main
from tests.worker.stored_recordings import store_recordings


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="restarts the embedded Redis only")
def test_batch_survives_a_redis_restart(inprocess_worker, redis_client, data_dir, capsys):
    from tests.worker.conftest import queue_backends as backends
    from worker.queue.redis_server import EmbeddedRedis

    region = backends().vault.region("us")
    ids = store_recordings(region, "restart", 60)
    new_version = region.keys.rotate()
    server = EmbeddedRedis(data_dir)

    def restart():
        time.sleep(0.3)  # jobs are being enqueued and processed
        server.stop()
        time.sleep(0.5)
        server.start()

    restarter = threading.Thread(target=restart)
    restarter.start()
    code = main(["batch", "--account", "restart", "--steps", "rewrap", "--rate", "100", "--timeout", "40"])
    restarter.join()
    err = capsys.readouterr().err
    assert code == 0, err
    assert "100.0%  60/60 done  0 failed" in err.strip().splitlines()[-1]
    assert all(region.get(rid).key_versions() == (new_version,) for rid in ids)
    assert main(["batch", "--account", "restart", "--steps", "rewrap"]) == 0
    assert "60 at target already, 0 queued" in capsys.readouterr().err
