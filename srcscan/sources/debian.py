"""The debian provider: the upstream tarball of a Debian source package, in pure Python.

Reads the machine's apt configuration (one-line `.list` files and deb822 `.sources`)
only to learn which archives it uses; derives the `deb-src` side of each `deb` entry;
downloads `Sources.xz` indexes, the `.dsc` and the `orig` tarball into srcscan's own
cache (a private state directory: nothing under /var/lib/apt or /etc/apt changes, no
root needed), checks the sha256 sums the index gives, and unpacks only the upstream
source with safe extraction. The `debian.tar.*` is not needed and not fetched.
"""

from __future__ import annotations

import gzip
import hashlib
import lzma
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from srcscan.errors import SourceError
from srcscan.sources import Provenance, SourceTree
from srcscan.sources.util import install_dir, safe_extract

APT_DIR = Path("/etc/apt")
TIMEOUT = 30  # seconds per request: an unreachable archive fails fast
INDEX_TTL = 24 * 3600  # Sources indexes are re-downloaded after a day
EXTRA_SUITES = ("stable", "testing", "unstable", "oldstable")  # beyond the configured ones


@dataclass(frozen=True)
class AptEntry:
    types: tuple[str, ...]  # "deb", "deb-src"
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]


@dataclass(frozen=True)
class SourcePackage:
    package: str
    version: str  # Debian version, e.g. "1:2.2.7-1"
    directory: str  # pool directory relative to the archive
    files: tuple[tuple[str, str, int], ...]  # (name, sha256, size)
    archive: str  # base URI
    suite: str

    @property
    def upstream(self) -> str:
        return upstream_version(self.version)


def upstream_version(debian_version: str) -> str:
    """`1:2.2.7-1` -> `2.2.7`; `1.4.79-2+deb13u1` -> `1.4.79`; `2.0+dfsg-1` -> `2.0`."""
    v = debian_version.split(":", 1)[1] if ":" in debian_version else debian_version
    v = v.rsplit("-", 1)[0] if "-" in v else v
    return re.sub(r"[+~](dfsg|ds|repack)\d*$", "", v)


# ---------------------------------------------------------------------------- apt configuration

def parse_one_line(text: str) -> list[AptEntry]:
    entries = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        line = re.sub(r"\[[^\]]*\]", " ", line)  # [arch=amd64 signed-by=...] options
        words = line.split()
        if len(words) < 3 or words[0] not in ("deb", "deb-src"):
            continue
        entries.append(AptEntry((words[0],), words[1], (words[2],), tuple(words[3:])))
    return entries


def parse_deb822(text: str) -> list[AptEntry]:
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for raw in stanza.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1].isspace() and key:
                fields[key] += " " + raw.strip()
                continue
            if ":" in raw:
                key, value = raw.split(":", 1)
                key = key.strip().lower()
                fields[key] = value.strip()
        if fields.get("enabled", "yes").lower() == "no" or "uris" not in fields:
            continue
        for uri in fields["uris"].split():
            entries.append(AptEntry(tuple(fields.get("types", "deb").split()), uri,
                                    tuple(fields.get("suites", "").split()), tuple(fields.get("components", "").split())))
    return entries


def apt_entries(apt_dir: Path = APT_DIR) -> list[AptEntry]:
    entries: list[AptEntry] = []
    main = apt_dir / "sources.list"
    if main.is_file():
        entries += parse_one_line(main.read_text(errors="replace"))
    parts = apt_dir / "sources.list.d"
    if parts.is_dir():
        for f in sorted(parts.iterdir()):
            if f.suffix == ".list":
                entries += parse_one_line(f.read_text(errors="replace"))
            elif f.suffix == ".sources":
                entries += parse_deb822(f.read_text(errors="replace"))
    return entries


def source_indexes(entries: list[AptEntry]) -> list[tuple[str, str, str]]:
    """(archive URI, suite, component) to read Sources from: every archive that carries
    `main` for a configured suite, for its configured suites and the usual aliases, so
    that a bookworm machine also finds the packages of trixie and sid.

    Only archives whose suites look like Debian's own (not security or third-party
    repositories with a single suite) get the extra suites.
    """
    out: list[tuple[str, str, str]] = []
    for e in entries:
        if "deb" not in e.types and "deb-src" not in e.types:
            continue
        uri = e.uri.rstrip("/")
        components = [c for c in e.components if c == "main"] or list(e.components[:1])
        extra = EXTRA_SUITES if uri.endswith("/debian") else ()
        for suite in list(e.suites) + list(extra):
            for comp in components:
                if (uri, suite, comp) not in out:
                    out.append((uri, suite, comp))
    return out


# ---------------------------------------------------------------------------- Sources indexes

