"""Walk a function's Node tree, keeping the stack of conditions that must hold to get there.

Pure: Node trees in, (node, guards) pairs out. Every extractor that needs to know "under
which condition does this run" uses this one walker, so that `if`, `else`, `switch/case`,
`?:`, `&&`/`||` and early returns are interpreted in one place.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Iterator

from srcscan.extract.expressions import to_cexpr
from srcscan.extract.nodetext import (EXPRESSION_WRAPPERS, condition_text, expression_text,  # re-exported: extractors use them
                                      member_path, one_line, strip)
from srcscan.model import Guard  # re-exported: extractors build guards here
from srcscan.parse import Node, Unit
from srcscan.rules.load import shared_table

LOOPS = frozenset({"WHILE_STMT", "FOR_STMT", "DO_STMT"})
EXITS = frozenset({"RETURN_STMT", "GOTO_STMT", "CONTINUE_STMT", "BREAK_STMT"})


def function_body(fn: Node) -> Node | None:
    return next((c for c in fn.children if c.kind == "COMPOUND_STMT"), None)


def walk_guarded(unit: Unit, fn: Node) -> Iterator[tuple[Node, tuple[Guard, ...]]]:
    """Yield every node of fn's body with the guards that enclose it (outermost first), in
    pre-order."""
    if _walked["unit"] is not unit:  # every extractor walks the same functions: keep one unit's walks
        _walked["unit"], _walked["walks"], _walked["noreturn"] = unit, {}, {}
    walks = _walked["walks"]
    hit = walks.get(id(fn))
    if hit is not None and hit[0] is fn:
        return iter(hit[1])
    out: list[tuple[Node, tuple[Guard, ...]]] = []
    body = function_body(fn)
    if body is not None:
        file = fn.file or unit.path
        if file not in _walked["noreturn"]:
            here = [f for f in unit.functions if (f.file or unit.path) == file]
            library = _library()
            known = library | _walked["rules"]
            _walked["noreturn"][file] = (library | noreturn_functions(here, library),
                                         known | noreturn_functions(here, known) if _walked["rules"] else None)
        exits, ends_case = _walked["noreturn"][file]
        _Walker(unit, out, exits, ends_case).walk(body, ())
    walks[id(fn)] = (fn, out)
    return iter(out)


_walked: dict[str, Any] = {"unit": None, "walks": {}, "noreturn": {}, "rules": frozenset(), "library": None}


def _library() -> frozenset[str]:
    """The C library's calls that never return: the rules' `[callgraph] library_exits` given
    to use_noreturn, else the shared rules' (rules/_c.toml: exit(3), abort(3), ...)."""
    if _walked["library"] is None:
        _walked["library"] = frozenset(shared_table().get("callgraph", {}).get("library_exits", ()))
    return _walked["library"]


def use_noreturn(names: frozenset[str], library: frozenset[str] | None = None) -> None:
    """Functions of other files the rules say never return (`[callgraph] noreturn`: dnsmasq's
    die(), declared `__attribute__((noreturn))` in a header), for the walks that follow; a new
    set drops the walks made with the old one. A call of one ends a switch case (the next case
    does not run after it: fatal_event's `case EVENT_TFTP_ERR: die(...);`), but an `if` ending
    in one is no early return: those are the daemon's fatal errors at start-up (`if
    (option_bool(OPT_UBUS)) die("UBus not available")` in a build without it), which are no
    requirement of what it logs once running. `library`: the C library's calls that never return
    (the rules' `[callgraph] library_exits`; None: the shared rules')."""
    names = frozenset(names)
    library = frozenset(library) if library is not None else None
    if names != _walked["rules"] or library != _walked["library"]:
        _walked["unit"], _walked["walks"], _walked["noreturn"], _walked["rules"] = None, {}, {}, names
        _walked["library"] = library


