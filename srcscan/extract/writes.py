"""What each function writes to file-scope variables and their fields.

Pure: a parsed Unit in, Write records out. Recognises `umask_cmdline = 1;`,
`p->defaults.debug = 0;` (a field, by its path from the variable, or `.debug` through a
parameter or local), `flags |= 4;`. Values are typed C expressions (srcscan.cexpr). The
option analysis reads them to follow an option's effect into the helpers its case calls
(`case 'u': set_umask(optarg);`), and the config analysis to tell defaults from keys.
A function's locals are recorded too (`local=True`: each declaration, op "decl" with its
initializer, and each assignment, with their guards; its parameters'
assignments with `param=True`; a store through a pointer parameter, `*var = set_value(strvec)` in
keepalived's set_string(), with `param=True` and the target `*var`, for analyze.paramstores), so
that a test of a local holding an
option's value (`const int debug_cond = r->conf.log_condition_handling; if (debug_cond)`) reads
that option, and one of a local set only under a key's test (`if (srv->srvconf.username) pwd =
getpwnam(...)`) reads that test (analyze.guardedlocals).
"""

from __future__ import annotations

from srcscan.cexpr import Name, Unary, field_owner, render, root_path, strip
from srcscan.extract.expressions import to_cexpr
from srcscan.extract.localtext import light_guards
from srcscan.extract.walk import walk_guarded
from srcscan.model import Write
from srcscan.parse import Node, Unit

_ASSIGNMENTS = frozenset({"BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR"})
_OPS = frozenset({"=", "|=", "&=", "+=", "-="})


def extract_writes(unit: Unit) -> tuple[Write, ...]:
    out: list[Write] = []
    for fn in unit.functions:
        params = {c.name for c in fn.children if c.kind == "PARM_DECL"}
        nodes = list(walk_guarded(unit, fn))
        local = {n.name for n, _ in nodes if n.kind == "VAR_DECL"}
        for node, guards in nodes:
            if node.kind == "VAR_DECL" and node.name:
                out.append(_declared(unit, fn, node)._replace(guarded=bool(guards), guards=light_guards(guards)))
                continue
            if node.kind not in _ASSIGNMENTS or node.op not in _OPS or len(node.children) != 2:
                continue
            write = _write(unit, fn, node, params | local) or _local_write(unit, fn, node, local) \
                or _param_write(unit, fn, node, params - local) or _deref_write(unit, fn, node, params - local)
            if write is not None:
                loops = tuple(g.expr for g in guards if g.kind == "loop" and g.expr is not None) if write.local else ()
                out.append(write._replace(guarded=bool(guards), loops=loops, guards=light_guards(guards)))
    return tuple(out)


_STEPS = frozenset({"++", "--", "post++", "post--", "++post", "--post"})


def extract_steps(unit: Unit) -> tuple[Write, ...]:
    """Each `++` and `--` of a function's local (keepalived's sigend(): `wait_count++` under a
    test of a child's pid), with its guards: a Write of op "++" or "--" and no value, kept apart
    from extract_writes' assignments (analyze.guardedlocals.stepped_only_under reads them)."""
    out: list[Write] = []
    for fn in unit.functions:
        nodes = list(walk_guarded(unit, fn))
        local = {n.name for n, _ in nodes if n.kind == "VAR_DECL"}
        for node, guards in nodes:
            if node.kind != "UNARY_OPERATOR" or node.op not in _STEPS or not node.children:
                continue
            target = to_cexpr(node.children[0], unit.source)
            if isinstance(target, Name) and target.ref == "var" and target.name in local:
                out.append(Write(fn.name, fn.file or unit.path, node.line, target.name, "++" if "+" in node.op else "--",
                                 None, "", guarded=bool(guards), local=True, guards=light_guards(guards)))
    return tuple(out)


def _declared(unit: Unit, fn: Node, node: Node) -> Write:
    """A local's declaration: op "decl", with its initializer as the value (None without one).
    `const int debug_cond = r->conf.log_condition_handling;` (lighttpd's configfile-glue.c)."""
    init = next((c for c in reversed(node.children) if c.kind.endswith(("_EXPR", "_LITERAL", "_OPERATOR"))), None)
    value = to_cexpr(init, unit.source) if init is not None else None
    return Write(fn.name, fn.file or unit.path, node.line, node.name, "decl", value,
                 render(value) if value is not None else "", local=True)


def _local_write(unit: Unit, fn: Node, node: Node, local: set[str]) -> Write | None:
    """An assignment to one of the function's locals (`x = y;`, `x |= 4;`)."""
    target = to_cexpr(node.children[0], unit.source)
    name = getattr(target, "name", "")
    if getattr(target, "ref", "") != "var" or name not in local:
        return None
    value = to_cexpr(node.children[1], unit.source)
    return Write(fn.name, fn.file or unit.path, node.line, name, node.op, value, render(value), local=True)


def _param_write(unit: Unit, fn: Node, node: Node, params: set[str]) -> Write | None:
    """An assignment to one of the function's parameters (dnsmasq's one_file: `if (hard_opt ==
    LOPT_CONF_OPT) hard_opt = 0;`): a local write with `param=True`."""
    target = to_cexpr(node.children[0], unit.source)
    name = getattr(target, "name", "")
    if getattr(target, "ref", "") != "param" or name not in params:
        return None
    value = to_cexpr(node.children[1], unit.source)
    return Write(fn.name, fn.file or unit.path, node.line, name, node.op, value, render(value), local=True, param=True)


def _deref_write(unit: Unit, fn: Node, node: Node, params: set[str]) -> Write | None:
    """A store through one of the function's pointer parameters (keepalived's set_string():
    `*var = set_value(strvec);`): a local write with `param=True` whose target is `*var`, which
    names no variable (the callers' `&global_data->field` is what it writes: analyze.paramstores)."""
    target = strip(to_cexpr(node.children[0], unit.source))
    if not isinstance(target, Unary) or target.op != "*":
        return None
    name = strip(target.operand)
    if not isinstance(name, Name) or name.ref != "param" or name.name not in params:
        return None
    value = to_cexpr(node.children[1], unit.source)
    return Write(fn.name, fn.file or unit.path, node.line, "*" + name.name, node.op, value, render(value), local=True,
                 param=True)


def _write(unit: Unit, fn: Node, node: Node, local: set[str]) -> Write | None:
    target = to_cexpr(node.children[0], unit.source)
    path, field = root_path(target)
    name = getattr(target, "name", "")
    base = ""
    if path and path.split(".")[0] not in local:
        where = path
    elif field:
        where = "." + field  # through a parameter or local: the field, whatever struct holds it
        base = path.split(".")[0]
    elif name and getattr(target, "ref", "") == "var" and name not in local:
        where = name
    else:
        return None
    value = to_cexpr(node.children[1], unit.source)
    return Write(fn.name, fn.file or unit.path, node.line, where, node.op, value, render(value),
                 owner=field_owner(target) if field else "", base=base)
