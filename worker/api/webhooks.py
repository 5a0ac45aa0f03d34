"""Webhooks: an account's endpoints, its events, and their signatures.

An event is ``{"id", "type", "created", "account_id", "data"}`` where ``type`` is
``job.done``, ``job.failed`` or ``recording.deleted`` and ``data`` holds references and
counts only (job, recording and ticket ids, states, reasons): never digits, audio or
transcript text. Each delivery is signed like Stripe's: the header

    Callrec-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

lets the receiver check the body and reject replays (compare ``t`` with its clock).
Endpoints and events live in Redis; an endpoint's secret is not: Redis holds it encrypted
(Tink AEAD, ``vault.secrets.SecretBox`` of the first served region, whose key is wrapped by
that region's KEK in the key store), bound to the endpoint and its account. A secret stored
in plaintext by an older version is encrypted the first time a store with the vault reads it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import socket
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import SplitResult, urlsplit

import redis

from callrec.errors import shown
from vault.vault import Vault
from worker.errors import UsageError
from worker.calls.source_names import holds_card_number
from worker.queue.jobs import HIDDEN_CHARACTERS

#: Event types an endpoint receives.
EVENT_TYPES = ("job.done", "job.failed", "recording.deleted")
#: Header carrying the signature.
SIGNATURE_HEADER = "Callrec-Signature"
#: How long an event stays readable for its deliveries (retries end well before).
EVENT_TTL_S = 7 * 86400
#: Endpoints per account.
MAX_ENDPOINTS = 10
#: KEYS[1]: the account's set of endpoint ids, KEYS[2]: the endpoint's hash; ARGV: the cap,
#: the endpoint id, then the hash's fields and values. Counts and adds in one step, so
#: registrations at once (any number of servers) never pass the cap. Returns 1 when added.
_ADD_CAPPED = """
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('SADD', KEYS[1], ARGV[2])
return 1
"""
NAMESPACE = "callrec:api"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_HTTP_ONLY = "http:// only to a loopback host listed in CALLREC_WEBHOOK_PRIVATE_HOSTS"
#: RFC 6052's well-known NAT64 prefix: the IPv4 address it carries is the one reached.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: IPv6 prefixes that lead into an IPv4 network or a site, refused whatever they carry:
#: RFC 8215's local-use NAT64 prefix (the IPv4 sits where the operator's own translator
#: puts it), 6to4 (deprecated, RFC 7526), IPv4-compatible addresses (deprecated, RFC 4291
#: 2.5.5.1) and site-local ones (deprecated, RFC 3879). Python 3.11 counts them all global.
_HIDDEN = re.compile(f"[{HIDDEN_CHARACTERS}]")
_REFUSED_IPV6 = tuple(ipaddress.IPv6Network(n) for n in ("64:ff9b:1::/48", "2002::/16", "::/96", "fec0::/10"))


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: str
    account_id: str
    url: str
    #: The signing secret; None when read by a store without the vault (listing, announcing).
    secret: str | None
    created_at: float


def check_url(url: object, private_hosts: str = "") -> str:
    """An https URL, at most 2,000 characters, to a public address unless the operator lists
    its host in ``private_hosts`` (CALLREC_WEBHOOK_PRIVATE_HOSTS); http only to a loopback
    host listed there (development: nothing on this machine is reachable by default)."""
    if not isinstance(url, str) or len(url) > 2000:
        raise UsageError("url: give an https:// URL (at most 2000 characters)")
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL": a bracket not closed, or not an address inside
        raise UsageError("url: give an https:// URL whose host in brackets is an IPv6 address") from None
    if parts.username or parts.password or not parts.hostname:
        raise UsageError("url: give an https:// URL with a host and no credentials")
    if _unreachable(url):
        raise UsageError("url: give a URL without spaces, control or invisible formatting characters, "
                         "with a host name or address and a port from 1 to 65535")
    parts = _as_reached(parts)
    url = parts.geturl()
    # it is kept in Redis and listed back: no card digits there, as written or as its receiver reads it
    # (source_names.read: unescaped, NFKC, digits folded, what shows nothing dropped; a query's "+" a space)
    if holds_card_number(url.replace("+", " ")):
        raise UsageError("url: could hold a card number (a number standing apart of 13-19 digits that passes "
                         "the Luhn check)")
    if parts.scheme != "https" and not (parts.scheme == "http" and _local_http(parts, private_hosts)):
        raise UsageError(f"url: must be https:// ({_HTTP_ONLY})")
    if parts.scheme == "https" and not listed(parts, private_hosts):
        literal = _address(parts.hostname)
        if literal is not None and not is_public(literal):
            raise UsageError("url: an https:// endpoint must be a public address")
    return url


def reached_host(host: str) -> str:
    """``host`` as the resolver reads it: IDNA's ASCII form (full-width characters and other
    scripts' full stops mapped, a name in other characters as ``xn--``), in lower case, without a
    final dot; an IPv6 address as it is."""
    if ":" in host:
        return host
    try:
        return host.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError:  # not a name a request can reach (``_unreachable``)
        return host


def _as_reached(parts: SplitResult) -> SplitResult:
    """``parts`` with its host as it is reached (``reached_host``): what is stored, listed back
    and checked. Session 51: a host that only looked like another (a Cyrillic а in acme.com, an
    address in full-width digits) was stored as given, and a private address so written taken for
    a name at registration."""
    host = reached_host(parts.hostname or "")
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if netloc == parts.netloc or ":" in host:
        return parts
    # (compared with the netloc as written: urlsplit's hostname is lower-cased already, so a host
    # whose lower case is ASCII, "HOOKS.example.com" or the Kelvin sign's "\u212aelvin", was kept)
    return parts._replace(netloc=netloc)


def listed(parts: SplitResult, private_hosts: str) -> bool:
    """True when the operator lists the URL's host in ``private_hosts`` (comma-separated,
    any case): as ``host`` (any port) or ``host:port`` (an IPv6 address in brackets)."""
    entries = {_reached_entry(entry.strip()) for entry in private_hosts.split(",") if entry.strip()}
    host = reached_host(parts.hostname or "")
    bracketed = f"[{host}]" if ":" in host else host
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return bool(entries & {host, bracketed, f"{bracketed}:{port}"})


def _reached_entry(entry: str) -> str:
    """An operator's ``host`` or ``host:port`` entry with its host read as a URL's is
    (``reached_host``): "bücher.internal" and "hooks.corp." match their own URLs."""
    try:
        parts = urlsplit(f"//{entry}")
        port = parts.port
    except ValueError:  # not a host[:port] (refused when the settings load): compared as written
        return entry.lower()
    host = reached_host(parts.hostname or "")
    bracketed = f"[{host}]" if ":" in host else host
    return bracketed if port is None else f"{bracketed}:{port}"


def _local_http(parts: SplitResult, private_hosts: str) -> bool:
    """True for an http:// URL the operator opted in to: a loopback host it lists."""
    return reached_host(parts.hostname or "") in _LOOPBACK and listed(parts, private_hosts)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True when ``address`` is a public one: global, and for an IPv6 address carrying an
    IPv4 one (IPv4-mapped, well-known NAT64) that IPv4 address global too; the IPv6 forms
    that lead into an IPv4 network whatever they carry (6to4, IPv4-compatible, local-use
    NAT64) and site-local addresses are not. NAT64 is judged, not refused: an IPv6-only
    network reaches every IPv4-only receiver at 64:ff9b::<its IPv4> (DNS64), and RFC 6052
    keeps non-global IPv4 addresses out of that prefix, so only an attack puts them there."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped.is_global
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF).is_global
        if any(address in network for network in _REFUSED_IPV6):
            return False
    return address.is_global


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` is written as, or None for a name: also an IPv4 address in the
    shorthand the resolver reads as one ("127.1", "2130706433", "0x7f000001": inet_aton)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _unreachable(url: str) -> bool:
    """True when no request can be sent to ``url``: a space or control character anywhere,
    a port that is no number from 1 to 65535, or a host that is not a DNS name or address."""
    if any(c <= " " or c == "\x7f" for c in url) or _HIDDEN.search(url):
        return True  # (a bidi override or zero-width space was kept and listed back: session 53)
    try:
        parts = urlsplit(url)
        if parts.port == 0:
            return True
        host = parts.hostname or ""
        try:
            ipaddress.ip_address(host)
        except ValueError:
            host.encode("idna")
    except (ValueError, UnicodeError):  # "Port out of range", "label empty or too long"
        return True
    return False


def checked_addresses(url: str, private_hosts: str = "") -> tuple[str | None, tuple[str, ...] | None]:
    """``(why delivering to url is refused, or None; the addresses to connect to)``.

    Refused: not a URL a request can reach, or an https host resolving to any address that
    is not public (``is_public``: private, loopback, link-local, or an IPv6 form carrying
    one), a request into the service's own network. The host is
    resolved here once, and the delivery connects to these very addresses (``delivery``):
    resolving again to send would let a host answer the check with a public address and the
    send with an inside one (DNS rebinding). A host the operator allows (``listed`` in
    ``CALLREC_WEBHOOK_PRIVATE_HOSTS``) is not checked, but pinned the same way. The addresses
    are ``()`` when the host does not resolve now (the delivery fails and is retried), and
    None for http to a listed loopback host (``check_url``; refused to any other, and once the
    operator no longer lists it), which the client resolves itself.
    """
    if _unreachable(url):
        return "not a URL a request can reach (a bad port, host or character)", None
    parts = urlsplit(url)
    if parts.scheme != "https":
        # http only to a listed loopback host (``check_url``), a URL stored before that too
        return (None if parts.scheme == "http" and _local_http(parts, private_hosts) else _HTTP_ONLY), None
    host = parts.hostname or ""
    allowed = listed(parts, private_hosts)
    try:
        found = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None, ()  # unresolvable: the delivery fails (and is retried) like any unreachable host
    addresses: list[str] = []
    for *_, sockaddr in found:
        address = str(sockaddr[0]).split("%")[0]
        if not allowed and not is_public(ipaddress.ip_address(address)):
            return f"{parts.hostname} resolves to a non-public address (CALLREC_WEBHOOK_PRIVATE_HOSTS)", None
        if address not in addresses:
            addresses.append(address)
    return None, tuple(addresses)


def sign(secret: str, body: bytes, timestamp_s: int) -> str:
    """The ``Callrec-Signature`` value of ``body`` sent at ``timestamp_s``."""
    mac = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp_s},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, now_s: float | None = None, tolerance_s: float = 300) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` within ``tolerance_s`` of now (what
    a receiver runs; the README shows the same check standalone)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp_s = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now_s is None else now_s) - timestamp_s) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp_s).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def _aad(endpoint: Endpoint) -> bytes:
    """What a secret is bound to: a ciphertext moved to another endpoint or account fails."""
    return b"\x00".join((b"callrec/v1 webhook-secret", endpoint.endpoint_id.encode(), endpoint.account_id.encode()))


