"""The queue fixtures of tests/worker (a real Redis, the in-process worker), shared.

Importing tests.worker.conftest also sets its environment (a private data dir, no metrics
server, short heartbeats) for the commands and worker processes tests here start; it is the
same module pytest loads for tests/worker, so both directories share one Redis and one worker.
The https server of tests/worker/api (Twilio's media) serves hostile downloads.
"""

from tests.worker.conftest import (  # noqa: F401  (fixtures)
    data_dir,
    inprocess_worker,
    only_worker_processes,
    redis_client,
    redis_url,
)
from tests.worker.api.conftest import media  # noqa: F401, E402  (fixture)
