"""Real logs of Debian's dnsmasq 2.90 (tests/data/dnsmasq/syslog.txt) against its catalog,
built from Debian's source package with rules/dnsmasq.toml alone.

Every line must match a catalog message (its format, holes matching anything; a format
with no literal text at all matches nothing) whose `requires` holds under the options of
the run that wrote it. The facility each line was written with must be the catalog's for
that run's options.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from srcscan.analyze.optiontypes import option_from_dict
from srcscan.analyze.settings import parse_with, satisfied
from conftest import same_worker

pytestmark = same_worker("dnsmasq")

DATA = Path(__file__).parent.parent / "data" / "dnsmasq" / "syslog.txt"
_LINE = re.compile(r"^(?P<facility>\w+)\.(?P<severity>\w+) \w{3} [ \d]\d \d\d:\d\d:\d\d (?P<program>[\w-]+)\[\d+\]: "
                   r"(?P<message>.*)$")
_CONVERSION = re.compile(r"%(?:\d+\$)?[-+ #0']*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcspm%]")


def runs() -> list[tuple[str, tuple[str, ...], list[dict[str, str]]]]:
    """(run name, its options, its lines) from the data file."""
    out: list = []
    for text in DATA.read_text().splitlines():
        if text.startswith("### run "):
            name, _, options = text[len("### run "):].partition(":")
            out.append((name, tuple(options.split()), []))
        elif text and not text.startswith("#"):
            m = _LINE.match(text)
            assert m, f"unreadable line: {text!r}"
            out[-1][2].append(m.groupdict())
    return out


def pattern(fmt: str) -> tuple[re.Pattern, int]:
    """A format as a regex (each conversion matches anything), and how much literal text it has."""
    parts = _CONVERSION.split(fmt)
    literal = [p.replace("%%", "%") for p in parts]
    return re.compile("(?s)" + "(.*?)".join(re.escape(p) for p in literal) + r"\s*"), sum(len(p) for p in literal)


@pytest.fixture(scope="module")
def dnsmasq(debian):
    return debian("dnsmasq", "2.90").catalog


@pytest.fixture(scope="module")
def patterns(dnsmasq):
    return [(m, *pattern(m.format)) for m in dnsmasq.messages if not m.dynamic]


def best(patterns, message: str):
    found = [(literal, m) for m, regex, literal in patterns if regex.fullmatch(message)]
    return max(found, key=lambda f: f[0])[1] if found else None


RUN_NAMES = [r[0] for r in runs()]


@pytest.mark.parametrize("run", RUN_NAMES)
def test_every_line_is_a_catalog_message_its_options_allow(dnsmasq, patterns, run):
    name, options, lines = next(r for r in runs() if r[0] == run)
    settings = parse_with(tuple(o for o in COMMON + options if o.split("=")[0] in _known(dnsmasq)),
                          [option_from_dict(o) for o in dnsmasq.sections.to_dict()["options"]])
    wrong = []
    for line in lines:
        # Any message whose format has some literal text (a bare "%s" tells nothing) will do.
        found = [m for m, regex, literal in patterns if literal and regex.fullmatch(line["message"])]
        if not any(satisfied(m.requires, settings) for m in found) \
                and not line["message"].startswith(tuple(KNOWN_WRONG)):
            wrong.append((line["message"], [m.requires for m in found]))
    assert not wrong, f"{name}: {wrong[:5]}"


# Options every run was given (the data file's header), on top of the run's own.
COMMON = ("--keep-in-foreground", "--no-resolv", "--no-hosts", "--port=53", "--listen-address=192.0.2.1",
          "--bind-interfaces", "--server=192.0.2.2", "--address=/local.test/192.0.2.10",
          "--host-record=host.example.test,192.0.2.11,2001:db8::11", "--pid-file=")
KNOWN_WRONG: dict[str, str] = {}  # line prefix -> why its catalog message is wrong (none left)


@pytest.mark.parametrize("prefix, run", [("started, version ", "default"), ("cleared cache", "log-queries")])
def test_lines_under_values_set_before_the_option_loop(dnsmasq, patterns, prefix, run):
    """`daemon->cachesize = CACHESIZ` (150) before read_opts' getopt loop: "started, version %s
    cachesize %d" under `daemon->cachesize != 0` appears without -c, and so does "cleared cache"
    (under --no-hosts, `daemon->cachesize > 0`); "cache disabled" needs -c (to 0)."""
    name, options, lines = next(r for r in runs() if r[0] == run)
    settings = parse_with(tuple(o for o in COMMON + options if o.split("=")[0] in _known(dnsmasq)),
                          [option_from_dict(o) for o in dnsmasq.sections.to_dict()["options"]])
    line = next(line for line in lines if line["message"].startswith(prefix))
    m = best(patterns, line["message"])
    assert m is not None and satisfied(m.requires, settings), (m and m.requires)
    (disabled,) = [m for m in dnsmasq.messages if m.format == "started, version %s cache disabled"]
    assert disabled.requires and all("-c" in alt for alt in disabled.requires)


def _entry(catalog) -> dict:
    """The process table's entry point (the TCP-connection children, forked per TCP query,
    write through its syslog connection: the same ident and facility)."""
    procs = catalog.sections.to_dict()["processes"]
    assert [p["name"] for p in procs] == ["dnsmasq", "tcp-connection"]
    assert procs[1]["idents"] == procs[0]["idents"] and procs[1]["facility"] == procs[0]["facility"]
    return procs[0]


def _known(catalog) -> set[str]:
    return {n for o in catalog.sections.to_dict()["options"] for n in o["names"]}


@pytest.mark.parametrize("run", RUN_NAMES)
def test_the_facility_is_the_catalogs(dnsmasq, run):
    """--log-facility names it; without it, -d/--no-daemon gives local0 (log.c log_start), and
    the catalog's process table says so (read from log.c: analyze/facilityflow.py)."""
    name, options, lines = next(r for r in runs() if r[0] == run)
    process = _entry(dnsmasq)
    given = dict(o.split("=", 1) for o in options if "=" in o)
    canonical = {n: o["names"][0] for o in dnsmasq.sections.to_dict()["options"] for n in o["names"]}
    with_option = [f.split(" ")[0] for o, f in process["facility_with"].items()
                   if o in {canonical.get(x.split("=")[0]) for x in COMMON + options}]
    expected = given.get("--log-facility") or (with_option[0] if with_option else process["facility"][0])
    assert {line["facility"] for line in lines} <= {expected}


