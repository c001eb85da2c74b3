"""Conditions that travel with arguments: a log function's own guards on its parameters
(and its early returns under an option) become conditions at each call site, with the
caller's arguments put in, up the call chain.

`conf_write(FILE *fp, ...)` writes to a file when given one and to syslog only when `fp` is
NULL (keepalived's configuration dumps): at `conf_write(fp, "...")` in `dump_x(FILE *fp)`
the message needs `!fp` of dump_x's parameter; `dump_x(NULL)` under `-d` makes it `-d`;
`fp = open(); if (!fp) return; dump_x(fp);` makes it false on that path (fp && !fp).

Conditions are Requirements whose atoms are option atoms and runtime tests (Atom.test, the C
expression; named `?<function key>:<text>`). A runtime test not on a parameter is quantified
away (Requirement.exists) as soon as it can no longer meet its negation, so formulas stay small.
Facts in (FunctionFacts, the call graph, the option index), formulas out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.cexpr import Binary, Call, CExpr, Cond, Const, Name, Other, Unary, evaluate, render, strip, substitute, walk
from srcscan.model import CallSite, FunctionFacts, Guard
from srcscan.requirement import Atom, Requirement
from srcscan.analyze.inherited import keyword_requirement, stored_requirement
from srcscan.analyze.contexts import loaded_across
from srcscan.analyze.lastwrite import choice_at_line
from srcscan.analyze.localflow import entry_form
from srcscan.analyze.guardtext import split
from srcscan.analyze.keywordblocks import within_blocks
from srcscan.analyze.keywordobjects import site_objects
from srcscan.analyze.keyindex import other_entry
from srcscan.analyze.fillvalues import entry_field_test
from srcscan.analyze.nonempty import empty_test, nonempty_field_test
from srcscan.analyze.optiontests import guard_requirement, mandatory_guard, option_test, stored_after_loop, truth_difference
from srcscan.analyze.pointertables import row_guards

MAX_DEPTH = 8  # callers followed up from a site before a parameter's test counts as runtime
BUDGET = 300  # reaching() calls per site


def condition(e: CExpr, index, fn: FunctionFacts, line: int = 0, complement: bool = False,
              open_params: bool = False, holds: bool | None = None) -> Requirement:
    """C condition -> formula: constants folded, option tests as option atoms (the index's
    reading of them), anything else a runtime test of `fn`. A test at `line` of a variable
    assigned in `fn` before it is named with that assignment's line: `len < 0` after
    `len = recvmsg(..., MSG_PEEK)` and `len < 0` after the second `len = recvmsg(...)` are two
    tests, not one (keepalived's netlink_parse_info). With `complement`, a runtime test `a != b`
    is the negation of the atom of `a == b` (site_condition). With `open_params`, a parameter
    tested for itself that several direct calls fill (and nothing else calls the function) stays
    a test of the parameter, which the call-path walk decides per caller (Conditions.reaching):
    lighttpd's mod_authn_file_htpasswd_get(auth_fn, ...) `if (!auth_fn) return -1;` is given
    the plain backend's userfile by one caller and the htpasswd backend's by another, and each
    path needs its own key, not either. `holds`: whether `e` must hold (True) or fail (False) for
    the code, when known (site_condition): a key index test `cpv->k_id != 3` that holds needs one
    of the table's other keys (keyindex.other_entry)."""
    e = strip(e)
    if isinstance(e, Other) and (chain := split(e.text, fn.params)) is not None:
        e = chain  # a chain of tests clang kept as text for a part it could not type (guardtext)
    value = evaluate(e)
    if value is not None:
        return Requirement.TRUE if value else Requirement.FALSE
    if (nonempty := empty_test(e, index)) is not None and nonempty_field_test(nonempty, index, fn, guard_requirement) is not None:
        return ~condition(nonempty, index, fn, line, complement, open_params, None if holds is None else not holds)
    if (entry := entry_field_test(e, index, fn, guard_requirement)) is not None \
            or (entry := nonempty_field_test(e, index, fn, guard_requirement)) is not None:
        # `!rec->issrv` in a walk: holds only for an entry a store giving 0 added (fillvalues);
        # `strlen(serv->domain) != 0`: only once a store of a non-empty string ran (nonempty)
        return entry & Requirement.atom(Atom(f"?{fn.key}:{render(e)}{_versions(e, index, fn, line)}", test=e))
    if isinstance(e, Unary) and e.op == "!":
        return ~condition(e.operand, index, fn, line, complement, open_params, None if holds is None else not holds)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        left = condition(e.left, index, fn, line, complement, open_params, holds)
        right = condition(e.right, index, fn, line, complement, open_params, holds)
        return left & right if e.op == "&&" else left | right
    if (pair := truth_difference(e)) is not None:
        # `!!old->ns != !!new->ns`: one of the two is set, and whether the other is is of the run
        # (two loads of the configuration: one key can be given in one and not in the other)
        either = condition(pair[0], index, fn, line, complement, open_params) \
            | condition(pair[1], index, fn, line, complement, open_params)
        return either & Requirement.atom(Atom(f"?{fn.key}:{render(e)}{_versions(e, index, fn, line)}", test=e))
    if holds and (other := other_entry(e, index, fn, line)) is not None:
        return other & condition(e, index, fn, line, complement, open_params)
    if open_params and isinstance(e, Name) and e.ref == "param" and _filled_directly(e.name, index, fn):
        return Requirement.atom(Atom(f"?{fn.key}:{render(e)}", test=e))
    flow = getattr(index, "flow", {}).get((fn.file, fn.name)) if line else None
    if flow and (again := entry_form(e, fn, line, flow)) is not None:
        # a parameter assigned before the test, or a local given only constants: over the
        # parameters' values on entry (analyze.localflow), which the callers' arguments decide
        return condition(again, index, fn, open_params=open_params)
    if line and (choice := choice_at_line(e, index, fn, line)) is not None:
        e = choice  # a local holding one of two fields (`s = up ? rs->notify_up : rs->notify_down`)
    if isinstance(e, Cond):  # `c ? a : b` as a truth value: (c && a) || (!c && b)
        test = condition(e.test, index, fn, line, complement, open_params)
        return (test & condition(e.yes, index, fn, line, complement, open_params, holds)) \
            | (~test & condition(e.no, index, fn, line, complement, open_params, holds))
    found = option_test(e, index, fn, line=line) if not (line and stored_after_loop(e, index, fn, line)) else None
    if found is not None:
        return found
    if complement and isinstance(e, Binary) and e.op == "!=":
        e = Binary("==", e.left, e.right)
        return ~Requirement.atom(Atom(f"?{fn.key}:{render(e)}{_versions(e, index, fn, line)}", test=e))
    return Requirement.atom(Atom(f"?{fn.key}:{render(e)}{_versions(e, index, fn, line)}", test=e))


def _filled_directly(name: str, index, fn: FunctionFacts) -> bool:
    """Whether every call of `fn` is a direct one passing parameter `name` (so that the call-path
    walk reads each caller's argument), and there are several such calls."""
    graph = getattr(index, "graph", None)
    if graph is None or fn.key not in graph.graph or name not in fn.params:
        return False
    position = fn.params.index(name)
    edges = list(graph.graph.in_edges(fn.key, data=True))
    return len(edges) > 1 and all(data["kind"] == "direct" and data.get("call") is not None
                                  and position < len(data["call"].exprs) for _, _, data in edges)


def _versions(e: CExpr, index, fn: FunctionFacts, line: int) -> str:
    """`@len:1312`: the last line of `fn`, up to `line`, assigning each variable `e` reads
    (parameters aside: their tests are followed up the call chain by their name)."""
    assigned = getattr(index, "assigned", None)
    if not line or not assigned:
        return ""
    lines = assigned.get(fn.file, {})
    parts = []
    for name in sorted({x.name for x in walk(e) if isinstance(x, Name) and x.ref == "var"}):
        written = [n for n in lines.get(name, ()) if fn.line <= n <= line]
        if written:
            parts.append(f"@{name}:{max(written)}")
    return "".join(parts)


def site_condition(guard: Guard, index, fn: FunctionFacts) -> Requirement:
    """guard_condition for a site's own guards, read together: a runtime test `i != 0` is the
    negation of `i == 0`, one atom, so that `if (0 == i && !conf.ssl_enabled) continue; if (0 !=
    i) continue;` leaves only i == 0 with ssl.engine (lighttpd's TLS modules' socket loop).
    (Only here: the call-path analyses keep reading each test as written.)"""
    if guard.kind in ("case", "default") or guard.expr is None or mandatory_guard(guard, index, fn):
        return guard_condition(guard, index, fn)
    if (rows := row_guards(guard, index, fn)) is not None:  # `*children_term[i].pid_p > 0` (pointertables)
        return Requirement.any_of(site_condition(g, index, fn) for g in rows)
    c = condition(guard.expr, index, fn, guard.line, complement=True, open_params=True, holds=not guard.negated)
    c = ~c if guard.negated else c
    return within_blocks(c, guard.expr, index)


def guard_condition(guard: Guard, index, fn: FunctionFacts) -> Requirement:
    """What must hold for code under `guard` (switch labels: nothing, but for the cases of
    the command-line parser, which stand for their options). Kept per guard and function in
    the index's memo (a guard over many calls is read once; the index no longer changes once
    the sites are answered: requirements.answer_requirements)."""
    memo = ("condition", id(guard), fn.key)
    hit = index.memo.get(memo)
    if hit is not None and hit[0] is guard:
        return hit[1]
    found = _guard_condition(guard, index, fn)
    index.memo[memo] = (guard, found)  # the guard is kept: its id stays its own
    return found


def _guard_condition(guard: Guard, index, fn: FunctionFacts) -> Requirement:
    if guard.kind == "case":
        return index.option_case(guard, fn) or _case_test(guard, index, fn)
    if guard.expr is None or guard.kind in ("case", "default"):
        return Requirement.TRUE

    if mandatory_guard(guard, index, fn):
        return Requirement.TRUE  # keys the daemon does not run without (optiontests.mandatory)
    if (rows := row_guards(guard, index, fn)) is not None:  # `*children_term[i].pid_p > 0` (pointertables)
        return Requirement.any_of(_guard_condition(g, index, fn) for g in rows)
    c = condition(guard.expr, index, fn, guard.line)
    c = ~c if guard.negated else c
    return within_blocks(c, guard.expr, index)


def _case_test(guard: Guard, index, fn: FunctionFacts) -> Requirement:
    """A `case` of a switch on a parameter (`switch (family) case AF_INET6:` in lighttpd's
    sock_addr_from_str_hints), read as `family == 10 || ...`: its callers' arguments decide
    it, as they decide an `if`. So is a case of a switch on a value the rules say is parsed
    out of keys' strings (analyze.parsedvalues). TRUE for any other case."""
    e = strip(guard.expr) if guard.expr is not None else None
    if not isinstance(e, Name) or not guard.labels or not all(isinstance(x, int) for x in guard.labels):
        return Requirement.TRUE
    parsed = any(p.variable == e.name for p in getattr(index, "parsed", ()))
    if not (e.ref == "param" and e.name in fn.params) and not (e.ref == "var" and parsed):
        return Requirement.TRUE
    tests = [Binary("==", e, Const(x, str(x))) for x in guard.labels]
    either = tests[0]
    for t in tests[1:]:
        either = Binary("||", either, t)
    return condition(either, index, fn)


def is_test(a: Atom) -> bool:
    return a.is_test


def param_test(a: Atom, fn: FunctionFacts) -> bool:
    """A runtime test of `fn` on one of its parameters' value: the parameter itself (`fp`,
    `!list`) or compared with a constant (`fp == NULL`, `level > 2`), also a string parameter
    compared with a literal (`0 == strcmp(str, "::")`, lighttpd's sock_addr_from_str_hints). A
    test of what a parameter points to (`r->http_status`) is runtime data, not followed up the
    chain."""
    if not (a.is_test and a.name.startswith(f"?{fn.key}:")):
        return False
    e = strip(a.test)
    if isinstance(e, Binary) and e.op in ("==", "!=", "<", ">", "<=", ">="):
        e = strip(e.left) if evaluate(e.right) is not None else strip(e.right) if evaluate(e.left) is not None else e
    if isinstance(e, Call) and e.callee == "strcmp" and len(e.args) == 2:
        literal = [x for x in map(strip, e.args) if isinstance(x, Const) and x.value is None and x.text.startswith('"')]
        e = next((strip(x) for x in e.args if strip(x) not in literal), e) if len(literal) == 1 else e
    return isinstance(e, Name) and e.ref == "param" and e.name in fn.params


def keep_params(r: Requirement, fn: FunctionFacts) -> Requirement:
    """`r` with every runtime test quantified away but those on fn's parameters."""
    return r.exists(lambda a: a.is_test and not param_test(a, fn))


def with_arguments(r: Requirement, callee: FunctionFacts, args: tuple[CExpr, ...], index,
                   caller: FunctionFacts, line: int = 0) -> Requirement:
    """`r`, a formula over callee's parameter tests, as the caller sees it: each test with
    the call's arguments put in, read again in the caller at the call's `line` (`!fp` with
    NULL is true)."""
    return translate(r, callee, args, index, caller, frozenset(), line)[0]


def translate(r: Requirement, callee: FunctionFacts, args: tuple[CExpr, ...], index, caller: FunctionFacts,
              tracked: frozenset[Atom], line: int = 0) -> tuple[Requirement, frozenset[Atom]]:
    """with_arguments, and what the `tracked` atoms became in the caller (the atoms of the
    log function's own condition, followed up the chain)."""
    values = {p: a for p, a in zip(callee.params, args)}
    mapping, followed = {}, set()
    for a in r.atoms():
        if param_test(a, callee):
            given = substitute(a.test, values)
            if all(not (isinstance(x, Name) and x.ref == "param" and x.name in callee.params
                        and x.name not in values) for x in walk(given)):
                mapping[a] = condition(given, index, caller, line)
                if a in tracked:
                    followed |= {b for b in mapping[a].atoms() if b.is_test}
    return (r.replace(mapping) if mapping else r), frozenset(followed)


@dataclass
class Conditions:
    """Works out, per call site, what its function's callers must give for it to log.

    `sink_of(key)` is a log function's own condition for logging, over its parameters and
    the options of its early returns; `reaching(key, P)` is what the options must be for
    some call path to function `key` to make P (over key's parameters) true."""

    graph: CallGraph
    index: object
    is_log_call: Callable[[FunctionFacts, CallSite], bool]
    inherited: dict[str, Requirement]
    budget: int = 0  # calls of reaching() left for the current site (answer_requirements sets it)
    objects: Mapping[str, Requirement] = field(default_factory=dict)  # struct -> what making one needs (keywordobjects)
    starts: frozenset[str] = frozenset()  # functions reached only from skipped branches (skippedcallers): no callers to walk
    _sinks: dict[str, Requirement] = field(default_factory=dict)
    _reach: dict[tuple, tuple[Requirement, tuple[str, ...]]] = field(default_factory=dict)
    _paths: dict[tuple, list[tuple[str, int, str, str]]] = field(default_factory=dict)
    _above: dict[tuple, list[tuple]] = field(default_factory=dict)  # memo -> the callers' memos reaching() walked
    _stores: dict[tuple[str, str], Requirement] = field(default_factory=dict)
    # note -> (function key, file, line): the call of that function a _callers() note is about
    # (a text's answer keeps it only when that call selects the text: callneeds.text_answers)
    path_notes: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    _active: list[tuple] = field(default_factory=list)  # reaching() memo keys being worked out, outermost first
    _lowest: int = MAX_DEPTH * BUDGET  # the outermost of them a cycle was cut at (none: larger than any)

    def sink_of(self, key: str | None, depth: int = 0) -> Requirement:
        """When function `key`, a log function, really logs: TRUE for one that always does
        (or that srcscan does not see)."""
        if key is None or depth > 4:
            return Requirement.TRUE
        if key in self._sinks:
            return self._sinks[key]
        self._sinks[key] = Requirement.TRUE  # a recursive log function: assume it logs
        fn = self.graph.functions.get(key)
        if fn is None:
            return Requirement.TRUE
        relays = [c for c in fn.calls if not c.indirect and self.is_log_call(fn, c)]
        if not relays:
            return Requirement.TRUE
        parts = []
        for call in relays:
            own = Requirement.all_of(self._sink_guard(g, fn) for g in call.guards)
            inner = self.sink_of(self.graph.key_for(call.callee, call.file), depth + 1)
            if not inner.is_true:
                inner = with_arguments(inner, self.graph.functions[self.graph.key_for(call.callee, call.file)],
                                       call.exprs, self.index, fn, call.line)
            parts.append(keep_params(own & inner, fn))
        result = Requirement.any_of(parts).simplified()
        self._sinks[key] = result
        return result

    def _sink_guard(self, guard: Guard, fn: FunctionFacts) -> Requirement:
        """A guard of a log function's relay call: its parameter tests always count; its
        option tests only in an early return (`if (debug & TEST) return;` drops every
        output, while `if (!no_syslog) vsyslog(...)` leaves the console and file ones)."""
        c = guard_condition(guard, self.index, fn)
        if guard.kind != "early-return":
            c = c.exists(lambda a: not a.is_test)
        return c

    def reaching(self, key: str, need: Requirement, depth: int = 0, stack: frozenset[str] = frozenset(),
                 sinkish: frozenset[Atom] = frozenset()) -> tuple[Requirement, tuple[str, ...]]:
        """The options under which some call path to `key` makes `need` hold (`need` is over
        key's parameter tests and options), and what srcscan could not decide on the way.
        `sinkish` are the tests that come from the log function's own condition (conf_write's
        `fp`): where a caller passes a value srcscan cannot know for one of them (`dump(f)`
        with f from fopen), that path is counted as not logging, and named; any other test
        of a value srcscan cannot know may hold."""
        fn = self.graph.functions.get(key)
        on_params = fn is not None and any(param_test(a, fn) for a in need.atoms())
        base = self.inherited.get(key, Requirement.TRUE)
        self.budget -= 1
        if on_params and self.budget < 0:
            return (need.exists(is_test) & base).simplified(), (f"too many call paths to {fn.name}() to follow",)
        if not on_params or key in self.graph.entry_points or key in self.starts:
            return (need.exists(is_test) & base).simplified(), ()
        memo = (key, need, sinkish)
        if memo in self._active:
            # Around a cycle with the same need (dump_vrrp -> dump_list -> (*l->dump) -> dump_vrrp,
            # keepalived 2.0's nested list dumps): that path reaches no entry point the other paths
            # to `key` do not, so it adds no alternative (the least fixed point). What is worked out
            # meanwhile depends on the unfinished `key` and is not kept (_lowest).
            self._lowest = min(self._lowest, self._active.index(memo))
            return Requirement.FALSE, ()
        if depth >= MAX_DEPTH or key in stack:
            return (need.exists(is_test) & base).simplified(), (f"call chain to {fn.name}() too deep or recursive",)
        if memo in self._reach:
            return self._reach[memo]
        position = len(self._active)
        self._active.append(memo)
        try:
            answer = self._callers(key, fn, need, depth, stack, sinkish, memo)
        finally:
            self._active.pop()
        if self._lowest >= position:  # no cut of an unfinished caller up the stack: complete
            self._lowest = MAX_DEPTH * BUDGET
            self._reach[memo] = answer
        return answer

    def _callers(self, key: str, fn: FunctionFacts, need: Requirement, depth: int, stack: frozenset[str],
                 sinkish: frozenset[Atom], memo: tuple) -> tuple[Requirement, tuple[str, ...]]:
        """reaching()'s walk over the calls to `key`, one alternative per call."""
        base = self.inherited.get(key, Requirement.TRUE)
        alternatives, unsure = [], []
        paths = self._paths.setdefault(memo, [])
        for caller, _, edge_key, data in self.graph.graph.in_edges(key, keys=True, data=True):
            if data["kind"] == "stored":
                continue
            caller_fn = self.graph.functions[caller]
            if (caller, key, edge_key) in self.index.default_parses:  # the daemon's own default parses
                paths.append((caller_fn.file, data["line"], caller_fn.name, "false"))
                continue
            call = data.get("call")
            if call is None:  # registered: passed to a function that calls it later
                through = self._through_parameter(caller_fn, data)
                if through is None and not sinkish:
                    found, why = self.reaching(caller, keep_params(need, caller_fn).simplified(), depth + 1,
                                               stack | {key})  # what it is called with is not known
                    alternatives.append(loaded_across(found, caller_fn.file, fn.file, self.index))
                    unsure.extend(why)
                    continue
                if through is None:
                    unsure.append(f"{caller_fn.file}:{data['line']} in {caller_fn.name}() hands {fn.name}() to "
                                  f"{data['via']}(), whose call of it srcscan does not see (counted as not logging)")
                    paths.append((caller_fn.file, data["line"], caller_fn.name, "false"))
                    continue
                caller_fn, call, data = through
            given, followed = translate(need, fn, self._arguments(call, data), self.index, caller_fn, sinkish, call.line)
            edge = Requirement.all_of(guard_condition(g, self.index, caller_fn) for g in call.guards)
            if data.get("kind") == "pointer" and data.get("via"):
                edge = edge & self._stored(key, data["via"])  # run only after being stored there
            # a configuration keyword's handler run through the parser's table: its keywords,
            # as inherited() reads them
            edge = edge & keyword_requirement(self.index, key, data)
            if self.objects:  # a call reading a field of an object only some blocks make
                made_in = self.graph.key_for(caller_fn.name, caller_fn.file) or caller_fn.key
                edge = edge & site_objects(call, made_in, self.objects, self.index.objects)[0]
            both = edge & given
            # what the caller passes for the log function's own test and srcscan cannot know:
            # counted as not logging there, and said (a variable passed as it is: `dump(f)`)
            unknown = {a for a in followed if not param_test(a, caller_fn) and isinstance(strip(a.test), Name)}
            sure = both.forall(lambda a: a in unknown)
            if unknown and sure.exists(is_test) != both.exists(is_test):
                texts = ", ".join(sorted(render(a.test) for a in unknown))
                unsure.append(f"{caller_fn.file}:{data['line']} in {caller_fn.name}() passes {texts}, "
                              f"which srcscan cannot know (counted as not logging)")
            caller = self.graph.key_for(caller_fn.name, caller_fn.file) or caller_fn.key
            upward = (caller, keep_params(sure, caller_fn).simplified(),
                      frozenset(a for a in followed if param_test(a, caller_fn)))
            around = upward in self._active  # a path around a cycle: no alternative, not listed
            found, why = self.reaching(upward[0], upward[1], depth + 1, stack | {key}, upward[2])
            # a caller in a module run only once loaded (mod_openssl.c), called from a shared file
            loaded = loaded_across(found, caller_fn.file, fn.file, self.index)
            if found.is_true and not loaded.is_true and (tests := self._run_tests(call, caller_fn)):
                note = (f"{caller_fn.file}:{data['line']} in {caller_fn.name}() calls {fn.name}() under tests of "
                        f"run data srcscan does not follow ({tests}); that path is shown with its module loaded "
                        f"alone, and options those tests need may be missing")
                unsure.append(note)
                self.path_notes[note] = (key, caller_fn.file, data["line"])
            found = loaded
            alternatives.append(found)
            unsure.extend(why)
            if not around:
                paths.append((caller_fn.file, data["line"], caller_fn.name, str(found)))
                self._above.setdefault(memo, []).append(upward)
        if alternatives:
            # a function the rules select by a key's value runs only with it, whoever calls it
            # (mod_auth_check_basic for auth.require=basic, called through `scheme->checkfn`)
            result = (Requirement.any_of(alternatives) & getattr(self.index, "selected", {}).get(key, Requirement.TRUE)).simplified()
        else:
            result = (need.exists(is_test) & base).simplified()
        return result, tuple(dict.fromkeys(unsure))

    def _run_tests(self, call: CallSite, caller: FunctionFacts) -> str:
        """The C text of the first three tests of run data (runtime tests on no parameter) among
        the guards of `call` in `caller` (mod_openssl_refresh_ech_keys_ctx's early return
        `NULL == s->ech_keydir`), joined; empty when there are none."""
        tests = sorted({render(a.test) for g in call.guards for a in guard_condition(g, self.index, caller).atoms()
                        if a.is_test and not param_test(a, caller)})
        return ", ".join(f"`{t}`" for t in tests[:3]) + (", ..." if len(tests) > 3 else "")

    def _arguments(self, call: CallSite, data: dict) -> tuple[CExpr, ...]:
        """What the call of an edge passes to the function it runs. A call through a parameter's
        field resolved at each call of its function (callgraph: the edge starts at
        `dump_list(fp, data->vrrp)` in dump_vrrp_data) passes what the call through the field
        passes (`(*l->dump)(fp, e->data)`), with that call's arguments put in for the function's
        parameters: `fp` of dump_vrrp_data, and dump_list's local `e->data`."""
        if data.get("kind") != "pointer" or call.indirect or not data.get("via"):
            return call.exprs
        key = self.graph.key_for(call.callee, call.file)
        holder = self.graph.functions.get(key) if key else None
        inner = [c for c in holder.calls if c.indirect and c.callee == data["via"]] if holder else []
        if len(inner) != 1:
            return call.exprs
        values = dict(zip(holder.params, call.exprs))
        return tuple(substitute(e, values) for e in inner[0].exprs)

    def _stored(self, key: str, via: str) -> Requirement:
        """What storing function `key` in field `via` needs (requirements.stored_requirement)."""
        found = self._stores.get((key, via))
        if found is None:
            found = self._stores[(key, via)] = stored_requirement(self.graph, self.index, self.inherited, key, via)
        return found

    def _through_parameter(self, registrar: FunctionFacts, data: dict):
        """A function handed to `data["via"]` (`save_config(false, "vrrp", dump_data_vrrp)`)
        is called by it through a parameter (`(*func)(file)`): that call, in that function,
        with its arguments and guards; None when there is not exactly one such call."""
        key = self.graph.key_for(data["via"], registrar.file)
        helper = self.graph.functions.get(key) if key else None
        if helper is None:
            return None
        calls = [c for c in helper.calls if c.indirect == "parameter" and c.callee in helper.params]
        if len(calls) != 1:
            return None
        return helper, calls[0], {"line": calls[0].line}

    def callers_deciding(self, key: str, need: Requirement,
                         sinkish: frozenset[Atom] = frozenset()) -> tuple[tuple[str, int, str, str], ...]:
        """After reaching(key, need, sinkish=...): each call to `key` with what that path
        needs (file, line, caller, requirement text; "false": it never logs)."""
        return tuple(sorted(set(self._paths.get((key, need, sinkish), ()))))

    def deciding_tree(self, key: str, need: Requirement,
                      sinkish: frozenset[Atom] = frozenset()) -> frozenset[tuple[str, int]]:
        """After reaching(key, need, sinkish=...): the calls (file, line), at any depth up the
        call chains it walked, on which the path never logs ("false"; keepalived's
        print_parent_data() -> dump_global_data(fp) with an opened fp, two calls above
        write_fifo_details()'s conf_write()). A call also walked with another need that may
        log is left out. Empty without `sinkish`: only the log function's own test (conf_write's
        `fp`) is followed so (an event code's case, a parameter guard: their own derivations say why)."""
        if not sinkish:
            return frozenset()
        needs: dict[tuple[str, int], set[str]] = {}
        seen, todo = set(), [(key, need, sinkish)]
        while todo:
            memo = todo.pop()
            if memo in seen:
                continue
            seen.add(memo)
            for file, line, _, found in self._paths.get(memo, ()):
                needs.setdefault((file, line), set()).add(found)
            todo.extend(self._above.get(memo, ()))
        return frozenset(call for call, found in needs.items() if found == {"false"})
