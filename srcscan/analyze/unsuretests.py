"""Guards holding on values srcscan does not follow to the options, said in a message's
`uncertain` rather than read as tests of the run that need nothing (requirements' input; no I/O).

- A string's emptiness: dnsmasq logs 'using nameserver %s#%d for %s %s%s %s' under
  `strlen(serv->domain) != 0 || ...` (network.c), and `serv->domain` is stored only by
  add_update_server() from its parameter, non-empty only for a server given with a domain
  (`--server=/example.org/...`). A test that a field or parameter holds a non-empty string
  (the rules' `[config] string_lengths`: strlen), where the tree's own code stores that field
  (or the parameter's callers pass such a field), is said so: which options give it a
  non-empty value srcscan does not follow.
- The option handler's failure: dnsmasq's read_opts() dies with 'bad command line options: %s'
  under `!one_opt(option, arg, ...)`, the function its getopt loop hands each option to (its
  `switch (option)` holds the option cases), which returns 0 only for a value it cannot
  parse. No option makes that hold and none is needed either; the message appears only for a
  bad option or value, which `requires` cannot name.
- errno compared with 0 beside a call of a function of the tree in the same condition
  (`!(serv->sfd = allocate_sfd(...)) && errno != 0`): such a function may set errno to 0
  itself on a path where it returns its failure value (allocate_sfd() does under no explicit
  source port), and srcscan does not follow errno.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from srcscan.analyze.nonempty import empty_test, field_need, nonempty_test
from srcscan.analyze.optiontests import guard_requirement
from srcscan.cexpr import Binary, Call, CExpr, Const, Member, Name, Unary, render, strip, walk
from srcscan.model import CallSite, FunctionFacts

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

_NOTE = "options this message needs may be missing"


def unsure_tests(call: CallSite, fn: FunctionFacts, index: Index) -> tuple[str, ...]:
    """The reasons to doubt that the call's guards need only what `requires` says: a test that
    a string the tree stores is non-empty, errno against 0 after a call of the tree's own."""
    notes: list[str] = []
    for g in call.guards:
        if g.expr is None or g.kind in ("case", "default", "loop"):
            continue
        tests = list(_holding(g.expr, not g.negated))
        for test in tests:
            note = _nonempty_note(test, fn, index) or _errno_note(test, g.expr, index) \
                or _other_way(test, tests, g, fn, index) or _rejected_note(test, index)
            if note and (note := f"its guard at line {g.line} holds with `{_text(test)}`: {note}") not in notes:
                notes.append(note)
    return tuple(notes)


def _other_way(test: CExpr, tests: list[CExpr], g, fn: FunctionFacts, index: Index) -> str | None:
    """A non-empty string srcscan read (analyze.nonempty) in a guard that holds another way too
    (`strlen(serv->domain) != 0 || (serv->flags & SERV_FOR_NODOTS)`) whose reading needs nothing."""
    s = _nonempty_string(test, index)
    if not isinstance(s, Member) or not _followed(s, index) or len(tests) < 2:
        return None
    if not guard_requirement(g, index, fn).is_true:
        return None
    others = " or ".join(f"`{_text(t)}`" for t in tests if t is not test)
    return (f"{render(s)} non-empty needs options, but the guard also holds with {others}, which srcscan "
            f"does not follow to the options: {_NOTE}")


