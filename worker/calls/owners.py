"""Whose a file in the inbox is: a call's own files carry its call id in their path.

The inbox (``CALLREC_INBOX``) holds every call's raw legs and transcripts until each is stored,
and the worker destroys what a manifest names once its call is stored, must not be recorded, or
was deleted since. So a source in the inbox must be the manifest's call's own, as a contact
centre lays its recordings out (a platform's drop: one folder a call; Amazon Connect:
``.../2026/12/07/<contact id>_<time>.wav``): below the inbox root (for a call sent over HTTP,
below its account's folder of it) its first folder is named exactly the call id
(``CA1/legs/a.wav``), or the file's name is the call id, alone or followed by ``.``, ``_`` or
``-`` (``CA1.wav``, ``CA1-a.wav``, ``2026/12/07/CA1_1000.wav``; not ``CA10-a.wav``).

A call whose id is another's and more (``CA1-a`` beside ``CA1``) is told apart where it can be
(session 58: until then ``CA1`` owned ``CA1-a``'s files wherever they lay): the folder wins, so a
first folder named for the call but not exactly its id (``CA1-a/``) is that longer id's call's,
none of ``CA1``'s; and a name beginning with an id of a platform's shape (an Amazon Connect contact
id, an Asterisk uniqueid, a Twilio SID: :data:`_MINTED`) is that whole id's, never the call's whose
id is only its start (``b8c1c3d4`` of ``b8c1c3d4-1111-...``). A bare name at a root, ``CA1-a.wav``,
of ids of no such shape stays both calls': give such calls a folder each. A local file is judged by its
real path, symlinks resolved; an object by its key below the root's prefix. Until session 57 a manifest naming another call's files had them
read into its recording, or destroyed unread. The manifest's own folder makes no file the call's:
an account's or a day's folder holds many calls' manifests and legs. A file outside the inbox is
judged by the source roots alone (it is never destroyed).

A file in the inbox with more than one name (hard links) is no call's: a hard link has no path
to resolve, so whose it is cannot be told (until session 58 a link in the call's folder to
another call's leg was read into the call's recording as its own), and destroying one name
leaves the audio under the others. It is refused as it is checked and as it is opened, and kept
(never unlinked) when the call's sources are destroyed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

#: Why a source in the inbox that is not the call's own is refused.
NOT_ITS_OWN = ("in the inbox (CALLREC_INBOX) but not this call's: a call's files there lie in a folder named "
               "its call_id or are named for it (<call_id>.wav, <call_id>-a.wav, <call_id>_...)")

#: Why a file in the inbox with other names is refused.
LINKED = ("in the inbox (CALLREC_INBOX) with other names (hard links): whose it is cannot be told, and "
          "destroying one name leaves the others; never read or destroyed as a call's")

#: What may follow the call id in the name of a file of the call's.
_AFTER_ID = "._-"

#: Ids the platforms mint, which begin the names of their calls' files: an Amazon Connect contact
#: id (a UUID), an Asterisk uniqueid (seconds, a dot, a counter), a Twilio SID (two capitals, 32
#: hex digits). A name beginning with one is that whole id's (or a longer one's), never the
#: call's whose id is its start (``b8c1c3d4`` of ``b8c1c3d4-1111-...``, ``1701234567`` of
#: ``1701234567.1234``).
_MINTED = re.compile(r"[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}|[0-9]+\.[0-9]+|[A-Z]{2}[0-9a-f]{32}")


@dataclass(frozen=True)
class Owner:
    """The call (``call_id``) whose files the inbox's sources must be: ``dirs`` (real paths) and
    ``remote`` ``(scheme, bucket, prefix)`` roots are the inbox as far as the call reaches."""

    call_id: str
    dirs: tuple[Path, ...] = ()
    remote: tuple[tuple[str, str, str], ...] = ()

    def refusal(self, real: Path) -> str | None:
        """Why the local file at the real path ``real`` is not the call's (None: it is, or it lies
        outside the inbox)."""
        below = [real.relative_to(root).parts for root in self.dirs if real != root and real.is_relative_to(root)]
        return None if not below or any(owns(self.call_id, parts) for parts in below) else NOT_ITS_OWN

    def link_refusal(self, real: Path, links: int) -> str | None:
        """Why the local file at the real path ``real``, of ``links`` names (``st_nlink``), is not
        the call's: more than one name in the inbox (None: one, or outside the inbox)."""
        inside = any(real != root and real.is_relative_to(root) for root in self.dirs)
        return LINKED if inside and links > 1 else None

    def key_refusal(self, scheme: str, bucket: str | None, key: str | None) -> str | None:
        """Why the object ``key`` of ``bucket`` is not the call's (None: it is, or outside the inbox)."""
        below = [PurePosixPath((key or "")[len(p):]).parts for s, b, p in self.remote
                 if s == scheme and b == bucket and (key or "").startswith(p)]
        return None if not below or any(owns(self.call_id, parts) for parts in below) else NOT_ITS_OWN


def owns(call_id: str, parts: tuple[str, ...]) -> bool:
    """True when a file at ``parts`` (its path below the inbox root) is ``call_id``'s."""
    if not parts:
        return False
    if len(parts) > 1 and (parts[0] == call_id or named_for(call_id, parts[0])):
        return parts[0] == call_id  # a folder named for the call but not it: a longer id's, CA1-a/ for CA1
    return parts[-1] == call_id or named_for(call_id, parts[-1])


def named_for(call_id: str, name: str) -> bool:
    """True when ``name`` is the call id followed by ``.``, ``_`` or ``-`` and more, and does not
    begin with a longer id of a platform's shape (:data:`_MINTED`) of which the call id is only
    the start."""
    if not (name.startswith(call_id) and len(name) > len(call_id) and name[len(call_id)] in _AFTER_ID):
        return False
    minted = _MINTED.match(name)
    return minted is None or minted.end() <= len(call_id)
