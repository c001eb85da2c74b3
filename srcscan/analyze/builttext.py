"""Messages whose text a function assembles from its arguments: one text per caller's call.

dnsmasq's query log is one function writing `"%s %s%s%s %s%s"` from variables that its
flag argument chooses (cache.c, log_query):

    char *verb = "is";
    if (flags & F_CONFIG) source = "config";
    else if (flags & F_UPSTREAM) source = "reply";
    else if (flags & F_SERVER) { source = "forwarded"; verb = "to"; }
    ...
    my_syslog(LOG_INFO, "%s %s%s%s %s%s", source, name, gap, verb, dest, extra);

`log_query(F_UPSTREAM, name, &addr, NULL, 0)` makes the line `reply <name> is <address>`
and `log_query(F_SERVER | F_IPV4 | F_FORWARD, ...)` makes `forwarded <name> to <server>`:
what a user reads. For a function the rules name in `text_builders`, each direct call is
followed through the function's assignments (FunctionFacts.local_writes) with the call's
arguments put in for the parameters: a test of a parameter's bits decided by the constant
bits the caller passes is decided (`F_UPSTREAM & F_CONFIG` is false, `flag | F_CONFIG`
has F_CONFIG whatever `flag` holds); a test of a parameter that the call leaves open is
followed both ways (each way one text); any other test (`!name[0]`, run-time data) joins
its two sides (the variable is a hole when they differ). The message's own guards hold
where it is written (the plain form is the one without `--log-queries=extra`).

The message stays at the function's call of the log function (the line the daemon's
format comes from), once per distinct text. Pure: messages and facts in, messages out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Iterable

from srcscan.cexpr import Binary, CExpr, Cast, Cond, Const, Name, Unary, evaluate, render, strip, substitute, walk
from srcscan.formats.template import Hole, Template, merge_parts, render_printf
from srcscan.analyze.flagflow import Carriers, bit_absent, flag_carriers, local_values
from srcscan.model import CallSite, FunctionFacts, Guard, LocalWrite, LogSite, MessageText, Write

LIFT_DEPTH = 2  # callers followed up when a call passes its own caller's parameters on
MAX_PATHS = 48  # ways through the function for one call before tests are joined instead
HOLE = ("hole",)
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0", "r": "\r"}


def expand_built_text(texts: list[tuple[LogSite, MessageText]], functions: Iterable[FunctionFacts],
                      builders: tuple[str, ...], writes: Iterable[Write] = ()) -> list[tuple[LogSite, MessageText]]:
    """(site, text) pairs with each text of a site in a `builders` function replaced by one
    text per distinct text its callers' calls select (module docstring), each with those
    calls' keys (MessageText.producers: the requirements analysis narrows the text's answer to
    what they need); unchanged without callers. `writes` (extract.writes' records) tell which
    flag macros reach values only through calls (flagflow): a caller's unknown part (a local,
    a parameter no call fills with the bit) does not hold such a bit."""
    if not builders:
        return texts
    functions = list(functions)
    writes = tuple(writes)
    carriers = (flag_carriers(functions, writes) if writes else {}, {f.name: f for f in functions},
                frozenset(c.callee for f in functions for c in f.calls if not c.indirect), local_values(writes))
    by_key = {(f.file, f.name): f for f in functions if f.name in builders}
    callers: dict[str, list[tuple[FunctionFacts, CallSite]]] = defaultdict(list)
    for fn in functions:
        for call in fn.calls:
            if not call.indirect and call.callee in builders:
                callers[call.callee].append((fn, call))
    out: list[tuple[LogSite, MessageText]] = []
    for site, m in texts:
        fn = by_key.get((site.call.file, site.call.function))
        if fn is None or m.template.dynamic or site.extracted != "parse":
            out.append((site, m))
            continue
        templates: dict[Template, list] = {}  # text -> the calls selecting it, in order
        for caller, call in callers[fn.name]:
            if fn.static and caller.file != fn.file:
                continue
            for exprs, owner in _arguments(call, caller, functions, LIFT_DEPTH):
                for t in texts_at(m.template, site.call, fn, replace(call, exprs=exprs), (owner, carriers)):
                    producers = templates.setdefault(t, [])
                    if call.key not in producers:
                        producers.append(call.key)
        if not templates:
            out.append((site, m))
            continue
        out.extend((site, replace(m, template=t, format=render_printf(t), producers=tuple(calls)))
                   for t, calls in templates.items())
    return out


_DIRECT: list[tuple[list[FunctionFacts], dict[str, list[tuple[FunctionFacts, CallSite]]]]] = []


def _direct_calls(functions: list[FunctionFacts]) -> dict[str, list[tuple[FunctionFacts, CallSite]]]:
    """callee name -> (caller, call) of each direct call in `functions`, in their order: built
    once per list of functions, not once per question (_arguments asked it for every call
    site of a helper passing its parameters on)."""
    if not _DIRECT or _DIRECT[0][0] is not functions:
        calls: dict[str, list[tuple[FunctionFacts, CallSite]]] = {}
        for g in functions:
            for c in g.calls:
                if not c.indirect:
                    calls.setdefault(c.callee, []).append((g, c))
        _DIRECT[:] = [(functions, calls)]
    return _DIRECT[0][1]


def _arguments(call: CallSite, caller: FunctionFacts, functions: list[FunctionFacts], depth: int):
    """The call's arguments; where they use the caller's own parameters (a helper such as
    `log_query_mysockaddr(flags, ...)` passing `flags | F_IPV4` on), once per call of the
    caller with its arguments put in, up to `depth` callers up."""
    params = set(caller.params)
    uses = any(isinstance(x, Name) and x.ref == "param" and x.name in params for e in call.exprs for x in walk(e))
    if not uses or depth == 0:
        yield call.exprs, caller
        return
    ups = [(g, c) for g, c in _direct_calls(functions).get(caller.name, ())
           if (not caller.static or g.file == caller.file) and len(c.exprs) == len(caller.params)]
    if not ups or len(ups) > MAX_PATHS:
        yield call.exprs, caller
        return
    for g, c in ups:
        for outer, owner in _arguments(c, g, functions, depth - 1):
            values = dict(zip(caller.params, outer))
            yield tuple(substitute(e, values) for e in call.exprs), owner


def texts_at(template: Template, site: CallSite, fn: FunctionFacts, call: CallSite,
             flags: tuple[FunctionFacts | None, tuple] = (None, ({}, {}))) -> list[Template]:
    """The texts `template` (of the log call `site` in fn) takes when fn is called by `call`;
    `flags`: the function whose names the call's arguments use, and (flagflow's carriers, the
    functions by name, the names some direct call calls)."""
    if len(call.exprs) != len(fn.params) or not fn.params:
        return []
    run = _Run(fn, dict(zip(fn.params, call.exprs)), flags)
    decided: dict[str, bool] = {}
    for g in site.guards:
        if g.expr is not None and g.kind not in ("case", "default", "loop"):
            holds, _ = run.truth(g.expr, {})
            if holds is not None and holds == g.negated:
                return []  # the call cannot reach this log call (F_NOEXTRA given, the form without it)
            run.assume(decided, g.expr, not g.negated)
    writes = sorted((w for w in fn.local_writes if (w.line, w.col) < (site.line, site.col)), key=lambda w: (w.line, w.col))
    envs = run.paths(writes, decided, join_all=False)
    if envs is None:
        envs = run.paths(writes, decided, join_all=True) or []
    out = []
    for env in envs:
        parts: list[str | Hole] = []
        for part in template.parts:
            value = run.value_of_name(part.arg, env) if isinstance(part, Hole) and part.spec == "%s" and part.arg else HOLE
            parts.append(value[1] if value[0] == "lit" else part)
        t = Template(merge_parts(parts))
        if t not in out:
            out.append(t)
    return out


class _Run:
    """One call of fn: its parameters bound to the caller's arguments."""

    def __init__(self, fn: FunctionFacts, bound: dict[str, CExpr],
                 flags: tuple[FunctionFacts | None, tuple] = (None, ({}, {}))) -> None:
        self.fn, self.bound = fn, bound
        self.owner, self.carriers = flags

    # ------------------------------------------------------------------ values

    def value_of_name(self, name: str, env: dict[str, tuple]) -> tuple:
        if name in env:
            return env[name]
        if name in self.bound:
            return _constant_text(self.bound[name])
        return HOLE

    def value(self, e: CExpr, env: dict[str, tuple], decided: dict[str, bool]) -> tuple:
        e = strip(e)
        if isinstance(e, Const):
            return _constant_text(e)
        if isinstance(e, Name) and e.ref in ("var", "param"):
            return self.value_of_name(e.name, env)
        if isinstance(e, Cond):
            test, _ = self.truth(e.test, decided)
            if test is not None:
                return self.value(e.yes if test else e.no, env, decided)
            yes, no = self.value(e.yes, env, decided), self.value(e.no, env, decided)
            return yes if yes == no else HOLE
        return HOLE

    # ------------------------------------------------------------------ tests

    def assume(self, decided: dict[str, bool], e: CExpr, holds: bool) -> None:
        """Record that `e` (over fn's parameters) holds / does not."""
        e = strip(e)
        if isinstance(e, Unary) and e.op == "!":
            self.assume(decided, e.operand, not holds)
        elif isinstance(e, Binary) and e.op == ("&&" if holds else "||"):
            self.assume(decided, e.left, holds)
            self.assume(decided, e.right, holds)
        else:
            decided[render(substitute(e, self.bound))] = holds

    def truth(self, e: CExpr, decided: dict[str, bool]) -> tuple[bool | None, list[tuple[str, bool]]]:
        """Whether `e` holds, and the undecided tests it waits on: (key, follow both ways)."""
        e = strip(e)
        if isinstance(e, Unary) and e.op == "!":
            value, open_ = self.truth(e.operand, decided)
            return (None if value is None else not value), open_
        if isinstance(e, Binary) and e.op in ("&&", "||"):
            short = e.op == "||"
            left, lo = self.truth(e.left, decided)
            if left is not None and left == short:
                return left, []
            right, ro = self.truth(e.right, decided)
            if right is not None and right == short:
                return right, []
            if left is None or right is None:
                return None, lo + ro
            return right, []
        given = substitute(e, self.bound)
        key = render(given)
        if key in decided:
            return decided[key], []
        value = _bits_truth(given)
        if value is None and self.owner is not None and bit_absent(given, self.owner, *self.carriers):
            value = False  # a flag the caller's values cannot hold (flagflow)
        if value is not None:
            return value, []
        return None, [(key, self._on_parameter(e))]

    def _on_parameter(self, e: CExpr) -> bool:
        """A test of a parameter itself, or of it against a constant (`flags & F_X`,
        `type > 0`, `!name`): one a caller decides, followed both ways when it does not."""
        if isinstance(e, Binary) and e.op in ("&", "==", "!=", "<", ">", "<=", ">="):
            sides = [strip(e.left), strip(e.right)]
            if any(evaluate(s) is not None for s in sides):
                e = next(s for s in sides if evaluate(s) is None)
        return isinstance(e, Name) and e.ref == "param" and e.name in self.fn.params

    def guards_truth(self, guards: tuple[Guard, ...], decided: dict[str, bool]) -> tuple[bool | None, list]:
        waiting: list[tuple[str, bool]] = []
        for g in guards:
            if g.expr is None or g.kind in ("case", "default", "loop"):
                waiting.append(("", False))  # a loop body or a switch label: may or may not run
                continue
            value, open_ = self.truth(g.expr, decided)
            if value is not None and value == g.negated:
                return False, []
            waiting.extend(open_)
        return (True, []) if not waiting else (None, waiting)

    # ------------------------------------------------------------------ paths

    def paths(self, writes: list[LocalWrite], decided: dict[str, bool], join_all: bool) -> list[dict] | None:
        """The variables' values at the end of `writes`, one dict per way through them;
        None when there are more than MAX_PATHS ways."""
        done: list[dict] = []
        stack = [(0, {}, decided)]
        while stack:
            i, env, known = stack.pop()
            while i < len(writes):
                w = writes[i]
                holds, waiting = self.guards_truth(w.guards, known)
                follow = next((key for key, both in waiting if both), None) if holds is None and not join_all else None
                if follow is not None:
                    if len(done) + len(stack) >= MAX_PATHS:
                        return None
                    stack.append((i, env, {**known, follow: False}))
                    known = {**known, follow: True}
                    continue
                if holds is False:
                    i += 1
                    continue
                value = self.value(w.value, env, known)
                if holds is None and self.value_of_name(w.variable, env) != value:
                    value = HOLE
                env = {**env, w.variable: value}
                i += 1
            done.append(env)
        return done


