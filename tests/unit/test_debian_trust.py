"""The debian provider verifies what it reads: a tiny signed archive built here with a throwaway key.

No network: the archive is served through file:// URLs, the apt configuration is a
directory of the test's own, and the key is made by gpg in a temporary home.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import lzma
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import pytest

from srcscan.errors import SourceError
from srcscan.sources.apt import keyring_for, parse_deb822, parse_one_line
from srcscan.sources.debian import available, debian_tree

pytestmark = pytest.mark.skipif(not shutil.which("gpg") or not shutil.which("gpgv"), reason="needs gpg and gpgv")


class Signer:
    """A throwaway signing key in its own GnuPG home (short path: gpg-agent's socket)."""

    def __init__(self, name: str) -> None:
        self.home = tempfile.mkdtemp(prefix="sg")
        self.gpg("--quick-gen-key", f"{name} <{name}@example.org>", "ed25519", "sign", "never")
        listing = self.gpg("--with-colons", "--list-keys").decode()
        self.fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))

    def gpg(self, *args: str, data: bytes | None = None) -> bytes:
        done = subprocess.run(["gpg", "--batch", "--homedir", self.home, "--passphrase", "", "--pinentry-mode",
                               "loopback", *args], input=data, capture_output=True, check=True)
        return done.stdout

    def keyring(self, path: Path) -> Path:
        path.write_bytes(self.gpg("--export"))
        return path

    def close(self) -> None:
        subprocess.run(["gpgconf", "--homedir", self.home, "--kill", "gpg-agent"], capture_output=True)
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="module")
def signers():
    made = {"good": Signer("archive"), "other": Signer("stranger")}
    yield made
    for s in made.values():
        s.close()


def _tarball() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = b'void log_message(int, const char *, ...);\nint main(void) { log_message(6, "up"); return 0; }\n'
        info = tarfile.TarInfo("demo-1.0/main.c")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def build_archive(root: Path, signer: Signer, *, inrelease: bool = True, dsc: bool = True, fields: str = "") -> Path:
    """archive/dists/demo/{InRelease|Release,Release.gpg}, main/source/Sources.xz, pool/...: demo 1.0-1."""
    pool = root / "pool" / "main" / "d" / "demo"
    pool.mkdir(parents=True)
    orig = _tarball()
    (pool / "demo_1.0.orig.tar.gz").write_bytes(orig)
    files = [("demo_1.0.orig.tar.gz", orig)]
    dsc_text = (f"Format: 3.0 (quilt)\nSource: demo\nVersion: 1.0-1\nChecksums-Sha256:\n"
                f" {hashlib.sha256(orig).hexdigest()} {len(orig)} demo_1.0.orig.tar.gz\n").encode()
    files.append(("demo_1.0-1.dsc", dsc_text))
    if dsc:
        (pool / "demo_1.0-1.dsc").write_bytes(dsc_text)
    listed = "".join(f" {hashlib.sha256(d).hexdigest()} {len(d)} {n}\n" for n, d in files)
    sources = (f"Package: demo-doc\nVersion: 9\n\nPackage: demo\nVersion: 1.0-1\nDirectory: pool/main/d/demo\n"
               f"Checksums-Sha256:\n{listed}").encode()
    comp = root / "dists" / "demo" / "main" / "source"
    comp.mkdir(parents=True)
    xz = lzma.compress(sources)
    (comp / "Sources.xz").write_bytes(xz)
    gz = gzip.compress(sources)
    release = (f"Origin: Test\nSuite: demo\nCodename: demo\nComponents: main\n{fields}SHA256:\n"
               f" {hashlib.sha256(xz).hexdigest()} {len(xz)} main/source/Sources.xz\n"
               f" {hashlib.sha256(gz).hexdigest()} {len(gz)} main/source/Sources.gz\n").encode()
    dists = root / "dists" / "demo"
    if inrelease:
        (dists / "InRelease").write_bytes(signer.gpg("--clearsign", data=release))
    else:
        (dists / "Release").write_bytes(release)
        (dists / "Release.gpg").write_bytes(signer.gpg("--detach-sign", data=release))
    return root


