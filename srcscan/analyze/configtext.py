"""Messages the configuration reader writes for a line of a particular form.

A daemon reading its configuration file (the rules' `[config] readers`: keepalived's
init_data()) logs while it reads; some of those messages are written only for a line or value
of a given form (keepalived's `Invalid ~SEQ definition`, read_line() calling add_seq() only
under `!strncmp(buf, "~SEQ", 4)`; read_int_func()'s `invalid number` under `*endptr`),
which no option or keyword names. Their requirement is empty ("appears by default") although
an empty configuration never logs them: `config_text_notes` says so in `uncertain`, naming the
test of the text (file:line). A message for any line (keepalived's `Unknown keyword`, under a
failed table lookup) keeps its plain answer.

Facts in (the call graph with each edge's guards as typed C expressions, the sites' answers),
SiteKey -> RequirementAnswer out; no parser node is read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import Binary, Call, Const, Index, Name, Unary, strip
from srcscan.model import CallSite, Guard, RequirementAnswer, SiteKey

MAX_TESTS = 3  # tests of the text named in one note
POINTER_KINDS = frozenset({"registered", "stored", "pointer"})


def config_text_notes(answers: Mapping[SiteKey, RequirementAnswer], sites: Iterable[tuple[CallSite, str]],
                      graph: CallGraph, readers: Iterable[str], compares: Iterable[str],
                      getopt_calls: Iterable[str] = ()) -> dict[SiteKey, RequirementAnswer]:
    """SiteKey -> its answer with a note in `uncertain`, for each site of `sites` ((call, its
    function's graph key)) whose answer needs nothing (Requirement TRUE) and which runs below a
    function named in `readers` (not in the reader itself) only for text of some form: a test
    of the text in its own guards, or on every call reaching its function from the reader's
    code (`text_test`; `compares`: functions comparing strings, zero when equal, as strcmp),
    or a function the reader's code calls only through a pointer (keepalived's null_strvec(),
    the handler strvec_slot() calls for a missing word): the test deciding that call is not
    read. A function also run without the reader only by the command-line parser (a function
    calling one of `getopt_calls`, not an entry point: a number parser given an option's value
    too) says so, with its own tests; one run by other code too is left as it is: its text may
    be the program's own (keepalived's fopen_safe() testing `mode[0] == 'w'`; read_unsigned_func(),
    also run by lib/utils.c's address parsing)."""
    compares = frozenset(compares)
    names = frozenset(readers)
    roots = frozenset(k for k, fn in graph.functions.items() if fn.name in names)
    if not roots:
        return {}
    outside = _reachable(graph, graph.entry_points, roots, names, nulls=True)
    getopt = frozenset(getopt_calls)
    parsers = frozenset(k for k, fn in graph.functions.items() if k not in graph.entry_points
                        and any(c.callee in getopt for c in fn.calls))
    # run by neither (not by a call that passes NULL to the parameter its way on tests)
    others = _reachable(graph, graph.entry_points, roots | parsers, names, nulls=True)
    handed = [n for _, n, d in graph.graph.edges(data=True) if d.get("via") in names]
    below = _reachable(graph, list(roots) + handed, frozenset(), frozenset()) - roots - others
    options = " or ".join(sorted(f"{graph.functions[k].name}()" for k in parsers))
    edge_tests = _edge_tests(graph, roots, below, compares)
    out: dict[SiteKey, RequirementAnswer] = {}
    for call, key in sites:
        answer = answers.get(call.key)
        if answer is None or key not in below or not _empty(answer):
            continue
        note = (_note(call, key, graph, roots, edge_tests, compares) if key not in outside
                else _option_note(call, key, graph, roots, options, compares))
        if note:
            out[call.key] = replace(answer, uncertain=answer.uncertain + (note,), texts=tuple(
                (t, replace(a, uncertain=a.uncertain + (note,)) if _empty(a) else a) for t, a in answer.texts))
    return out


def _reachable(graph: CallGraph, starts: Iterable[str], stop: frozenset[str], via: frozenset[str],
               nulls: bool = False) -> set[str]:
    """Functions reachable from `starts` without entering one of `stop` nor taking an edge
    handed over through a function named in `via` (keepalived's start_vrrp() registering
    vrrp_init_keywords() "via init_data": what the reader runs). With `nulls`, a function
    entered by a direct call passing a constant 0 (NULL) to a parameter does not take, on that
    entry, the calls it makes only while that parameter is set (keepalived's init_global_data()
    calling `inet_stosockaddr(INADDR_VRRP_GROUP, NULL, ...)`, whose read_unsigned(port, ...)
    runs under `if (port)`)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(s, frozenset()) for s in starts if s in graph.graph and s not in stop]
    while todo:
        key, zero = todo.pop()
        if (key, zero) in seen:
            continue
        seen.add((key, zero))
        for _, n, d in graph.graph.out_edges(key, data=True):
            if n in stop or d.get("via") in via or (zero and _needs_set(d.get("guards", ()), zero)):
                continue
            entry = _zero_params(d, graph.functions.get(n)) if nulls else frozenset()
            if (n, entry) not in seen:
                todo.append((n, entry))
    return {key for key, _ in seen}


def _zero_params(edge: Mapping, callee) -> frozenset[str]:
    """The parameters of `callee` a direct call's edge passes a constant 0 (NULL) to, and
    `callee` assigns nothing (FunctionFacts.local_writes)."""
    call = edge.get("call")
    if edge.get("kind") != "direct" or call is None or callee is None or callee.variadic \
            or len(call.exprs) != len(callee.params):
        return frozenset()
    changed = {w.variable for w in callee.local_writes}  # `if (!port) port = "80";`: not the argument
    return frozenset(p for p, a in zip(callee.params, call.exprs)
                     if a is not None and p not in changed and integer_of(a) == 0)


def _needs_set(guards: Iterable[Guard], zero: frozenset[str]) -> bool:
    """Whether one of `guards` holds only while a parameter of `zero` is non-zero (`if (port)`,
    `port != NULL`, after `if (!port) return;`)."""
    for g in guards:
        if g.expr is None or g.kind not in ("if", "else", "and", "early-return", "ternary"):
            continue
        e, want = strip(g.expr), not g.negated
        while isinstance(e, Unary) and e.op == "!":
            e, want = strip(e.operand), not want
        if isinstance(e, Binary) and e.op in ("!=", "==") and integer_of(e.right) == 0:
            e, want = strip(e.left), want == (e.op == "!=")
        if want and isinstance(e, Name) and e.ref == "param" and e.name in zero:
            return True
    return False


def _empty(answer: RequirementAnswer) -> bool:
    return answer.requirement.is_true


def _note(call: CallSite, key: str, graph: CallGraph, roots: frozenset[str],
          edge_tests: Mapping[str, tuple[str, ...]], compares: frozenset[str]) -> str:
    reader = " or ".join(sorted(f"{graph.functions[r].name}()" for r in roots))
    own = [f"`{t}` ({call.file}:{g.line})" for g in call.guards if (t := text_test(g, compares))]
    pointer = _pointer_only(key, graph)
    if pointer is not None:
        caller, data = pointer
        fn = graph.functions[caller]
        tests = f" (and its own tests {'; '.join(own[:MAX_TESTS])})" if own else ""
        return (f"logged only while {reader} reads the configuration, when the code it is handed to by a "
                f"pointer ({fn.name}() at {fn.file}:{data.get('line')}) calls {graph.functions[key].name}()"
                f"{tests}: srcscan does not read the test of the text deciding that call; no option or keyword "
                f"names the form of text it needs")
    tests = list(edge_tests.get(key, ())) + own
    if tests:
        return (f"logged only while {reader} reads the configuration, for text of the form its tests read: "
                f"{'; '.join(tests[:MAX_TESTS])}: no option or keyword names that form")
    return ""


def _option_note(call: CallSite, key: str, graph: CallGraph, roots: frozenset[str], options: str,
                 compares: frozenset[str]) -> str:
    """The note of a site the command-line parser runs too: its own tests of the text only."""
    reader = " or ".join(sorted(f"{graph.functions[r].name}()" for r in roots))
    own = [f"`{t}` ({call.file}:{g.line})" for g in call.guards if (t := text_test(g, compares))]
    if not own:
        return ""
    return (f"logged only for text of the form its tests read: {'; '.join(own[:MAX_TESTS])}: in a value "
            f"{reader} reads from the configuration or {options} from the command line; no option or "
            f"keyword names that form")


def _pointer_only(key: str, graph: CallGraph):
    """(caller, edge data) of the one registration handing over `key`, when every edge reaching
    it is one through a pointer; None otherwise."""
    edges = list(graph.callers(key))
    if not edges or any(d["kind"] not in POINTER_KINDS for _, d in edges):
        return None
    return min(edges, key=lambda e: (e[0], e[1].get("line") or 0))


def _edge_tests(graph: CallGraph, roots: frozenset[str], below: set[str], compares: frozenset[str]) \
        -> dict[str, tuple[str, ...]]:
    """key -> the tests of the text on the way from the readers to it, for each function of
    `below` every call of which from the reader's code (the readers and `below`) happens only
    under one, on the call or on its caller's way (a least fixed point: a cycle no such test
    cuts stays out); absent otherwise."""
    found: dict[str, tuple[str, ...]] = {}
    todo = list(below)
    while todo:
        key = todo.pop()
        if key in found:
            continue
        tests = _tests_on_calls(key, graph, roots, below, found, compares)
        if tests:
            found[key] = tests
            todo.extend(n for n in graph.graph.successors(key) if n in below and n not in found)
    return found


def _tests_on_calls(key: str, graph: CallGraph, roots: frozenset[str], below: set[str],
                    found: Mapping[str, tuple[str, ...]], compares: frozenset[str]) -> tuple[str, ...]:
    """The tests of the text on every call of `key` from the reader's code, () when a call
    has none (nor its caller)."""
    tests: list[str] = []
    for caller, data in graph.callers(key):
        if caller not in below and caller not in roots:
            continue
        fn = graph.functions.get(caller)
        own = [f"`{t}` ({fn.file}:{g.line})" for g in data.get("guards", ()) if fn is not None
               and (t := text_test(g, compares))]
        if own:
            tests.extend(own)
        elif caller in found:
            tests.extend(found[caller])
        else:
            return ()
    return tuple(dict.fromkeys(tests))


def text_test(guard: Guard, compares: frozenset[str]) -> str:
    """The guard as written when it tests the text of a string: it compares a character with a
    character constant (`*p == ')'`, `buf[7] == 'r'` or its negation), takes the truth of a
    character (`*endptr`, `!*p`), or holds only where a string equals a literal
    (`!strncmp(buf, "~SEQ", 4)`, a call of `compares` taken as false), or each of its
    alternatives does; "" otherwise. A test that a string differs, or an alternative of several
    of which one reads no text (`!(a && !strcmp(s, "{"))`), tells no form of the text; nor
    does a string handed to a function (`check_glob_file(gl_pathv[i])`: a file name, maybe)."""
    e = guard.expr
    if e is None:
        return ""
    text = f"!({guard.text})" if guard.negated else guard.text
    return text if _reads_text(e, not guard.negated, compares) else ""


def _reads_text(e, holds: bool, compares: frozenset[str]) -> bool:
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return _reads_text(e.operand, not holds, compares)
    if isinstance(e, Binary) and ((e.op == "&&" and holds) or (e.op == "||" and not holds)):
        return _reads_text(e.left, holds, compares) or _reads_text(e.right, holds, compares)
    if isinstance(e, Binary) and e.op in ("&&", "||"):  # either way a form: `!strncmp(b, "~SEQ", 4) || ...`
        return _reads_text(e.left, holds, compares) and _reads_text(e.right, holds, compares)
    if isinstance(e, Binary) and e.op in ("==", "!="):
        return _char_const(e.left) or _char_const(e.right)
    if isinstance(e, Call):
        # equal to a literal: `!strncmp(buf, "~SEQ", 4)`, not to a table's word
        return e.callee in compares and not holds and any(_string_const(a) for a in e.args)
    return _character(e)


def _string_const(e) -> bool:
    e = strip(e)
    return isinstance(e, Const) and e.value is None and e.text.startswith('"')


def _char_const(e) -> bool:
    e = strip(e)
    return isinstance(e, Const) and e.value is not None and e.text.startswith("'")


def _character(e) -> bool:
    e = strip(e)
    return isinstance(e, Index) or (isinstance(e, Unary) and e.op == "*" and not isinstance(strip(e.operand), Call))


__all__ = ["config_text_notes", "text_test"]
