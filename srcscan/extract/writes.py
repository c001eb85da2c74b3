"""What each function writes to file-scope variables and their fields.

Pure: a parsed Unit in, Write records out. Recognises `umask_cmdline = 1;`,
`p->defaults.debug = 0;` (a field, by its path from the variable, or `.debug` through a
parameter or local), `flags |= 4;`. Values are typed C expressions (srcscan.cexpr). The
option analysis reads them to follow an option's effect into the helpers its case calls
(`case 'u': set_umask(optarg);`), and the config analysis to tell defaults from keys.
"""

from __future__ import annotations

from srcscan.cexpr import render, root_path
from srcscan.extract.expressions import to_cexpr
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
            if node.kind not in _ASSIGNMENTS or node.op not in _OPS or len(node.children) != 2:
                continue
            write = _write(unit, fn, node, params | local)
            if write is not None:
                out.append(write._replace(guarded=bool(guards)))
    return tuple(out)


def _write(unit: Unit, fn: Node, node: Node, local: set[str]) -> Write | None:
    target = to_cexpr(node.children[0], unit.source)
    path, field = root_path(target)
    name = getattr(target, "name", "")
    if path and path.split(".")[0] not in local:
        where = path
    elif field:
        where = "." + field  # through a parameter or local: the field, whatever struct holds it
    elif name and getattr(target, "ref", "") == "var" and name not in local:
        where = name
    else:
        return None
    value = to_cexpr(node.children[1], unit.source)
    return Write(fn.name, fn.file or unit.path, node.line, where, node.op, value, render(value))