def test_program_names_are_the_process_idents(dnsmasq):
    """my_syslog adds -dhcp, -tftp, -script, -debug to the program name by its priority's
    facility bits (rules: facility_bits): every captured program name is one of the idents."""
    process = _entry(dnsmasq)
    programs = {line["program"] for _, _, lines in runs() for line in lines}
    assert "dnsmasq-dhcp" in programs and programs <= set(process["idents"])


def test_debug_lines_need_log_debug(dnsmasq):
    """`my_syslog(LOG_DEBUG | MS_DEBUG, ...)` returns at once without --log-debug (log.c)."""
    debug = [m for m in dnsmasq.messages if m.format.startswith(("listening on %s", "stopped listening on %s"))]
    assert debug and all(alt and "--log-debug" in alt for m in debug for alt in m.requires), \
        [(m.format, m.requires) for m in debug]


def test_query_lines_need_log_queries(dnsmasq, patterns):
    """The query log (log_query's lines) is what --log-queries adds: none without it."""
    by_run = {name: lines for name, _, lines in runs()}
    queries = [line for line in by_run["log-queries"] if line["message"].startswith(("query[", "forwarded ", "reply "))]
    assert queries and not [line for line in by_run["default"] if line["message"].startswith("query[")]
    for line in queries:
        m = best(patterns, line["message"])
        assert m is not None and any("-q" in alt for alt in m.requires), (line, m and m.requires)


def test_query_lines_are_the_text_their_calls_select(dnsmasq, patterns):
    """log_query's text is chosen by the flags each call passes (rules: text_builders): a
    `config`, `forwarded ... to` or `reply` line is a message with those words, not the
    function's generic "%s %s%s%s %s%s"."""
    by_run = {name: lines for name, _, lines in runs()}
    for run in ("log-queries", "log-queries-extra"):
        for line in by_run[run]:
            words = re.search(r"(?:^|/\d+ )(config|forwarded|reply) \S+ (is|to) ", line["message"])
            if not words:
                continue
            m = best(patterns, line["message"])
            assert m is not None and f"{words.group(1)} %s {words.group(2)} " in m.format, (line["message"], m and m.format)


def test_logging_options_are_found(dnsmasq):
    names = _known(dnsmasq)
    assert {"--log-queries", "--log-dhcp", "--log-debug", "--log-facility", "--log-async", "--quiet-dhcp",
            "--quiet-dhcp6", "--quiet-ra", "--quiet-tftp"} <= names
    (q,) = [o for o in dnsmasq.sections.to_dict()["options"] if "--log-queries" in o["names"]]
    assert {e.get("when", "") for e in q["effects"]} == {"", "extra"}
