"""What a call's job was made from: its manifest with local sources resolved, and that
document's digest.

The digest is SHA-256 over the canonical JSON (keys sorted, no spacing, UTF-8) of the resolved
document, so the same call sent again, written otherwise (keys in another order, relative paths
from another directory naming the same files, an S3 key percent-escaped otherwise) has the same
digest, and one naming other legs or saying anything else has another. It is written in the
letters ``a`` to ``p`` (one per 4 bits) rather than hex: a job's record keeps it, and no run of
digits in it can look like a card number to anything that scans the queue, the logs or Redis.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from worker.calls.manifest import Manifest

#: 64 letters a-p: the form of every manifest digest.
DIGEST_PATTERN = r"[a-p]{64}"
_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def resolved(manifest: Manifest) -> dict[str, Any]:
    """The manifest as the workers read it: local sources as absolute paths."""
    document = manifest.to_dict()
    for item, segment in zip(document["segments"], manifest.segments):
        if segment.location.path is not None:
            item["uri"] = str(segment.location.path)
    if manifest.transcript is not None and manifest.transcript.location.path is not None:
        document["transcript"]["uri"] = str(manifest.transcript.location.path)
    return document


def manifest_digest(manifest: Manifest) -> str:
    """The digest of ``manifest`` as its job keeps it (64 letters a-p; see the module's doc). Local
    paths count normalised as written (``b/../a/x.wav`` is ``a/x.wav``), an S3 location as its
    bucket and key (``s3://b/a%20b.wav`` is ``s3://b/a b.wav``); nothing on disk is read."""
    document = resolved(manifest)
    items = [*zip(document["segments"], (s.location for s in manifest.segments))]
    if manifest.transcript is not None:
        items.append((document["transcript"], manifest.transcript.location))
    for item, location in items:
        if item["uri"].startswith("/"):
            item["uri"] = os.path.normpath(item["uri"])
        elif item["uri"].startswith("s3://"):  # one form per object: its key unescaped
            item["uri"] = f"s3://{location.bucket}/{location.key}"
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest().translate(_LETTERS)
