"""Files written safely: atomic replacement with the user's umask, checked cache entries, locks.

- write_atomic_bytes: a reader never sees half a file, and the file gets the mode any other
  program would give it (0666 minus the umask), not the temporary file's private 0600.
- seal / unseal: a cache entry carries a header with its length and SHA256, so that an entry
  truncated or damaged (a killed run, a full disk, a bad copy) is detected before it is
  unpickled, and rebuilt.
- locked: an exclusive advisory lock (flock) on a lock file, for the few steps two runs
  sharing one cache directory must not interleave (refreshing a suite's indexes, fetching
  into a git mirror). Entries themselves need none: each is replaced by one rename.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

MAGIC = b"srcscan-entry/1\n"
_HEADER = len(MAGIC) + 16 + 32  # magic, payload length (16 hex digits), SHA256 (32 bytes)


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic_bytes(path: Path, data: bytes, mode: int = 0o666) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`.

    The file ends with `mode` minus the umask (0644 under the usual 022), as open() would
    give it. Raises OSError when the directory cannot be written; nothing is left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            os.fchmod(fh.fileno(), mode & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def seal(payload: bytes) -> bytes:
    """payload with the header unseal() checks."""
    return MAGIC + f"{len(payload):016x}".encode() + hashlib.sha256(payload).digest() + payload


def unseal(data: bytes) -> bytes | None:
    """The payload of a sealed entry; None when the entry is truncated, damaged or not sealed."""
    if len(data) < _HEADER or not data.startswith(MAGIC):
        return None
    try:
        length = int(data[len(MAGIC):len(MAGIC) + 16], 16)
    except ValueError:
        return None
    payload = data[_HEADER:]
    if len(payload) != length or hashlib.sha256(payload).digest() != data[len(MAGIC) + 16:_HEADER]:
        return None
    return payload


def read_sealed(path: Path) -> bytes | None:
    """The checked payload of the entry at path; None when missing, unreadable or damaged."""
    try:
        with open(path, "rb") as fh:
            return unseal(fh.read())
    except OSError:
        return None


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive flock on lock_file (created if needed) for the block.

    Another srcscan run waits here until the first is done. When the lock file cannot be
    created (a read-only cache), the block runs unlocked: there is no other writer then."""
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
