"""The raw inputs of a call: read only from allowed roots, destroyed only inside the inbox.

Reading. A segment or transcript is read only from a *source root* (``CALLREC_SOURCE_ROOTS``;
default: the manifest's own directory). Its real path (symlinks resolved) must lie inside a
root, in the inbox it must be the call's own (its call id in its path: worker.calls.owners) and never the manifest itself, it must be a regular file (never a
directory, FIFO, device or socket), and it is opened without blocking and checked again on
the opened descriptor (type, and that the file it holds is the one inside the root and the
call's), so a path swapped between the check and the open gains nothing.
A remote source (``s3://``) must lie under an ``s3://bucket/prefix`` root; it is copied into
the worker's temp dir by the ``RemoteSource`` backend of its URI scheme (passed in; S3 by
default), then read like a local file.

Destroying. Segments and a provider transcript may hold unredacted card data, so once the
recording is stored (or the call must not be recorded) the sources inside the *inbox*
(``CALLREC_INBOX``) are destroyed: local files overwritten and unlinked (through a descriptor
checked like a read; a symlink is never followed, a file with other hard links is refused as a
source and kept, whatever its name), remote objects removed with every version. Nothing outside the inbox
is ever destroyed, nothing under the data dir, and with no inbox configured nothing at all
(the default, so running the committed samples or an operator's own files destroys none of
them). ``CALLREC_KEEP_SOURCES`` keeps everything.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Protocol

from callrec.errors import heading
from callrec.file_identity import identity
from vault.errors import ObjectMissingError
from vault.files import zero
from worker.calls import kept
from worker.calls.limits import InputLimits
from worker.calls.confined import OUTSIDE, Roots, check_size, open_confined, read_limited, same_file
from worker.errors import SourceChangedError, SourceError, SourceMissingError, resource_error
from worker.calls.manifest import Location, Manifest, Segment
from worker.calls.owners import Owner
from worker.calls.source_names import source_name
from worker.settings import Settings

log = logging.getLogger("callrec.jobs")

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def source_roots(manifest: Manifest, settings: Settings) -> Roots:
    """``CALLREC_SOURCE_ROOTS``, or the manifest's directory when it is not set (for a call sent
    over HTTP, only its account's part of them: :func:`own_files`)."""
    roots = Roots.parse(settings.source_roots.replace("{region}", manifest.account.region),
                        "CALLREC_SOURCE_ROOTS")
    roots = roots or Roots((Path(os.path.realpath(manifest.base_dir)),))
    return replace(own_files(manifest, settings, roots.without_state(service_state(settings))),
                   owner=call_owner(manifest, settings))


def call_owner(manifest: Manifest, settings: Settings) -> Owner:
    """Whose files the sources of ``manifest`` in the inbox must be (worker.calls.owners): its
    call's, in the inbox as far as its account reaches (:func:`own_files`)."""
    where = own_files(manifest, settings, inbox(settings, manifest.account.region))
    return Owner(manifest.call_id, where.dirs, where.remote)


#: The directories of ``CALLREC_DATA_DIR`` the service keeps its state in: the local vault
#: (worker.vaults), the keyring, the default key store, the API's kept manifests (worker.calls.kept),
#: Dramatiq's metrics (worker.queue.prometheus) and the embedded Redis's files (worker.queue.redis_server).
STATE_DIRS = ("vault", "keys", "keystore", "api", "metrics", "redis")


def service_state(settings: Settings) -> tuple[tuple[str, Path], ...]:
    """The service's own files (keyring, vault, key store, Redis's, kept manifests): never a call's
    source, whatever the roots reach (session 55: the default roots, the manifest's directory,
    held the default data dir ``.callrec`` of a command run there, and the keyring was read as a
    call's transcript). The data dir's state directories only: a root or an inbox elsewhere in
    the data dir (``<data dir>/inbox``) is read as before."""
    state = [("CALLREC_DATA_DIR", Path(settings.data_dir) / name) for name in STATE_DIRS]
    if settings.key_store_dir:
        state.append(("CALLREC_KEY_STORE_DIR", Path(settings.key_store_dir)))
    return tuple(state)


def api_account_inbox(settings: Settings, account_id: str) -> Path | None:
    """The directory of ``account_id``'s files in the API's inbox (``CALLREC_API_INBOX/<account>/``,
    its real path); None without an API inbox."""
    return Path(os.path.realpath(settings.api_inbox)) / account_id if settings.api_inbox else None


