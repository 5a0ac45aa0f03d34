"""The raw inputs of a call: fetched into the worker's temp space, destroyed when done.

Segments (and a provider transcript) may hold unredacted card data, so once the recording
is stored (or the call must not be recorded) they are destroyed: local files overwritten
and unlinked, ``s3://`` objects removed with every version. ``CALLREC_KEEP_SOURCES`` keeps
them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from vault.errors import ObjectMissingError
from vault.files import shred
from vault.stores.s3 import S3Store
from worker.errors import ManifestError
from worker.manifest import Location, Manifest, Segment
from worker.settings import Settings
from worker.vaults import aws_client


class SourceFetcher:
    """Turns segment locations into local files, copying ``s3://`` ones into ``workdir``."""

    def __init__(self, manifest: Manifest, settings: Settings, workdir: Path):
        self._region = manifest.account.region
        self._settings = settings
        self._workdir = workdir
        self._fetched: dict[str, Path] = {}

    def __call__(self, segment: Segment) -> Path:
        return self.local_path(segment.location)

    def local_path(self, location: Location) -> Path:
        """A local file holding ``location``; an ``s3://`` object is fetched once."""
        if location.path is not None:
            return location.path
        if location.uri not in self._fetched:
            target = self._workdir / f"source-{len(self._fetched) + 1}{Path(location.key or '').suffix}"
            try:
                with _s3(location, self._region, self._settings).reader(location.key) as src, \
                        open(target, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
            except ObjectMissingError:
                raise ManifestError(f"{location.uri}: no such object") from None
            self._fetched[location.uri] = target
        return self._fetched[location.uri]


def source_locations(manifest: Manifest) -> tuple[Location, ...]:
    """Every raw input that may hold call content: the segments and a provider transcript."""
    found = [segment.location for segment in manifest.segments]
    if manifest.transcript is not None:
        found.append(manifest.transcript.location)
    return tuple(found)


def destroy_sources(manifest: Manifest, settings: Settings) -> int:
    """Destroy every raw input of ``manifest``; returns how many were destroyed."""
    count = 0
    for location in source_locations(manifest):
        if location.path is not None:
            shred(location.path)
        else:
            _s3(location, manifest.account.region, settings).delete(location.key)
        count += 1
    return count


def _s3(location: Location, region: str, settings: Settings) -> S3Store:
    return S3Store(aws_client(settings, "s3", region), location.bucket, region)
