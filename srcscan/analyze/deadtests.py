"""Guards of a call that can never hold, read from the code just before it: a test that a
pointer holding a never-NULL result is NULL (analyze.nevernull), a test of a field calloc()
just zeroed (analyze.zeroed), and a comparison with a value the code has just bounded.

The bounded value (bounded_test) is the smallest range reasoning that shows lighttpd 1.4.19's
server.c:715 and :842 never logged:

    if (srv->event_handler == FDEVENT_HANDLER_SELECT) {
        srv->max_fds = rlim.rlim_cur < FD_SETSIZE - 200 ? rlim.rlim_cur : FD_SETSIZE - 200;
    } else { srv->max_fds = rlim.rlim_cur; }
    ...
    if (srv->event_handler == FDEVENT_HANDLER_SELECT) {
        if (srv->max_fds > FD_SETSIZE - 200) log_error_write(...);

The last write of the tested value that can reach the test is a minimum with the bound, so
the value is at most the bound there. Each answer is one GuardAt saying why; None when unsure.
Facts in (CallSite, FunctionFacts, extract.writes' records), no I/O, no parser node.
"""

from __future__ import annotations

from typing import Callable, Iterable

from srcscan.analyze.nevernull import null_tested, set_tested
from srcscan.analyze.zeroed import zeroed_field_test
from srcscan.cexpr import Binary, Cast, CExpr, Cond, Const, Member, Name, Other, Unary, evaluate, render, strip, walk
from srcscan.model import CallSite, FunctionFacts, Guard, GuardAt, Write

_FLIP = {">": "<=", ">=": "<", "<": ">=", "<=": ">"}
_MIRROR = {">": "<", ">=": "<=", "<": ">", "<=": ">="}


def null_test(call: CallSite, written: Iterable[Write], non_null: frozenset[str]) -> GuardAt | None:
    """A guard of the call needing a variable to be NULL that holds the result of a function that
    never returns NULL (analyze.nevernull): the guard, saying so; None when there is none."""
    written = tuple(written)
    for g in call.guards if non_null else ():
        found = null_tested(g, written, non_null)
        if found is not None:
            return GuardAt(call.file, g.line, f"{g.describe()} never holds: {found[0]} = {found[1]}, and "
                                              f"that function never returns NULL (each of its returns is not NULL)")
    return None


def null_result_test(call: CallSite, written: Iterable[Write], null: frozenset[str]) -> GuardAt | None:
    """A guard of the call needing the result of a function that always returns NULL (or 0) to be
    set (analyze.nevernull.always_null; dnsmasq's `netlink_warn = netlink_init(); ... if
    (netlink_warn) my_syslog(...)`): the guard, saying so; None when there is none."""
    written = tuple(written)
    for g in call.guards if null else ():
        found = set_tested(g, written, null)
        if found is not None:
            held = f"{found[0]} = {found[1]}, and" if found[0] != found[1] else f"{found[0]}:"
            return GuardAt(call.file, g.line, f"{g.describe()} never holds: {held} each return of "
                                              f"that function gives NULL (0) as written")
    return None


def zeroed_test(call: CallSite, fn: FunctionFacts, written: list[Write], zeroing: frozenset[str]) -> GuardAt | None:
    """A guard of the call testing a field of a struct calloc() just zeroed (analyze.zeroed):
    the guard, saying so; None when there is none."""
    inside_loop = any(g.kind == "loop" for g in call.guards)
    for g in call.guards if written else ():
        found = zeroed_field_test(g, fn, written, inside_loop, zeroing)
        if found is not None:
            return GuardAt(call.file, g.line, f"{g.describe()} never holds: {found.variable} = {found.text} "
                                              f"zeroed it and nothing writes its {found.field} before")
    return None