def own_files(manifest: Manifest, settings: Settings, roots: Roots) -> Roots:
    """``roots`` (to read or to destroy in) as far as ``manifest``'s account may reach: for a call
    sent over HTTP (a manifest the API keeps: its directory is its account's of
    ``worker.calls.kept``) local files only in its account's part of the API's inbox, none when
    this process has no ``CALLREC_API_INBOX``. The API checked that when it took the call, but
    the roots hold every account's files, and a directory of the account's swapped for a
    symlink to another account's afterwards led the worker to read that account's legs into
    this account's recording, then destroy them (session-50 audit)."""
    if Path(os.path.realpath(manifest.base_dir)) != kept.manifests_dir(settings.data_dir) / manifest.account.id:
        return roots
    return roots.within(api_account_inbox(settings, manifest.account.id))


def check_sources(manifest: Manifest, settings: Settings,
                  manifest_path: str | os.PathLike[str] | None = None) -> None:
    """Refuse, before any work, a manifest naming a source outside the source roots, in the
    inbox and not its call's, or the manifest at ``manifest_path`` itself (also one that will
    not be read, e.g. of a call that is not recorded: it would be destroyed unread)."""
    roots = source_roots(manifest, settings)
    itself = _identity(manifest_path)
    fields = [f"segments[{i}].uri" for i in range(len(manifest.segments))] + ["transcript.uri"]
    for where, location in zip(fields, source_locations(manifest)):
        if location.path is not None:
            real = Path(os.path.realpath(location.path))
            refused = roots.refusal(real)
            if refused is None and roots.owner is not None:
                refused = roots.owner.link_refusal(real, _links(real))
            if itself is not None and _identity(location.path) == itself:
                refused = "the manifest itself, never one of its call's sources"
        else:
            refused = roots.remote_refusal(location)
        if refused is not None:
            raise SourceError(f"{where}: {heading(location.path or source_name(location.uri))}: {refused}")
    check_distinct_segments(manifest, roots)


def check_distinct_segments(manifest: Manifest, roots: Roots) -> None:
    """Refuse a file named by two segments (the same uri, another spelling of its path, a hard
    link to it: one file; an https URL by its whole URL, whose query may name the recording),
    which would be mixed onto itself or placed twice in the call (session 55). Local files
    outside ``roots`` are left to the roots' own refusal."""
    first: dict[tuple[object, ...], int] = {}
    for index, segment in enumerate(manifest.segments):
        location = segment.location
        if location.uri.startswith("https://"):  # a provider's URL may name its recording in the query
            same: tuple[object, ...] = ("https", location.uri)
        elif location.path is None:
            same = ("remote", location.uri.partition("://")[0], location.bucket, location.key)
        else:
            real = Path(os.path.realpath(location.path))
            if not roots.holds_path(real):
                continue
            try:
                info = os.stat(real)
            except OSError:  # missing or unreadable: the read names it
                continue
            same = ("file", info.st_dev, info.st_ino)
        if same in first:
            raise SourceError(f"segments[{index}].uri: {heading(location.path or source_name(location.uri))}: the same "
                              f"file as segments[{first[same]}].uri; a leg's audio is placed in the call once")
        first[same] = index


def _links(real: Path) -> int:
    """How many names the regular file at ``real`` has (1 for anything else, or none: the read
    names that)."""
    try:
        info = os.stat(real)
    except (OSError, ValueError):
        return 1
    return info.st_nlink if stat.S_ISREG(info.st_mode) else 1


def _identity(path: str | os.PathLike[str] | None) -> tuple[int, int] | None:
    """The file at ``path`` as (device, inode), another spelling or a hard link alike; None
    when there is none (or no path)."""
    try:
        info = os.stat(path) if path is not None else None
    except (OSError, ValueError):  # missing or unreadable: the read names it
        return None
    return (info.st_dev, info.st_ino) if info is not None else None


def inbox(settings: Settings, region: str) -> Roots:
    """``CALLREC_INBOX`` for a call of ``region``: where its sources are destroyed once
    stored (empty: nowhere)."""
    return Roots.parse(settings.inbox.replace("{region}", region), "CALLREC_INBOX")