class _Walker:
    """Appends (node, guards) pairs to `out`: a list, not nested generators, whose cost
    would grow with the depth of every node."""

    def __init__(self, unit: Unit, out: list, noreturn: frozenset[str] | None = None,
                 ends_case: frozenset[str] | None = None) -> None:
        noreturn = _library() if noreturn is None else noreturn
        self.unit, self.out, self.noreturn = unit, out, noreturn
        self.ends_case = ends_case if ends_case is not None else noreturn  # with the rules' noreturn functions

    def guard(self, kind: str, owner: Node, cond: Node, negated: bool = False, labels: tuple = ()) -> Guard:
        """The guard `cond` puts on code, where `owner` is the statement or operator it belongs to."""
        return Guard(kind, cond, condition_text(self.unit, cond, owner), cond.line, negated, labels,
                     to_cexpr(cond, self.unit.source))

    def walk(self, node: Node, guards: tuple[Guard, ...]) -> None:
        self.out.append((node, guards))
        handler = _HANDLERS.get(node.kind)
        if handler is not None:
            handler(self, node, guards)
        else:
            for child in node.children:
                self.walk(child, guards)

    def walk_if(self, node: Node, guards: tuple[Guard, ...]) -> None:
        """IF_STMT children in C: condition, then-branch, and an else-branch when present."""
        if len(node.children) < 2:
            for child in node.children:
                self.walk(child, guards)
            return
        cond, then = node.children[0], node.children[1]
        self.walk(cond, guards)
        self.walk(then, guards + (self.guard("if", node, cond),))
        if _has_else(node):
            self.walk(node.children[2], guards + (self.guard("else", node, cond, negated=True),))

    def walk_compound(self, node: Node, guards: tuple[Guard, ...]) -> None:
        """Statements of a block, each under the guards of the early exits written before it:
        `if (A) return;` puts `!A` on what follows; an exit nested in a block that itself falls
        through, `if (A) { f(); if (B) return; }`, puts `!(A && B)` (the code after it runs
        when A is false, or when A is true and B false)."""
        current = guards
        for child in node.children:
            self.walk(child, current)
            if child.kind != "IF_STMT" or len(child.children) < 2:
                continue
            if not _has_else(child) and always_exits(child.children[-1], noreturn=self.noreturn):
                current = current + (self.guard("early-return", child, child.children[0], negated=True),)
            elif not always_exits(child, noreturn=self.noreturn):
                current = current + tuple(self._nested_exit(path) for path in self._exit_paths(child))

    def _exit_paths(self, stmt: Node, assigned: frozenset[str] = frozenset()) -> list[tuple[tuple[Node, Node, bool], ...]]:
        """The ways an `if` statement leaves the function (or the loop it is in) while its
        whole does not always: each a chain of (if statement, condition, negated) whose
        conjunction makes an exit run. Only branches and blocks are followed: an exit in a
        nested loop or switch may only end that one (`break`), and is not read. A test of a
        name the enclosing blocks assigned before it (`if (!pf) { pf = parse(default); if
        (!pf) return -1; }`, `p--` between two tests of p) is not read either: the
        conjunction reads every condition at one time, which it would not be."""
        cond, then = stmt.children[0], stmt.children[1]
        if _names(cond) & assigned:
            return []
        branches = [(then, False)] + ([(stmt.children[2], True)] if _has_else(stmt) else [])
        paths: list[tuple[tuple[Node, Node, bool], ...]] = []
        for branch, negated in branches:
            step = ((stmt, cond, negated),)
            if always_exits(branch, noreturn=self.noreturn):
                paths.append(step)
                continue
            inner = branch.children if branch.kind == "COMPOUND_STMT" else (branch,)
            here = set(assigned)
            for child in inner:
                if child.kind == "IF_STMT" and len(child.children) >= 2:
                    paths += [step + rest for rest in self._exit_paths(child, frozenset(here))]
                here |= _assigned_names(child)
        return paths

    def _nested_exit(self, path: tuple[tuple[Node, Node, bool], ...]) -> Guard:
        """The early-return guard of one exit path: `!(A && B)`, the conjunction rebuilt as a
        node without a source range (its text is made from each condition's own text)."""
        if len(path) == 1:
            stmt, cond, negated = path[0]
            return self.guard("early-return", stmt, cond, negated=not negated)
        parts, texts = [], []
        for stmt, cond, negated in path:
            text = condition_text(self.unit, cond, stmt)
            if negated:
                cond = Node("UNARY_OPERATOR", "", cond.line, cond.col, 0, 0, (cond,), op="!", file=cond.file)
                text = _negated_text(text)
            elif _loose(strip(cond)):
                text = f"({text})"
            if text not in texts:  # `if (!node) { ...; if (!node) return; }`: one conjunct
                parts.append(cond)
                texts.append(text)
        joined = parts[0]
        for part in parts[1:]:
            joined = Node("BINARY_OPERATOR", "", part.line, part.col, 0, 0, (joined, part), op="&&", file=part.file)
        last = path[-1][1]
        return Guard("early-return", joined, " && ".join(texts), last.line, True, (),
                     to_cexpr(joined, self.unit.source))

    def walk_switch(self, node: Node, guards: tuple[Guard, ...]) -> None:
        if not node.children:
            return
        cond, body = node.children[0], node.children[-1]
        self.walk(cond, guards)
        self._walk_cases(node, cond, body, guards)

    def _walk_cases(self, switch: Node, cond: Node, body: Node, guards: tuple[Guard, ...]) -> None:
        """Statements of a switch body get the guard of the case labels that lead to them."""
        labels: list[int | str] = []
        statements = body.children if body.kind == "COMPOUND_STMT" else (body,)
        for stmt in statements:
            while stmt.kind in ("CASE_STMT", "DEFAULT_STMT"):
                if stmt.kind == "CASE_STMT":
                    label = strip(stmt.children[0]) if stmt.children else stmt
                    labels.append(label.value if label.value is not None else self.unit.source(label))
                else:
                    labels.append("default")
                if len(stmt.children) < (2 if stmt.kind == "CASE_STMT" else 1):
                    break
                stmt = stmt.children[-1]
            if stmt.kind in ("CASE_STMT", "DEFAULT_STMT"):
                continue
            kind = "default" if labels == ["default"] else "case"
            self.walk(stmt, guards + (self.guard(kind, switch, cond, labels=tuple(labels)),))
            if always_exits(stmt, noreturn=self.ends_case) or stmt.kind == "BREAK_STMT":
                labels = []

    def walk_conditional(self, node: Node, guards: tuple[Guard, ...]) -> None:
        if len(node.children) != 3:
            for child in node.children:
                self.walk(child, guards)
            return
        cond, yes, no = node.children
        self.walk(cond, guards)
        self.walk(yes, guards + (self.guard("ternary", node, cond),))
        self.walk(no, guards + (self.guard("ternary", node, cond, negated=True),))

    def walk_binary(self, node: Node, guards: tuple[Guard, ...]) -> None:
        if node.op not in ("&&", "||") or len(node.children) != 2:
            for child in node.children:
                self.walk(child, guards)
            return
        left, right = node.children
        self.walk(left, guards)
        kind = "and" if node.op == "&&" else "or"
        self.walk(right, guards + (self.guard(kind, node, left, negated=(kind == "or")),))

    def walk_loop(self, node: Node, guards: tuple[Guard, ...]) -> None:
        if node.kind == "WHILE_STMT" and len(node.children) == 2:
            cond, body = node.children
            self.walk(cond, guards)
            self.walk(body, guards + (self.guard("loop", node, cond),))
            return
        if node.kind == "FOR_STMT" and len(node.children) == 4 and (
                _counting(*node.children[:2]) or strip(node.children[1]).kind == "DECL_REF_EXPR"
                or _linked_walk(node.children[1])):
            # `for (i = 0; i < n; ++i) body`, a count from 0, or a list walk, `for (d = list; d;
            # d = d->next)` (the condition a variable alone) or keepalived's
            # list_for_each_entry(pos, head, member) (`&pos->member != (head)`): libclang leaves
            # out a missing part, so with four children the second is the condition. Other for
            # loops' conditions are no guards.
            init, cond, inc, body = node.children
            self.walk(init, guards)
            self.walk(cond, guards)
            loop = guards + (self.guard("loop", node, cond),)
            self.walk(body, loop)
            self.walk(inc, loop)
            return
        if node.kind == "FOR_STMT" and len(node.children) == 3 and _initializing(node.children[0]) \
                and strip(node.children[1]).kind == "DECL_REF_EXPR":
            # A list walk without an increment, the body stepping on (lighttpd's
            # fdevent_sched_run: `for (fdnode *fdn = ev->pendclose; fdn; ) { ... fdn = fdn->ctx; }`):
            # after an initialization, a variable alone is the condition (as an increment it
            # would do nothing).
            init, cond, body = node.children
            self.walk(init, guards)
            self.walk(cond, guards)
            self.walk(body, guards + (self.guard("loop", node, cond),))
            return
        for child in node.children:
            self.walk(child, guards)


