"""The machine's apt configuration, read only: which archives it uses and which keys sign them.

Source lists come in two formats (sources.list(5)): one-line `.list` files
(`deb [signed-by=/k.gpg] URI SUITE COMPONENT...`) and deb822 `.sources` stanzas (read with
python-debian's `deb822`). For each entry, the keyring apt would verify its `InRelease`
with is what `Signed-By` names (keyring files, fingerprints selecting keys from them, or a
key block embedded in a `.sources` stanza), else every keyring apt trusts by default:
`/etc/apt/trusted.gpg` and the `.gpg`/`.asc` files of `/etc/apt/trusted.gpg.d/`
(sources.list(5), "Signed-By"). Nothing here downloads or writes anything.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from debian.deb822 import Deb822

APT_DIR = Path("/etc/apt")
ARMOR_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----"


@dataclass(frozen=True)
class Keyring:
    """The keys an entry's Release files must be signed with (sources.list(5), Signed-By)."""

    files: tuple[str, ...]  # absolute paths of keyring files (binary .gpg or armored .asc)
    fingerprints: tuple[str, ...] = ()  # upper-case hex; a key or its subkeys ("!" suffix: that key only)
    embedded: str = ""  # an armored key block written in the stanza itself
    named: bool = False  # True when Signed-By chose these keys, False for apt's default keyrings


@dataclass(frozen=True)
class AptEntry:
    types: tuple[str, ...]  # "deb", "deb-src"
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str = ""  # the Signed-By value as written ("" when absent)
    check_valid_until: bool | None = None  # the entry's Check-Valid-Until (None: apt.conf decides)
    check_date: bool | None = None  # the entry's Check-Date (None: apt.conf decides)


@dataclass(frozen=True)
class DateChecks:
    """Whether a Release file's Valid-Until and Date are checked (apt.conf(5) Acquire::Check-Valid-Until
    and Acquire::Check-Date, overridden per entry by sources.list(5)'s check-valid-until/check-date)."""

    valid_until: bool = True
    date: bool = True


def _yes(value: str) -> bool | None:
    """apt's boolean spellings (apt.conf(5)): yes/true/on/1, no/false/off/0; None for anything else."""
    v = value.strip().strip('"').strip().lower()
    return True if v in ("yes", "true", "on", "1", "enable") else False if v in ("no", "false", "off", "0", "disable") else None


def apt_date_checks(apt_dir: Path = APT_DIR) -> DateChecks:
    """The machine-wide Acquire::Check-Valid-Until / Acquire::Check-Date of apt.conf and
    apt.conf.d/* (files read in apt's order; a later setting wins). Both default to on."""
    files = [apt_dir / "apt.conf"] if (apt_dir / "apt.conf").is_file() else []
    parts = apt_dir / "apt.conf.d"
    if parts.is_dir():
        files = sorted((f for f in parts.iterdir() if f.is_file() and re.fullmatch(r"[A-Za-z0-9_.-]+", f.name)
                        and ("." not in f.name or f.name.endswith(".conf"))), key=lambda f: f.name) + files
    found = {"check-valid-until": True, "check-date": True}
    for f in files:
        text = re.sub(r"(?m)(//|#).*$", "", f.read_text(errors="replace"))
        for name, value in re.findall(r"Acquire\s*::\s*(Check-Valid-Until|Check-Date)\s+(\"?[^\";]*\"?)\s*;", text, re.I):
            if (flag := _yes(value)) is not None:
                found[name.lower()] = flag
    return DateChecks(found["check-valid-until"], found["check-date"])


def date_checks_for(entry: AptEntry, machine: DateChecks) -> DateChecks:
    """The entry's own check-valid-until/check-date when it sets them, else the machine's."""
    return DateChecks(machine.valid_until if entry.check_valid_until is None else entry.check_valid_until,
                      machine.date if entry.check_date is None else entry.check_date)


def parse_one_line(text: str) -> list[AptEntry]:
    """Entries of a one-line-style `.list` file, options such as `[signed-by=...]` read."""
    entries = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        options: dict[str, str] = {}
        if m := re.match(r"^(\S+)\s+\[([^\]]*)\]\s*(.*)$", line):
            for option in m.group(2).split():
                key, _, value = option.partition("=")
                options[key.lower()] = value
            line = f"{m.group(1)} {m.group(3)}"
        words = line.split()
        if len(words) < 3 or words[0] not in ("deb", "deb-src"):
            continue
        entries.append(AptEntry((words[0],), words[1], (words[2],), tuple(words[3:]), options.get("signed-by", ""),
                                _yes(options.get("check-valid-until", "")), _yes(options.get("check-date", ""))))
    return entries


def parse_deb822(text: str) -> list[AptEntry]:
    """Entries of a deb822 `.sources` file (one per URI of each enabled stanza)."""
    entries = []
    for stanza in Deb822.iter_paragraphs(text.splitlines(keepends=True), use_apt_pkg=False):
        fields = {k.lower(): v for k, v in stanza.items()}
        if fields.get("enabled", "yes").strip().lower() == "no" or "uris" not in fields:
            continue
        for uri in fields["uris"].split():
            entries.append(AptEntry(tuple(fields.get("types", "deb").split()), uri,
                                    tuple(fields.get("suites", "").split()),
                                    tuple(fields.get("components", "").split()),
                                    fields.get("signed-by", "").strip(),
                                    _yes(fields.get("check-valid-until", "")), _yes(fields.get("check-date", ""))))
    return entries


def apt_entries(apt_dir: Path = APT_DIR) -> list[AptEntry]:
    """Every entry of sources.list and sources.list.d/*.list|*.sources, in apt's file order."""
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


def keyring_for(entry: AptEntry, apt_dir: Path = APT_DIR) -> Keyring:
    """The keys apt would accept for this entry: Signed-By's, else the default trusted keyrings."""
    value = entry.signed_by
    if ARMOR_BEGIN in value:
        block = "\n".join(line.strip() for line in value.splitlines())
        return Keyring((), (), block.replace("\n.\n", "\n\n"), named=True)
    if value:
        items = [v for v in re.split(r"[\s,]+", value) if v]
        files = tuple(v for v in items if v.startswith("/"))
        fingerprints = tuple(v.upper() for v in items if not v.startswith("/"))
        return Keyring(files or _default_keyrings(apt_dir), fingerprints, named=True)
    return Keyring(_default_keyrings(apt_dir))


def _default_keyrings(apt_dir: Path) -> tuple[str, ...]:
    files = [apt_dir / "trusted.gpg"] if (apt_dir / "trusted.gpg").is_file() else []
    parts = apt_dir / "trusted.gpg.d"
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir() if p.suffix in (".gpg", ".asc") and p.is_file())
    return tuple(str(f) for f in files)


def dearmor(text: str) -> bytes:
    """The binary packets of an ASCII-armored OpenPGP block (RFC 4880, section 6.2).

    gpgv reads binary keyrings only; apt dearmors `.asc` keyrings the same way.
    Raises ValueError when the text holds no armored block.
    """
    m = re.search(r"-----BEGIN PGP [A-Z ]+-----\r?\n(.*?)-----END PGP [A-Z ]+-----", text, re.S)
    if not m:
        raise ValueError("no armored OpenPGP block")
    lines = m.group(1).splitlines()
    while lines and ":" in lines[0]:  # armor headers (Version:, Comment:) end at the first blank line
        lines.pop(0)
    body = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("=")]
    return base64.b64decode("".join(body))