class RemoteSource(Protocol):
    """One remote backend of sources (a URI scheme): read an object, delete it."""

    def reader(self, location: Location,
               limit: tuple[int, str] | None = None) -> AbstractContextManager[BinaryIO]:
        """The object's bytes; raises ``SourceMissingError`` when it does not exist. ``limit``
        (bytes, the setting to name): the caller stops reading past it; a backend that
        copies first stops there too."""
        ...

    def delete(self, location: Location) -> None:
        """Remove the object (every version of it)."""
        ...


class S3Sources:
    """``s3://`` sources, in the call's region."""

    def __init__(self, settings: Settings, region: str):
        self._settings, self._region = settings, region

    @contextmanager
    def reader(self, location: Location, limit: tuple[int, str] | None = None) -> Iterator[BinaryIO]:
        try:
            with self._store(location).reader(location.key) as src:
                yield src
        except ObjectMissingError:
            raise SourceMissingError(f"{heading(source_name(location.uri))}: no such object") from None

    def delete(self, location: Location) -> None:
        self._store(location).delete(location.key)

    def _store(self, location: Location):  # noqa: ANN202 (vault.stores.s3.S3Store, imported late)
        from vault.stores.s3 import S3Store
        from worker.vaults import aws_client

        return S3Store(aws_client(self._settings, "s3", self._region), location.bucket, self._region)


class HttpsSources:
    """``https://`` sources (a Twilio ``RecordingUrl``...): fetched by worker.calls.fetch from the
    hosts of ``CALLREC_FETCH_HOSTS``, with their credentials. The provider's copy is the
    provider's to delete: ``delete`` does nothing (never name an https root in the inbox)."""

    def __init__(self, settings: Settings):
        self._settings = settings

    @contextmanager
    def reader(self, location: Location, limit: tuple[int, str] | None = None) -> Iterator[BinaryIO]:
        from worker.calls.fetch import FetchPolicy
        from worker.workdirs import WorkDir

        # A locked work dir: a process killed mid-download leaves it to the next sweep.
        with WorkDir() as workdir:
            target = workdir / "source"
            FetchPolicy.from_settings(self._settings).fetch(location.uri, target, "source", limit)
            with open(target, "rb") as src:
                yield src

    def delete(self, location: Location) -> None:
        pass


def default_remotes(settings: Settings, region: str) -> dict[str, RemoteSource]:
    """The remote backends by URI scheme."""
    return {"s3": S3Sources(settings, region), "https": HttpsSources(settings)}


