"""Functions, call sites and function references of one parsed file.

Pure: a Unit in, FunctionFacts and FunctionRefs out. Recognises
`log_message(LOG_INFO, "x %s", s)` (direct call), `p->handler(x)` (call through a field),
`thread_add_read(m, vrrp_read, ...)` (function passed as an argument),
`p->handle_uri = mod_x_uri;` (stored into a field) and `{ "name", handler }` (tabled).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Callable, Iterator

from srcscan.cexpr import c_string_value, c_unescape
from srcscan.extract.expressions import to_cexpr
from srcscan.extract.walk import Guard, expression_text, function_body, one_line, strip, walk_guarded
from srcscan.formats.template import Arg
from srcscan.model import CallSite, FunctionFacts, FunctionRef, Return, SiteKey
from srcscan.parse import Node, Unit

_IDENT = re.compile(r"[A-Za-z_]\w*")
INTERNAL_LINKAGE = 2



def extract_functions(unit: Unit) -> tuple[FunctionFacts, ...]:
    return tuple(_header_memo(unit, fn, "facts", _function_facts) for fn in unit.functions)


# A tree header's inline functions come back, node for node the same, in every file that
# includes the header: a worker extracts each once. The key holds the header's text, since
# the facts quote it.
_memo: dict[tuple, Any] = {}
_MEMO_LIMIT = 20000


def _header_memo(unit: Unit, fn: Node, what: str, extract: Callable[[Unit, Node], Any]) -> Any:
    if not fn.file:
        return extract(unit, fn)
    key = (what, fn, unit.text.get(fn.file))
    hit = _memo.get(key)
    if hit is None:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        hit = _memo[key] = extract(unit, fn)
    return hit


def _function_facts(unit: Unit, fn: Node) -> FunctionFacts:
    params = tuple(c.name for c in fn.children if c.kind == "PARM_DECL")
    body = function_body(fn)
    head = unit.source(fn._replace(end=body.start) if body and body.start >= fn.start else fn)
    walked = list(walk_guarded(unit, fn))
    arrays = {**_file_arrays(unit), **{k: v for node, _ in walked if node.kind == "VAR_DECL"
                                       for k, v in _const_array(unit, node) + _const_pointer(unit, node)}}
    calls = tuple(_call_site(unit, fn, node, guards, arrays) for node, guards in walked if node.kind == "CALL_EXPR")
    returns = tuple(Return(node.line, to_cexpr(node.children[0], unit.source) if node.children else None,
                           tuple(replace(g, cond=None) for g in guards))
                    for node, guards in walked if node.kind == "RETURN_STMT")
    return FunctionFacts(
        name=fn.name,
        file=fn.file or unit.path,
        line=fn.line,
        static=fn.value == INTERNAL_LINKAGE,
        params=params,
        variadic="..." in head,
        calls=calls,
        returns=returns,
    )


_CONST_ARRAY = re.compile(r"^(?:static\s+)?(?:const\s+char|char\s+const)\s+(\w+)\s*\[\s*\]\s*=")
# A pointer that is itself const: its initial value is the only one it ever holds.
_CONST_POINTER = re.compile(r"^(?:static\s+)?(?:const\s+char|char\s+const)\s*\*\s*const\s+(\w+)\s*=")
_arrays_of: dict[str, Any] = {"unit": None, "arrays": {}}


def _const_array(unit: Unit, node: Node) -> list[tuple[str, Arg]]:
    """`static const char fmt[] = "bad packet from %s";`: (name, the literal as an Arg), else nothing."""
    value = next((c for c in node.children if strip(c).kind == "STRING_LITERAL"), None)
    if value is None or not _CONST_ARRAY.match(unit.source(node).strip()):
        return []
    return [(node.name, Arg(text=node.name, string=c_string_value(strip(value).name)))]


def _const_pointer(unit: Unit, node: Node) -> list[tuple[str, Arg]]:
    """A local `const char * const msg = cond ? "a" : cond2 ? "b" : NULL;`: (name, the
    initializer as an Arg: a literal, or a choice whose alternatives are literals or null),
    else nothing. lighttpd 1.4.79's gw_backend.c hands such a `msg` to gw_backend_error_trace."""
    if not node.children or not _CONST_POINTER.match(unit.source(node).strip()):
        return []
    init = strip(node.children[-1])
    if init.kind not in ("STRING_LITERAL", "CONDITIONAL_OPERATOR"):
        return []
    value = argument(unit, init)
    if value.string is None and not any(c.string is not None for c in value.choices):
        return []
    return [(node.name, value)]