_HANDLERS: dict[str, Callable] = {
    "IF_STMT": _Walker.walk_if,
    "COMPOUND_STMT": _Walker.walk_compound,
    "SWITCH_STMT": _Walker.walk_switch,
    "CONDITIONAL_OPERATOR": _Walker.walk_conditional,
    "BINARY_OPERATOR": _Walker.walk_binary,
    "WHILE_STMT": _Walker.walk_loop,
    "FOR_STMT": _Walker.walk_loop,
}


def _initializing(node: Node) -> bool:
    """A declaration or a plain assignment: the initialization part of a `for`."""
    return node.kind == "DECL_STMT" or node.kind == "BINARY_OPERATOR" and node.op == "="


def _linked_walk(cond: Node) -> bool:
    """Whether a `for` loop's condition compares an entry's link with a list head, as keepalived's
    list_for_each_entry() does: `&pos->member != (head)`."""
    cond = strip(cond)
    if cond.kind != "BINARY_OPERATOR" or cond.op != "!=" or len(cond.children) != 2:
        return False
    link = strip(cond.children[0])
    return link.kind == "UNARY_OPERATOR" and link.op == "&" and len(link.children) == 1 \
        and strip(link.children[0]).kind == "MEMBER_REF_EXPR"


def _counting(init: Node, cond: Node) -> bool:
    """Whether a `for` loop counts a variable up from 0 against a bound: `int i = 0` or
    `i = 0`, then `i < n` or `i != n` (not a walk over a list, whose end is a runtime test)."""
    cond = strip(cond)
    if cond.kind != "BINARY_OPERATOR" or cond.op not in ("<", "!=") or len(cond.children) != 2:
        return False
    counter = strip(cond.children[0])
    if counter.kind != "DECL_REF_EXPR" or not counter.name:
        return False
    for node in [init] + list(init.children):
        if node.kind == "VAR_DECL" and node.name == counter.name and node.children:
            value = strip(node.children[-1])
        elif node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2 \
                and strip(node.children[0]).name == counter.name:
            value = strip(node.children[1])
        else:
            continue
        return value.kind == "INTEGER_LITERAL" and value.value == 0
    return False


