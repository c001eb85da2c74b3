"""The debian provider: the upstream tarball of a Debian source package, verified as apt would.

Reads the machine's apt configuration (apt.py) only to learn which archives it uses and
which keys sign them; verifies each suite's signed Release file and the `Sources` index it
lists (archive.py); finds the package in the indexes with python-debian's `deb822`; checks
the `orig` tarball against the SHA256 the verified index gives, and unpacks only the
upstream source with safe extraction. Everything goes to srcscan's own cache (no root, and
nothing under /etc/apt or /var/lib/apt changes). The `debian.tar.*` is never fetched.

A small parsed index per package (cache_dir/debian/packages/<package>.json) holds what the
indexes say about that package; it is rebuilt, after a full verification, whenever any
index it was built from changes (a daily refresh, a tampered file), so that a warm run reads
a few kilobytes instead of hundreds of megabytes of `Sources`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from debian.deb822 import Dsc, Sources

from srcscan.errors import SourceError
from srcscan.sources import Provenance, SourceTree
from srcscan.sources.apt import (APT_DIR, AptEntry, DateChecks, Keyring, apt_date_checks, apt_entries, date_checks_for,
                                 keyring_for)
from srcscan.sources.archive import Index, fetch, file_sha256, refresh, verify, write_file
from srcscan.sources.util import install_dir, safe_extract
from srcscan.sources.git import version_key

EXTRA_SUITES = ("stable", "testing", "unstable", "oldstable")  # beyond the configured ones
PACKAGE_INDEX_FORMAT = 1  # bump when the per-package index's shape changes

Notify = Callable[[str], None]


@dataclass(frozen=True)
class SourcePackage:
    package: str
    version: str  # Debian version, e.g. "1:2.2.7-1"
    directory: str  # pool directory relative to the archive
    files: tuple[tuple[str, str, int], ...]  # (name, sha256, size), from the verified Sources index
    archive: str  # base URI
    suite: str
    signer: str = ""  # who signed the Release file vouching for the index (uid and fingerprint)

    @property
    def upstream(self) -> str:
        return upstream_version(self.version)


def upstream_version(debian_version: str) -> str:
    """`1:2.2.7-1` -> `2.2.7`; `1.4.79-2+deb13u1` -> `1.4.79`; `2.0+dfsg-1` -> `2.0`."""
    v = debian_version.split(":", 1)[1] if ":" in debian_version else debian_version
    v = v.rsplit("-", 1)[0] if "-" in v else v
    return re.sub(r"[+~](dfsg|ds|repack)\d*$", "", v)


@dataclass(frozen=True)
class IndexSpec:
    """One (archive, suite, component) to read a Sources index from, with the keys that sign it."""

    archive: str
    suite: str
    component: str
    keyring: Keyring
    checks: DateChecks = DateChecks()  # whether the Release's Valid-Until and Date are checked


def source_indexes(entries: list[AptEntry], apt_dir: Path = APT_DIR) -> list[IndexSpec]:
    """What to read Sources from: every archive that carries `main` for a configured suite, for its
    configured suites and the usual aliases, so that a bookworm machine also finds the packages
    of trixie and sid. Only archives whose URI looks like Debian's own (`.../debian`) get the
    extra suites; each keeps its entry's keyring."""
    out: list[IndexSpec] = []
    seen = set()
    machine = apt_date_checks(apt_dir)
    for e in entries:
        if "deb" not in e.types and "deb-src" not in e.types:
            continue
        uri = e.uri.rstrip("/")
        components = [c for c in e.components if c == "main"] or list(e.components[:1])
        extra = EXTRA_SUITES if uri.endswith("/debian") else ()
        for suite in list(e.suites) + list(extra):
            for comp in components:
                if (uri, suite, comp) not in seen:
                    seen.add((uri, suite, comp))
                    out.append(IndexSpec(uri, suite, comp, keyring_for(e, apt_dir), date_checks_for(e, machine)))
    return out


# ---------------------------------------------------------------------------- Sources indexes

def parse_sources(text: str, package: str, archive: str, suite: str, signer: str = "") -> list[SourcePackage]:
    """The stanzas of a Sources index for `package` (deb822, read by python-debian).

    Only stanzas holding the exact `Package:` line are handed to the parser: the indexes are
    hundreds of megabytes, the package a few kilobytes of them."""
    found = []
    for stanza in _stanzas_of(text, package):
        fields = Sources(stanza)
        if fields.get("Package") != package:
            continue
        files = tuple((f["name"], f["sha256"], int(f["size"])) for f in fields.get("Checksums-Sha256", []))
        found.append(SourcePackage(package, fields.get("Version", ""), fields.get("Directory", ""),
                                   files, archive, suite, signer))
    return found


def _stanzas_of(text: str, package: str) -> list[str]:
    out = []
    for m in re.finditer(rf"^Package: {re.escape(package)}[ \t]*$", text, re.M):
        start = text.rfind("\n\n", 0, m.start())
        end = text.find("\n\n", m.end())
        out.append(text[start + 2 if start >= 0 else 0:end if end >= 0 else len(text)])
    return out


def _decompress(path: Path) -> str:
    data = path.read_bytes()
    try:
        raw = lzma.decompress(data) if path.name.endswith(".xz") else gzip.decompress(data)
    except (lzma.LZMAError, OSError, EOFError) as exc:
        raise SourceError(f"{path}: cannot decompress ({exc})") from exc
    return raw.decode("utf-8", "replace")


