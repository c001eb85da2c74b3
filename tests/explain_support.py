"""A small catalog written in Python for the explain tests (no parse needed)."""

from __future__ import annotations

from dataclasses import replace

from srcscan.catalog import Catalog, Message, assign_ids
from srcscan.formats import lighttpd_legacy
from srcscan.formats.printf import parse_printf
from srcscan.formats.template import Arg, Template
from srcscan.sources import Provenance
from srcscan.sections import ProcessRow, Sections


def message(file: str, line: int, function: str, fmt: str, args: tuple[str, ...] = (), priority: str = "LOG_INFO",
            requires: tuple[tuple[str, ...], ...] = (), processes: tuple[str, ...] = ("vrrp",),
            facility: tuple[str, ...] = ("daemon",), legacy: bool = False) -> Message:
    if legacy:  # a string literal argument ('"text"') prints as literal text
        rest = tuple(Arg(a, a[1:-1]) if a.startswith('"') else Arg(a) for a in args)
        template = lighttpd_legacy.build_template(Arg(repr(fmt), fmt), rest)
    else:
        template = Template(parse_printf(fmt, tuple(Arg(a) for a in args)))
    return Message(id="", file=file, line=line, function=function, call="log_message", written="log_message",
                   priority=priority, format=fmt, template=template, dynamic=False, conditions=(),
                   requires=requires, processes=processes, facility=facility)


KEEPALIVED = [
    message("keepalived/vrrp/vrrp.c", 2179, "vrrp_state_master_tx", "(%s) Entering MASTER STATE", ("vrrp->iname",)),
    message("keepalived/vrrp/vrrp.c", 1800, "vrrp_state_backup", "(%s) Entering BACKUP STATE", ("vrrp->iname",)),
    message("keepalived/vrrp/vrrp.c", 900, "vrrp_state_any", "(%s) Entering %s STATE", ("vrrp->iname", "state")),
    message("keepalived/vrrp/vrrp_scheduler.c", 670, "vrrp_handle", "Discarding bogus packet from %s",
            ("inet_sockaddrtopair(&pkt->src_addr)",), priority="LOG_ERR", requires=(("-D",),)),
    message("keepalived/check/check_tcp.c", 120, "tcp_check", "TCP connection to %s success.", ("FMT_CHK(checker)",),
            processes=("checker",)),
    message("keepalived/check/check_tcp.c", 140, "tcp_check", "TCP connection to %s failed.", ("FMT_CHK(checker)",),
            processes=("checker",), priority="LOG_WARNING"),
    message("keepalived/core/main.c", 300, "start_vrrp_child", "Starting VRRP child process, pid=%d", ("pid",),
            processes=("parent",)),
    message("keepalived/core/main.c", 310, "print_config", "Config:\n  vrrp %d instances", ("n",),
            processes=("parent",), requires=(("-d",), ("-D",))),
    # two call sites writing the same text: explain cannot tell them apart by text
    message("keepalived/core/main.c", 400, "stop_a", "Stopped", processes=("parent",)),
    message("keepalived/core/daemon.c", 50, "stop_b", "Stopped", processes=("parent",)),
    message("keepalived/core/main.c", 500, "report", "%s failed", ("what",), priority="LOG_ERR", processes=("parent",)),
]
PROCESSES = [{"name": "parent", "idents": ["Keepalived"]},
             {"name": "vrrp", "idents": ["Keepalived_vrrp[_<net_namespace>][_<instance>]"]},
             {"name": "checker", "idents": ["Keepalived_healthcheckers"]}]

LIGHTTPD = [
    message("src/server.c", 1521, "server_main", "server started (%s)", ("PACKAGE_DESC",), priority="LOG_INFO",
            processes=("lighttpd",), facility=("errorlog",)),
    message("src/mod_proxy.c", 1022, "proxy_create_env", "proxy - start", priority="LOG_ERR",
            processes=("lighttpd",), facility=("errorlog",), requires=(("proxy.debug",),)),
    message("src/mod_fastcgi.c", 900, "fcgi_create_env", "proxy - start", priority="LOG_ERR",
            processes=("lighttpd",), facility=("errorlog",), requires=(("fastcgi.debug",),)),
    message("src/server.c", 1250, "server_main", "sd", ('"server stopped by UID ="', "uid"), processes=("lighttpd",),
            facility=("errorlog",), legacy=True),
]


def catalog(project: str = "keepalived", messages: list[Message] | None = None, version: str | None = "2.3.4",
            processes: list[dict] | None = None) -> Catalog:
    msgs = assign_ids(list(messages if messages is not None else (KEEPALIVED if project == "keepalived" else LIGHTTPD)))
    procs = processes if processes is not None else (
        PROCESSES if project == "keepalived" else [{"name": "lighttpd", "idents": ["lighttpd"]}])
    return Catalog(project=project, version=version, provenance=Provenance("path", "/nowhere", version),
                   rules_sha256="0", srcscan_version="0", files=(), log_functions=(), openlog=(),
                   messages=tuple(msgs), sections=Sections(processes=tuple(
                       ProcessRow(p["name"], "main", "", 0, tuple(p["idents"]), (), "", (), (), 0) for p in procs)))


def with_version(c: Catalog, version: str, drop: tuple[str, ...] = ()) -> Catalog:
    return replace(c, version=version, provenance=Provenance("path", "/nowhere", version),
                   messages=tuple(m for m in c.messages if m.format not in drop))
