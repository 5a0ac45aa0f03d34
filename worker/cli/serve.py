"""``callrec serve [--host H] [--port P]``: the HTTP API and review page (uvicorn)."""

from __future__ import annotations

import argparse
from dataclasses import replace


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the HTTP API of the add-on and the review page",
        description="Serve the HTTP API (/v1/..., OpenAPI at /v1/openapi.json) over the same "
                    "settings, queue and vault as the workers. Start `callrec worker` too: the API "
                    "enqueues, workers process. Keys: `callrec api-keys create --account A`.")
    parser.add_argument("--host", help="address to listen on (default CALLREC_API_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default CALLREC_API_PORT, 8080)")
    parser.set_defaults(func=run)


def build(settings=None):
    """The ASGI app over this process's broker and settings (with overrides)."""
    from worker.api.app import create_app
    from worker.api.services import build_services
    from worker.queue.broker import build_broker, ensure_redis
    from worker.settings import Settings
    from worker.vaults import build_vault

    settings = settings or Settings.from_env()
    ensure_redis(settings)
    return create_app(build_services(settings, build_broker(settings, for_api=True), build_vault(settings)))


def run(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from worker.api.sources import api_inbox_sources_kept
    from worker.queue import logs
    from worker.queue.broker import queue_errors
    from worker.settings import Settings

    base = Settings.from_env()
    settings = replace(base, api_host=args.host or base.api_host, api_port=args.port or base.api_port)
    logs.configure(settings.log_level)
    with queue_errors(settings):
        app = build(settings)
    from worker.api.openapi import served_origin

    print(f"callrec serve: {served_origin(settings)}/v1/ (OpenAPI: /v1/openapi.json)", flush=True)
    kept = api_inbox_sources_kept(settings)
    if kept:  # the workers read the same settings: their sources there stay, raw audio and all
        logs.event(logging.getLogger("callrec.serve"), "api_inbox_sources_kept", logging.WARNING,
                   regions=",".join(kept), setting="CALLREC_INBOX")
    uvicorn.Server(server_config(app, settings)).run()
    return 0


def server_config(app, settings):  # noqa: ANN001, ANN201 (an ASGI app; uvicorn.Config)
    """uvicorn as ``serve`` runs it: no access log or server header; a connection must send each
    request head within ``api_head_timeout_s`` (``worker.api.connections``) and its body within
    ``api_body_timeout_s`` (408, set on the app's state for ``read_body``); past
    ``api_max_connections`` at once (fewer when the process may not open files for that many:
    ``connection_cap``), the API's JSON 503 (the protocol's cap, not uvicorn's
    ``limit_concurrency``, whose 503 is plain text: ``worker.api.connections``). Forwarded headers
    are read from the proxies of ``api_trusted_proxies`` only (none by default): uvicorn took
    X-Forwarded-For and -Proto from 127.0.0.1 for the client and scheme, so a local client (or any
    behind a local TCP proxy) chose the address its rate was counted by (session 54)."""
    import uvicorn

    from worker.api.connections import bounded_protocol, connection_cap

    app.state.body_timeout_s = settings.api_body_timeout_s
    return uvicorn.Config(app, host=settings.api_host, port=settings.api_port, log_level="warning",
                          access_log=False, server_header=False,  # the peer is the client, but behind a trusted proxy
                          proxy_headers=bool(settings.trusted_proxies()), forwarded_allow_ips=settings.trusted_proxies(),
                          http=bounded_protocol(settings.api_head_timeout_s, *connection_cap(settings.api_max_connections)))
