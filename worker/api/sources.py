"""Where the sources of a manifest sent over HTTP may come from.

An HTTP manifest has no directory of its own, so:

- ``file:`` URIs and absolute paths name files under ``CALLREC_API_INBOX/<account>/``
  (relative ones resolve there); anything outside it, through ``..`` or a symbolic link, is
  refused; without an inbox no local file is taken;
- ``s3://`` URIs name objects of the buckets in ``CALLREC_API_S3_BUCKETS``: a shared
  ``bucket`` under the key prefix ``<account>/``, or an ``account=bucket`` of that account's
  own (the pipeline destroys sources after storing: an account must never reach another's);
- ``https://`` URIs name hosts of ``CALLREC_FETCH_HOSTS`` (worker.calls.fetch); a Twilio URL
  (``/Accounts/AC.../``) whose AccountSid has an auth token here only the account whose profile
  names that SID may name (the worker fetches it with that token).

On top of these per-account rules every source must lie in the workers' source roots
(``CALLREC_SOURCE_ROOTS``, worker.calls.sources), checked at submission as the worker will: so the
roots must name ``CALLREC_API_INBOX`` and the buckets and https hosts above.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from callrec.errors import shown
from worker.errors import ManifestError
from worker.calls.fetch import FetchPolicy
from worker.calls.manifest import Location, Manifest
from worker.calls.source_names import source_name
from worker.calls.sources import api_account_inbox as account_inbox  # where its file: URIs resolve
from worker.settings import Settings


def as_the_account_names_it(text: str | None, settings: Settings) -> str | None:
    """``text`` (a job's failure reason) as the API shows it to the job's account: a file in an
    account's inbox as its manifests name it (``file:`` and its path in the inbox), the data
    dir by name only, never by the server's own paths (session-47 audit)."""
    if text is None:
        return None
    text = inbox_named(text, settings)
    for root in _roots(settings.api_inbox) if settings.api_inbox else ():
        text = text.replace(root, "<inbox>")
    for root in _roots(settings.data_dir):
        text = text.replace(root, "<data dir>")
    return text


def inbox_named(text: str, settings: Settings, account_id: str | None = None) -> str:
    """``text`` with each path of a file in an account's inbox (``account_id``'s only, when
    given) as the account's manifests name it: ``file:`` and its path in the inbox. A path is
    found where it starts (not inside another path), by the inbox as configured or resolved."""
    if not settings.api_inbox:
        return text
    account = re.escape(account_id) if account_id is not None else r"[^/\s]+"
    for root in _roots(settings.api_inbox):
        text = re.sub(r"(?<![\w./-])" + re.escape(root.rstrip(os.sep) + os.sep) + account + "/", "file:", text)
    return text


def _roots(path: str | os.PathLike[str]) -> set[str]:
    """``path`` as configured and as resolved (the server's paths may be either)."""
    return {str(Path(path)), os.path.realpath(path)}


def api_inbox_sources_kept(settings: Settings) -> tuple[str, ...]:
    """The served regions whose ``CALLREC_INBOX`` does not cover ``CALLREC_API_INBOX``: a call's
    sources there stay after it is stored (or deleted), raw audio and transcripts alike, so
    ``serve`` says so when it starts. Empty when there is no API inbox."""
    from worker.calls.sources import inbox
    from worker.vaults import served_regions

    if not settings.api_inbox:
        return ()
    root = Path(os.path.realpath(settings.api_inbox))
    # its files lie under <root>/<account>/: held when a root of the inbox is the API inbox or above it
    return tuple(region for region in served_regions(settings) if not inbox(settings, region).holds_path(root / "account"))


def check_sources(manifest: Manifest, settings: Settings, twilio_sid: str | None = None) -> None:
    """Refuse any source of ``manifest`` the HTTP API may not hand to the workers.
    ``twilio_sid``: the AccountSid the account's profile names (``twilio_account_sid``)."""
    places = [(f"segments[{i}].uri", s.location) for i, s in enumerate(manifest.segments)]
    if manifest.transcript is not None:
        places.append(("transcript.uri", manifest.transcript.location))
    account = manifest.account.id
    for where, location in places:
        _check(where, location, account, settings, twilio_sid)


def _check(where: str, location: Location, account: str, settings: Settings, twilio_sid: str | None) -> None:
    uri = location.uri
    if location.path is not None:
        inbox = account_inbox(settings, account)
        if inbox is None:
            raise ManifestError(f"{where}: {shown(uri)} is a local file; this server takes none over HTTP "
                                "(no CALLREC_API_INBOX): use s3:// or https://")
        real = Path(os.path.realpath(location.path))
        if real != inbox and inbox not in real.parents:
            raise ManifestError(f"{where}: {shown(uri)} is outside this account's inbox "
                                f"(CALLREC_API_INBOX/{account}/)")
        return
    if uri.startswith("s3://"):
        shared, own = s3_buckets(settings.api_s3_buckets)
        if location.bucket in own.get(account, ()):
            return  # the account's own bucket (e.g. its Amazon Connect recordings)
        if location.bucket not in shared:
            raise ManifestError(f"{where}: bucket {shown(location.bucket)} is not one this server reads "
                                "(CALLREC_API_S3_BUCKETS)")
        if not (location.key or "").startswith(f"{account}/") or "/../" in f"/{location.key}/":
            raise ManifestError(f"{where}: {shown(source_name(uri))} is not under this account's prefix {account}/")
        return
    policy = FetchPolicy.from_settings(settings)
    policy.check(uri, where)
    named = policy.twilio_account(uri)
    if named is not None and named != twilio_sid:
        # the worker would fetch it with that Twilio account's auth token: only its own tenant may
        raise ManifestError(f"{where}: {shown(source_name(uri))} names a Twilio account that is not this account's "
                            "(the twilio_account_sid of its profile, PUT /v1/profile)")


def s3_buckets(text: str) -> tuple[set[str], dict[str, set[str]]]:
    """``CALLREC_API_S3_BUCKETS``: shared buckets (``bucket``: keys under ``<account>/``) and
    accounts' own ones (``account=bucket``: any key, that account only)."""
    shared: set[str] = set()
    own: dict[str, set[str]] = {}
    for item in (part.strip() for part in text.split(",")):
        account, sep, bucket = item.rpartition("=")
        if sep:
            own.setdefault(account, set()).add(bucket)
        elif bucket:
            shared.add(bucket)
    return shared, own