def event_id(*parts: str) -> str:
    """A deterministic event id: a redelivered job announces the same event once."""
    return "evt_" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:24]


class WebhookStore:
    """Endpoints (``callrec:api:hook:<id>``, a set per account) and events (with a TTL)."""

    def __init__(self, client: redis.Redis, vault: Vault | None = None, *, private_hosts: str = "",
                 clock=time.time) -> None:
        self.client = client
        #: Encrypts and decrypts secrets; without it secrets are neither made nor read.
        self.vault = vault
        #: CALLREC_WEBHOOK_PRIVATE_HOSTS: hosts registration lets be private (``check_url``).
        self.private_hosts = private_hosts
        self.clock = clock

    def register(self, account_id: str, url: str) -> Endpoint:
        url = check_url(url, self.private_hosts)  # kept as it is reached (session 53: it was kept as sent)
        full = UsageError(f"url: an account has at most {MAX_ENDPOINTS} webhook endpoints")
        if self.client.scard(self._account(account_id)) >= MAX_ENDPOINTS:
            raise full  # early, before sealing a secret; the script below is what holds the cap
        if self.vault is None:
            raise ValueError("registering a webhook needs the vault: its secret is stored encrypted")
        endpoint = Endpoint("we_" + secrets.token_hex(8), account_id, url, "whsec_" + secrets.token_urlsafe(32),
                            round(self.clock(), 3))
        fields = {"account_id": account_id, "url": url, **self._sealed(endpoint),
                  "created_at": f"{endpoint.created_at:.3f}"}
        add = self.client.register_script(_ADD_CAPPED)
        added = add(keys=[self._account(account_id), self._hook(endpoint.endpoint_id)],
                    args=[MAX_ENDPOINTS, endpoint.endpoint_id, *(v for item in fields.items() for v in item)])
        if not added:
            raise full
        return endpoint

    def get(self, endpoint_id: str) -> Endpoint | None:
        values = self.client.hgetall(self._hook(endpoint_id))
        if not values:
            return None
        endpoint = Endpoint(endpoint_id, values[b"account_id"].decode(), values[b"url"].decode(), None,
                            float(values[b"created_at"]))
        if self.vault is None:
            return endpoint
        if b"sealed" in values:
            box = self.vault.region(values[b"key_region"].decode()).secrets
            plain = box.decrypt(base64.b64decode(values[b"sealed"]), _aad(endpoint))
            return replace(endpoint, secret=plain.decode())
        endpoint = replace(endpoint, secret=values[b"secret"].decode())
        self._seal_plaintext(endpoint, values[b"secret"])
        return endpoint

    def endpoints(self, account_id: str) -> list[Endpoint]:
        ids = sorted(i.decode() for i in self.client.smembers(self._account(account_id)))
        found = [self.get(i) for i in ids]
        return sorted((e for e in found if e is not None), key=lambda e: (e.created_at, e.endpoint_id))

    def remove(self, account_id: str, endpoint_id: str) -> bool:
        if not self.client.srem(self._account(account_id), endpoint_id):
            return False
        self.client.delete(self._hook(endpoint_id))
        return True

    def put_event(self, account_id: str, event_type: str, data: dict[str, Any], ident: str) -> dict[str, Any]:
        """Store an event once (by its deterministic id) and return it."""
        if event_type not in EVENT_TYPES:
            raise UsageError(f"event type {shown(event_type)} is not one of {', '.join(EVENT_TYPES)}")
        event = {"id": ident, "type": event_type, "created": int(self.clock()), "account_id": account_id,
                 "data": data}
        self.client.set(self._event(ident), json.dumps(event, sort_keys=True), ex=EVENT_TTL_S, nx=True)
        return json.loads(self.client.get(self._event(ident)))

    def event_body(self, ident: str) -> bytes | None:
        return self.client.get(self._event(ident))

    def _sealed(self, endpoint: Endpoint) -> dict[str, str]:
        """The hash fields holding ``endpoint``'s secret encrypted, in the first served region."""
        region = self.vault.regions[0]
        sealed = self.vault.region(region).secrets.encrypt(endpoint.secret.encode(), _aad(endpoint))
        return {"sealed": base64.b64encode(sealed).decode("ascii"), "key_region": region}

    def _seal_plaintext(self, endpoint: Endpoint, stored: bytes) -> None:
        """Replace a plaintext secret (stored by an older version) by its encryption, unless
        the endpoint was removed or changed meanwhile (a removed one is never brought back)."""
        name = self._hook(endpoint.endpoint_id)
        fields = self._sealed(endpoint)
        with self.client.pipeline() as pipe:
            try:
                pipe.watch(name)
                if pipe.hget(name, "secret") != stored:
                    return
                pipe.multi()
                pipe.hset(name, mapping=fields)
                pipe.hdel(name, "secret")
                pipe.execute()
            except redis.WatchError:
                pass  # changed meanwhile: the next read encrypts it

    def _hook(self, endpoint_id: str) -> str:
        return f"{NAMESPACE}:hook:{endpoint_id}"

    def _account(self, account_id: str) -> str:
        return f"{NAMESPACE}:account-hooks:{account_id}"

    def _event(self, ident: str) -> str:
        return f"{NAMESPACE}:event:{ident}"