def apt_config(root: Path, archive: Path, keyring: Path, extra: str = "") -> Path:
    (root / "sources.list.d").mkdir(parents=True)
    (root / "sources.list.d" / "test.sources").write_text(
        f"Types: deb\nURIs: file://{archive}\nSuites: demo\nComponents: main\nSigned-By: {keyring}\n{extra}")
    return root


@pytest.fixture
def world(tmp_path, signers):
    archive = build_archive(tmp_path / "archive", signers["good"])
    apt = apt_config(tmp_path / "apt", archive, signers["good"].keyring(tmp_path / "archive.gpg"))
    return archive, apt, tmp_path / "cache"


def test_a_signed_archive_gives_the_tree_and_names_the_signing_key(world, signers):
    archive, apt, cache = world
    tree = debian_tree("demo", "demo", "1.0", cache, apt)
    assert (tree.root / "main.c").is_file()
    assert signers["good"].fingerprint in tree.provenance.signed_by
    assert "archive@example.org" in tree.provenance.signed_by
    assert tree.provenance.to_dict()["signed_by"] == tree.provenance.signed_by


def test_a_tampered_cached_sources_index_is_refused(world):
    archive, apt, cache = world
    debian_tree("demo", "demo", "1.0", cache, apt)
    (cached,) = (cache / "debian" / "lists").glob("*/main_Sources.xz")
    cached.write_bytes(lzma.compress(b"Package: demo\nVersion: 1.0-1\nDirectory: pool/evil\n"))
    with pytest.raises(SourceError, match="SHA256.*refusing"):
        available("demo", cache, apt)


def _rfc2822(offset_days: float) -> str:
    import email.utils
    import time
    return email.utils.formatdate(time.time() + offset_days * 86400, usegmt=True)


def dated_archive(tmp_path, signers, fields: str):
    """The signed demo archive whose Release carries `fields` (Date, Valid-Until), and its apt dir."""
    archive = build_archive(tmp_path / "archive", signers["good"], fields=fields)
    return apt_config(tmp_path / "apt", archive, signers["good"].keyring(tmp_path / "k.gpg"))


def test_a_release_past_its_valid_until_is_refused(tmp_path, signers):
    apt = dated_archive(tmp_path, signers, f"Date: {_rfc2822(-10)}\nValid-Until: {_rfc2822(-3)}\n")
    with pytest.raises(SourceError, match="expired.*Valid-Until.*refusing"):
        debian_tree("demo", "demo", "1.0", tmp_path / "cache", apt)


def test_apt_conf_turning_the_valid_until_check_off_is_followed(tmp_path, signers):
    """apt.conf(5): Acquire::Check-Valid-Until "false" (a snapshot mirror): apt uses the files, so do we."""
    apt = dated_archive(tmp_path, signers, f"Date: {_rfc2822(-10)}\nValid-Until: {_rfc2822(-3)}\n")
    (apt / "apt.conf.d").mkdir()
    (apt / "apt.conf.d" / "99snapshot").write_text('// frozen mirror\nAcquire::Check-Valid-Until "false";\n')
    assert (debian_tree("demo", "demo", "1.0", tmp_path / "cache", apt).root / "main.c").is_file()