class SourceFetcher:
    """Opens a call's sources for reading: local ones inside the roots, remote ones copied
    into ``workdir`` first (once). Also a segment resolver for ``worker.calls.assemble``."""

    def __init__(self, manifest: Manifest, settings: Settings, workdir: Path | None = None,
                 remotes: Mapping[str, RemoteSource] | None = None):
        self._roots = source_roots(manifest, settings)
        self._manifest, self._limits = manifest, InputLimits.from_settings(settings)
        self._workdir = workdir
        self._remotes = remotes if remotes is not None else default_remotes(settings, manifest.account.region)
        self._fetched: dict[str, Path] = {}
        #: What each local source was when first opened (``callrec.file_identity``).
        self._first: dict[str, tuple[int, ...]] = {}

    def __call__(self, segment: Segment) -> BinaryIO:
        if segment.location.path is not None:
            return self.open(segment.location)
        # Fetched whole before its duration can be read: bounded while it streams in.
        limit = self._limits.segment_bytes(self._manifest, segment)
        return open_confined(self._fetch(segment.location, limit[0], limit[1]), None)

    def open(self, location: Location, max_bytes: int | None = None, why: str = "") -> BinaryIO:
        """The source at ``location`` opened for reading; ``SourceError`` when it may not be
        (larger than ``max_bytes``: ``why`` says where that limit comes from)."""
        if location.path is not None:
            handle = open_confined(location.path, self._roots)
            self._unchanged(location, handle)
        else:
            handle = open_confined(self._fetch(location, max_bytes), None)
        if max_bytes is not None:
            check_size(handle, source_name(location.uri), max_bytes, why)
        return handle

    def check_unchanged(self, location: Location) -> None:
        """``SourceChangedError`` when the local source at ``location``, opened before, is no longer the
        file it was then (``callrec.file_identity``): what the call read of it is not what would
        be digested and destroyed (session 54: a leg rewritten while its call was redacted was
        digested anew and destroyed, its new content never stored)."""
        if location.path is not None and location.uri in self._first:
            self.open(location).close()

    def _unchanged(self, location: Location, handle: BinaryIO) -> None:
        now = identity(os.fstat(handle.fileno()))
        if self._first.setdefault(location.uri, now) != now:
            handle.close()
            raise SourceChangedError(f"{heading(source_name(location.uri))} changed while the call was processed "
                                     "(its size or times); nothing of the call is stored")

    def read(self, location: Location, max_bytes: int, why: str = "") -> bytes:
        """The whole source, refused when it holds more than ``max_bytes``."""
        with self.open(location, max_bytes, why) as handle:
            return read_limited(handle, source_name(location.uri), max_bytes, why)

    def _fetch(self, location: Location, max_bytes: int | None, setting: str | None = None) -> Path:
        if location.uri in self._fetched:
            return self._fetched[location.uri]
        scheme = location.uri.partition("://")[0]
        if scheme not in self._remotes:
            raise SourceError(f"{heading(source_name(location.uri))}: no reader for {scheme}:// sources here")
        refused = self._roots.remote_refusal(location)
        if refused == OUTSIDE:
            raise SourceError(f"{heading(source_name(location.uri))}: outside the source roots (CALLREC_SOURCE_ROOTS "
                              f"must name an {scheme}://bucket/prefix holding it)")
        if refused is not None:
            raise SourceError(f"{heading(source_name(location.uri))}: {refused}")
        if self._workdir is None:
            raise SourceError(f"{heading(source_name(location.uri))}: remote sources need the pipeline's temp dir")
        target = self._workdir / f"source-{len(self._fetched) + 1}{Path(location.key or '').suffix}"
        limit = (max_bytes, setting) if max_bytes is not None and setting is not None else None
        try:
            with self._remotes[scheme].reader(location, limit) as src, open(target, "wb") as out:
                copied = 0
                while block := src.read(1 << 20):
                    copied += len(block)
                    if max_bytes is not None and copied > max_bytes:
                        named = f" ({setting})" if setting else ""
                        raise SourceError(f"{heading(source_name(location.uri))} is larger than {max_bytes} bytes{named}")
                    out.write(block)
        except BaseException as exc:
            target.unlink(missing_ok=True)  # nothing half-copied left behind
            if isinstance(exc, OSError):
                raise (resource_error(exc) or exc) from exc
            raise
        self._fetched[location.uri] = target
        return target


def source_locations(manifest: Manifest) -> tuple[Location, ...]:
    """Every raw input that may hold call content: the segments and a provider transcript."""
    found = [segment.location for segment in manifest.segments]
    if manifest.transcript is not None:
        found.append(manifest.transcript.location)
    return tuple(found)


def destroy_sources(manifest: Manifest, settings: Settings,
                    remotes: Mapping[str, RemoteSource] | None = None,
                    unchanged: Callable[[Location], None] | None = None,
                    spare: Collection[Location] = ()) -> int:
    """Destroy the raw inputs of ``manifest`` that lie in the inbox, but those of ``spare``;
    returns how many.

    With ``unchanged`` (``SourceFetcher.check_unchanged`` of the run that stored the call), a local
    source is checked just before it is destroyed: one that changed since the call read it (a
    recorder still appending to it) holds what was never stored, and is kept and logged."""
    remotes = remotes if remotes is not None else default_remotes(settings, manifest.account.region)
    reach = _reach(manifest, settings, remotes)
    if reach is None:
        return 0
    count = 0
    for location, field in _fields(manifest).items():
        if location in spare:
            continue
        if location.path is not None:
            if unchanged is not None and not _still_as_read(unchanged, location, field):
                continue
            count += _shred_in(location.path, reach, field)
        elif reach.holds(location):
            remotes[location.uri.partition("://")[0]].delete(location)
            count += 1
    return count


def destroyable(manifest: Manifest, settings: Settings,
                remotes: Mapping[str, RemoteSource] | None = None) -> frozenset[Location]:
    """The sources of ``manifest`` that ``destroy_sources`` would destroy (those in the inbox,
    outside the service's own files): none with ``CALLREC_KEEP_SOURCES`` or no inbox."""
    remotes = remotes if remotes is not None else default_remotes(settings, manifest.account.region)
    reach = _reach(manifest, settings, remotes)
    return frozenset(location for location in _fields(manifest) if reach is not None and reach.holds(location))


