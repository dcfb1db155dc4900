"""Reading sample files within a size cap, and writing reports and updated sample files without damaging anything.

A regular file (or a new path) is replaced atomically, keeping its permissions: readers see the old file or the whole
new one. A link is followed to its target. A device or a FIFO is written through, never renamed over (`-o /dev/null`
must leave the device a device), and `/dev/stdout` or `/dev/fd/N` is written to that descriptor. A directory, a
read-only file (no owner write bit) and a file in a read-only folder are refused, for root too, who the mode bits
would not stop.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional

from ..defaults import MAX_SAMPLE_BYTES


class TooLarge(Exception):
    """A sample file past `MAX_SAMPLE_BYTES`: refused before it is parsed (a 1 GiB file took 2.1 GiB to load)."""


def read_text(path: Path, limit: int = MAX_SAMPLE_BYTES) -> str:
    """A sample file's text, at most `limit` bytes of UTF-8. Opened without blocking, so a FIFO nobody writes to reads
    as empty instead of hanging; a pipe or a device (`<(...)`, `/dev/zero`) is read only up to the limit."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with open(descriptor, "rb") as stream:
        os.set_blocking(descriptor, True)  # a writer that is there (a pipe) is waited for
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"larger than {limit // 2**20} MiB, the limit for a sample file")
    return data.decode("utf-8")


def write_report(path: Path, text: str) -> None:
    """Write `text` to `path` as the module says; OSError (with a one-line `strerror`) for what is refused or fails."""
    try:
        status: Optional[os.stat_result] = os.stat(path)  # through links: what the path names
    except FileNotFoundError:
        status = None  # a new file, or a link to one: created at the link's target
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory")
    descriptor = _descriptor(path)
    if descriptor is not None:  # this process's own stdout (or another open descriptor): written where it points
        sys.stdout.flush()
        with open(os.dup(descriptor), "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        return
    if status is not None and not stat.S_ISREG(status.st_mode):  # a device, a FIFO: written through
        with open(path, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        return
    write_atomic(Path(os.path.realpath(path)), text, status)


def write_atomic(
    path: Path, text: str, status: Optional[os.stat_result] = None, guard: Optional[Callable[[], None]] = None
) -> None:
    """Write via a temporary file in the same folder and `os.replace`. The replaced file's mode and owner (`status`)
    carry over; a new file gets the umask's mode. `guard()`, if given, runs just before the replacement and raises
    to keep the old file. The temporary name is short, so that a name at the 255-byte limit still has room for one."""
    path = Path(path)
    folder = path.parent
    if status is not None and not status.st_mode & stat.S_IWUSR:
        raise PermissionError(errno.EACCES, f"read-only file (mode {stat.S_IMODE(status.st_mode):04o})")
    folder_mode = os.stat(folder).st_mode
    if not folder_mode & stat.S_IWUSR:
        raise PermissionError(errno.EACCES, f"read-only folder {folder} (mode {stat.S_IMODE(folder_mode):04o})")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".dc", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            os.fchmod(handle, stat.S_IMODE(status.st_mode) if status else 0o666 & ~_umask())
            if status is not None and (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
                try:  # root updating a user's checkout leaves it the user's
                    os.fchown(handle, status.st_uid, status.st_gid)
                except OSError:
                    pass
        if guard is not None:
            guard()
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _descriptor(path: Path) -> Optional[int]:
    """The descriptor `path` names (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`), or None. Reopening it instead
    would start at offset 0 of a redirected file, under what the descriptor writes next; replacing the file would
    leave the descriptor on the old one."""
    name = os.path.abspath(path)
    found = re.fullmatch(rf"/(?:dev/fd|proc/self/fd|proc/{os.getpid()}/fd)/(\d+)", name)
    return int(found.group(1)) if found else _STANDARD.get(name)


_STANDARD = {"/dev/stdout": 1, "/dev/stderr": 2}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
