"""Constant tables of pointers to variables: a test through a table's row is a test of the
variable the row points to.

keepalived 2.x's parent stops its children by walking

    static const struct child_term children_term[] = {
        { &vrrp_child, PROG_VRRP, "vrrp" }, { &checkers_child, PROG_CHECK, "checker" }, ... };
    for (i = 0; i < NUM_CHILD_TERM; i++)
        if (*children_term[i].pid_p > 0) ...

`*children_term[i].pid_p > 0` holds for some row only when `vrrp_child > 0 || checkers_child > 0
|| ...`: a guard through a row picked by a run-time index is read as the disjunction of the guard
read with each row's variable put in (a constant index picks its row), each read as a test of
that variable (valuestores: a pid only the fork starting its child stores). The table's
`&vrrp_child` is then no write srcscan cannot read: value_stores and the flag stores leave the
initializer's lines out.

Only when sure: the table is `static` (no other file names it), every row holds a variable's
address in the field, and every use of the table in its file's text is `sizeof`, a read of
another field, or `*table[...].field` read or given 0 (`*children_term[i].pid_p = 0`: a clear,
which makes no variable non-zero); any other use (the table or a row's pointer handed on, a
store of another value through it, the table named in a #define's body other than by
`sizeof`, where a macro's uses hide) leaves the table out. Facts (extract.logsetup's
pointer_tables) and the files' texts in, tables out; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from srcscan.cexpr import CExpr, Index, Member, Name, Unary, evaluate, rewrite, strip, walk
from srcscan.preprocessor.lex import blank_comments_and_literals
from srcscan.model import Guard

_MAX_ROWS = 16


@dataclass
class PointerTables:
    """(file, table) -> field -> the variable each row's field points to; `addresses`: (file,
    variable) -> the lines of those tables' initializers taking its address."""

    fields: dict[tuple[str, str], dict[str, tuple[str, ...]]] = field(default_factory=dict)
    addresses: dict[tuple[str, str], frozenset[int]] = field(default_factory=dict)


def pointer_tables(files: Iterable, texts: Mapping[str, str]) -> PointerTables:
    """The tables of the files' logsetup facts (`pointer_tables`) that the module docstring's
    conditions keep, read against `texts` (file -> its text)."""
    out = PointerTables()
    seen: set[tuple[str, str]] = set()
    for f in files:
        data = getattr(f, "logsetup", None)
        for name, (path, line, rows) in (getattr(data, "pointer_tables", None) or {}).items():
            if (path, name) in seen or path != f.path:
                continue
            seen.add((path, name))
            if not rows or len(rows) > _MAX_ROWS:
                continue
            by_field: dict[str, list[str]] = {}
            for row in rows:
                for cell_field, var, _ in row:
                    by_field.setdefault(cell_field, []).append(var)
            kept = {fld: tuple(vs) for fld, vs in by_field.items() if len(vs) == len(rows)}
            if not kept or not _only_read(texts.get(path, ""), name, line, frozenset(kept)):
                continue
            out.fields[(path, name)] = kept
            for row in rows:
                for cell_field, var, cell_line in row:
                    if cell_field in kept:
                        out.addresses[(path, var)] = out.addresses.get((path, var), frozenset()) | {cell_line}
    return out


