"""What tells a file from itself rewritten: the one identity of a file read more than once.

Device and inode (another file renamed over it), size, modification time and change time: the
change time is set by the kernel on every write and on every ``utime``, so a same-size rewrite in
place that sets the old times back (``cp -p``, ``rsync --inplace -t``, ``touch -r``) still shows.
It lives in ``callrec``, below the layers, as the redaction (the Whisper model's weights) and the
worker (a call's legs, ``callrec redact``'s input) both compare files by it.
"""

from __future__ import annotations

import os


def identity(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    """``stat``'s device, inode, size, modification and change times (ns)."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