def _names(node: Node) -> set[str]:
    """The variables and fields an expression reads, by name."""
    out = {node.name} if node.kind in ("DECL_REF_EXPR", "MEMBER_REF_EXPR") and node.name else set()
    return out.union(*(_names(child) for child in node.children))


def _assigned_names(node: Node) -> set[str]:
    """The variables and fields a statement assigns (`x = ...`, `p->f += ...`, `p--`, a
    declaration), by name."""
    out = {node.name} if node.kind == "VAR_DECL" and node.name else set()
    if node.children and (node.kind == "COMPOUND_ASSIGNMENT_OPERATOR" or (node.kind, node.op) == ("BINARY_OPERATOR", "=")
                          or node.kind == "UNARY_OPERATOR" and node.op in ("++", "--", "++post", "--post")):
        target = strip(node.children[0])
        if target.kind in ("DECL_REF_EXPR", "MEMBER_REF_EXPR") and target.name:
            out.add(target.name)
    return out.union(*(_assigned_names(child) for child in node.children))


def _negated_text(text: str) -> str:
    """`!` put before a condition's text: `!x`, `!f(a)`, `x` for `!x`, else `!(text)`."""
    if _PRIMARY.fullmatch(text):
        return f"!{text}"
    if text.startswith("!") and _PRIMARY.fullmatch(text[1:]):
        return text[1:]
    return f"!({text})"


_PRIMARY = re.compile(r"[A-Za-z_]\w*(?:(?:\.|->)[A-Za-z_]\w*)*(?:\((?:[^()]|\([^()]*\))*\))?")


def _loose(node: Node) -> bool:
    """An expression that needs parentheses as an operand of `&&`: `||`, `?:`, an assignment
    or a comma."""
    return node.kind in ("CONDITIONAL_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR") or \
        node.kind == "BINARY_OPERATOR" and node.op in ("||", "=", ",")


