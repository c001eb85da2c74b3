"""A suite's signed Release file and its Sources index, verified as apt verifies them.

apt-secure(8): the suite's `InRelease` (or `Release` with its detached `Release.gpg`) must
carry a good signature by a key of the entry's keyring; each index is then trusted only
when its size and SHA256 are the ones the signed file lists. This module does the same with
`gpgv` (GnuPG's verify-only tool, which never touches a user keyring) and python-debian's
`deb822.Release`. A file that fails either check is refused with SourceError, never used.

Downloads go to srcscan's own state directory (cache_dir/debian/lists/<archive_suite>/);
nothing under /etc/apt or /var/lib/apt is read beyond the keyrings or changed.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from debian.deb822 import Release

from srcscan.errors import SourceError
from srcscan.io import locked, write_atomic_bytes
from srcscan.sources.apt import DateChecks, Keyring, dearmor

TIMEOUT = 30  # seconds per request: an unreachable archive fails fast
INDEX_TTL = 24 * 3600  # a suite's Release and Sources are downloaded again after a day
CLOCK_SKEW = 600  # seconds a Release file's Date may lie ahead of this machine's clock
SOURCES_NAMES = ("Sources.xz", "Sources.gz")  # compressed forms of an index, preferred first

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Signer:
    """Who signed a Release file: the signing (sub)key and its primary key (gpgv's VALIDSIG)."""

    fingerprint: str  # the key that made the signature
    primary: str  # its primary key's fingerprint
    uid: str  # the user id gpgv printed for it


@dataclass(frozen=True)
class Index:
    """One suite/component Sources index whose hash the signed Release file vouches for."""

    archive: str  # base URI
    suite: str
    component: str
    path: Path  # the still compressed Sources file in the state directory
    release: Path  # InRelease, or Release (with Release.gpg beside it)
    signer: Signer | None  # None: files found in the state directory, not verified in this run


def state_dir(state: Path, archive: str, suite: str) -> Path:
    return state / re.sub(r"[^A-Za-z0-9.]+", "_", f"{archive}_{suite}")


def fetch(url: str) -> bytes:
    """The body at url (http, https or file); SourceError when it cannot be had."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
            return resp.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"cannot download {url}: {reason}") from exc


def write_file(path: Path, data: bytes) -> None:
    """Atomically, with the user's umask (a cache other users may read)."""
    write_atomic_bytes(path, data)


def refresh(state: Path, archive: str, suite: str, component: str, keyring: Keyring,
            notify: Notify | None = None, checks: DateChecks = DateChecks()) -> Index | None:
    """The suite's Sources index: downloaded and verified when missing or older than a day,
    else the files already in the state directory, unverified (signer None): the caller
    verifies them (verify()) unless it holds what it derived from exactly these files.

    None when the archive does not serve this suite (no Release file, or no Sources for the
    component). SourceError when a file is there but its signature or hash does not verify.
    """
    here = state_dir(state, archive, suite)
    stamp = here / "fetched"
    def fresh() -> bool:
        return (stamp.is_file() and time.time() - stamp.stat().st_mtime < INDEX_TTL
                and not (checks.valid_until and _expired(here)))
    if fresh():
        return _local(here, archive, suite, component)
    with locked(state / f".{here.name}.lock"):  # a second run waits, then finds the files fresh
        if fresh():
            return _local(here, archive, suite, component)
        return _download_index(here, archive, suite, component, keyring, notify, checks)


def _download_index(here: Path, archive: str, suite: str, component: str, keyring: Keyring,
                    notify: Notify | None, checks: DateChecks) -> Index | None:
    stamp = here / "fetched"
    if notify:
        notify(f"{archive} {suite}")
    if not _download_release(here, archive, suite):
        return None
    text, _, release = release_text(here, keyring)
    entries = release_entries(text, component)
    name = next((n for n in SOURCES_NAMES if n in entries), None)
    if name is not None:
        sha256, size = entries[name]
        target = here / f"{component}_{name}"
        if not (target.is_file() and target.stat().st_size == size and file_sha256(target) == sha256):
            write_file(target, fetch(f"{archive}/dists/{suite}/{component}/source/{name}"))
    until = _release_date(release_fields(text, component), "Valid-Until", release)
    # the stamp keeps the signed Valid-Until, so that a warm run need not read the Release again
    write_file(stamp, f"valid-until: {'none' if until is None else until}\n".encode())
    return verify(here.parent, archive, suite, component, keyring, checks)


def _local(here: Path, archive: str, suite: str, component: str) -> Index | None:
    release = next((here / n for n in ("InRelease", "Release") if (here / n).is_file()), None)
    sources = next((here / f"{component}_{n}" for n in SOURCES_NAMES if (here / f"{component}_{n}").is_file()), None)
    if release is None or sources is None:
        return None
    return Index(archive, suite, component, sources, release, None)


def _download_release(here: Path, archive: str, suite: str) -> bool:
    """InRelease, else Release and Release.gpg, into `here`; False when the suite is not served."""
    base = f"{archive}/dists/{suite}"
    try:
        data = fetch(f"{base}/InRelease")
    except SourceError:
        try:
            release, signature = fetch(f"{base}/Release"), fetch(f"{base}/Release.gpg")
        except SourceError:
            return False
        (here / "InRelease").unlink(missing_ok=True)
        write_file(here / "Release.gpg", signature)
        write_file(here / "Release", release)
        return True
    for stale in ("Release", "Release.gpg"):
        (here / stale).unlink(missing_ok=True)
    write_file(here / "InRelease", data)
    return True


def verify(state: Path, archive: str, suite: str, component: str, keyring: Keyring,
           checks: DateChecks = DateChecks()) -> Index | None:
    """Check the cached Release signature and the cached Sources file's size and SHA256 against it."""
    here = state_dir(state, archive, suite)
    if not ((here / "InRelease").is_file() or (here / "Release").is_file()):
        return None
    text, signer, release = release_text(here, keyring)
    fields = release_fields(text, component)
    check_suite(fields, suite, release)
    check_dates(fields, release, checks=checks)
    entries = release_entries(fields, component)
    for name in SOURCES_NAMES:
        path = here / f"{component}_{name}"
        if name in entries and path.is_file():
            sha256, size = entries[name]
            if path.stat().st_size != size or file_sha256(path) != sha256:
                raise SourceError(f"{path}: does not match the SHA256 that {release.name} of {archive} {suite} "
                                  f"gives for {component}/source/{name}; refusing it (delete {here} to download again)")
            return Index(archive, suite, component, path, release, signer)
    return None


def release_text(here: Path, keyring: Keyring) -> tuple[str, Signer, Path]:
    """The signed text of the suite's Release file, who signed it, and the file read."""
    inrelease = here / "InRelease"
    if inrelease.is_file():
        data, signer = gpgv_verify(inrelease, None, keyring)
        return data.decode("utf-8", "replace"), signer, inrelease
    release = here / "Release"
    _, signer = gpgv_verify(here / "Release.gpg", release, keyring)
    return release.read_text("utf-8", "replace"), signer, release


def release_fields(text: str, component: str) -> Release:
    """The Release file read by deb822, keeping of its checksum lists (tens of thousands of
    lines) only the lines naming the component's Sources: the rest is never looked at."""
    wanted = f" {component}/source/Sources"
    lines = [ln for ln in text.splitlines(keepends=True) if not ln[:1].isspace() or wanted in ln]
    return Release(lines)


def check_suite(fields: Release, suite: str, release: Path) -> None:
    """apt refuses a Release file of another suite (a replayed one) than the entry names."""
    names = {fields.get("Suite", ""), fields.get("Codename", "")}
    if suite not in names:
        raise SourceError(f"{release}: signed for suite {' / '.join(sorted(n for n in names if n))}, "
                          f"not {suite}; refusing it")


def check_dates(fields: Release, release: Path, now: float | None = None, checks: DateChecks = DateChecks()) -> None:
    """apt refuses a Release file past its `Valid-Until` (a frozen or replayed archive) and one
    whose `Date` lies in the future (apt-secure(8); apt.conf(5) Acquire::Check-Valid-Until and
    Check-Date). now: seconds since the epoch, default the clock; checks: which of the two the
    machine's apt configuration asks for (apt.date_checks_for). SourceError when refused or
    when a checked field cannot be read as an RFC 2822 date."""
    now = time.time() if now is None else now
    valid_until = _release_date(fields, "Valid-Until", release) if checks.valid_until else None
    if valid_until is not None and now > valid_until:
        raise SourceError(f"{release}: expired (Valid-Until {fields['Valid-Until'].strip()}); refusing it "
                          f"(a newer one is downloaded after a day, or delete {release.parent} now)")
    date = _release_date(fields, "Date", release) if checks.date else None
    if date is not None and date > now + CLOCK_SKEW:
        raise SourceError(f"{release}: not valid yet (Date {fields['Date'].strip()} is in the future); refusing it")


def _release_date(fields: Release, name: str, release: Path) -> float | None:
    value = fields.get(name, "").strip()
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError) as exc:
        raise SourceError(f"{release}: cannot read its {name} {value!r}; refusing it") from exc