def available(package: str, cache_dir: Path, apt_dir: Path = APT_DIR,
              progress: Notify | None = None) -> list[SourcePackage]:
    """Every version of `package` the configured archives carry, oldest first.

    Indexes older than a day are downloaded again (`progress` hears of each); the parsed
    per-package index is reused while every index file it came from is unchanged.
    """
    state = cache_dir / "debian" / "lists"
    specs = source_indexes(apt_entries(apt_dir), apt_dir)
    if not specs:
        raise SourceError(f"no Debian archive in this machine's apt configuration ({apt_dir}/sources.list*)")
    indexes = [i for s in specs
               if (i := refresh(state, s.archive, s.suite, s.component, s.keyring, progress, s.checks))]
    if not indexes:
        raise SourceError("no Debian archive reachable from this machine's apt configuration")
    found = _package_index(package, cache_dir, indexes, specs)
    return sorted(found, key=lambda p: version_key(p.upstream))


def _inputs(indexes: list[Index]) -> list[list]:
    """What the per-package index depends on: each verified file, by path, size and mtime."""
    out = []
    for i in indexes:
        for path in (i.release, i.path):
            st = path.stat()
            out.append([str(path), st.st_size, st.st_mtime_ns])
    return out


def _package_index(package: str, cache_dir: Path, indexes: list[Index], specs: list[IndexSpec]) -> list[SourcePackage]:
    path = cache_dir / "debian" / "packages" / f"{package}.json"
    inputs = _inputs(indexes) + [[repr(s) for s in specs]]  # a changed keyring or entry rebuilds it too
    try:
        kept = json.loads(path.read_text("utf-8"))
        if kept.get("format") == PACKAGE_INDEX_FORMAT and kept.get("inputs") == inputs:
            return [SourcePackage(**{**p, "files": tuple(map(tuple, p["files"]))}) for p in kept["packages"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass  # missing, damaged or stale: rebuilt below
    found: dict[str, SourcePackage] = {}
    state = cache_dir / "debian" / "lists"
    for spec in specs:  # the files changed: verify them all again before reading any
        index = verify(state, spec.archive, spec.suite, spec.component, spec.keyring, spec.checks)
        if index is None:
            continue
        signer = f"{index.signer.uid} ({index.signer.fingerprint})"
        for pkg in parse_sources(_decompress(index.path), package, index.archive, index.suite, signer):
            found.setdefault(pkg.upstream, pkg)
    packages = list(found.values())
    document = {"format": PACKAGE_INDEX_FORMAT, "inputs": inputs, "packages": [asdict(p) for p in packages]}
    try:
        write_file(path, json.dumps(document, indent=1).encode())
    except OSError:
        pass  # an unwritable cache costs the next run a parse of the indexes
    return packages


def debian_tree(project: str, package: str, version: str | None, cache_dir: Path,
                apt_dir: Path = APT_DIR, *, progress: Notify | None = None) -> SourceTree:
    """The unpacked upstream source of `package` at upstream `version` (None: the newest)."""
    packages = available(package, cache_dir, apt_dir, progress)
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
    orig = next((f for f in pkg.files if ".orig.tar." in f[0]), None)
    if orig is None:  # a native package: the only tarball is the source
        orig = next((f for f in pkg.files if re.search(r"\.tar\.\w+$", f[0])), None)
    if orig is None:
        raise SourceError(f"{pkg.package} {pkg.version}: the archive's index lists no upstream tarball")
    base = f"{pkg.archive}/{pkg.directory}"
    downloads = cache_dir / "debian" / "pool"
    notes = _check_dsc(pkg, orig, base, downloads)
    tarball = _download(f"{base}/{orig[0]}", orig[1], downloads / orig[0])
    root = install_dir(lambda tmp: safe_extract(tarball, tmp), cache_dir / "trees" / project / f"debian-{pkg.upstream}")
    dsc = next((f[0] for f in pkg.files if f[0].endswith(".dsc")), orig[0])
    return SourceTree(root, Provenance("debian", f"{base}/{dsc}", pkg.upstream, ref=pkg.version, sha256=orig[1],
                                       notes=notes, signed_by=pkg.signer or None))


def _check_dsc(pkg: SourcePackage, orig: tuple[str, str, int], base: str, downloads: Path) -> tuple[str, ...]:
    """Cross-check the .dsc (parsed with deb822.Dsc) when the archive has it; the verified index
    already gives the tarball's SHA256, so a missing .dsc is a note, not a failure."""
    dsc = next((f for f in pkg.files if f[0].endswith(".dsc")), None)
    if dsc is None:
        return ("the index lists no .dsc",)
    try:
        path = _download(f"{base}/{dsc[0]}", dsc[1], downloads / dsc[0])
    except SourceError as exc:
        return (f".dsc not checked: {exc}",)
    listed = {f["name"]: f["sha256"] for f in Dsc(path.read_text("utf-8", "replace")).get("Checksums-Sha256", [])}
    if listed.get(orig[0], orig[1]) != orig[1]:
        raise SourceError(f"{dsc[0]} and the archive's index disagree on the SHA256 of {orig[0]}; refusing it")
    return ()


def _download(url: str, sha256: str, dest: Path) -> Path:
    if dest.is_file() and file_sha256(dest) == sha256:
        return dest
    data = fetch(url)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise SourceError(f"checksum mismatch for {url}: not the file the archive's signed index lists")
    write_file(dest, data)
    return dest