def _only_read(text: str, name: str, line: int, pointers: frozenset[str]) -> bool:
    """Whether the table declared at `line` is `static` and each other use of `name` in the text
    is `sizeof`, another field's read, or `*name[...].field` read or given 0."""
    code = blank_comments_and_literals(text)
    lines = code.splitlines()
    if not 0 < line <= len(lines):
        return False
    head = " ".join(lines[max(0, line - 4):line])
    declaration = re.search(r"\bstatic\b[^;{}()]*\b" + re.escape(name) + r"\s*\[[^\]]*\]\s*=", head)
    if declaration is None:
        return False
    use = re.compile(r"(?<![\w.])" + re.escape(name) + r"(?!\w)")
    if any(not re.search(r"\bsizeof\s*\(?\s*$", d[:m.start()]) for d in _directives(code) for m in use.finditer(d)):
        return False  # a macro's body using the table other than by `sizeof`: its uses hide where it is expanded
    for m in use.finditer(code):
        if code.count("\n", 0, m.start()) + 1 == line:
            continue  # the declaration itself
        before = code[:m.start()].rstrip()
        if re.search(r"\bsizeof\s*\(?$", before):
            continue
        row = re.match(r"\s*\[[^\[\]]*\]\s*\.\s*(\w+)", code[m.end():])
        if row is None:
            return False  # the table itself handed on, indexed twice, its address taken
        if row.group(1) not in pointers:
            continue  # another field (the rows are constant)
        if not before.endswith("*") or before.endswith(("**", "&*")):
            return False  # the pointer itself used (handed on, compared), or an odd form
        after = re.sub(r"^[\s)]*", "", code[m.end() + row.end():])  # `(*t[i].f)++` too
        if after.startswith(("++", "--")) or re.sub(r"[\s(*]*$", "", before).endswith(("++", "--")):
            return False
        store = re.match(r"([-+*/%&|^]|<<|>>)?=(?!=)\s*([^;]*);", after)
        if store is not None and (store.group(1) or evaluate_text(store.group(2)) != 0):
            return False  # a store of another value than 0 through the row
    return True


def _directives(code: str) -> list[str]:
    """The preprocessor directives of `code` (comments blanked), each with its continued lines."""
    return re.findall(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", code, re.M)


def evaluate_text(text: str) -> int | None:
    """A plain integer literal's value (`0`, `(0)`); None for anything else."""
    m = re.fullmatch(r"\s*\(?\s*(\d+)[uUlL]*\s*\)?\s*", text)
    return int(m.group(1)) if m else None


def through_table(e: CExpr, tables: PointerTables, file: str) -> list[CExpr] | None:
    """`e` with each `*table[i].field` of a kept table of `file` replaced by a row's variable:
    one expression per row a run-time index may pick (all rows picked alike: one `i`), the row
    of a constant index; None when `e` reads no such table."""
    found: list[tuple[str, str, CExpr]] = []
    for x in walk(e):
        hit = _row_read(x, tables, file)
        if hit is not None:
            found.append(hit)
    if not found:
        return None
    names = {(t, fld) for t, fld, _ in found}
    indexes = {idx for _, _, idx in found}
    if len({t for t, _ in names}) != 1 or len(indexes) != 1:
        return None  # two tables, or two indexes: the rows they pick are not one
    table = next(iter(names))[0]
    index = next(iter(indexes))
    fields = tables.fields[(file, table)]
    count = len(next(iter(fields.values())))
    constant = evaluate(index)
    rows = [constant] if constant is not None else list(range(count))
    if any(r < 0 or r >= count for r in rows):
        return None
    return [rewrite(e, lambda x, r=r: _row_value(x, tables, file, r)) for r in rows]


def row_guards(guard: Guard, index, fn) -> list[Guard] | None:
    """`guard` once per row its `*table[i].field` may read (through_table), for the guard readers
    (optiontests.guard_requirement, conditions.guard_condition and site_condition) to read each
    and take any; None when it reads no kept table."""
    tables = getattr(index, "pointer_tables", None)
    if tables is None or fn is None or guard.expr is None or guard.kind in ("case", "default") or not tables.fields:
        return None
    rows = through_table(guard.expr, tables, fn.file)
    return None if rows is None else [replace(guard, expr=e) for e in rows]


def _row_read(x: CExpr, tables: PointerTables, file: str) -> tuple[str, str, CExpr] | None:
    """(table, field, index) of `*table[index].field` for a kept table; None otherwise."""
    if not (isinstance(x, Unary) and x.op == "*"):
        return None
    member = strip(x.operand)
    if not (isinstance(member, Member) and not member.arrow):
        return None
    row = strip(member.base)
    if not (isinstance(row, Index) and isinstance(strip(row.base), Name)):
        return None
    table = strip(row.base).name
    fields = tables.fields.get((file, table))
    if fields is None or member.field not in fields:
        return None
    return table, member.field, strip(row.index)


def _row_value(x: CExpr, tables: PointerTables, file: str, row: int) -> CExpr | None:
    hit = _row_read(x, tables, file)
    if hit is None:
        return None
    return Name(tables.fields[(file, hit[0])][hit[1]][row], "var")
