"""Where a log function writes instead of syslog in a mode: a stdio stream.

keepalived's report_config_error() calls vreport_config_error(), which under -t prints the
message to stderr instead of logging it (lib/parser.c:275-277: `if (__test_bit(CONFIG_TEST_BIT,
&debug)) { vfprintf(stderr, format_buf ? format_buf : format, args); ...} else vlog_message(...)`),
and under -t keepalived's parent runs the children's configuration code (validate_config). So
the parent writes those messages, to stderr, under -t: the message's processes keep the parent
(with the mode, InProcessWith), its facilities gain `-t: stderr`, and `logged_only_if` does not
say "nothing under -t" (`streamed_answers`).

A stream write is a call of one of the rules' `[logging] stream_writers` (function -> index of
its stream argument: fprintf(3), vfprintf(3), fputs(3)) whose stream is `stderr` or `stdout`
and whose arguments pass on one of its function's parameters (the message handed down), in the
log function called or a function it calls directly (three levels), under guards that hold in
the mode. Facts in (the call graph, the option index, the process model), answers out; no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

from srcscan.analyze.guardfilter import with_atoms
from srcscan.analyze.optiontests import guard_requirement
from srcscan.analyze.processes import Model, message_processes
from srcscan.analyze.settings import levels_of
from srcscan.cexpr import Name, strip, walk
from srcscan.model import LogSite, ProcessAnswer, RequirementAnswer, SiteKey
from srcscan.requirement import Requirement

STREAMS = ("stderr", "stdout")  # <stdio.h>'s standard streams
DEPTH = 3


def stream_modes(model: Model, index: Any, writers: Mapping[str, int],
                 mute: Callable[[LogSite, str], bool]) -> Callable[[LogSite, str], str]:
    """(site, mode) -> the stream ("stderr") the site's log function writes its message to
    instead of syslog when the program runs in `mode` (Model.modes): it writes nothing to
    syslog there (`mute`, process_answers.muted_modes) and a stream write of the message runs;
    "" otherwise (dnsmasq's my_syslog() echoes to stderr besides syslog: not instead).
    `writers`: the rules' stream_writers."""
    graph = model.graph
    levels = {mode: levels_of(with_atoms(model.settings, [mode])) for mode in model.modes}
    memo: dict[tuple[str | None, str], str] = {}

    def stream(site: LogSite, mode: str) -> str:
        if not mute(site, mode):
            return ""
        call = site.call
        sink = graph.key_for(call.callee, call.file) if not call.indirect else None
        if (sink, mode) not in memo:
            memo[(sink, mode)] = _written(graph, index, sink, writers, levels[mode]) if (
                sink is not None and writers and mode in levels) else ""
        return memo[(sink, mode)]

    return stream


def _written(graph: Any, index: Any, key: str, writers: Mapping[str, int], levels: Mapping[str, int],
             depth: int = DEPTH) -> str:
    """The stream function `key` (or one it calls directly, `depth` levels down) writes one of
    its parameters to under guards that hold at `levels`; ""."""
    fn = graph.functions.get(key)
    if fn is None or depth == 0:
        return ""
    for call in fn.calls:
        if not all(guard_requirement(g, index, fn).exists(lambda a: a.is_test).holds(levels) for g in call.guards):
            continue
        at = writers.get(call.callee)
        if at is not None and not call.indirect and at < len(call.exprs):
            stream = strip(call.exprs[at])
            passed = any(isinstance(x, Name) and x.ref == "param" and x.name in fn.params
                         for i, e in enumerate(call.exprs) if i != at for x in walk(e))
            if isinstance(stream, Name) and stream.name in STREAMS and passed:
                return stream.name
            continue
        callee = graph.key_for(call.callee, fn.file) if not call.indirect else None
        if callee is not None and callee != key and (found := _written(graph, index, callee, writers, levels, depth - 1)):
            return found
    return ""


def streamed(site: LogSite, key: str, guards: tuple, model: Model, stream: Callable[[LogSite, str], str]) \
        -> dict[str, str]:
    """Mode -> the stream the entry process writes the site's message to when the program runs
    in that mode (its guards hold there, the entry runs its function there, Model.mode_view,
    and the log function writes to a stream: stream_modes)."""
    out = {}
    entry = {p.name for p in model.procs if p.start == "main"}
    fn = model.graph.functions.get(key)
    for mode in model.modes:
        to = stream(site, mode)
        if not to or fn is None:
            continue
        if (Requirement.all_of(guard_requirement(g, model.guard_filter.index, fn) for g in guards)
                & Requirement.atom(mode)).is_false:
            continue  # its guards rule the mode out (main's code after `if (-t) { ...; exit(0); }`)
        view, state = model.mode_view(mode)
        if entry & set(message_processes(site.call.line, key, model.procs, view, guards, state=state)):
            out[mode] = to
    return out


def streamed_answers(requirements: Mapping[SiteKey, RequirementAnswer], processes: Mapping[SiteKey, ProcessAnswer]) \
        -> dict[SiteKey, RequirementAnswer]:
    """The requirements without a `logged_only_if` that a mode's stream write contradicts: the
    log function writes nothing to syslog under -t, but the message is written (to stderr,
    facility_with `-t: stderr`), so `--with -t` keeps it."""
    out = dict(requirements)
    for key, answer in requirements.items():
        found = processes.get(key)
        if answer.logged_only_if is None or found is None:
            continue
        modes = {option for option, to in found.facility_with if to in STREAMS}
        if modes and {a.name for a in answer.logged_only_if.atoms()} <= modes:
            texts = tuple((t, replace(a, logged_only_if=None)) for t, a in answer.texts)
            out[key] = replace(answer, logged_only_if=None, texts=texts)
    return out