def _expired(here: Path) -> bool:
    """Whether the Release file kept in `here` is past its Valid-Until: read from the `fetched`
    stamp (written from the verified Release at download), or, for a stamp of an older srcscan,
    from the Release itself (unverified, only to decide that it must be downloaded again; what
    is used is always verified)."""
    stamp = (here / "fetched").read_text("utf-8", "replace") if (here / "fetched").is_file() else ""
    if m := re.match(r"valid-until: (\S+)", stamp):
        return m.group(1) != "none" and float(m.group(1)) < time.time()
    for name in ("InRelease", "Release"):
        path = here / name
        if path.is_file():
            m = re.search(r"^Valid-Until:\s*(.+)$", path.read_text("utf-8", "replace"), re.M)
            try:
                return bool(m) and email.utils.parsedate_to_datetime(m.group(1).strip()).timestamp() < time.time()
            except (TypeError, ValueError):
                return True
    return False


def release_entries(fields: Release | str, component: str) -> dict[str, tuple[str, int]]:
    """{'Sources.xz': (sha256, size), ...}: the component's Sources files the Release lists."""
    if isinstance(fields, str):
        fields = release_fields(fields, component)
    prefix = f"{component}/source/"
    out = {}
    for entry in fields.get("SHA256", []):
        if entry["name"].startswith(prefix):
            out[entry["name"][len(prefix):]] = (entry["sha256"], int(entry["size"]))
    return out


