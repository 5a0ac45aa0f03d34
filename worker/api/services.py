"""What the API's routes share: settings, the queue, the vault, keys, limits, webhooks."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from vault.vault import Vault
from worker.api.keys import KeyStore
from worker.api.ratelimit import RateLimiter
from worker.api.submissions import Submitter
from worker.settings import Settings
from worker.queue.submit import JobQueue


@dataclass(frozen=True)
class Services:
    settings: Settings
    client: redis.Redis
    queue: JobQueue
    vault: Vault
    keys: KeyStore
    limiter: RateLimiter
    submitter: Submitter
    #: Per client address, for requests without a valid API key.
    client_limiter: RateLimiter | None = None


#: Seconds a verified API key is trusted without asking Redis again (a revocation takes
#: effect within this).
KEY_CACHE_S = 2.0


def build_services(settings: Settings, broker, vault: Vault) -> Services:
    """The services of one API process over ``broker`` (the workers' broker) and ``vault``
    (built once by whoever starts the process)."""
    queue = JobQueue(broker, settings)
    client = broker.client
    return Services(settings=settings, client=client, queue=queue, vault=vault,
                    keys=KeyStore(client, cache_s=KEY_CACHE_S),
                    limiter=RateLimiter(client, settings.api_rate_per_s),
                    submitter=Submitter(queue, client, vault=vault),
                    client_limiter=RateLimiter(client, settings.api_rate_per_client_s,
                                               namespace="callrec:api:client"))
