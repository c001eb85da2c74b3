"""Helpers shared by the providers: safe unpacking and atomic directory installs."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Callable

from srcscan.errors import SourceError

MAX_UNPACKED_BYTES = 2 * 2**30  # a daemon's source is tens of megabytes; more is a decompression bomb
MAX_MEMBERS = 200_000


def install_dir(build: Callable[[Path], None], target: Path) -> Path:
    """Build a directory in a temporary sibling, then rename it into place.

    An interrupted run leaves no half-filled tree under `target`; a concurrent run that
    finished first wins and ours is thrown away.
    """
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        build(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def safe_extract(archive: Path, dest: Path, strip_top: bool = True) -> None:
    """Unpack a tarball refusing absolute paths, `..`, links out of the tree and devices."""
    try:
        with tarfile.open(archive) as tar:
            members = _bounded_members(archive, tar)
            tops = {m.name.lstrip("./").split("/", 1)[0] for m in members if m.name.strip("./")}
            strip = strip_top and len(tops) == 1 and any("/" in m.name.strip("./") for m in members)
            for m in members:
                name = _checked_name(archive, m.name)
                if strip:
                    name = name.split("/", 1)[1] if "/" in name else ""
                    if not name:
                        continue
                if m.isdev() or m.isfifo():
                    raise SourceError(f"{archive.name}: refusing device or fifo member {m.name!r}")
                if m.issym() or m.islnk():
                    _check_link(archive, name, m)
                    if m.islnk() and strip:
                        m.linkname = m.linkname.split("/", 1)[1] if "/" in m.linkname else m.linkname
                m.name = name
                tar.extract(m, dest, set_attrs=False, filter="data") if _has_filters() else tar.extract(m, dest, set_attrs=False)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise SourceError(f"cannot unpack {archive.name}: {exc}") from exc


def _bounded_members(archive: Path, tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The archive's members, refused as soon as they would unpack to more than
    MAX_UNPACKED_BYTES or number more than MAX_MEMBERS (a decompression bomb): read from
    the headers, before anything is written."""
    members, total = [], 0
    for m in tar:
        total += max(m.size, 0)
        members.append(m)
        if total > MAX_UNPACKED_BYTES or len(members) > MAX_MEMBERS:
            raise SourceError(f"{archive.name}: would unpack to more than {MAX_UNPACKED_BYTES // 2**20} MiB "
                              f"or {MAX_MEMBERS} files; refusing it")
    return members


def _has_filters() -> bool:
    return hasattr(tarfile, "data_filter")


def _checked_name(archive: Path, name: str) -> str:
    if name.startswith("/") or os.path.isabs(name):
        raise SourceError(f"{archive.name}: refusing absolute path {name!r}")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise SourceError(f"{archive.name}: refusing path with '..': {name!r}")
    return "/".join(parts)


def _check_link(archive: Path, name: str, member: tarfile.TarInfo) -> None:
    link = member.linkname
    if os.path.isabs(link):
        raise SourceError(f"{archive.name}: refusing link {member.name!r} to absolute path {link!r}")
    base = os.path.dirname(name) if member.issym() else ""
    resolved = os.path.normpath(os.path.join(base, link))
    if resolved == ".." or resolved.startswith("../"):
        raise SourceError(f"{archive.name}: refusing link {member.name!r} pointing out of the tree")
