"""The host and token lists of the fetch settings: ``CALLREC_FETCH_HOSTS`` (``host[:port]``,
``user:password@`` before it for that host's credentials), ``CALLREC_TWILIO_HOSTS``
(``host[:port]``) and ``CALLREC_TWILIO_AUTH_TOKENS`` (``[account=]AC...:token``), each
comma-separated. A bad entry is a ManifestError naming the setting (no secret in it).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from worker.calls.source_names import source_name
from worker.errors import ManifestError


@dataclass(frozen=True)
class HostEntry:
    """One allowed host (``host`` or ``host:port``) and its credentials, if any."""

    host: str
    port: int | None
    username: str | None = None
    password: str | None = None

    def matches(self, host: str, port: int) -> bool:
        return host == self.host and (self.port is None or self.port == port)


def parse_hosts(text: str) -> tuple[HostEntry, ...]:
    """``host``, ``host:port`` or ``user:password@host[:port]``, comma-separated."""
    return tuple(_host_entries(text, "CALLREC_FETCH_HOSTS", credentials=True))


def parse_twilio_hosts(text: str) -> tuple[tuple[str, int | None], ...]:
    """``host`` or ``host:port``, comma-separated (``CALLREC_TWILIO_HOSTS``)."""
    return tuple((entry.host, entry.port) for entry in _host_entries(text, "CALLREC_TWILIO_HOSTS", credentials=False))


def twilio_sid_accounts(text: str) -> dict[str, str]:
    """The account each Account SID of ``CALLREC_TWILIO_AUTH_TOKENS`` is given to
    (``account=AC...:token``): only that account's profile may name it."""
    given = (_given_to(item) for item in _items(text))
    return {rest.partition(":")[0]: account for account, rest in given if account is not None}


def parse_twilio_tokens(text: str) -> tuple[tuple[str, str], ...]:
    """``[account=]AC...:token``, comma-separated."""
    pairs = []
    for item in _items(text):
        sid, sep, token = _given_to(item)[1].partition(":")
        if not sep or not sid.startswith("AC") or not token:
            raise ManifestError("CALLREC_TWILIO_AUTH_TOKENS: each entry is AccountSid:AuthToken")
        pairs.append((sid, token))
    return tuple(pairs)


def _items(text: str) -> list[str]:
    """The entries of a comma-separated setting, stripped, empty ones left out."""
    return [item for item in (part.strip() for part in text.split(",")) if item]


def _host_entries(text: str, setting: str, credentials: bool) -> list[HostEntry]:
    """``host[:port]`` entries of ``setting`` (``user:password@`` before them when ``credentials``);
    ManifestError naming the entry otherwise."""
    entries = []
    for item in _items(text):
        userinfo, at, hostport = item.rpartition("@") if credentials else ("", "", item)
        host, colon, port = hostport.partition(":")
        if not host or "@" in hostport or (colon and not port.isdigit()):
            raise ManifestError(f"{setting}: entry {source_name(hostport)} is not host or host:port")
        username = password = None
        if at:
            user, _, secret = userinfo.partition(":")
            username, password = unquote(user), unquote(secret)
        entries.append(HostEntry(host.lower(), int(port) if colon else None, username, password))
    return entries


def _given_to(item: str) -> tuple[str | None, str]:
    """A ``CALLREC_TWILIO_AUTH_TOKENS`` entry split into the account it is given to (``account=``;
    None without one) and its ``AC...:token``."""
    account, sep, rest = item.partition("=")
    return (account, rest) if sep and not account.startswith("AC") else (None, item)