def test_an_entry_can_turn_the_check_back_on_or_off(tmp_path, signers):
    from srcscan.sources.apt import DateChecks, apt_date_checks, date_checks_for

    (tmp_path / "apt.conf.d").mkdir()
    (tmp_path / "apt.conf.d" / "10x").write_text('Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "0";\n')
    (tmp_path / "apt.conf.d" / "20y.conf").write_text('Acquire::Check-Date "yes";\n')
    (tmp_path / "apt.conf.d" / "30z.disabled").write_text('Acquire::Check-Date "no";\n')  # not read by apt
    machine = apt_date_checks(tmp_path)
    assert machine == DateChecks(valid_until=False, date=True)
    (on,) = parse_one_line("deb [check-valid-until=yes signed-by=/k.gpg] http://x/debian bookworm main\n")
    assert date_checks_for(on, machine) == DateChecks(True, True)
    (off,) = parse_deb822("Types: deb\nURIs: http://x/debian\nSuites: s\nComponents: main\nCheck-Date: no\n")
    assert date_checks_for(off, DateChecks()) == DateChecks(True, False)


def test_a_release_dated_in_the_future_is_refused(tmp_path, signers):
    apt = dated_archive(tmp_path, signers, f"Date: {_rfc2822(2)}\n")
    with pytest.raises(SourceError, match="not valid yet"):
        debian_tree("demo", "demo", "1.0", tmp_path / "cache", apt)


def test_a_release_within_its_valid_until_is_used(tmp_path, signers):
    apt = dated_archive(tmp_path, signers, f"Date: {_rfc2822(-1)}\nValid-Until: {_rfc2822(6)}\n")
    assert (debian_tree("demo", "demo", "1.0", tmp_path / "cache", apt).root / "main.c").is_file()


def test_an_expired_cached_release_is_downloaded_again(tmp_path, signers):
    """A Release kept from an earlier run that has since expired is fetched anew, not refused."""
    apt = dated_archive(tmp_path, signers, f"Date: {_rfc2822(-1)}\nValid-Until: {_rfc2822(6)}\n")
    cache = tmp_path / "cache"
    debian_tree("demo", "demo", "1.0", cache, apt)
    (cached,) = (cache / "debian" / "lists").glob("*/InRelease")
    import re
    stale = re.sub(r"^Valid-Until: .*$", "Valid-Until: Mon, 01 Jan 2001 00:00:00 GMT", cached.read_text(), flags=re.M)
    cached.write_text(stale)  # as if kept since 2001: expired (and no longer verifying)
    (cached.parent / "fetched").write_text("")  # a stamp as an older srcscan wrote it: the Release is read
    assert (debian_tree("demo", "demo", "1.0", cache, apt).root / "main.c").is_file()
    assert "2001" not in cached.read_text()


def test_the_stamp_keeps_the_signed_valid_until(tmp_path, signers):
    """A warm run reads the Release's Valid-Until from the small stamp written at download; a
    stamp whose date has passed makes the next run download the Release again."""
    apt = dated_archive(tmp_path, signers, f"Date: {_rfc2822(-1)}\nValid-Until: {_rfc2822(6)}\n")
    cache = tmp_path / "cache"
    debian_tree("demo", "demo", "1.0", cache, apt)
    (stamp,) = (cache / "debian" / "lists").glob("*/fetched")
    until = float(stamp.read_text().split(":", 1)[1])
    assert abs(until - (time.time() + 6 * 86400)) < 120
    stamp.write_text("valid-until: 978307200\n")  # 2001: expired
    assert (debian_tree("demo", "demo", "1.0", cache, apt).root / "main.c").is_file()
    assert stamp.read_text() != "valid-until: 978307200\n"  # downloaded and stamped again


def test_a_tampered_cached_inrelease_is_refused(world):
    archive, apt, cache = world
    debian_tree("demo", "demo", "1.0", cache, apt)
    (cached,) = (cache / "debian" / "lists").glob("*/InRelease")
    cached.write_bytes(cached.read_bytes().replace(b"Origin: Test", b"Origin: Tost"))
    with pytest.raises(SourceError, match="signature does not verify.*refusing"):
        available("demo", cache, apt)