def bounded_test(call: CallSite, fn: FunctionFacts, written: Iterable[Write],
                 defined: Callable[[str], bool]) -> GuardAt | None:
    """A guard of the call `x > B` (or `x >= B`; an early return on `x <= B` alike), B a
    constant, where the last write of `x` that can reach it stores at most B: the guard,
    saying so; None when there is none. `written`: the writes of `fn`; `defined(name)`: whether
    the tree defines a function of that name (its call may change anything).

    A write can reach the test unless one of its guards is the opposite of one of the call's:
    the same `if` taken the other way, or the same condition tested the other way with nothing
    that may change it in between. The last write that can reach it must run on every path to
    the test (each of its guards is one of the call's, or the same condition tested again
    unchanged; no loop, `&&`, `||` or `?:` among them), store `a < B ? a : B` (or a constant),
    and nothing between it and the test may change `x`: no other write, no call of a function
    the tree defines, no call handed the variable `x` hangs from."""
    writes = tuple(written)
    if not writes:
        return None
    for g in call.guards:
        found = _bounded(g, call, fn, writes, defined)
        if found is not None:
            return found
    return None


def _bounded(g: Guard, call: CallSite, fn: FunctionFacts, writes: tuple[Write, ...],
             defined: Callable[[str], bool]) -> GuardAt | None:
    compared = _above(g)
    if compared is None:
        return None
    tested, op, bound = compared
    root, field = _path(tested)
    if not root:
        return None
    before = [w for w in writes if w.line < g.line and _same_target(w, root, field)]
    reaching = [w for w in before if not any(_opposite(wg, cg, fn, writes, call, g.line, defined)
                                             for wg in w.guards for cg in call.guards)]
    if not reaching:
        return None
    last = max(reaching, key=lambda w: w.line)
    if last.op != "=" or last.value is None or any(w.line == last.line and w is not last and w.value != last.value
                                                   for w in reaching):
        return None
    if not all(_held(wg, call.guards, fn, writes, call, g.line, defined) for wg in last.guards):
        return None
    if not _unchanged(({root}, set()), last.line, g.line, fn, writes, defined):
        return None  # (writes of x in between: none can reach, `last` is the last that can)
    most = _at_most(last.value)
    if most is None or not (most <= bound if op == ">" else most < bound):
        return None
    return GuardAt(call.file, g.line, f"{g.describe()} never holds: {last.text} (line {last.line}) "
                                      f"is at most {most} there")


def _above(g: Guard) -> tuple[CExpr, str, int] | None:
    """(x, op, B) with op ">" or ">=" when the code under `g` runs only if `x op B`."""
    if g.expr is None or g.kind not in ("if", "else", "early-return"):
        return None
    e = strip(g.expr)
    negated = g.negated
    while isinstance(e, Unary) and e.op == "!":
        e, negated = strip(e.operand), not negated
    if not isinstance(e, Binary) or e.op not in _FLIP:
        return None
    op, left, right = e.op, e.left, e.right
    if evaluate(left) is not None and evaluate(right) is None:
        op, left, right = _MIRROR[op], right, left
    bound = evaluate(right)
    if bound is None or evaluate(left) is not None:
        return None
    op = _FLIP[op] if negated else op
    return (left, op, bound) if op in (">", ">=") else None


def _path(e: CExpr) -> tuple[str, str]:
    """(root variable, field) of `root->field` or ("", name) ... ("", "") for anything else."""
    e = strip(e)
    if isinstance(e, Member) and isinstance(strip(e.base), Name) and strip(e.base).ref in ("var", "param"):
        return strip(e.base).name, e.field
    if isinstance(e, Name) and e.ref in ("var", "param"):
        return e.name, ""
    return "", ""


def _same_target(w: Write, root: str, field: str) -> bool:
    """Whether `w` may write `root->field` (any write of a field of that name, whatever it goes
    through), or the variable `root` itself when `field` is empty."""
    if not field:
        return w.target == root
    return w.target == f".{field}" or w.target.endswith(f".{field}") or w.target == root


def _opposite(wg: Guard, cg: Guard, fn, writes, call, line, defined) -> bool:
    """Whether the write's guard `wg` and the call's guard `cg` cannot both hold."""
    if wg.expr is None or cg.expr is None or wg.negated == cg.negated or wg.expr != cg.expr:
        return False
    if wg.line == cg.line and wg.kind in ("if", "else") and cg.kind in ("if", "else"):
        return True  # the two branches of one `if`
    return _plain(wg) and _plain(cg) and _unchanged(_reads(wg.expr), min(wg.line, cg.line), line, fn, writes, defined)