@dataclass(frozen=True)
class _Reach:
    """Where a call's sources are destroyed: inside ``where`` (the inbox, as far as the call's
    account reaches), outside ``protected`` (the data dir, the key store) and the vault's
    buckets, by a remote backend of ``schemes``."""

    where: Roots
    protected: tuple[Path, ...]
    vault_buckets: frozenset[str]
    schemes: frozenset[str]

    def holds(self, location: Location) -> bool:
        if location.path is not None:
            return self.holds_file(Path(os.path.realpath(location.path.parent)) / location.path.name)
        return (self.where.remote_refusal(location) is None and location.uri.partition("://")[0] in self.schemes
                and not (location.uri.startswith("s3://") and location.bucket in self.vault_buckets))

    def holds_file(self, real: Path) -> bool:
        """``real``: a file's name in its parent's real path (the file itself may be a symlink)."""
        return self.where.holds_path(real) and not any(real.is_relative_to(p) for p in self.protected)


def _reach(manifest: Manifest, settings: Settings, remotes: Mapping[str, RemoteSource]) -> _Reach | None:
    """Where ``manifest``'s sources are destroyed (None: nowhere)."""
    where = own_files(manifest, settings, inbox(settings, manifest.account.region))
    if settings.keep_sources or not where:
        return None
    where = replace(where, owner=Owner(manifest.call_id, where.dirs, where.remote))  # only the call's own
    # the service's own files, wherever the inbox reaches: the data dir, and the key store, which
    # may lie elsewhere (a wrapped data key named as a transcript was shredded: session-50 audit)
    protected = tuple(Path(os.path.realpath(d)) for d in (settings.data_dir, settings.key_store_dir) if d)
    return _Reach(where, protected, frozenset(_vault_buckets(settings, manifest.account.region)), frozenset(remotes))


def _fields(manifest: Manifest) -> dict[Location, str]:
    """Each source of ``manifest`` once, with the manifest field that names it first."""
    found = {segment.location: f"segments[{k}].uri" for k, segment in reversed(list(enumerate(manifest.segments)))}
    if manifest.transcript is not None:
        found.setdefault(manifest.transcript.location, "transcript.uri")
    return found


def _still_as_read(unchanged: Callable[[Location], None], location: Location, field: str) -> bool:
    try:
        unchanged(location)
    except SourceChangedError:
        log.warning("%s: changed after the call read it; kept, not destroyed", field)
        return False
    except SourceError:  # gone, or no longer a regular file: the shredding's own checks judge it
        pass
    return True


def _vault_buckets(settings: Settings, region: str) -> set[str]:
    """The buckets the S3 vault of ``region`` writes its recordings and its wrapped keys to: never
    a source's to destroy, whatever the inbox covers."""
    if settings.store != "s3":
        return set()
    return {settings.s3_bucket.format(region=region), settings.s3_key_bucket.format(region=region)}


def _shred_in(path: Path, reach: _Reach, field: str) -> bool:
    """Overwrite and unlink ``path`` (named by the manifest's ``field``) if it is a regular file
    ``reach`` holds, of one name; True if done.

    Works on descriptors of the real parent directory and the file (never following a
    symlink), so a name swapped after the checks cannot redirect the overwrite or unlink.
    """
    parent = Path(os.path.realpath(path.parent))
    name = path.name
    if not reach.holds_file(parent / name):
        return False
    try:
        dir_fd = os.open(parent, _DIR_FLAGS)
    except OSError:
        return False
    try:
        if Path(os.path.realpath(parent)) != parent or not same_file(os.stat(parent), os.fstat(dir_fd)):
            return False
        try:
            fd = os.open(name, os.O_RDWR | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        except OSError:  # gone, a symlink (ELOOP), a directory, a FIFO without reader...
            return False
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return False
            if info.st_nlink > 1:  # linked since the check: no call's (worker.calls.owners), kept
                log.warning("%s: has other names (hard links) in the inbox; kept, not destroyed", field)
                return False
            zero(fd, info.st_size)
            if not same_file(os.stat(name, dir_fd=dir_fd, follow_symlinks=False), info):
                return False
            os.unlink(name, dir_fd=dir_fd)
        finally:
            os.close(fd)
        os.fsync(dir_fd)
        return True
    finally:
        os.close(dir_fd)
