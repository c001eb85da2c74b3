"""Functions that never return NULL, read from their return statements: an allocator that exits
when allocation fails (keepalived 2.x's `xalloc`: `mem = malloc(size); if (mem == NULL) { ...;
exit(KEEPALIVED_EXIT_NO_MEMORY); } return mem;`), and any function whose every return gives
such a function's result (`zalloc`: `mem = xalloc(size); ... return mem;`; `MALLOC(n)` expands
to `zalloc(n)`). A test that such a result is NULL (`name = MALLOC(len); if (!name) {
log_message(...); return NULL; }`, keepalived's make_pidfile_name) is then false, and what it
guards is never logged.

Facts in (FunctionFacts with their returns, the locals' assigned values of
options.find_locals), names out; no I/O. A function is judged only from what the parse shows:
one with no return statement, a return of anything else (a parameter, a global, a constant,
a call of a function outside the tree such as malloc) is not "never NULL" (keepalived 1.1's
zalloc returns malloc's result: it may be NULL, and its callers' NULL tests stay runtime tests).
A function whose parse met an error is not judged either (broken_functions): libclang drops
every statement naming a declaration it could not type (`LDAPMessage *lm;` with <ldap.h>
missing, then `if (ok) return lm;` and `return lm;`), so its recorded returns may be a part.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from srcscan.cexpr import Binary, Call, CExpr, Name, Unary, evaluate, render, strip
from srcscan.model import FileFacts, FunctionFacts, Guard, Write

Locals = Mapping[tuple[str, str], Mapping[str, tuple]]  # (file, function) -> local -> values assigned


def broken_functions(functions: Iterable[FunctionFacts], files: Iterable[FileFacts]) -> frozenset[tuple[str, str]]:
    """(file, name) of each function with an error or fatal diagnostic (FileFacts.diagnostics,
    libclang's) on a line from its own to the next function defined in its file: a parse that
    may have dropped statements, returns among them (libclang leaves out a statement naming a
    declaration whose type it could not read). Facts in, no I/O."""
    errors: dict[str, list[int]] = {}
    for facts in files:
        for d in facts.diagnostics:
            if d.severity >= 3:
                errors.setdefault(d.file, []).append(d.line)
    starts: dict[str, list[int]] = {}
    functions = list(functions)
    for fn in functions:
        starts.setdefault(fn.file, []).append(fn.line)
    out = set()
    for fn in functions:
        end = min((line for line in starts[fn.file] if line > fn.line), default=None)
        if any(fn.line <= line and (end is None or line < end) for line in errors.get(fn.file, ())):
            out.add((fn.file, fn.name))
    return frozenset(out)


TWIN_GAP = 3  # lines between an inactive #if branch and a function that is its #else twin


def conditional_functions(functions: Iterable[FunctionFacts], files: Iterable[FileFacts]) -> frozenset[tuple[str, str]]:
    """(file, name) of each function with lines the preprocessor skipped (FileFacts.skipped, an
    inactive #if branch of some parse) from its own line to the next function defined in its
    file, or ending at most TWIN_GAP lines above it (`#ifdef HAVE_X` f() `#else` a stub f()
    `#endif`): another build compiles other statements, other returns among them (lighttpd's
    fdevent_init() returns an event handler only under FDEVENT_USE_*, which a profile without
    the platform's defines leaves out, so its parse returns NULL only). Facts in, no I/O."""
    skipped: dict[str, list[tuple[int, int]]] = {}
    for facts in files:
        for r in facts.skipped:
            skipped.setdefault(r.file, []).append((r.start_line, r.end_line))
    functions = list(functions)
    starts: dict[str, list[int]] = {}
    for fn in functions:
        starts.setdefault(fn.file, []).append(fn.line)
    out = set()
    for fn in functions:
        end = min((line for line in starts[fn.file] if line > fn.line), default=None)
        # skipped lines in its body, or ending just above it (TWIN_GAP lines: the `#else` and
        # the return type's line): an `#ifdef HAVE_X` real function whose `#else` defines this
        # one as a stub
        if any((last >= fn.line or fn.line - last <= TWIN_GAP) and (end is None or first < end)
               for first, last in skipped.get(fn.file, ())):
            out.add((fn.file, fn.name))
    return frozenset(out)


def never_null(functions: Iterable[FunctionFacts], local_values: Locals,
               broken: frozenset[tuple[str, str]] = frozenset()) -> frozenset[str]:
    """Names of the functions whose every return statement gives a non-NULL pointer (a fixed
    point: a function returning another one's result counts once that one does). A function
    of `broken` ((file, name), broken_functions: its returns may be incomplete) never counts."""
    functions = [f for f in functions if f.returns and (f.file, f.name) not in broken]
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for fn in functions:
            if fn.name in found:
                continue
            values = local_values.get((fn.file, fn.name), {})
            if all(r.value is not None and _returns_non_null(r.value, r.guards, values, found) for r in fn.returns):
                found.add(fn.name)
                changed = True
    return frozenset(found)


def non_null_local(e: CExpr, values: Mapping[str, tuple], found: frozenset[str]) -> bool:
    """Whether `e` names a local every value of which is a call of a function of `found`."""
    e = strip(e)
    if not isinstance(e, Name) or e.ref != "var" or e.name not in values:
        return False
    given = [v for v in values[e.name] if v is not None]  # None: declared without a value
    return bool(given) and all(_call_of(v, found) for v in given)


def _returns_non_null(value: CExpr, guards: tuple[Guard, ...], values: Mapping[str, tuple], found: set[str]) -> bool:
    value = strip(value)
    if _call_of(value, found):
        return True
    if not isinstance(value, Name) or value.ref != "var" or value.name not in values:
        return False
    return non_null_local(value, values, frozenset(found)) or any(_implies_non_null(g, value.name) for g in guards)


def _call_of(e: CExpr, found: Iterable[str]) -> bool:
    e = strip(e)
    return isinstance(e, Call) and isinstance(strip(e.function), Name) and strip(e.function).name in found


def _implies_non_null(guard: Guard, name: str) -> bool:
    """A guard under which local `name` is not NULL: `if (mem)`, and code after `if (mem == NULL)
    exit(1);` (the early return's guard, negated)."""
    if guard.expr is None or guard.kind not in ("if", "else", "early-return"):
        return False
    return _non_null_when(guard.expr, name, not guard.negated)


def _non_null_when(e: CExpr, name: str, holds: bool) -> bool:
    """Whether `e` being `holds` (true or false) means `name` is not NULL."""
    e = strip(e)
    if isinstance(e, Name):
        return holds and e.ref == "var" and e.name == name
    if isinstance(e, Unary) and e.op == "!":
        return _non_null_when(e.operand, name, not holds)
    if isinstance(e, Binary) and e.op in ("==", "!="):
        for side, other in ((e.left, e.right), (e.right, e.left)):
            side = strip(side)
            if isinstance(side, Name) and side.name == name and evaluate(other) == 0:
                return holds if e.op == "!=" else not holds
        return False
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        if (e.op == "&&") == holds:  # both operands hold (&& true) or both fail (|| false)
            return _non_null_when(e.left, name, holds) or _non_null_when(e.right, name, holds)
    return False


def null_tested(guard: Guard, written: Iterable[Write], found: frozenset[str]) -> tuple[str, str] | None:
    """(variable, the value's text) when `guard` needs a variable to be NULL (`if (!name)`, `if (name ==
    NULL)`, the else of `if (name)`) that then holds a call of a function of `found`: the value
    assigned in the test itself (`!(ret = MALLOC(n))`), or else the function's last assignment to
    it before the guard's line, made under no condition (`name = MALLOC(len);` then `if
    (!name)`). The guard never holds. None otherwise. `written`: the function's writes
    (extract.writes; locals and file-scope variables)."""
    if guard.expr is None or guard.kind not in ("if", "else", "early-return", "and", "or", "ternary"):
        return None
    tested = _null_tests(guard.expr, not guard.negated)
    for name, value in tested:
        text = render(value) if value is not None else ""
        if value is None:
            last = last_assignment(written, name, guard.line)
            if last is None:
                continue
            value, text = last.value, last.text
        if _call_of(value, found):
            return name, text
    return None


def last_assignment(written: Iterable[Write], name: str, line: int, locals_only: bool = False) -> Write | None:
    """The write that gives `name` its value at 1-based `line`: the function's last write to it
    above that line, when it is a plain assignment or an initialised declaration made under no
    condition (`p = f();`, `char *p = f();`); None when there is none, or the last write is
    guarded, compound (`+=`) or has no value. `locals_only`: None for a file-scope variable too.
    `written`: the function's writes (extract.writes)."""
    last = max((w for w in written if w.target == name and w.line < line), key=lambda w: w.line, default=None)
    if last is None or last.guarded or last.op not in ("=", "decl") or last.value is None:
        return None
    return None if locals_only and not last.local else last


def _null_tests(e: CExpr, holds: bool) -> list[tuple[str, CExpr | None]]:
    """The variables `e` being `holds` (true or false) needs to be NULL, each with the value the
    test itself assigns it (`!(ret = MALLOC(n))`), else None."""
    e = strip(e)
    assigned = None
    if isinstance(e, Binary) and e.op == "=" and isinstance(strip(e.left), Name):
        e, assigned = strip(e.left), e.right
    if isinstance(e, Name):
        return [(e.name, assigned)] if not holds and e.ref == "var" else []
    if isinstance(e, Unary) and e.op == "!":
        return _null_tests(e.operand, not holds)
    if isinstance(e, Binary) and e.op in ("==", "!="):
        for side, other in ((e.left, e.right), (e.right, e.left)):
            if evaluate(other) == 0 and (holds if e.op == "==" else not holds):
                return _null_tests(side, False)
        return []
    if isinstance(e, Binary) and e.op in ("&&", "||") and (e.op == "&&") == holds:
        return _null_tests(e.left, holds) + _null_tests(e.right, holds)
    return []


def always_null(functions: Iterable[FunctionFacts], broken: frozenset[tuple[str, str]] = frozenset()) -> frozenset[str]:
    """Call-graph keys (FunctionFacts.key: file-qualified for a static function) of the functions
    each of whose return statements gives 0 (NULL) as written: `return
    NULL;`, `return 0;`; a function built for a feature this build leaves out (dnsmasq's Linux
    netlink_init() ends `return NULL;`: only the BSD route code returns a warning). A test that
    its result is set never holds. A function with no return, a bare `return;`, any other value
    (a local, a call) or one of `broken` (a parse that met an error, broken_functions, or lines
    another build compiles, conditional_functions) is not one."""
    return frozenset(fn.key for fn in functions
                     if fn.returns and (fn.file, fn.name) not in broken
                     and all(r.value is not None and evaluate(strip(r.value)) == 0 for r in fn.returns))


def set_tested(guard: Guard, written: Iterable[Write], found: frozenset[str]) -> tuple[str, str] | None:
    """(what is tested, its value's text) when `guard` needs a call of a function of `found` to
    give non-zero (`if (f())`, `if ((p = f()) != NULL)`) or a variable holding one's result to be
    set (`p = f(); ... if (p)`: the function's last assignment to a local before the guard's line,
    made under no condition, as null_tested reads it; a file-scope variable is not followed, a
    call in between may write it). The guard never holds. None otherwise."""
    if guard.expr is None or guard.kind not in ("if", "else", "early-return", "and", "or", "ternary"):
        return None
    for e in _set_tests(guard.expr, not guard.negated):
        e = strip(e)
        if isinstance(e, Binary) and e.op == "=" and isinstance(strip(e.left), Name):
            if _call_of(e.right, found):
                return render(strip(e.left)), render(e.right)
            continue
        if _call_of(e, found):
            return render(e), render(e)
        if not isinstance(e, Name) or e.ref != "var":
            continue
        # a local only: a call between the assignment and the test may write a file-scope variable
        last = last_assignment(written, e.name, guard.line, locals_only=True)
        if last is not None and _call_of(last.value, found):
            return e.name, last.text
    return None


def _set_tests(e: CExpr, holds: bool) -> list[CExpr]:
    """The values (a variable, a call, an assignment) `e` being `holds` needs to be non-zero."""
    e = strip(e)
    if isinstance(e, (Name, Call)) or (isinstance(e, Binary) and e.op == "="):
        return [e] if holds else []
    if isinstance(e, Unary) and e.op == "!":
        return _set_tests(e.operand, not holds)
    if isinstance(e, Binary) and e.op in ("==", "!="):
        for side, other in ((e.left, e.right), (e.right, e.left)):
            if evaluate(other) == 0 and (holds if e.op == "!=" else not holds):
                return _set_tests(side, True)
        return []
    if isinstance(e, Binary) and e.op in ("&&", "||") and (e.op == "&&") == holds:
        return _set_tests(e.left, holds) + _set_tests(e.right, holds)
    return []