def _has_else(node: Node) -> bool:
    return node.kind == "IF_STMT" and len(node.children) == 3


def always_exits(stmt: Node, in_loop: bool = False, noreturn: frozenset[str] | None = None) -> bool:
    """True for a statement after which control never falls through: return, goto, a call of
    a function that never returns (`noreturn`: libc's exit() and the like, and the file's own
    functions that never return, noreturn_functions). `in_loop`: inside a `do ... while (0)`,
    where break and continue only end that loop. `noreturn` defaults to the library's (_library)."""
    noreturn = _library() if noreturn is None else noreturn
    stmt = strip(stmt)
    if stmt.kind in EXITS:
        return not in_loop or stmt.kind not in ("BREAK_STMT", "CONTINUE_STMT")
    if stmt.kind == "CALL_EXPR" and stmt.name in noreturn:
        return True
    if stmt.kind == "COMPOUND_STMT" and stmt.children:
        return always_exits(stmt.children[-1], in_loop, noreturn)
    if stmt.kind == "IF_STMT" and _has_else(stmt):
        return always_exits(stmt.children[-2], in_loop, noreturn) and always_exits(stmt.children[-1], in_loop, noreturn)
    if stmt.kind == "DO_STMT" and len(stmt.children) == 2 and strip(stmt.children[1]).value == 0:
        return always_exits(stmt.children[0], True, noreturn)  # a macro's `do { ...; return 0; } while (0)` (dnsmasq's ret_err)
    return False


def noreturn_functions(functions: Iterable[Node], known: frozenset[str] | None = None) -> frozenset[str]:
    """Names of the function definitions among `functions` (one file's) that never return to
    their caller: no `return` in the body and the body ends in a statement that does not
    complete (a call of exit() or of another such function of the file; an if/else both of
    whose branches do not; a switch with a `default` label, no `break` out of it, whose last
    statement does not). keepalived's `config_test_exit()`, a switch that calls exit() in every
    case (keepalived/core/main.c), is one: code after `if (-t) { validate_config();
    config_test_exit(); }` runs only without -t. `known` defaults to the library's (_library)."""
    known = _library() if known is None else known
    bodies = {fn.name: body for fn in functions if (body := function_body(fn)) is not None and not _has_return(body)}
    found: set[str] = set()
    while True:
        more = {name for name, body in bodies.items()
                if name not in found and _never_completes(body, known | found)}
        if not more:
            return frozenset(found)
        found |= more


def _never_completes(stmt: Node, noreturn: frozenset[str]) -> bool:
    """True for a statement that cannot complete normally, by the rules of noreturn_functions
    (a body without `return`, so a `goto` may only jump within it: not counted)."""
    stmt = strip(stmt)
    if stmt.kind == "CALL_EXPR":
        return stmt.name in noreturn
    if stmt.kind in ("COMPOUND_STMT", "CASE_STMT", "DEFAULT_STMT", "LABEL_STMT") and stmt.children:
        return _never_completes(stmt.children[-1], noreturn)
    if stmt.kind == "IF_STMT" and _has_else(stmt):
        return _never_completes(stmt.children[1], noreturn) and _never_completes(stmt.children[2], noreturn)
    if stmt.kind == "SWITCH_STMT" and len(stmt.children) >= 2:
        body = stmt.children[-1]
        return _has_default(body) and not _breaks_out(body) and _never_completes(body, noreturn)
    return False


def _has_return(node: Node) -> bool:
    return node.kind == "RETURN_STMT" or any(_has_return(c) for c in node.children)


def _has_default(node: Node) -> bool:
    """A `default:` label of this switch body (not of a switch nested in it)."""
    if node.kind == "DEFAULT_STMT":
        return True
    return node.kind != "SWITCH_STMT" and any(_has_default(c) for c in node.children)


def _breaks_out(node: Node) -> bool:
    """A `break` that leaves the switch whose body `node` is (not one of a nested loop or switch)."""
    if node.kind == "BREAK_STMT":
        return True
    return node.kind not in LOOPS and node.kind != "SWITCH_STMT" and any(_breaks_out(c) for c in node.children)