def test_an_archive_signed_by_another_key_is_refused(tmp_path, signers):
    archive = build_archive(tmp_path / "archive", signers["other"])
    apt = apt_config(tmp_path / "apt", archive, signers["good"].keyring(tmp_path / "archive.gpg"))
    with pytest.raises(SourceError, match="signature does not verify"):
        debian_tree("demo", "demo", "1.0", tmp_path / "cache", apt)
    assert not (tmp_path / "cache" / "trees").exists()


def test_a_fingerprint_in_signed_by_selects_the_key(tmp_path, signers):
    archive = build_archive(tmp_path / "archive", signers["good"])
    both = tmp_path / "both.gpg"
    both.write_bytes(signers["good"].gpg("--export") + signers["other"].gpg("--export"))
    apt = apt_config(tmp_path / "apt", archive, both)
    text = (tmp_path / "apt" / "sources.list.d" / "test.sources").read_text()
    (tmp_path / "apt" / "sources.list.d" / "test.sources").write_text(
        text.replace(f"Signed-By: {both}", f"Signed-By: {both} {signers['other'].fingerprint}"))
    with pytest.raises(SourceError, match="signature does not verify"):
        debian_tree("demo", "demo", "1.0", tmp_path / "cache", apt)


def test_release_with_a_detached_signature_and_no_dsc(tmp_path, signers):
    archive = build_archive(tmp_path / "archive", signers["good"], inrelease=False, dsc=False)
    apt = apt_config(tmp_path / "apt", archive, signers["good"].keyring(tmp_path / "archive.gpg"))
    tree = debian_tree("demo", "demo", "1.0", tmp_path / "cache", apt)
    assert (tree.root / "main.c").is_file()
    assert any(".dsc not checked" in n for n in tree.provenance.notes)
    assert signers["good"].fingerprint in tree.provenance.signed_by


def test_a_warm_run_reads_the_small_per_package_index(world):
    archive, apt, cache = world
    debian_tree("demo", "demo", "1.0", cache, apt)
    index = cache / "debian" / "packages" / "demo.json"
    assert index.is_file()
    shutil.rmtree(archive)  # nothing is downloaded again within a day
    assert [p.version for p in available("demo", cache, apt)] == ["1.0-1"]
    index.write_text("{truncated")  # a damaged per-package index is rebuilt from the verified files
    assert [p.version for p in available("demo", cache, apt)] == ["1.0-1"]
    assert index.read_text().startswith("{")


def test_the_keyring_apt_would_use(tmp_path):
    (tmp_path / "trusted.gpg.d").mkdir()
    (tmp_path / "trusted.gpg.d" / "a.asc").write_text("x")
    (tmp_path / "trusted.gpg.d" / "b.gpg").write_text("x")
    (tmp_path / "trusted.gpg.d" / "c.txt").write_text("x")
    (entry,) = parse_one_line("deb [arch=amd64 signed-by=/k.gpg] http://deb.debian.org/debian bookworm main\n")
    assert keyring_for(entry, tmp_path).files == ("/k.gpg",)
    (plain,) = parse_one_line("deb http://deb.debian.org/debian bookworm main\n")
    assert [os.path.basename(f) for f in keyring_for(plain, tmp_path).files] == ["a.asc", "b.gpg"]
    (embedded,) = parse_deb822("Types: deb\nURIs: http://x/debian\nSuites: a\nComponents: main\nSigned-By:\n"
                               " -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n QUJD\n -----END PGP PUBLIC KEY BLOCK-----\n")
    assert "QUJD" in keyring_for(embedded, tmp_path).embedded


def test_a_changed_signed_by_is_checked_again_on_a_warm_run(world, signers, tmp_path):
    archive, apt, cache = world
    debian_tree("demo", "demo", "1.0", cache, apt)
    entry = apt / "sources.list.d" / "test.sources"
    other = signers["other"].keyring(tmp_path / "other.gpg")
    entry.write_text(entry.read_text().replace(str(tmp_path / "archive.gpg"), str(other)))
    with pytest.raises(SourceError, match="signature does not verify"):
        available("demo", cache, apt)