def _held(wg: Guard, guards: Iterable[Guard], fn, writes, call, line, defined) -> bool:
    """Whether the write's guard `wg` holds wherever the call's guards do."""
    if not _plain(wg):
        return False
    for cg in guards:
        if cg.expr != wg.expr or cg.negated != wg.negated or not _plain(cg):
            continue
        if cg.line == wg.line and cg.kind == wg.kind:
            return True  # the same guard
        if _unchanged(_reads(wg.expr), wg.line, line, fn, writes, defined):
            return True
    return False


def _plain(g: Guard) -> bool:
    return g.kind in ("if", "else", "early-return") and g.expr is not None


def _reads(e: CExpr) -> tuple[set[str], set[str]]:
    """(variables, fields) a condition reads: the variables and parameters it names (the roots
    of its fields too) and the names of the fields it reads."""
    return ({x.name for x in walk(e) if isinstance(x, Name) and x.ref in ("var", "param")},
            {x.field for x in walk(e) if isinstance(x, Member)})


def _unchanged(reads: tuple[set[str], set[str]], start: int, end: int, fn: FunctionFacts,
               writes: tuple[Write, ...], defined: Callable[[str], bool],
               skip: Callable[[CallSite], bool] = lambda c: False) -> bool:
    """Whether nothing between lines `start` and `end` of `fn` may change what `reads`
    (variables, fields) names: no write of one of the variables or of a field of one of those
    names (whatever it goes through), no call of a function the tree defines or through a
    pointer, no call handed one of the variables (calls `skip` says cannot reach `end` aside)."""
    names, fields = reads
    for w in writes:
        if start < w.line < end and (w.target in names or w.target.rsplit(".", 1)[-1] in fields):
            return False
    for c in fn.calls:
        if not start < c.line < end or skip(c):
            continue
        if c.indirect or defined(c.callee):
            return False
        if any(isinstance(x, Name) and x.name in names for a in c.exprs for x in walk(a)):
            return False
    return True


def _at_most(e: CExpr) -> int | None:
    """An upper bound of `e`: a constant, or `a < B ? a : B` / `a > B ? B : a` (a minimum with a
    constant B, also with `<=`, `>=`); None when not known."""
    e = strip(e)
    value = evaluate(e)
    if value is not None:
        return value
    if isinstance(e, Cond):
        test = strip(e.test)
        if isinstance(test, Binary) and test.op in ("<", "<=", ">", ">="):
            small, large = (e.yes, e.no) if test.op in ("<", "<=") else (e.no, e.yes)
            if strip(small) == strip(test.left) and strip(large) == strip(test.right):
                return evaluate(large)
    return None


def set_bit_test(call: CallSite, fn: FunctionFacts, written: Iterable[Write],
                 defined: Callable[[str], bool]) -> GuardAt | None:
    """A guard of the call needing a bit of `root->field` clear (`!(header->hb4 & HB4_RA)`)
    where the function set that bit just before (`header->hb4 |= HB4_RA;`, dnsmasq's
    process_reply): the guard, saying so; None when there is none. Only when sure, as for
    bounded_test: the write runs wherever the call does, and nothing between it and the test
    may change the field (no other write of a field of that name, no call of a function the
    tree defines, no call handed the variable), leaving out what runs only on paths that left
    the function before the test (the body of an `if` whose early return the call is after)."""
    writes = tuple(written)
    for g in call.guards if writes else ():
        found = _cleared_bit(g)
        if found is None:
            continue
        (root, field), mask = found
        before = [w for w in writes if w.line < g.line and _same_target(w, root, field)]
        if not root or not before:
            continue
        last = max(before, key=lambda w: w.line)
        value = evaluate(last.value) if last.value is not None else None
        if last.op != "|=" or value is None or value & mask != mask \
                or not all(_held(wg, call.guards, fn, writes, call, g.line, defined) for wg in last.guards):
            continue
        if not _unchanged(({root}, {field}), last.line, g.line, fn,
                          tuple(w for w in writes if not _left(w.guards, call.guards)), defined,
                          lambda c: _left(c.guards, call.guards)):
            continue
        return GuardAt(call.file, g.line, f"{g.describe()} never holds: {last.text} (line {last.line}) "
                                          f"set that bit")
    return None