def _file_arrays(unit: Unit) -> dict[str, Arg]:
    """The file's constant char arrays at file scope, by name (once per unit)."""
    if _arrays_of["unit"] is not unit:
        _arrays_of["unit"] = unit
        _arrays_of["arrays"] = {k: v for var in unit.variables if var.kind == "VAR_DECL" for k, v in _const_array(unit, var)}
    return _arrays_of["arrays"]


def _call_line(unit: Unit, call: Node) -> int:
    """The line a call site is keyed and reported by: the line of a `__LINE__` argument
    (what the daemon prints: lighttpd's log_error(errh, __FILE__, __LINE__, ...)), else the
    call expression's own line."""
    return next((a.line for a in call.children[1:] if unit.source(a) == "__LINE__"), call.line)


def _call_site(unit: Unit, fn: Node, call: Node, guards: tuple[Guard, ...], arrays: dict[str, Arg]) -> CallSite:
    callee_node = strip(call.children[0]) if call.children else call
    callee, indirect = callee_of(call, callee_node)
    if callee == "?" and callee_node.kind == "UNEXPOSED_EXPR" and not callee_node.children \
            and _IDENT.fullmatch(written := unit.source(callee_node).strip()):
        # a function declared with a type of a header the build lacks (`static LDAP
        # *mod_authn_ldap_host_init(...)`, lighttpd's mod_vhostdb_ldap.c): clang names no
        # callee, the text does
        callee, indirect = written, ""
    args = call.children[1:]
    text = unit.source(call)
    match = _IDENT.match(text)
    line = _call_line(unit, call)
    return CallSite(
        function=fn.name,
        callee=callee,
        indirect=indirect,
        file=call.file or unit.path,
        line=line,
        col=call.col,
        written=match.group(0) if match else callee,
        args=tuple(_array_value(argument(unit, a, call), a, arrays) for a in args),
        arg_refs=tuple(tuple(sorted({n.name for n in _function_names(a)})) for a in args),
        guards=guards,
        text=text,
        exprs=tuple(to_cexpr(a, unit.source) for a in args),
    )


def _array_value(arg: Arg, node: Node, arrays: dict[str, Arg]) -> Arg:
    """An argument naming a constant char array (or a const pointer to literals) reads as
    its literal (a format or text), or as the choice between literals it was given."""
    inner = strip(node)
    if arg.string is None and inner.kind == "DECL_REF_EXPR" and inner.ref_kind == "VAR_DECL" and inner.name in arrays:
        value = arrays[inner.name]
        return Arg(text=arg.text, string=value.string, pieces=value.pieces, choices=value.choices, choice_of=value.choice_of)
    return arg


def callee_of(call: Node, callee: Node) -> tuple[str, str]:
    """(name, how) of what a call calls: how is "" for a direct call."""
    while callee.kind == "UNARY_OPERATOR" and callee.op == "*" and callee.children:
        callee = strip(callee.children[0])
    if callee.kind == "DECL_REF_EXPR":
        if callee.ref_kind == "FUNCTION_DECL":
            return callee.name, ""
        return callee.name, "parameter" if callee.ref_kind == "PARM_DECL" else "variable"
    if callee.kind == "MEMBER_REF_EXPR":
        return callee.name, "field"
    return call.name or "?", "other"


