"""Twilio's request signature (``X-Twilio-Signature``), per Twilio's security documentation.

The signed text is the full URL Twilio called (query string included) followed by every
POST parameter, sorted by name, as name and value with no separators (a repeated name: its
values sorted); the signature is base64(HMAC-SHA1(auth token, text)). As Twilio's own
validators do, the URL is also tried without and with the scheme's default port, since a
proxy may add or drop it. (The official ``twilio`` package would bring aiohttp and
requests for this one function.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"https": 443, "http": 80}


def compute_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    grouped: dict[str, set[str]] = {}
    for name, value in params:
        grouped.setdefault(name, set()).add(value)
    text = url + "".join(name + value for name in sorted(grouped) for value in sorted(grouped[name]))
    digest = hmac.new(auth_token.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def valid_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str) -> bool:
    """True when ``signature`` signs ``params`` sent to ``url`` (with or without its default port)."""
    params = list(params)
    if not (signature or "").isascii():  # no signature Twilio computes is; compare_digest raised TypeError
        return False
    return any(hmac.compare_digest(compute_signature(auth_token, candidate, params), signature or "")
               for candidate in _url_variants(url))


def _url_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    without = urlunsplit(parts._replace(netloc=f"{prefix}{host}"))
    variants = [url, without]
    if default is not None:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}")))
    return list(dict.fromkeys(variants))