def _cleared_bit(g: Guard) -> tuple[tuple[str, str], int] | None:
    """((root, field), mask) when the code under `g` runs only if `root->field & mask` is 0."""
    return _cleared_in(g.expr, not g.negated) if _plain(g) else None


def _cleared_in(e: CExpr, holds: bool) -> tuple[tuple[str, str], int] | None:
    """((root, field), mask) when `e` being `holds` needs `root->field & mask` to be 0 (one
    operand of `&&` holding, of `||` failing, will do)."""
    e = strip(e)
    while isinstance(e, Unary) and e.op == "!":
        e, holds = strip(e.operand), not holds
    if isinstance(e, Binary) and e.op in ("&&", "||") and (e.op == "&&") == holds:
        return _cleared_in(e.left, holds) or _cleared_in(e.right, holds)
    if holds or not isinstance(e, Binary) or e.op != "&":
        return None
    for side, other in ((e.left, e.right), (e.right, e.left)):
        mask, path = evaluate(other), _path(side)
        if mask and path[1]:
            return path, mask
    return None


def _left(guards: Iterable[Guard], call_guards: Iterable[Guard]) -> bool:
    """Whether code under `guards` runs only on paths that returned before the call: the body
    of an `if` whose early return is among the call's guards (same line, other way)."""
    return any(g.line == cg.line and g.expr is not None and g.expr == cg.expr and g.negated != cg.negated
               and g.kind == "if" and cg.kind == "early-return" for g in guards for cg in call_guards)


_LAYOUT = ("offsetof(", "__builtin_offsetof(")


def layout_test(call: CallSite) -> str | None:
    """A reason to doubt the call is ever logged: a guard it needs holding compares quantities
    of the target's type layout that srcscan does not evaluate, both sides nothing but
    `offsetof(...)`, `sizeof ...` and constants (keepalived's checker_set_dst_port: `if
    (offsetof(struct sockaddr_in6, sin6_port) != offsetof(struct sockaddr_in, sin_port))`,
    false on every ABI keepalived builds for). Such a test is decided when the program is
    compiled: it holds always or never, and srcscan cannot tell which. None when no guard does."""
    for g in call.guards:
        if g.expr is None or g.kind in ("case", "default", "loop"):
            continue
        for test in _needed_tests(g.expr, not g.negated):
            return (f"its guard {g.describe()} at line {g.line} compares {render(test)}, a constant of the type "
                    f"layout srcscan does not evaluate: it holds in every build or in none (a check for a "
                    f"layout bug may never log)")
    return None


def _needed_tests(e: CExpr, holds: bool) -> list[Binary]:
    """The layout comparisons that must come out `holds` for `e` to be so (through `!`, the
    conjuncts of a holding `&&` and the disjuncts of a failing `||`)."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return _needed_tests(e.operand, not holds)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        if (e.op == "&&") == holds:
            return _needed_tests(e.left, holds) + _needed_tests(e.right, holds)
        return []
    if isinstance(e, Binary) and e.op in ("==", "!=", "<", "<=", ">", ">=") \
            and _layout_only(e.left) and _layout_only(e.right) and (_has_layout(e.left) or _has_layout(e.right)):
        return [e]
    return []


def _layout_only(e: CExpr) -> bool:
    """Whether `e` is built of layout quantities (`sizeof`, `offsetof(...)`) and literal
    constants only, with arithmetic and casts (not a call, which may merely take a size)."""
    e = strip(e)
    if isinstance(e, Binary) and e.op in ("+", "-", "*", "/", "%", "&", "|", "<<", ">>"):
        return _layout_only(e.left) and _layout_only(e.right)
    if isinstance(e, Cast):
        return _layout_only(e.operand)
    if isinstance(e, Unary):
        return e.op == "sizeof" or e.op in ("-", "+", "~") and _layout_only(e.operand)
    return isinstance(e, Const) and e.value is not None or _is_offsetof(e)


def _has_layout(e: CExpr) -> bool:
    """Whether a layout-only expression names a layout quantity (not literals alone)."""
    return any(isinstance(x, Unary) and x.op == "sizeof" or _is_offsetof(x) for x in walk(strip(e)))


def _is_offsetof(e: CExpr) -> bool:
    return isinstance(e, Other) and e.text.replace(" ", "").startswith(_LAYOUT)
