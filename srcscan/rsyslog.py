"""An rsyslog configuration that sends each process's messages to its own file.

Catalog in, text out; no I/O. Processes are told apart by facility where each has its own
(keepalived 1.1.x: the VRRP child on local1, the checker on local2), and by program name
(the openlog ident) where they share one (keepalived 2.x: all on daemon). An ident built at
run time (`Keepalived_vrrp_<net_namespace>_<instance>`, see analyze/idents.py) is matched with
a regular expression per form, and the processes whose idents are longer come first, so that
the parent's `Keepalived_<instance>` never files the VRRP child's `Keepalived_vrrp` lines.
"""

from __future__ import annotations

import re
from typing import Iterable

from srcscan.analyze.idents import form_regex
from srcscan.catalog import Catalog
from srcscan.sections import LoggingSetup, ProcessRow

_HOLE = re.compile(r"<[^<>]+>")


def rsyslog_config(c: Catalog, log_dir: str, with_options: tuple[str, ...] = ()) -> str:
    procs = c.sections.processes or ()
    logging = c.sections.logging
    lines = [f"# rsyslog rules for {c.project} {c.version or ''}".rstrip() + f", written by srcscan {c.srcscan_version}",
             f"# from {c.provenance.provider}: {c.provenance.location}"
             + (f" @ {c.provenance.ref}" if c.provenance.ref else "")
             + (f", as run with {' '.join(with_options)}" if with_options else ", as run with default options") + ".",
             "# Put it before the distribution's own rules (e.g. /etc/rsyslog.d/30-"
             f"{c.project}.conf): each rule stops the messages it files."]
    facilities = {p.name: _syslog_facilities(p, logging) for p in procs}
    if logging is not None and logging.destination != "syslog" and any(p.facility == ("errorlog",) for p in procs):
        lines.append(f"# {c.project} writes to its {logging.destination} by default; these rules apply once "
                     f"{logging.syslog_option} sends its messages to syslog.")
    for p in sorted(procs, key=_specific_first):
        own = facilities[p.name]
        shared = any(set(own) & set(facilities[q.name]) for q in procs if q is not p)
        by_facility = own and not shared and "?" not in own
        if by_facility:
            cond = " or ".join(f"$syslogfacility-text == '{f}'" for f in own)
            how = f"facility {', '.join(own)}"
            if p.idents and not all(f.startswith("local") for f in own):
                # daemon, user...: other programs log there too
                cond = f"({cond}) and ({_ident_condition(p.idents)})"
                how += f" and program name {', '.join(p.idents)}"
        elif p.idents:
            cond = _ident_condition(p.idents)
            how = f"program name {', '.join(p.idents)}" + (f" on {', '.join(own)}" if own else "")
        else:
            lines.append(f"# process {p.name} ({p.start}()): no facility or ident of its own that "
                         "srcscan could find; its messages stay with the rules that follow.")
            continue
        lines += ["",
                  f"# process {p.name} (starts in {p.start}() in {p.file}): {p.messages} catalog messages, "
                  f"by {how}",
                  f"if {cond} then {{",
                  f'    action(type="omfile" file="{log_dir.rstrip("/")}/{p.name}.log")',
                  "    stop",
                  "}"]
    return "\n".join(lines) + "\n"


def _specific_first(p: ProcessRow) -> int:
    """Processes whose idents have the longest literal start first (stable otherwise)."""
    return -max((len(_HOLE.split(i)[0]) for i in p.idents), default=0)


def _ident_condition(idents: Iterable[str]) -> str:
    """rsyslog's test for a program name among the forms (`demo`, `demo_<-i>`), each test
    once: a form whose every program name another form already matches adds no test."""
    tests = []
    for ident in _widest_forms(idents):
        if _HOLE.search(ident):
            tests.append(f"re_match($programname, {_q(form_regex(ident))})")
        else:
            tests.append(f"$programname == {_q(ident)}")
    return " or ".join(tests)


def _widest_forms(idents: Iterable[str]) -> list[str]:
    """The forms, without repeats and without those another form covers (`A_<x>` covers
    `A_<x>_<y>`). A form stands for the names its holes make, each hole one or more
    characters; form B is covered when A's regex matches B with each hole a NUL: A's literals
    hold no NUL, so they sit inside B's literals and A's holes swallow B's, for any filling."""
    by_regex: dict[str, str] = {}
    for ident in idents:  # forms with one regex (`A_<instance>`, `A_<net_namespace>`): the first
        by_regex.setdefault(form_regex(ident), ident)
    unique = list(by_regex.values())

    def covers(a: str, b: str) -> bool:
        return a != b and re.fullmatch(form_regex(a), _HOLE.sub("\0", b), re.S) is not None

    return [b for b in unique if not any(covers(a, b) for a in unique)]


def _syslog_facilities(p: ProcessRow, logging: LoggingSetup | None) -> list[str]:
    """The process's syslog facilities: its own when it logs to syslog, else those the
    option that turns syslog on gives it."""
    own = [f for f in p.facility if logging is None or f != logging.destination]
    if own:
        return own
    with_syslog = dict(p.facility_with).get(logging.syslog_option if logging is not None else "", "")
    return [f for f in with_syslog.split("/") if f]


def _q(text: str) -> str:
    """An rsyslog string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