def parse_sources(text: str, package: str, archive: str, suite: str) -> list[SourcePackage]:
    found = []
    for stanza in text.split("\n\n"):
        if f"Package: {package}\n" not in stanza + "\n":
            continue
        fields: dict[str, str] = {}
        key = None
        for line in stanza.splitlines():
            if line[:1].isspace() and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if fields.get("Package") != package:
            continue
        files = []
        for line in fields.get("Checksums-Sha256", "").splitlines():
            parts = line.split()
            if len(parts) == 3:
                files.append((parts[2], parts[0], int(parts[1])))
        found.append(SourcePackage(package, fields.get("Version", ""), fields.get("Directory", ""),
                                   tuple(files), archive, suite))
    return found


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
            return resp.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"cannot download {url}: {reason}") from exc


def _index(state: Path, archive: str, suite: str, comp: str) -> str | None:
    """The text of one Sources index, from the private state directory when fresh."""
    name = re.sub(r"[^A-Za-z0-9.]+", "_", f"{archive}_{suite}_{comp}") + "_Sources"
    cached = state / name
    if cached.is_file() and time.time() - cached.stat().st_mtime < INDEX_TTL:
        return cached.read_text(errors="replace")
    text = None
    for suffix, unpack in ((".xz", lzma.decompress), (".gz", gzip.decompress)):
        try:
            data = _fetch(f"{archive}/dists/{suite}/{comp}/source/Sources{suffix}")
        except SourceError:
            continue
        text = unpack(data).decode("utf-8", "replace")
        break
    if text is None:
        return None
    state.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(cached)
    return text


def available(package: str, cache_dir: Path, apt_dir: Path = APT_DIR) -> list[SourcePackage]:
    """Every version of `package` the configured archives carry, oldest first."""
    from srcscan.sources.git import version_key

    state = cache_dir / "debian" / "lists"
    found: dict[str, SourcePackage] = {}
    reached = False
    errors = []
    for archive, suite, comp in source_indexes(apt_entries(apt_dir)):
        try:
            text = _index(state, archive, suite, comp)
        except (lzma.LZMAError, OSError, EOFError) as exc:
            errors.append(str(exc))
            continue
        if text is None:
            continue
        reached = True
        for pkg in parse_sources(text, package, archive, suite):
            found.setdefault(pkg.upstream, pkg)
    if not reached:
        raise SourceError("no Debian archive reachable from this machine's apt configuration")
    return sorted(found.values(), key=lambda p: version_key(p.upstream))


def debian_tree(project: str, package: str, version: str | None, cache_dir: Path,
                apt_dir: Path = APT_DIR) -> SourceTree:
    packages = available(package, cache_dir, apt_dir)
    if not packages:
        raise SourceError(f"the Debian archive has no source package {package!r}")
    if version is None:
        # The newest the archive lists may not be downloadable from this mirror yet.
        errors = []
        for pkg in reversed(packages):
            try:
                return _unpack(project, pkg, cache_dir)
            except SourceError as exc:
                errors.append(str(exc))
        raise SourceError(errors[0])
    pkg = next((p for p in packages if p.upstream == version), None)
    if pkg is None:
        raise SourceError(f"{project} has no version {version} in the Debian archive "
                          f"(it carries {', '.join(p.upstream for p in packages)})")
    return _unpack(project, pkg, cache_dir)


def _unpack(project: str, pkg: SourcePackage, cache_dir: Path) -> SourceTree:
    package = pkg.package
    orig = next((f for f in pkg.files if ".orig.tar." in f[0]), None)
    if orig is None:  # a native package: the only tarball is the source
        orig = next((f for f in pkg.files if re.search(r"\.tar\.\w+$", f[0])), None)
    dsc = next((f for f in pkg.files if f[0].endswith(".dsc")), None)
    if orig is None or dsc is None:
        raise SourceError(f"{package} {pkg.version}: no upstream tarball listed in the archive")
    base = f"{pkg.archive}/{pkg.directory}"
    downloads = cache_dir / "debian" / "pool"
    _download(f"{base}/{dsc[0]}", dsc[1], downloads / dsc[0])
    tarball = _download(f"{base}/{orig[0]}", orig[1], downloads / orig[0])
    root = install_dir(lambda tmp: safe_extract(tarball, tmp), cache_dir / "trees" / project / f"debian-{pkg.upstream}")
    return SourceTree(root, Provenance("debian", f"{base}/{dsc[0]}", pkg.upstream, ref=pkg.version, sha256=orig[1]))


def _download(url: str, sha256: str, dest: Path) -> Path:
    if dest.is_file() and _sha256(dest) == sha256:
        return dest
    data = _fetch(url)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise SourceError(f"checksum mismatch for {url}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(dest)
    return dest


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
