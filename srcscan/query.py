"""Select messages of a catalog: what an option adds (and takes away), what goes to a facility
or process, what a build macro brings. Pure: a Catalog and filters in, messages out.

Names a user types are checked against what the catalog holds: an option against the option
table (the five closest names when unknown), a process against the process table's names and
syslog idents, a facility against syslog's facility names (syslog.h; RFC 5424 section 6.2.1)
and the destinations the catalog uses. An unknown name is an InputError, never "0 messages".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

from srcscan.analyze.settings import Settings, expanded, needs, parse_with, satisfied
from srcscan.catalog import Catalog, Message
from srcscan.errors import InputError, UnknownOptionError
from srcscan.preprocessor import build_holds

# The facility names syslog.h gives LOG_KERN ... LOG_LOCAL7 (glibc's facilitynames).
SYSLOG_FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
                     "authpriv", "ftp") + tuple(f"local{n}" for n in range(8))


@dataclass(frozen=True)
class Query:
    adds: str | None = None  # an option name (any alias), or NAME=VALUE to answer for that value
    facility: str | None = None
    process: str | None = None  # a process name (vrrp) or the ident it logs under (Keepalived_vrrp)
    build: str | None = None


@dataclass(frozen=True)
class Answer:
    messages: list[Message]  # what matches (for --adds: what appears with the option and not without)
    removed: list[Message]  # for --adds: what appears without the option and not with it (`!-D`)


def option_aliases(catalog: Catalog, name: str) -> set[str]:
    """All names of the option called `name` (first name first), or an error naming close ones."""
    options = catalog.sections.options or ()
    for option in options:
        if name in option.names:
            return set(option.names)
    known = sorted(n for o in options for n in o.names)
    close = difflib.get_close_matches(name, known, n=1)
    raise UnknownOptionError(name, known, close[0] if close else None)


def run_query(catalog: Catalog, q: Query) -> list[Message]:
    """The messages matching every filter of `q` (see answer_query for what an option takes away)."""
    return answer_query(catalog, q).messages


def answer_query(catalog: Catalog, q: Query) -> Answer:
    messages, removed = list(catalog.messages), []
    if q.adds:
        messages, removed = _adds(catalog, messages, q.adds)
    if q.facility:
        want = check_facility(catalog, q.facility)
        keep = lambda m: goes_to(m, want)  # noqa: E731
        messages, removed = [m for m in messages if keep(m)], [m for m in removed if keep(m)]
    if q.process:
        name = check_process(catalog, q.process)
        messages, removed = [m for m in messages if name in m.processes], [m for m in removed if name in m.processes]
    if q.build:
        word = re.compile(rf"\b{re.escape(q.build)}\b")
        keep = lambda m: bool(word.search(m.build)) and f"!defined({q.build})" not in m.build.replace(" ", "")  # noqa: E731
        messages, removed = [m for m in messages if keep(m)], [m for m in removed if keep(m)]
    return Answer(messages, removed)


def _adds(catalog: Catalog, messages: list[Message], spec: str) -> tuple[list[Message], list[Message]]:
    """`-D`: every message some level of it turns on; `proxy.debug=1`, `-S 3`: those that appear with
    exactly that setting and not by default. Both: what appears by default and not with it."""
    name = re.split(r"[=\s]", spec.strip(), maxsplit=1)[0]
    names = option_aliases(catalog, name)
    settings = parse_with([spec], catalog.sections.options or ())
    default = Settings(means=settings.means)  # (a child's start atom means the same by default)
    if spec.strip() == name:  # no value: any level the option can be given at
        added = [m for m in messages if needs(expanded(m.requires, settings.means), names)]
    else:
        added = [m for m in messages if needs(expanded(m.requires, settings.means), names)
                 and satisfied(m.requires, settings) and not satisfied(m.requires, default)]
    removed = [m for m in messages if satisfied(m.requires, default) and satisfied(m.logged_only_if, default)
               and not (satisfied(m.requires, settings) and satisfied(m.logged_only_if, settings))]
    return added, removed


def as_run_with(catalog: Catalog, with_options: tuple[str, ...]) -> Catalog:
    """The catalog's messages that appear when the daemon runs with `with_options` (what
    `catalog --with` keeps), for a catalog read from a file. Facilities are left as they are."""
    if not with_options:
        return catalog
    settings = parse_with(with_options, catalog.sections.options or ())
    kept = tuple(m for m in catalog.messages if satisfied(m.requires, settings) and satisfied(m.logged_only_if, settings)
                 and (not settings.macros or build_holds(m.build, settings.macros)))
    return replace(catalog, messages=kept)


def check_process(catalog: Catalog, name: str) -> str:
    """The process `name` means: a process name, or the syslog ident a process logs under
    (case-insensitive, as users copy it from a log line). InputError naming them otherwise."""
    procs = catalog.sections.processes or ()
    names = {p.name for p in procs} | {p for m in catalog.messages for p in m.processes}
    if name in names:
        return name
    for p in procs:
        if name.lower() in {i.lower() for i in p.idents}:
            return p.name
    known = ", ".join(f"{p.name} ({', '.join(p.idents) or 'no ident'})" for p in procs) \
        or ", ".join(sorted(names)) or "none"
    raise InputError(f"unknown process {name!r}; processes (and their syslog idents): {known}")


def check_facility(catalog: Catalog, name: str) -> str:
    """A syslog facility name (`local2`, `LOG_LOCAL2`) or a destination the catalog uses
    (`errorlog`), lower-cased; InputError naming them otherwise."""
    want = name.lower().removeprefix("log_")
    used = sorted({f.lower() for m in catalog.messages for f in m.facility}
                  | {v.strip().lower() for m in catalog.messages for _, vs in m.facility_with
                     for v in vs.split(",") if v.strip() and not v.strip().startswith("<")})
    if want in SYSLOG_FACILITIES or want in used:
        return want
    raise InputError(f"unknown facility {name!r}; this catalog's: {', '.join(used) or 'none'}; "
                     f"syslog's: {', '.join(SYSLOG_FACILITIES)}")


def goes_to(m: Message, facility: str) -> bool:
    """The message can go to `facility`: as run, or with an option that names it (an option
    giving `local<N>` is not counted for every localN: `--with "-S 2"` answers for -S 2)."""
    return facility in {f.lower() for f in m.facility} or any(
        facility == v.strip().lower() for _, values in m.facility_with for v in values.split(","))
