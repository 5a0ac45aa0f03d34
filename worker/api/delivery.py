"""Delivering one webhook event to one endpoint (the ``deliver_webhook`` job's effect).

POST the stored event body, signed, with no redirects (a 3xx is a failed delivery); a 2xx
is done, anything else raises WebhookDeliveryError, which the queue retries with backoff
(CALLREC_JOB_MIN_BACKOFF_S doubling to 600 s, CALLREC_JOB_MAX_RETRIES times). An endpoint
removed meanwhile, or an event expired, ends the job without a request.

A delivery is bounded by the receiver in neither bytes nor time: only the status line and
headers are read (the body is never needed, so never read), and the whole exchange, from
connecting to the last header, has TIMEOUT_S. httpx's timeouts bound each network operation
only (an answer dripping a byte a second never trips them), so the exchange runs on httpx's
async client under one ``asyncio.timeout``, which cancels whatever operation is pending.

An https endpoint's host is resolved once, every address checked (``checked_addresses``),
and the request sent to a checked address, never to a second resolution: the URL's host
stays the Host header, the TLS server name (SNI) and the name the certificate is checked
against (httpcore's ``sni_hostname`` request extension).
"""

from __future__ import annotations

import asyncio
import time

import httpx

from worker.api.webhooks import SIGNATURE_HEADER, WebhookStore, checked_addresses, sign
from worker.errors import WebhookDeliveryError, WebhookRefusedError
from worker.calls.fetch import tls_context
from worker.queue.jobs import DeliverWebhook
from worker.queue.runner import JobResult

#: Seconds a whole delivery may take: connecting (to each pinned address in turn), TLS,
#: sending, and the answer's status line and headers. Past it the attempt failed (retried).
TIMEOUT_S = 10.0


def deliver(job: DeliverWebhook, store: WebhookStore, *, ca_file: str | None = None,
            private_hosts: str = "", clock=time.time) -> JobResult:
    endpoint = store.get(job.endpoint_id)
    if endpoint is None:
        return JobResult(references={"delivered": "no", "reason": "endpoint_removed"})
    if endpoint.secret is None:
        raise ValueError("delivering needs a WebhookStore with the vault (to decrypt the secret)")
    refused, addresses = checked_addresses(endpoint.url, private_hosts)
    if refused is not None:
        raise WebhookRefusedError(f"webhook {job.endpoint_id}: {refused}")
    body = store.event_body(job.event_id)
    if body is None:
        return JobResult(references={"delivered": "no", "reason": "event_expired"})
    headers = {"Content-Type": "application/json", "User-Agent": "callrec-webhooks/1",
               SIGNATURE_HEADER: sign(endpoint.secret, body, int(clock())), "Callrec-Event-Id": job.event_id}
    if addresses == ():
        raise WebhookDeliveryError(f"webhook {job.endpoint_id}: no answer (its host does not resolve)")
    try:
        status = asyncio.run(_exchange(endpoint.url, addresses, body, headers, ca_file))
    except TimeoutError:
        raise WebhookDeliveryError(f"webhook {job.endpoint_id}: no answer within {TIMEOUT_S:g} s") from None
    except httpx.HTTPError as exc:
        raise WebhookDeliveryError(f"webhook {job.endpoint_id}: no answer ({type(exc).__name__})") from exc
    if not 200 <= status < 300:
        raise WebhookDeliveryError(f"webhook {job.endpoint_id}: answered {status}")
    return JobResult(references={"delivered": "yes", "status": str(status)})


async def _exchange(url: str, addresses: tuple[str, ...] | None, body: bytes, headers: dict[str, str],
                    ca_file: str | None) -> int:
    """The answer's status, within TIMEOUT_S all told (TimeoutError past it)."""
    async with asyncio.timeout(TIMEOUT_S):
        async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False, verify=tls_context(ca_file),
                                     trust_env=False) as client:
            return await _post(client, url, addresses, body, headers)


async def _post(client: httpx.AsyncClient, url: str, addresses: tuple[str, ...] | None, body: bytes,
                headers: dict[str, str]) -> int:
    """POST ``body`` to ``url``: at ``addresses`` (checked) in turn until one takes the
    connection, or, for None, wherever the client resolves the URL's host. The status only:
    the answer's body is not read (the connection is closed instead)."""
    if addresses is None:
        return await _status(client, client.build_request("POST", url, content=body, headers=headers))
    target = httpx.URL(url)
    pinned = {"Host": target.netloc.decode("ascii"), **headers}
    extensions = {"sni_hostname": target.raw_host.decode("ascii")}
    for index, address in enumerate(addresses):
        request = client.build_request("POST", target.copy_with(host=address), content=body, headers=pinned,
                                       extensions=extensions)
        try:
            return await _status(client, request)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            if index == len(addresses) - 1:  # nothing was sent: the next address may take it
                raise
    raise AssertionError("unreachable: addresses is not empty")


async def _status(client: httpx.AsyncClient, request: httpx.Request) -> int:
    response = await client.send(request, stream=True)
    await response.aclose()  # unread: closes the connection
    return response.status_code


def deliver_job(job: DeliverWebhook, client, settings, vault) -> JobResult:
    """The queue actor's operation, over the queue's Redis ``client``, the ``settings`` and the
    ``vault`` (whose keys decrypt the endpoint's secret)."""
    return deliver(job, WebhookStore(client, vault), ca_file=settings.fetch_ca_file or None,
                   private_hosts=settings.webhook_private_hosts)
