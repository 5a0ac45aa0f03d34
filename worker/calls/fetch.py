"""Fetching ``https://`` sources (a Twilio ``RecordingUrl``, a presigned URL) into the worker's temp.

Only hosts listed in ``CALLREC_FETCH_HOSTS`` are fetched (an entry ``user:password@host``
carries that host's credentials); a Twilio API URL (``/Accounts/AC.../``) is fetched with
that Account SID and its auth token from ``CALLREC_TWILIO_AUTH_TOKENS``. Every fetch is
bounded: seconds per network operation, bytes, and redirects, which must stay https and
never carry the credentials to another host (Twilio redirects media to a storage host).
A refusal or a 4xx is bad input (ManifestError); a timeout, a 5xx or a broken connection is
transient (FetchError, retried by the queue).
"""

from __future__ import annotations

import re
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from worker.calls.fetch_hosts import HostEntry, parse_hosts, parse_twilio_hosts, parse_twilio_tokens
from worker.calls.source_names import source_name
from worker.errors import FetchError, ManifestError, SourceMissingError
from worker.settings import Settings

#: After the per-read timeout's length, a download must have averaged this many bytes a second
#: since (G.711's 8000, a call's own rate: any server meant to serve recordings is far faster):
#: the timeout bounds each read, so a byte every few seconds would otherwise never end.
MIN_RATE_BYTES_S = 8000
_TWILIO_ACCOUNT = re.compile(r"/Accounts/(AC[0-9a-fA-F]{32})/")


@dataclass(frozen=True)
class FetchPolicy:
    """What may be fetched, with which credentials, within which limits."""

    hosts: tuple[HostEntry, ...]
    twilio_tokens: tuple[tuple[str, str], ...]
    max_bytes: int
    timeout_s: float
    max_redirects: int
    ca_file: str | None
    #: Twilio's API hosts (host, port or None): the only ones a Twilio auth token goes to.
    twilio_hosts: tuple[tuple[str, int | None], ...] = (("api.twilio.com", None),)

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(hosts=parse_hosts(settings.fetch_hosts),
                   twilio_tokens=parse_twilio_tokens(settings.twilio_auth_tokens),
                   max_bytes=settings.fetch_max_bytes, timeout_s=settings.fetch_timeout_s,
                   max_redirects=settings.fetch_max_redirects, ca_file=settings.fetch_ca_file or None,
                   twilio_hosts=parse_twilio_hosts(settings.twilio_hosts))

    def check(self, uri: str, where: str) -> HostEntry:
        """The host entry allowing ``uri``; ManifestError naming ``where`` when none does."""
        parts = urlsplit(uri)
        if parts.scheme != "https" or not parts.hostname:
            raise ManifestError(f"{where}: {source_name(uri)} is not an https:// URL")
        if parts.username or parts.password:
            raise ManifestError(f"{where}: {source_name(uri)} carries credentials; configure them per host "
                                "(CALLREC_FETCH_HOSTS)")
        port = parts.port or 443
        for entry in self.hosts:
            if entry.matches(parts.hostname, port):
                return entry
        raise ManifestError(f"{where}: host {parts.hostname} is not one this service fetches from "
                            "(CALLREC_FETCH_HOSTS)")

    def auth(self, uri: str, entry: HostEntry) -> tuple[str, str] | None:
        if entry.username is not None:
            return entry.username, entry.password or ""
        sid = self.twilio_account(uri)
        if sid is not None:
            return sid, dict(self.twilio_tokens)[sid]
        return None

    def twilio_account(self, uri: str) -> str | None:
        """The Twilio AccountSid a URL of Twilio's API (``CALLREC_TWILIO_HOSTS``) names
        (``/Accounts/AC.../``) when this service holds its auth token
        (``CALLREC_TWILIO_AUTH_TOKENS``), so fetching it would send that token; else None
        (any other host never gets a token, whatever its path names)."""
        parts = urlsplit(uri)
        if not any(parts.hostname == host and (port is None or port == (parts.port or 443))
                   for host, port in self.twilio_hosts):
            return None
        match = _TWILIO_ACCOUNT.search(parts.path)
        if match is not None and match.group(1) in dict(self.twilio_tokens):
            return match.group(1)
        return None

    def fetch(self, uri: str, target: Path, where: str = "source",
              limit: tuple[int, str] | None = None) -> int:
        """Download ``uri`` into ``target``; returns its size in bytes. ``target`` is removed
        on any failure. ``limit`` (bytes, the setting to name) lowers ``max_bytes`` for this
        fetch."""
        entry = self.check(uri, where)
        max_bytes, setting = (self.max_bytes, "CALLREC_FETCH_MAX_BYTES")
        if limit is not None and limit[0] < max_bytes:
            max_bytes, setting = limit
        auth = self.auth(uri, entry)
        origin = urlsplit(uri).netloc
        timeout = httpx.Timeout(self.timeout_s)
        try:
            with httpx.Client(timeout=timeout, verify=tls_context(self.ca_file), follow_redirects=False,
                              trust_env=False) as client:
                url = uri
                for _ in range(self.max_redirects + 1):
                    hop_auth = auth if urlsplit(url).netloc == origin else None
                    with client.stream("GET", url, auth=hop_auth) as response:
                        if response.is_redirect:
                            url = self._redirect(url, response, where)
                            continue
                        return self._save(uri, response, target, where, max_bytes, setting)
                raise ManifestError(f"{where}: {source_name(uri)} redirected more than {self.max_redirects} times")
        except httpx.TimeoutException as exc:
            target.unlink(missing_ok=True)
            raise FetchError(f"{where}: {source_name(uri)} timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            target.unlink(missing_ok=True)
            raise FetchError(f"{where}: {source_name(uri)} could not be fetched ({type(exc).__name__})") from exc
        except BaseException:
            target.unlink(missing_ok=True)
            raise

    def _redirect(self, url: str, response: httpx.Response, where: str) -> str:
        location = response.headers.get("location")
        if not location:
            raise ManifestError(f"{where}: {source_name(url)} redirected without a Location")
        following = urljoin(url, location)
        if urlsplit(following).scheme != "https":
            raise ManifestError(f"{where}: {source_name(url)} redirected away from https")
        return following

    def _save(self, uri: str, response: httpx.Response, target: Path, where: str, max_bytes: int,
              setting: str) -> int:
        status = response.status_code
        if status >= 500 or status == 429:
            raise FetchError(f"{where}: {source_name(uri)} answered {status}")
        if status in (404, 410):  # nothing there (any more)
            raise SourceMissingError(f"{where}: {source_name(uri)} answered {status}")
        if status != 200:
            raise ManifestError(f"{where}: {source_name(uri)} answered {status}")
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            raise ManifestError(f"{where}: {source_name(uri)} is larger than {max_bytes} bytes ({setting})")
        size = 0
        started = time.monotonic()
        with open(target, "wb") as out:
            for chunk in response.iter_bytes():  # as it arrives: a drip is judged while it drips
                size += len(chunk)
                if size > max_bytes:
                    raise ManifestError(f"{where}: {source_name(uri)} is larger than {max_bytes} bytes ({setting})")
                out.write(chunk)
                late_s = time.monotonic() - started - self.timeout_s
                if late_s > 0 and size < MIN_RATE_BYTES_S * late_s:
                    raise FetchError(f"{where}: {source_name(uri)} arrived too slowly (under "
                                     f"{MIN_RATE_BYTES_S} bytes/s after {self.timeout_s:g} s)")
        return size


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Certificate checks against ``ca_file``, else the system's trust store."""
    return ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