def argument(unit: Unit, node: Node, call: Node | None = None) -> Arg:
    """An argument: its text as written, or rebuilt when a macro's body holds it (its source
    range is then the whole call's: `note(0, full)` for `(full) ? "a" : "b"`).

    A choice `c ? "a" : "b"` keeps each alternative (Arg.choices); a literal pasted from
    macros, `"Starting " VERSION_STRING`, keeps which piece came from which macro (Arg.pieces).
    """
    inner = strip(node)
    written = call is None or (node.start, node.end) != (call.start, call.end) or inner.kind == "STRING_LITERAL"
    text = (one_line(unit.source(node) or unit.source(inner)) if written else "") or inner.name or expression_text(inner)
    if inner.kind == "STRING_LITERAL":
        return Arg(text=text, string=c_string_value(inner.name), pieces=literal_pieces(text, inner.name))
    choices, condition = (), ""
    if inner.kind == "CONDITIONAL_OPERATOR" and len(inner.children) == 3:
        branches = (argument(unit, inner.children[1], call), argument(unit, inner.children[2], call))
        choices = tuple(c for b in branches for c in (b.choices or (b,)))
        condition = expression_text(inner.children[0])
    return Arg(text=text, integer=integer_value(inner), choices=choices, choice_of=condition)


_TOKEN = re.compile(r'(?:u8|[LuU])?"((?:[^"\\]|\\.)*)"|([A-Za-z_]\w*)', re.S)


def literal_pieces(written: str, spelling: str) -> tuple[tuple[str, str], ...]:
    """(value, macro) per piece of a literal written with macros, () when none takes part.

    `written` is the argument as written (`"Starting " VERSION_STRING`), `spelling` the
    literal after expansion as libclang spells it: the written literals are found in its
    value in order, and each macro name takes the text between them."""
    items = [(m.group(1), "") if m.group(2) is None else (None, m.group(2)) for m in _TOKEN.finditer(written)]
    if all(name == "" for _, name in items):
        return ()
    value = c_string_value(spelling)
    out: list[tuple[str, str]] = []
    pos = 0
    for i, (raw, name) in enumerate(items):
        if not name:
            piece = c_unescape(raw)
            if not value.startswith(piece, pos):
                return ()
            out.append((piece, ""))
            pos += len(piece)
            continue
        following = next((c_unescape(r) for r, n in items[i + 1:] if not n), None)
        end = len(value) if following is None else value.find(following, pos)
        if end < 0:
            return ()
        if end > pos:
            out.append((value[pos:end], name))
        pos = end
    if pos != len(value) or all(name == "" for _, name in out):
        return ()
    return tuple(out)


def integer_value(node: Node) -> int | None:
    node = strip(node)
    if node.kind in ("INTEGER_LITERAL", "CHARACTER_LITERAL") or (node.kind == "DECL_REF_EXPR" and node.ref_kind == "ENUM_CONSTANT_DECL"):
        return node.value
    if node.kind == "UNARY_OPERATOR" and node.op in _UNARY and node.children:
        inner = integer_value(node.children[0])
        return None if inner is None else _UNARY[node.op](inner)
    if node.kind == "BINARY_OPERATOR" and node.op in _BINARY and len(node.children) == 2:
        left, right = integer_value(node.children[0]), integer_value(node.children[1])
        if left is None or right is None or (node.op in "/%" and right == 0) or (node.op in ("<<", ">>") and not 0 <= right < 64):
            return None
        return _BINARY[node.op](left, right)
    return None


# Constant folding for priorities written as expressions, e.g. lighttpd's `((1 << 8) | 7)`.
_UNARY = {"-": lambda a: -a, "~": lambda a: ~a, "+": lambda a: a, "!": lambda a: int(not a)}
_BINARY = {"|": lambda a, b: a | b, "&": lambda a, b: a & b, "^": lambda a, b: a ^ b,
           "<<": lambda a, b: a << b, ">>": lambda a, b: a >> b, "+": lambda a, b: a + b,
           "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: int(a / b),
           "%": lambda a, b: a - b * int(a / b)}