def gpgv_verify(signed: Path, data: Path | None, keyring: Keyring) -> tuple[bytes, Signer]:
    """Verify a clear-signed file (data None) or a detached signature over `data` with gpgv.

    Returns the signed bytes (for a clear-signed file, gpgv's own output: only what the
    signature covers) and the signer. As apt does, one good signature by an accepted key is
    enough when others come from keys the keyring lacks; a bad signature is never accepted.
    """
    if not shutil.which("gpgv"):
        raise SourceError("gpgv is needed to verify Debian archives (Debian package gpgv)")
    with tempfile.TemporaryDirectory(prefix="srcscan-gpgv-") as tmp:
        keyrings = _keyring_files(keyring, Path(tmp))
        if not keyrings:
            raise SourceError(f"{signed}: no keyring to verify it with (Signed-By, or /etc/apt/trusted.gpg.d)")
        out = Path(tmp) / "signed"
        args = ["gpgv", "--status-fd", "1", "--homedir", tmp]
        for k in keyrings:
            args += ["--keyring", str(k)]
        args += (["--output", str(out), str(signed)] if data is None else [str(signed), str(data)])
        try:
            done = subprocess.run(args, capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SourceError(f"gpgv could not run: {exc}") from exc
        signer = _accepted_signer(done.stdout.decode("utf-8", "replace"), keyring)
        if signer is None:
            why = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise SourceError(f"{signed}: signature does not verify with {_describe(keyring)}"
                              f"{' (' + why[-1].removeprefix('gpgv: ') + ')' if why else ''}; refusing it")
        body = out.read_bytes() if data is None else data.read_bytes()
    return body, signer


def _accepted_signer(status: str, keyring: Keyring) -> Signer | None:
    if re.search(r"^\[GNUPG:\] (BADSIG|EXPKEYSIG|REVKEYSIG|EXPSIG)\b", status, re.M):
        return None
    uids = re.findall(r"^\[GNUPG:\] GOODSIG \S+ (.*)$", status, re.M)
    for i, m in enumerate(re.finditer(r"^\[GNUPG:\] VALIDSIG (\S+)(?: \S+){8} (\S+)", status, re.M)):
        fpr, primary = m.group(1).upper(), m.group(2).upper()
        if _allowed(fpr, primary, keyring.fingerprints):
            return Signer(fpr, primary, uids[i] if i < len(uids) else "")
    return None


def _allowed(fpr: str, primary: str, fingerprints: tuple[str, ...]) -> bool:
    """sources.list(5): a fingerprint accepts its subkeys too, unless written with a final '!'."""
    if not fingerprints:
        return True
    return any(fpr == f[:-1] if f.endswith("!") else f in (fpr, primary) for f in fingerprints)


def _keyring_files(keyring: Keyring, tmp: Path) -> list[Path]:
    """Binary keyrings for gpgv: armored ones (.asc, an embedded block) dearmored into tmp."""
    out = []
    blocks = [(f"embedded-{i}", keyring.embedded) for i in range(1) if keyring.embedded]
    for i, name in enumerate(keyring.files):
        path = Path(name)
        if not path.is_file():
            if keyring.named:
                raise SourceError(f"Signed-By names {path}, which does not exist")
            continue
        if path.suffix == ".asc":
            blocks.append((f"asc-{i}", path.read_text("utf-8", "replace")))
        else:
            out.append(path)
    for name, text in blocks:
        try:
            packets = dearmor(text)
        except ValueError as exc:
            raise SourceError(f"cannot read keyring {name}: {exc}") from exc
        (tmp / f"{name}.gpg").write_bytes(packets)
        out.append(tmp / f"{name}.gpg")
    return out


def _describe(keyring: Keyring) -> str:
    if keyring.embedded:
        return "the key block in Signed-By"
    shown = ", ".join(keyring.files[:3]) + (", ..." if len(keyring.files) > 3 else "")
    return f"{shown or 'no keyring'}" + (f" (keys {', '.join(keyring.fingerprints)})" if keyring.fingerprints else "")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