def _constant_text(e: CExpr) -> tuple:
    e = strip(e)
    if isinstance(e, Const) and e.value is None:
        pieces = _LITERAL.findall(e.text)
        if pieces:
            return ("lit", "".join(re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), p) for p in pieces))
    return HOLE


def _known_ones(e: CExpr) -> int:
    """Bits certainly set in `e`, whatever its unknown parts hold (`flag | F_CONFIG`)."""
    e = strip(e)
    value = evaluate(e)
    if value is not None:
        return value
    if isinstance(e, Cast):
        return _known_ones(e.operand)
    if isinstance(e, Binary) and e.op == "|":
        return _known_ones(e.left) | _known_ones(e.right)
    if isinstance(e, Binary) and e.op == "&":
        left, right = evaluate(e.left), evaluate(e.right)
        if right is not None:
            return _known_ones(e.left) & right
        if left is not None:
            return left & _known_ones(e.right)
        return _known_ones(e.left) & _known_ones(e.right)
    if isinstance(e, Cond):
        return _known_ones(e.yes) & _known_ones(e.no)
    return 0


def _bits_truth(e: CExpr) -> bool | None:
    """A test decided by constants or by bits a value certainly has (`(flag | F_X) & F_X`)."""
    value = evaluate(e)
    if value is not None:
        return bool(value)
    e = strip(e)
    if isinstance(e, Binary) and e.op == "&":
        for value_side, mask_side in ((e.left, e.right), (e.right, e.left)):
            mask = evaluate(mask_side)
            if mask is not None and _known_ones(value_side) & mask:
                return True
    return None