def _function_names(node: Node) -> list[Node]:
    """Function references (not calls) inside an expression, in source order. (A loop, not
    nested generators: expressions nest deeply, and each level would pass every name up.)"""
    found, todo = [], [node]
    while todo:
        node = todo.pop()
        if node.kind == "DECL_REF_EXPR" and node.ref_kind == "FUNCTION_DECL":
            found.append(node)
        children = node.children[1:] if node.kind == "CALL_EXPR" else node.children
        todo.extend(reversed(children))
    return found


def extract_function_refs(unit: Unit) -> tuple[FunctionRef, ...]:
    refs: list[FunctionRef] = []
    for fn in unit.functions:
        refs.extend(_header_memo(unit, fn, "refs", _function_refs))
    for var in unit.variables:
        for ref, field in _initializer_refs(unit, var, var.name):
            refs.append(FunctionRef("", ref.name, "initializer", field, var.file or unit.path, ref.line))
    return tuple(refs)


def _function_refs(unit: Unit, fn: Node) -> tuple[FunctionRef, ...]:
    return tuple(ref for node, guards in walk_guarded(unit, fn) for ref in _refs_at(unit, fn.name, node, guards))


_DESIGNATOR = re.compile(r"\s*\.\s*([A-Za-z_]\w*)\s*=")


def _initializer_refs(unit: Unit, node: Node, via: str) -> Iterator[tuple[Node, str]]:
    """Functions named in an initializer, each with the struct field it fills when known.

    `{ "name", handler }` fills fields by position; `{ .handler = f }` by designator. The
    field name is what lets an indirect call `p->handler(x)` be resolved to `f`.
    """
    if node.kind == "INIT_LIST_EXPR" and node.name:
        fields = node.name.split(",")
        position = 0
        for child in node.children:
            designated = _DESIGNATOR.match(unit.source(child))
            if designated and designated.group(1) in fields:
                position = fields.index(designated.group(1))
            field = fields[position] if position < len(fields) else via
            yield from _initializer_refs(unit, child, field)
            position += 1
        return
    if node.kind == "DECL_REF_EXPR" and node.ref_kind == "FUNCTION_DECL":
        yield node, via
        return
    for child in node.children[1:] if node.kind == "CALL_EXPR" else node.children:
        yield from _initializer_refs(unit, child, via)


def _refs_at(unit: Unit, function: str, node: Node, guards: tuple[Guard, ...]) -> Iterator[FunctionRef]:
    """Function references whose context is decided at `node` (an assignment, call or declaration)."""
    file = node.file or unit.path
    if node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2:
        target = strip(node.children[0])
        context = "field" if target.kind == "MEMBER_REF_EXPR" else "variable"
        for ref in _function_names(node.children[1]):
            yield FunctionRef(function, ref.name, context, target.name, file, ref.line, guards)
        value = strip(node.children[1])
        if context == "field" and value.kind == "DECL_REF_EXPR" and value.ref_kind == "PARM_DECL":
            # `new->dump = dump_func`: whatever the caller passes lands in that field
            yield FunctionRef(function, value.name, "param_field", target.name, file, node.line, guards)
    elif node.kind == "CALL_EXPR":
        callee, _ = callee_of(node, strip(node.children[0]) if node.children else node)
        key = SiteKey(file, function, _call_line(unit, node), node.col)  # the CallSite's key
        for index, arg in enumerate(node.children[1:]):
            for ref in _function_names(arg):
                yield FunctionRef(function, ref.name, "argument", f"{callee}:{index}", file, ref.line, guards, key)
    elif node.kind == "VAR_DECL":
        table = next((c for c in node.children if c.kind == "INIT_LIST_EXPR"), None)
        if table is not None:
            # A block-scope table (`static http_auth_backend_t http_auth_backend_ldap = { "ldap",
            # mod_authn_ldap_basic, NULL, NULL };`, lighttpd's mod_authn_ldap.c): each function
            # with the field it fills, as for a file-scope table, so `backend->basic(...)` reaches it.
            for ref, field in _initializer_refs(unit, table, node.name):
                yield FunctionRef(function, ref.name, "initializer", field, file, ref.line, guards)
        else:
            for ref in _function_names(node):
                yield FunctionRef(function, ref.name, "variable", node.name, file, ref.line, guards)
