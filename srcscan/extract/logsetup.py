"""Per-file facts about how a daemon sets up syslog: openlog calls, forks, and the values
their arguments can take.

Pure: a parsed Unit in, plain tuples and dicts out (cached with the file's other facts).
Argument expressions are kept as small symbolic trees (`Sym`; their forms are listed in
srcscan/sym.py), to be evaluated later against whole-tree knowledge (initial values of
globals, what an option assigns).
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from srcscan.extract.calls import c_string_value, integer_value
from srcscan.extract.calls import _initializer_refs as initializer_refs
from srcscan.extract.objects import extract_objects, table_stores
from srcscan.extract.strbuild import string_builds
from srcscan.extract.walk import expression_text, strip, walk_guarded
from srcscan.model import LogSetupFacts
from srcscan.parse import Node, Unit
from srcscan.rules import Idioms
from srcscan.sym import (Sym, bin_sym, call_sym, cond_sym, fn_sym, index_sym, int_sym, local_sym, member_sym, not_sym,
                         other_sym, param_sym, str_sym, var_sym)

SYSLOG_CALLS = frozenset({"syslog", "vsyslog"})  # POSIX: the priority argument comes first
_BRANCH_GUARDS = frozenset({"if", "else", "early-return", "ternary", "and", "or"})


def extract_logsetup(unit: Unit, idioms: Idioms) -> LogSetupFacts:
    """The file's LogSetupFacts; as fields:
       {"openlog": [(function, file, line, ident sym, facility sym)],
        "forks": [(function, file, line, variable or "")],
        "locals": {function: {local: [sym, ...]}} (values given to locals of functions that fork,
                  open syslog or are main),
        "tables": {name: [[(field, int | str | None), ...], ...]} (arrays of constant rows),
        "globals": {name: sym} (initial values of file-scope variables),
        "option_assigns": [(target, value text, value sym, guard expressions (srcscan.cexpr))]
                          (in a getopt `switch`),
        "const_assigns": [(function, file, line, variable, value)] (constants given to globals in
                          functions that fork: `prog_type = PROG_TYPE_VRRP;` in the child),
        "syslog": [(function, file, line, priority sym)] (calls of syslog()/vsyslog()),
        "param_assigns": [(function, file, line, parameter index, operator, value sym,
                           ((guard sym, negated), ...))] (`if (!(prio & LOG_FACMASK)) prio |= LOG_USER;`:
                          what a log function does to the priority it was given),
        "strings": {function: extract.strbuild.string_builds(...)} (strings built in a buffer),
        "writes": {function: [field or global names assigned a value that is not a constant]},
        "global_values": [(variable, sym)] (strings and call results assigned to file-scope
                          variables: `vrrp_syslog_ident = make_syslog_ident(PROG_VRRP)`),
        "state_writes": [(function, file, line, path, value sym, ((guard sym, negated), ...))]
                         (writes to a file-scope variable or a field of one reached with `.`
                         only: `vrrp_data = malloc(1)`, `kw.active = active`; ("?", text) for
                         `|=`, `++` and the like; the branch guards around it when it writes a
                         parameter, else ()),
        "zero_globals": [name] (file-scope variables without an initializer: zero at start),
        "objects": {function: (file, extract.objects.extract_objects(...))} (function pointers
                   stored in objects, and calls through their fields; under "<file>", the
                   stores of the file's tables' initializers: extract.objects.table_stores),
        "skipped_calls": ([(file, line, name)], [name]) (calls written in branches the
                          preprocessor skipped: who calls a function only another build defines;
                          and the names the compiled lines call, by text),
        "derefs": [(function, file, line, name)] (file-scope pointers the function reads through
                  on every run: _global_derefs),
        "text_writes": {name: [line, ...]} (assignments to a name, `++`/`--` on it, and `&name`,
                        found in the file's text: branches the parse did not see, or statements
                        it dropped, still write state; see analyze/procstate.py),
        "pointer_tables": {name: (file, line, rows)} (file-scope tables whose rows hold addresses of
                          variables, `{ {&vrrp_child, "vrrp"}, ... }`: address_rows)}"""
    out: dict[str, Any] = {"openlog": [], "forks": [], "locals": {}, "tables": {}, "globals": {}, "option_assigns": [],
                           "const_assigns": [], "syslog": [], "param_assigns": [], "strings": {}, "writes": {},
                           "global_values": [], "state_writes": [], "zero_globals": [], "derefs": [],
                           "text_writes": text_writes(unit.text.get(unit.path, "")), "objects": {}, "pointer_tables": {},
                           "skipped_calls": skipped_calls(unit)}  # (calls, names called in active code)
    for var in unit.variables:
        if var.kind != "VAR_DECL":
            continue
        init = _initializer(var)
        if init is None:
            out["zero_globals"].append(var.name)
            continue
        if strip(init).kind == "INIT_LIST_EXPR":
            rows = _table_rows(strip(init))
            if rows:
                out["tables"][var.name] = rows
            pointed = address_rows(strip(init))
            if pointed:
                out["pointer_tables"][var.name] = (var.file or unit.path, var.line, pointed)
            stores = table_stores(var, strip(init), lambda node, via: initializer_refs(unit, node, via))
            if any(line != var.line for line in out["text_writes"].get(var.name, ())):
                stores = []  # written or its address taken somewhere: not only its initializer's
            if stores:  # file-scope tables of functions, for the value flow (analyze/valueflow.py)
                path = var.file or unit.path
                out["objects"].setdefault(f"<{path}>", (path, {"holders": [], "stores": [], "returns": [], "calls": [],
                                                                  "forwards": []}))[1]["stores"].extend(stores)
        else:
            out["globals"][var.name] = sym(init, (), frozenset())
        if (var.file or unit.path) == unit.path and var.line in out["text_writes"].get(var.name, ()):
            # its definition's initializer (`vrrp_data_t *vrrp_data = NULL;`): "globals" has it
            out["text_writes"][var.name] = [line for line in out["text_writes"][var.name] if line != var.line]
    for fn in unit.functions:
        # A header's inline function (`static inline void open_syslog(...)` calling openlog)
        # comes back in every file including it, under its header's path: the whole-tree
        # gathering keeps one of each.
        _function(unit, fn, out, idioms)
    return LogSetupFacts(**out)


def _function(unit: Unit, fn: Node, out: dict[str, Any], idioms: Idioms) -> None:
    path = fn.file or unit.path
    params = tuple(c.name for c in fn.children if c.kind == "PARM_DECL")
    nodes = list(walk_guarded(unit, fn))
    local_names = frozenset(n.name for n, _ in nodes if n.kind == "VAR_DECL")
    interesting = fn.name == "main"
    is_parser = any(n.kind == "CALL_EXPR" and n.name in idioms.getopt_calls for n, _ in nodes)
    openlog = idioms.openlog
    for node, guards in nodes:
        if node.kind == "CALL_EXPR" and openlog.name and node.name == openlog.name \
                and len(node.children) > 1 + max(openlog.ident_arg, openlog.facility_arg):
            args = node.children[1:]
            out["openlog"].append((fn.name, path, node.line, sym(args[openlog.ident_arg], params, local_names),
                                   sym(args[openlog.facility_arg], params, local_names)))
            interesting = True
        elif node.kind == "CALL_EXPR" and node.name in SYSLOG_CALLS and len(node.children) >= 2:
            out["syslog"].append((fn.name, path, node.line, sym(node.children[1], params, local_names)))
        elif node.kind in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR") and node.op in ("=", "|=") \
                and len(node.children) == 2 and (target := strip(node.children[0])).kind == "DECL_REF_EXPR" \
                and target.ref_kind == "PARM_DECL" and target.name in params:
            # an early exit before the assignment is before the syslog call it prepares as well
            # (dnsmasq's my_syslog() returns for MS_DEBUG without --log-debug, then masks the
            # priority): no condition of the assignment alone
            conds = tuple((sym(g.cond, params, local_names), g.negated) for g in guards
                          if g.kind in _BRANCH_GUARDS and g.kind != "early-return" and g.cond is not None)
            out["param_assigns"].append((fn.name, path, node.line, params.index(target.name), node.op,
                                         sym(node.children[1], params, local_names), conds))
        elif node.kind == "CALL_EXPR" and node.name in idioms.fork_calls:
            out["forks"].append((fn.name, path, node.line, _fork_variable(nodes, node)))
            interesting = True
        elif node.kind == "VAR_DECL" and (init := _initializer(node)) is not None and strip(init).kind == "INIT_LIST_EXPR":
            rows = _table_rows(strip(init))  # a table local to the function (static const ...)
            if rows:
                out["tables"].setdefault(node.name, rows)
        elif is_parser and node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2:
            target = strip(node.children[0])
            if target.kind == "DECL_REF_EXPR" and target.ref_kind == "VAR_DECL" and target.name not in local_names \
                    and any(g.kind == "case" for g in guards):
                value = node.children[1]
                out["option_assigns"].append((target.name, expression_text(value), sym(value, params, local_names),
                                              tuple(g.expr for g in guards if g.expr is not None)))
    out["derefs"].extend((fn.name, path, line, name) for line, name in _global_derefs(nodes, params, local_names))
    objects = extract_objects(nodes, params, local_names, lambda n: sym(n, params, local_names), strip)
    if objects:
        out["objects"][fn.name] = (path, objects)
    builds = string_builds(nodes, lambda n: sym(n, params, local_names), strip)
    if builds:
        out["strings"][fn.name] = builds
    written = _written_names(nodes, local_names)
    if written:
        out["writes"][fn.name] = written
    if interesting:
        out["locals"][fn.name] = _local_values(nodes, params, local_names)
    out["state_writes"].extend(_state_writes(fn.name, path, nodes, params, local_names))
    for node, _ in nodes:
        if node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2:
            target = strip(node.children[0])
            if target.kind == "DECL_REF_EXPR" and target.ref_kind == "VAR_DECL" and target.name not in local_names:
                value = sym(node.children[1], params, local_names)
                if value[0] == "str" or (value[0] == "call" and value[2]):
                    out["global_values"].append((target.name, value))
    if any(f[0] == fn.name and f[1] == path for f in out["forks"]):
        for node, _ in nodes:
            if node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2:
                target, value = strip(node.children[0]), integer_value(node.children[1])
                if target.kind == "DECL_REF_EXPR" and target.ref_kind == "VAR_DECL" and target.name not in local_names \
                        and value is not None:
                    out["const_assigns"].append((fn.name, path, node.line, target.name, value))


# A block comment is read as runs without `*` and runs of `*` (the same matches as `/\*.*?\*/`,
# which tried `*/` at every character of the comment: 0.4 s over a 50 MB one).
_LITERAL_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/|//[^\n]*', re.S)
# `name = `, `name += `, `name++`; `++name`, `&name` but not `&name->field` or `++name->n`
# (the object the pointer points to is written, not the pointer: `&vrrp_data->vrrp`). A name is
# tried from its first character only (the regex engine would try every later one in vain).
_WRITTEN = re.compile(r"(?<![A-Za-z_0-9])([A-Za-z_]\w*)\s*(?:\+\+|--|(?:[-+*/%&|^]|<<|>>)?=(?!=))"
                      r"|(?:\+\+|--|(?<![&\w)\]\s])\s*&)\s*([A-Za-z_]\w*+)(?!\s*->)")


def blanked_code(text: str) -> str:
    """`text` with each comment and literal blanked to one space per line it spans (its line
    breaks kept, so every line keeps its number). The two scans below read whitespace only
    as `\\s*`, never by its length, so they find the same names on the same lines as over a
    text blanked character for character; but they no longer walk every blank of a 50 MB
    comment (each one a place the regex engine tries: seconds per file)."""
    return _LITERAL_OR_COMMENT.sub(_blank_to_one_space, text)


def _blank_to_one_space(match: re.Match) -> str:
    return "\n".join(" " if part else "" for part in match.group().split("\n"))


_CALL = re.compile(r"(?<![\w.>])([A-Za-z_]\w*)\s*\(")
_NOT_CALLS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "defined", "__attribute__", "typeof"})


def skipped_calls(unit: Unit) -> tuple[list[tuple[str, int, str]], list[str]]:
    """(`run_perf("vrrp");` inside `#ifdef WITH_PERF` that this build skips, as (file, line,
    name); names called in the lines it compiles, by text: a macro in this build, such as
    check_EINTR, is called there though no parse sees a call)."""
    out: list[tuple[str, int, str]] = []
    text = unit.text.get(unit.path, "")
    if not text:
        return out, []
    lines = blanked_code(text).split("\n")
    skipped = {n for r in unit.skipped if r.file in ("", unit.path) for n in range(r.start_line, r.end_line + 1)}
    active = sorted({m.group(1) for number, line in enumerate(lines, 1) if number not in skipped
                     and not line.lstrip().startswith("#") for m in _CALL.finditer(line) if not _declared(line, m)})
    for r in unit.skipped:
        if r.file not in ("", unit.path):
            continue
        for number in range(r.start_line, min(r.end_line, len(lines)) + 1):
            line = lines[number - 1]
            if line.lstrip().startswith("#"):
                continue
            for m in _CALL.finditer(line):
                if m.group(1) not in _NOT_CALLS and not _declared(line, m):
                    out.append((unit.path, number, m.group(1)))
    return out, active


def _declared(line: str, m: re.Match) -> bool:
    """The name before `(` is declared or defined there (`void run_perf(const char *p)`,
    `static void create_proto(void) {`, or a definition whose type is on the line above, the
    name starting the line: `set_addrproto(void)`), not called."""
    if m.start() == 0 and not line.rstrip().endswith(";"):
        return True
    before = line[:m.start()].strip()
    return bool(re.search(r"[\w*]$", before)) and before.split()[-1] not in ("return", "else", "do")


def text_writes(text: str) -> dict[str, list[int]]:
    """Lines where each name is written or has its address taken in a C text (comments and
    literals blanked, line breaks kept). `a == b` and `a <= b` are not writes, nor is `&p->x`
    (it writes what `p` points to); `x & y` may count as `&y`, which errs on the side of
    "written"."""
    code = blanked_code(text)
    starts = [0] + [m.end() for m in re.finditer(r"\n", code)]
    lines: dict[str, list[int]] = {}
    for m in _WRITTEN.finditer(code):
        name = m.group(1) or m.group(2)
        lines.setdefault(name, []).append(bisect.bisect_right(starts, m.start()))
    return lines


def _state_writes(function: str, path: str, nodes: list[tuple[Node, Any]], params: tuple[str, ...],
                  local_names: frozenset[str]) -> list[tuple]:
    out = []
    for node, guards in nodes:
        if node.kind in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR") and len(node.children) == 2 \
                and node.op.endswith("=") and node.op not in ("==", "!=", "<=", ">="):
            target = global_path(node.children[0], local_names)
            if target:
                value = sym(node.children[1], params, local_names) if node.op == "=" else other_sym(node.op)
                # a parameter's value is written only when the guards on it hold for what a call
                # passes (`if (max_realtime_priority != -1) max_rt_priority = max_realtime_priority;`)
                conds = tuple((sym(g.cond, params, local_names), g.negated) for g in guards
                              if g.kind in _BRANCH_GUARDS and g.cond is not None) if value[0] == "param" else ()
                out.append((function, path, node.line, target, value, conds))
        elif node.kind == "UNARY_OPERATOR" and node.op in ("++", "--", "post++", "post--") and node.children:
            # (libclang names the postfix forms `post++`, parse.libclang.UNARY_OPS)
            target = global_path(node.children[0], local_names)
            if target:
                out.append((function, path, node.line, target, other_sym(node.op), ()))
    return out


def global_path(node: Node, local_names: frozenset[str]) -> str | None:
    """`kw.active` or `vrrp_data`: a file-scope variable or a field of one reached with `.`
    only (a field through a pointer, `p->x`, belongs to whatever the pointer holds)."""
    names = []
    node = strip(node)
    while node.kind == "MEMBER_REF_EXPR" and node.op == "." and node.children:
        names.append(node.name)
        node = strip(node.children[0])
    if node.kind == "DECL_REF_EXPR" and node.ref_kind == "VAR_DECL" and node.name not in local_names:
        return ".".join([node.name] + names[::-1])
    return None


def _written_names(nodes: list[tuple[Node, Any]], local_names: frozenset[str]) -> list[str]:
    """Fields and file-scope variables the function assigns something other than a constant
    (`global_data->instance_name = set_value(strvec)`): which keyword handler sets a field."""
    names = set()
    for node, _ in nodes:
        if node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2 \
                and integer_value(node.children[1]) is None:
            target = strip(node.children[0])
            if target.kind == "MEMBER_REF_EXPR" or (target.kind == "DECL_REF_EXPR" and target.ref_kind == "VAR_DECL"
                                                     and target.name not in local_names):
                names.add(target.name)
    return sorted(names)


_UNEVALUATED = frozenset({"CXX_UNARY_EXPR", "OFFSET_OF_EXPR", "UNARY_EXPR"})  # sizeof, alignof, offsetof


def _global_derefs(nodes: list[tuple[Node, Any]], params: tuple[str, ...],
                   local_names: frozenset[str]) -> list[tuple[int, str]]:
    """(line, name) of each file-scope pointer the function reads through on every run: a
    `g->field` (or `(&g->list)->next`, what keepalived's list_for_each_entry(v, &vrrp_data->vrrp,
    e_list) starts with) under no guard, evaluated (not in sizeof or offsetof), and not only
    an address taken (`&g->field` alone reads nothing). A process where `g` is NULL never
    runs such a function past that point (analyze/procstate.py)."""
    addressed: set[int] = set()
    unevaluated: set[int] = set()
    for node, _ in nodes:
        if node.kind == "UNARY_OPERATOR" and node.op == "&" and node.children:
            addressed.add(id(strip(node.children[0])))
        if node.kind in _UNEVALUATED:
            todo = list(node.children)
            while todo:
                child = todo.pop()
                unevaluated.add(id(child))
                todo.extend(child.children)
    out = []
    for node, guards in nodes:
        if guards or node.kind != "MEMBER_REF_EXPR" or node.op != "->" or not node.children \
                or id(node) in addressed or id(node) in unevaluated:
            continue
        base = strip(node.children[0])
        if base.kind == "UNARY_OPERATOR" and base.op == "&" and base.children \
                and (inner := strip(base.children[0])).kind == "MEMBER_REF_EXPR" and inner.op == "->" and inner.children:
            base = strip(inner.children[0])  # (&g->list)->next
        if base.kind == "DECL_REF_EXPR" and base.ref_kind == "VAR_DECL" and base.name not in local_names \
                and base.name not in params:
            out.append((node.line, base.name))
    return out


def _initializer(var: Node) -> Node | None:
    """The initializer of a VAR_DECL: its last child that is an expression."""
    for child in reversed(var.children):
        if child.kind.endswith(("_EXPR", "_LITERAL", "_OPERATOR")):
            return child
    return None


def _table_rows(init: Node) -> list[list[tuple[str, int | str | None]]]:
    """Rows of `{ {LOG_LOCAL0}, ... }` or `{ {"daemon", LOG_DAEMON}, ... }`: constants only."""
    rows = []
    for row in init.children:
        row = strip(row)
        if row.kind != "INIT_LIST_EXPR":
            return []
        names = row.name.split(",") if row.name else []
        values = []
        for i, cell in enumerate(row.children):
            field = names[i] if i < len(names) else str(i)
            cell = strip(cell)
            if cell.kind == "STRING_LITERAL":
                values.append((field, c_string_value(cell.name)))
            else:
                values.append((field, integer_value(cell)))
        rows.append(values)
    return rows


def address_rows(init: Node) -> list[list[tuple[str, str, int]]]:
    """Rows of `{ {&vrrp_child, PROG_VRRP, "vrrp"}, ... }`: for each row, (field, variable, line) of
    each cell taking a file-scope variable's address; [] when no row holds one, or a row is no
    braced list."""
    rows = []
    for row in init.children:
        row = strip(row)
        if row.kind != "INIT_LIST_EXPR":
            return []
        names = row.name.split(",") if row.name else []
        cells = []
        for i, cell in enumerate(row.children):
            cell = strip(cell)
            if cell.kind == "UNARY_OPERATOR" and cell.op == "&" and cell.children:
                target = strip(cell.children[0])
                if target.kind == "DECL_REF_EXPR" and target.ref_kind == "VAR_DECL" and target.name:
                    cells.append((names[i] if i < len(names) else str(i), target.name, cell.line))
        rows.append(cells)
    return rows if any(rows) else []


def _fork_variable(nodes: list[tuple[Node, Any]], call: Node) -> str:
    """`pid = fork()` or `if (!(child = fork()))` -> the variable holding the result."""
    for node, _ in nodes:
        if node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2 \
                and strip(node.children[1]) is call:
            return expression_text(node.children[0])
        if node.kind == "VAR_DECL" and node.children and strip(node.children[-1]) is call:
            return node.name
    return ""


def _local_values(nodes: list[tuple[Node, Any]], params: tuple[str, ...], local_names: frozenset[str]) -> dict[str, list]:
    values: dict[str, list] = {}
    for node, _ in nodes:
        if node.kind == "VAR_DECL" and node.children:
            init = _initializer(node)
            if init is not None and strip(init).kind != "INIT_LIST_EXPR":
                values.setdefault(node.name, []).append(sym(init, params, local_names))
        elif node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2:
            target = strip(node.children[0])
            if target.kind == "DECL_REF_EXPR" and target.name in local_names:
                values.setdefault(target.name, []).append(sym(node.children[1], params, local_names))
    return {k: list(dict.fromkeys(v)) for k, v in values.items()}


def sym(node: Node, params: tuple[str, ...], local_names: frozenset[str]) -> Sym:
    node = strip(node)
    value = integer_value(node)
    if value is not None:
        return int_sym(value)
    kids = node.children
    if node.kind == "STRING_LITERAL":
        return str_sym(c_string_value(node.name))
    if node.kind == "PAREN_EXPR" and kids:
        return sym(kids[0], params, local_names)
    if node.kind == "DECL_REF_EXPR":
        if node.ref_kind == "FUNCTION_DECL":
            return fn_sym(node.name)
        if node.ref_kind == "PARM_DECL" and node.name in params:
            return param_sym(params.index(node.name), node.name)
        if node.ref_kind == "VAR_DECL":
            return local_sym(node.name) if node.name in local_names else var_sym(node.name)
    if node.kind == "CONDITIONAL_OPERATOR" and len(kids) == 3:
        return cond_sym(*(sym(k, params, local_names) for k in kids))
    if node.kind == "BINARY_OPERATOR" and len(kids) == 2:
        return bin_sym(node.op, sym(kids[0], params, local_names), sym(kids[1], params, local_names))
    if node.kind == "UNARY_OPERATOR" and node.op == "!" and kids:
        return not_sym(sym(kids[0], params, local_names))
    if node.kind == "MEMBER_REF_EXPR" and kids:
        return member_sym(sym(kids[0], params, local_names), node.name)
    if node.kind == "ARRAY_SUBSCRIPT_EXPR" and len(kids) == 2:
        return index_sym(sym(kids[0], params, local_names), sym(kids[1], params, local_names))
    if node.kind == "CALL_EXPR":
        return call_sym(node.name, tuple(sym(k, params, local_names) for k in kids[1:]))
    return other_sym(expression_text(node))