def _holding(e: CExpr, holds: bool) -> Iterator[CExpr]:
    """The tests that may make `e` come out `holds`, each as a test that holds (`strlen(s) == 0`
    failing is given as `!(strlen(s) == 0)`): through `!`, and both sides of `&&` and `||`."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        yield from _holding(e.operand, not holds)
    elif isinstance(e, Binary) and e.op in ("&&", "||"):
        yield from _holding(e.left, holds)
        yield from _holding(e.right, holds)
    else:
        yield e if holds else Unary("!", e)


def _nonempty_string(test: CExpr, index: Index) -> CExpr | None:
    """The string a holding test needs non-empty (nonempty.nonempty_test: `strlen(s) != 0`,
    `strlen(s) > 0`, `strlen(s)`), also through a negated emptiness test (`!(strlen(s) == 0)`)."""
    test = strip(test)
    if (s := nonempty_test(test, index)) is not None:
        return s
    if isinstance(test, Unary) and test.op == "!" and (flipped := empty_test(test.operand, index)) is not None:
        return nonempty_test(flipped, index)
    return None


def _nonempty_note(test: CExpr, fn: FunctionFacts, index: Index) -> str | None:
    s = _nonempty_string(test, index)
    if isinstance(s, Member):
        stores = _stores(s, index)
        if not stores or _followed(s, index):
            return None  # data of the run (a packet's field), or read (analyze.nonempty)
        return (f"{render(s)} non-empty, a string the code stores ({', '.join(stores)}) that srcscan does not "
                f"follow to the options giving it one: {_NOTE}")
    if isinstance(s, Name) and s.ref == "param" and index.graph is not None and s.name in fn.params:
        position = fn.params.index(s.name)
        passed = []
        for _, _, data in index.graph.graph.in_edges(fn.key, data=True):
            c = data.get("call")
            if c is None or position >= len(c.exprs):
                continue
            arg = strip(c.exprs[position])
            if isinstance(arg, Member) and _stores(arg, index) and not _followed(arg, index):
                passed.append(f"{c.file}:{c.line} passes {render(arg)}, stored in {', '.join(_stores(arg, index))}")
        if passed:
            return (f"{fn.name}()'s parameter {s.name} non-empty ({'; '.join(sorted(set(passed)))}), a string srcscan "
                    f"does not follow to the options giving it one: {_NOTE}")
    return None


def _followed(s: Member, index: Index) -> bool:
    """Whether analyze.nonempty read what the field holding a non-empty string needs."""
    if not getattr(index, "run_needs", None):
        return False
    need = field_need(s.field, s.owner, index, guard_requirement, 0)
    return need is not None and not need.is_true


def _stores(s: Member, index: Index) -> list[str]:
    """Where the tree's code stores the field `s` reads (file:line in function()), its struct's
    only when the parse named it."""
    found = []
    for w in index.field_writes.get(s.field, ()):
        if not w.target.endswith("." + s.field) or (s.owner and w.owner and w.owner != s.owner):
            continue
        found.append(f"{w.file}:{w.line} in {w.function}()")
    return sorted(set(found))


def _rejected_note(test: CExpr, index: Index) -> str | None:
    """`!one_opt(...)` (or `one_opt(...) == 0`) for a function the getopt loop hands each
    option to whose switch on a parameter holds option cases (Index.handlers)."""
    test = strip(test)
    if isinstance(test, Unary) and test.op == "!":
        test = strip(test.operand)
    elif isinstance(test, Binary) and test.op == "==" and isinstance(strip(test.right), Const) \
            and strip(test.right).value == 0:
        test = strip(test.left)
    else:
        return None
    if not isinstance(test, Call) or not isinstance(strip(test.function), Name) or not _option_handler(test.callee, index):
        return None
    return (f"{test.callee}() rejecting an option or value it is handed (it returns 0 for one it cannot "
            f"parse): the message appears only for an invalid option, which `requires` cannot name")


def _option_handler(name: str, index: Index) -> bool:
    """Whether `name` is a function the getopt loop hands each option to (Index.handlers) with
    a `case` of an option on one of its parameters."""
    graph = index.graph
    if graph is None or not index.handlers:
        return False
    memo = ("option handler", name)
    if memo not in index.memo:
        index.memo[memo] = any(fn.name == name and any(
            g.kind == "case" and isinstance(g.expr, Name) and g.expr.ref == "param"
            and any(label in index.cli_labels for label in g.labels) for c in fn.calls for g in c.guards)
            for fn in (graph.functions[k] for k in index.handlers if k in graph.functions))
    return index.memo[memo]


def _errno_note(test: CExpr, guard: CExpr, index: Index) -> str | None:
    test = strip(test)
    if not (isinstance(test, Binary) and test.op == "!=" and any(_is_errno(x) for x in (test.left, test.right))
            and any(isinstance(strip(x), Const) and strip(x).value == 0 for x in (test.left, test.right))):
        return None
    graph = index.graph
    own = sorted({x.callee for x in walk(strip(guard)) if isinstance(x, Call) and isinstance(strip(x.function), Name)
                  and graph is not None and any(f.name == x.callee for f in graph.functions.values())})
    if not own:
        return None
    return (f"errno as {', '.join(f + '()' for f in own)} left it, which a function of the tree may set to 0 "
            f"itself on a path returning its failure value; srcscan does not follow errno: {_NOTE}")


def _is_errno(e: CExpr) -> bool:
    e = strip(e)
    if isinstance(e, Name):
        return e.name == "errno"
    return isinstance(e, Unary) and e.op == "*" and isinstance(strip(e.operand), Call) \
        and strip(e.operand).callee == "__errno_location"


def _text(e: CExpr) -> str:
    """`e` as written, errno by its name (the parse gives glibc's `*__errno_location()`)."""
    return render(e).replace("*__errno_location()", "errno")
