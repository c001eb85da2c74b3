"""Per-file facts about runtime options: option tables, the option `switch`, config key tables.

Pure: a parsed Unit and the rules' Idioms in, plain tuples out (cached with the file's other
facts). Recognises tables by the field names of the struct they fill, as the rules list them
(rules/_c.toml: getopt's `struct option`, popt's `struct poptOption`; a project's own):

- command-line tables: the rules' `[[options.tables]]`;
- the `switch` on the option character in a function that calls one of the rules'
  `getopt_calls`: the assignments, `|=` and bit-setting calls made under each `case`;
- config key tables (`[[config.key_tables]]`, lighttpd's {k, klen, ktype, scope}) with the
  `switch (x-><key_switch>)` that copies each key's value into a field, and tables whose
  entries the code points at the value's home (`cv[N].<destination> = &(s->field)`).
"""

from __future__ import annotations

import re
from typing import Iterator

from srcscan.extract.calls import c_string_value, integer_value
from srcscan.extract.optionpointers import pointed_fields, root_name, target_path, through_pointer
from srcscan.extract.walk import Guard, expression_text, function_body, strip, walk_guarded
from srcscan.model import OptionFacts
from srcscan.parse import Node, Unit
from srcscan.rules import Idioms, OptionTable

ASSIGNMENTS = frozenset({"=", "|=", "+=", "&=", "^="})


def extract_options(unit: Unit, idioms: Idioms) -> OptionFacts:
    """{"long": [(long name, short, has_arg)], "optstrings": [str], "cases": [(label, target,
    op, value text, value int, guard texts)], "keys": [(table id, index, key)], "key_fields":
    [(table id or "", index, field path, key named in the case's comment or "", struct of the
    field as `Node.owner` gives it or "")], "key_cases":
    [(switch id, label, key named in the case's comment or "")], "key_values": [(table id, index,
    field, integer constant)]} for one file."""
    long_options: list[tuple[str, int | None, int]] = []
    keys: list[tuple[str, int, str]] = []
    key_fields: list[tuple[str, int, str, str, str]] = []
    key_cases: set[tuple[str, int, str]] = set()  # (switch id, label, key named in the comment) of every key switch
    key_aliases: set[tuple[str, int, int]] = set()  # (switch id, label, label it is read as from then on)
    key_values: list[tuple[str, int, str, int]] = []  # (table id, index, field, integer constant) of each row
    key_locals: set[tuple[str, int, str, int, str]] = set()  # (switch id, label, local, line, key named) given a value in a case
    optstrings: list[str] = []
    cases: list[tuple] = []
    for var in unit.variables:
        long_options += _option_table(var, idioms.option_tables)
        keys += _key_table(var, var.name, idioms)
        key_values += _key_table_values(var, var.name, idioms)
    for fn in unit.functions:
        for var in _local_tables(fn):  # named after their function: two functions may both have a `cpk`
            long_options += _option_table(var, idioms.option_tables)
            keys += _key_table(var, f"{fn.name}:{var.name}", idioms)
            key_values += _key_table_values(var, f"{fn.name}:{var.name}", idioms)
    walked = {fn.name: list(walk_guarded(unit, fn)) for fn in unit.functions if not fn.file}
    handed = _option_handlers(walked, idioms)
    for fn in unit.functions:
        if fn.file:  # header functions are handled in the file that defines them
            continue
        nodes = walked[fn.name]
        params = [c.name for c in fn.children if c.kind == "PARM_DECL"]
        # Writes to the function's own locals (loop counters, temporaries) set no option.
        local = {n.name for n, _ in nodes if n.kind == "VAR_DECL"} | set(params)
        calls = [n for n, _ in nodes if n.kind == "CALL_EXPR" and n.name in idioms.getopt_calls]
        read_from = _initialized_from(nodes)
        option_vars = _option_variables(nodes, idioms) if calls else set()
        pointed = pointed_fields(nodes, local)
        # A function the getopt loop hands the option to switches on that parameter (dnsmasq's one_opt).
        code = params[handed[fn.name]] if fn.name in handed and handed[fn.name] < len(params) else None
        named: dict[tuple[int, int], str] | None = None  # the case comments, read at the first key switch
        for call in calls:
            optstrings += [c_string_value(strip(a).name) for a in call.children[1:]
                           if strip(a).kind == "STRING_LITERAL"][:1]
        for node, guards in nodes:
            if idioms.key_switch and node.kind == "CALL_EXPR":
                # Every key switch with the cases holding a call (a message, a parse), also one
                # that copies no value (`case 9: /* compress.filetype */ log_warn(...)`).
                for g in guards:
                    if g.kind == "case" and _is_key_switch(g, idioms.key_switch):
                        named = (_case_comments(unit, fn) if idioms.case_comments else {}) if named is None else named
                        key_cases |= {(f"@{fn.name}@{g.line}", label, named.get((g.cond.start, label), ""))
                                      for label in g.labels if isinstance(label, int)}
            effect = _effect(node, local)
            if effect is not None and effect[1] == "=" and not effect[0].startswith(".") and effect[0] in local \
                    and (case := next((g for g in reversed(guards) if g.kind == "case"), None)) is not None \
                    and _is_key_switch(case, idioms.key_switch):
                # A local given the key's value in its case (gw_backend.c's `case 2: /* xxxxx.debug */
                # debug = (int)cpv->v.u;`): a test of it reads that key.
                named = (_case_comments(unit, fn) if idioms.case_comments else {}) if named is None else named
                key_locals |= {(f"@{fn.name}@{case.line}", label, effect[0], node.line,
                                named.get((case.cond.start, label), "")) for label in case.labels if isinstance(label, int)}
            through = through_pointer(node, guards, pointed)
            if through and (switch := next((g for g in reversed(guards) if g.kind == "case"), None)) is not None \
                    and (_on_getopt(switch, option_vars, idioms) or code is not None and switch.text.strip() == code):
                # `*up = new` with `up = &daemon->int_names` (a list appended at its end, dnsmasq's
                # --interface-name) or `sets = option == LOPT_IPSET ? &daemon->ipsets : &daemon->nftsets`:
                # the option fills that field (each label its own when the code picks the field)
                for target, (label, equal) in through:
                    labels = tuple(x for x in switch.labels if label is None or (x == label) == equal)
                    if labels:
                        cases.append((labels, target, "=", expression_text(node.children[1]), None,
                                      _inner_guards(guards, switch)))
                continue
            if effect is None or not effect[0].startswith(".") and root_name(_written(node)) in local:
                continue  # a local variable, or an element of a local array (`a[j] = ...`)
            switch = next((g for g in reversed(guards) if g.kind == "case"), None)
            if switch is None:
                continue
            key_switch = _is_key_switch(switch, idioms.key_switch)
            # A handler builds its own lists too (`new->next = list`): only what it writes to
            # file-scope state (`daemon->log_fac`, a bit) is the option's.
            on_option = _on_getopt(switch, option_vars, idioms) or code is not None and switch.text.strip() == code \
                and (not effect[0].startswith(".") or effect[1].startswith("call:"))
            if on_option and not key_switch:
                cases.append((switch.labels,) + effect + (_inner_guards(guards, switch),))
            elif key_switch and effect[0]:
                root = root_name(_written(node))
                if root != root_name(switch.cond) and root_name(switch.cond) in read_from.get(root, ()):
                    # a local pointing into the value being read (`data_string *ds =
                    # array_get_data_unset(cpv->v.a, ".js"); buffer_copy(&ds->value, ...)`,
                    # lighttpd's mimetype.assign): the key's own value edited in place, not a
                    # field the key fills (`minb = &ds->value` elsewhere is no test of the key)
                    continue
                if root == root_name(switch.cond):
                    if effect[0] == "." + idioms.key_switch and effect[1] == "=" and effect[3] is not None:
                        # `case 9: /* compress.filetype */ ... cpv->k_id = 0;`: read from then on as
                        # key 0 (deflate.mimetypes), an older name of it
                        key_aliases |= {(f"@{fn.name}@{switch.line}", label, effect[3])
                                        for label in switch.labels if isinstance(label, int) and label != effect[3]}
                    continue  # `cpv->vtype = T_CONFIG_LOCAL`: the value being read, not where it goes
                # One id per switch: a function may switch over two key tables (lighttpd's TLS
                # modules: the socket keys, then the module's own).
                named = (_case_comments(unit, fn) if idioms.case_comments else {}) if named is None else named
                where = f"@{fn.name}@{switch.line}"  # the line of the switch: its case guards' line
                owner = field_owner(_written(node))
                key_fields += [(where, label, effect[0], named.get((switch.cond.start, label), ""), owner)
                               for label in switch.labels if isinstance(label, int)]
        local_tables = {v.name for v in _local_tables(fn)}
        key_fields += [(f"{fn.name}:{table}" if table in local_tables else table, index, field, "", owner)
                       for table, index, field, owner in _destinations(nodes, local, idioms)]
    code_bits = [row for var in unit.variables for row in _code_bits(var, idioms)]
    markers = sorted({v for nodes in walked.values() for v in _markers(nodes)}) if code_bits else []
    return OptionFacts(long=long_options, optstrings=optstrings, cases=cases, keys=keys, key_fields=key_fields,
                       code_bits=code_bits, markers=markers, key_cases=sorted(key_cases), key_locals=sorted(key_locals),
                       key_aliases=sorted(key_aliases), key_values=key_values)


def _markers(nodes: list[tuple[Node, tuple]]) -> set[tuple[str, int]]:
    """(function, value) for each constant a variable passed as f(var) is tested against with
    `!=` around the call: one_opt's generic branch `if (rept != ARG_DUP && rept != ARG_ONE)
    set_option_bool(rept)` says ARG_DUP and ARG_ONE are no bits."""
    out = set()
    for node, guards in nodes:
        if node.kind != "CALL_EXPR" or len(node.children) != 2 or strip(node.children[1]).kind != "DECL_REF_EXPR":
            continue
        var = strip(node.children[1]).name
        for g in guards:
            if g.cond is not None and not g.negated and g.kind in ("if", "and", "ternary"):
                out |= {(node.name, v) for v in _excluded(g.cond, var)}
    return out


def _excluded(cond: Node, var: str) -> set[int]:
    """Constants `var` must differ from for `cond` to hold (`var != 3 && var != 4`)."""
    cond = strip(cond)
    if cond.kind == "PAREN_EXPR" and cond.children:
        return _excluded(cond.children[0], var)
    if cond.kind == "BINARY_OPERATOR" and len(cond.children) == 2:
        if cond.op == "&&":
            return _excluded(cond.children[0], var) | _excluded(cond.children[1], var)
        if cond.op == "!=":
            for a, b in (cond.children, cond.children[::-1]):
                if strip(a).kind == "DECL_REF_EXPR" and strip(a).name == var and (v := integer_value(b)) is not None:
                    return {v}
    return set()


def _option_handlers(walked: dict[str, list[tuple[Node, tuple]]], idioms: Idioms) -> dict[str, int]:
    """Functions of the file that a getopt loop calls with the option it just read, and at which
    parameter: `option = getopt_long(...); ... one_opt(option, optarg, ...)` -> {"one_opt": 0}."""
    names = {fn: _option_variables(nodes, idioms) for fn, nodes in walked.items()}
    out: dict[str, int] = {}
    for fn, nodes in walked.items():
        for node, _ in nodes:
            if names[fn] and node.kind == "CALL_EXPR" and node.name in walked and node.name != fn:
                for i, arg in enumerate(node.children[1:]):
                    arg = strip(arg)
                    if arg.kind == "DECL_REF_EXPR" and arg.name in names[fn]:
                        out.setdefault(node.name, i)
    return out


def _on_getopt(switch, option_vars: set[str], idioms: Idioms) -> bool:
    """Whether a `case` guard's switch is on a getopt call's result: the call itself or a
    variable given it (`option_vars`); a switch on anything else (a mode, a level) in the same
    function is no option's, whatever its labels."""
    cond = strip(switch.cond) if switch.cond is not None else None
    if cond is None:
        return False
    if cond.kind == "BINARY_OPERATOR" and cond.op == "=" and len(cond.children) == 2:
        cond = strip(cond.children[1])  # `switch (c = getopt(argc, argv, "q"))`
    if cond.kind == "CALL_EXPR":
        return cond.name in idioms.getopt_calls
    return cond.kind == "DECL_REF_EXPR" and cond.name in option_vars


def _option_variables(nodes: list[tuple[Node, tuple]], idioms: Idioms) -> set[str]:
    """Variables given the result of a getopt call (`option = getopt_long(argc, argv, ...)`, or
    as their initializer), and local copies of those (`opt = c;`), to a fixed point."""
    copies: list[tuple[str, Node]] = []
    for node, _ in nodes:
        if node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2:
            target, value = strip(node.children[0]), strip(node.children[1])
            if target.kind == "DECL_REF_EXPR":
                copies.append((target.name, value))
        elif node.kind == "VAR_DECL" and node.children:
            copies.append((node.name, strip(node.children[-1])))  # `int c = getopt_long(argc, argv, ...);`
    out: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, value in copies:
            if name not in out and (value.kind == "CALL_EXPR" and value.name in idioms.getopt_calls
                                    or value.kind == "DECL_REF_EXPR" and value.name in out):
                out.add(name)
                changed = True
    return out


def _code_bits(var: Node, idioms: Idioms) -> list[tuple[int, int, str]]:
    """(option code, bit, the bit as written) of each row of a code table in `var` (the rules'
    `[[options.code_tables]]`: dnsmasq's usage[] {opt, rept, ...})."""
    out = []
    for table in idioms.code_tables:
        at = {f: i for i, f in enumerate(table.fields)}
        for _, values in _rows(var, table.fields):
            if len(values) < len(table.fields):
                continue
            code, bit = integer_value(values[at[table.code]]), integer_value(values[at[table.bit]])
            if code is not None and bit is not None:
                out.append((code, bit, expression_text(values[at[table.bit]])))
    return out


_CASE_COMMENT = re.compile(r":[ \t]*/[*/][ \t]*([A-Za-z_][\w.-]*)")


def _case_comments(unit: Unit, fn: Node) -> dict[tuple[int, int], str]:
    """(switch condition's offset, case value) -> the name a comment gives the case on its
    line (`case 0: /* ssl.engine */`)."""
    text = unit.text.get(unit.path, "")
    out: dict[tuple[int, int], str] = {}
    stack: list[tuple[Node, Node | None]] = [(fn, None)]  # (node, the switch it is in)
    while stack:
        node, switch = stack.pop()
        if node.kind == "SWITCH_STMT" and node.children:
            switch = node
        elif node.kind == "CASE_STMT" and node.children and switch is not None and not node.file:
            value = integer_value(node.children[0])
            end = text.find("\n", node.start)
            m = _CASE_COMMENT.search(text, node.start, end if end >= 0 else len(text))
            if value is not None and m:
                out[(switch.children[0].start, value)] = m.group(1)
        stack.extend((child, switch) for child in node.children)
    return out


def _local_tables(fn: Node) -> Iterator[Node]:
    body = function_body(fn)
    stack = [body] if body else []
    while stack:
        node = stack.pop()
        if node.kind == "VAR_DECL" and any(c.kind == "INIT_LIST_EXPR" for c in node.children):
            yield node
        stack.extend(node.children)


def _rows(var: Node, fields: tuple[str, ...]) -> Iterator[tuple[Node, list[Node]]]:
    """Each struct initializer inside `var` whose struct starts with `fields`."""
    stack = [var]
    while stack:
        node = stack.pop()
        if node.kind == "INIT_LIST_EXPR" and tuple(node.name.split(",")[: len(fields)]) == fields:
            yield node, node.children
            continue
        stack.extend(reversed(node.children))


def _option_table(var: Node, tables: tuple[OptionTable, ...]) -> list[tuple[str, int | None, int]]:
    """(long name, code, argument) of each row of an option table in `var`; argument: 0 none, 2
    optional (the table's `optional` value: getopt_long(3)'s optional_argument), 1 required."""
    out = []
    for table in tables:
        at = {f: i for i, f in enumerate(table.fields)}
        for _, values in _rows(var, table.fields):
            if len(values) < len(table.fields) or strip(values[at[table.name]]).kind != "STRING_LITERAL":
                continue
            codes = [integer_value(values[at[f]]) for f in table.value]
            takes = integer_value(values[at[table.has_arg]])
            out.append((c_string_value(strip(values[at[table.name]]).name), next((c for c in codes if c), codes[-1]),
                        0 if takes in (None, 0) else 2 if takes == table.optional else 1))
    return out


def _key_table(var: Node, table: str, idioms: Idioms) -> list[tuple[str, int, str]]:
    out = []
    for key_table in idioms.key_tables:
        index = 0
        for _, values in sorted(_rows(var, key_table.fields), key=lambda r: r[0].start):
            first = strip(values[0]) if values else None
            while first is not None and first.kind != "STRING_LITERAL" and first.children:
                first = strip(first.children[0])
            if first is not None and first.kind == "STRING_LITERAL":
                out.append((table, index, c_string_value(first.name)))
            index += 1
    return out


def _key_table_values(var: Node, table: str, idioms: Idioms) -> list[tuple[str, int, str, int]]:
    """(table, row index, field, value) of each integer constant in a key table's rows, the key
    itself aside (lighttpd's `{ CONST_STR_LEN("ssl.engine"), T_CONFIG_BOOL, T_CONFIG_SCOPE_SOCKET }`:
    klen, ktype and scope), the terminating row too."""
    out = []
    for key_table in idioms.key_tables:
        for index, (_, values) in enumerate(sorted(_rows(var, key_table.fields), key=lambda r: r[0].start)):
            for name, cell in zip(key_table.fields[1:], values[1:]):
                value = integer_value(cell)
                if value is not None:
                    out.append((table, index, name, value))
    return out


def _initialized_from(nodes: list[tuple[Node, tuple]]) -> dict[str, frozenset[str]]:
    """local -> the variables its value is read from: those its declaration's initializer or an
    assignment to the whole local names, and theirs in turn (`ds` of `data_string *ds =
    array_get_data_unset(cpv->v.a, ...)` -> {"cpv"}; mod_extforward's `*(const array **)&a =
    cpv->v.a; ... data_string * const ds = (data_string *)a->data[j];` -> ds from a and cpv).
    A write to a field of a local (`*(void **)&conf.conf_cmd = cpv->v.a`) is no such
    assignment: the local is a struct the key fills."""
    direct: dict[str, set[str]] = {}
    for node, _ in nodes:
        if node.kind == "VAR_DECL" and node.name and node.children:
            direct.setdefault(node.name, set()).update(_names_in(node.children))
        elif node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2:
            whole = _whole_variable(node.children[0])
            if whole:
                direct.setdefault(whole, set()).update(_names_in(node.children[1:]))
    out: dict[str, frozenset[str]] = {}
    for name in direct:
        seen, todo = set(), [name]
        while todo:
            for n in direct.get(todo.pop(), ()):
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        out[name] = frozenset(seen)
    return out


def _names_in(nodes: list[Node]) -> set[str]:
    names, todo = set(), list(nodes)
    while todo:
        n = todo.pop()
        if n.kind == "DECL_REF_EXPR" and n.name:
            names.add(n.name)
        todo.extend(n.children)
    return names


def _whole_variable(node: Node) -> str:
    """The variable an assignment's left side writes as a whole (`a`, `*(const array **)&a`),
    "" for a field or an element of one."""
    node = _uncast(node)
    if node.kind == "UNARY_OPERATOR" and node.op == "*" and node.children:
        inner = _uncast(node.children[0])  # `*(T **)&a`: a itself; `*p`: what p points to
        if inner.kind != "UNARY_OPERATOR" or inner.op != "&" or not inner.children:
            return ""
        node = _uncast(inner.children[0])
    return node.name if node.kind == "DECL_REF_EXPR" and node.name else ""


def _uncast(node: Node) -> Node:
    """Casts and parentheses off an assigned lvalue; not an UNEXPOSED_EXPR, which there is what
    clang could not type (`conf.ssl_ca_file` with the struct from a missing TLS header)."""
    while node.children and node.kind in ("CSTYLE_CAST_EXPR", "PAREN_EXPR"):
        node = node.children[-1] if node.kind == "CSTYLE_CAST_EXPR" else node.children[0]
    return node


def _written(node: Node) -> Node | None:
    """The expression an assignment, `++` or bit-setting call (see _effect) writes."""
    if node.kind in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR") and len(node.children) == 2:
        return node.children[0]
    if node.kind == "UNARY_OPERATOR" and node.children:
        return node.children[0]
    if node.kind == "CALL_EXPR" and len(node.children) >= 3 and integer_value(node.children[1]) is not None:
        return node.children[2]
    if node.kind == "CALL_EXPR":
        return _pointer_argument(node)
    return None


def _pointer_argument(call: Node) -> Node | None:
    """The first `&x` argument of a call, where a parser helper writes the option's value
    (dnsmasq's `case 'p': atoi_check16(arg, &daemon->port)`); not an element's address
    (`&optarg[5]`, keepalived's -S: the text read, not where the value goes)."""
    for arg in call.children[1:]:
        arg = strip(arg)
        if arg.kind == "UNARY_OPERATOR" and arg.op == "&" and arg.children \
                and strip(arg.children[0]).kind != "ARRAY_SUBSCRIPT_EXPR":
            return arg
    return None


def _effect(node: Node, local: set[str]) -> tuple[str, str, str, int | None] | None:
    """(target, op, value text, value) of an assignment, or of a call `f(BIT, &var)` or `f(BIT)`
    (target "": a bit of the rules' bit array) that may set a bit (op "call:f"; the rules file
    says which functions set bits), or of any other call given `&var`, which may write a value
    of the run there (op "=", the call's text as value). `local`: the
    function's own variables and parameters (see target_path)."""
    if node.kind in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR") and node.op in ASSIGNMENTS and len(node.children) == 2:
        target, value = node.children
        return target_path(target, local), node.op, expression_text(value), integer_value(value)
    if node.kind == "UNARY_OPERATOR" and node.op in ("++", "++post", "post++") and node.children:
        return target_path(node.children[0], local), "++", "1", 1
    if node.kind == "CALL_EXPR" and len(node.children) == 2 and (value := integer_value(node.children[1])) is not None:
        return "", f"call:{node.name}", expression_text(node.children[1]), value  # f(BIT): the rules' bit array
    if node.kind == "CALL_EXPR" and len(node.children) >= 3:
        bit, pointer = node.children[1], strip(node.children[2])
        value = integer_value(bit)
        if value is not None and pointer.kind == "UNARY_OPERATOR" and pointer.op == "&" and pointer.children:
            return target_path(pointer.children[0], local), f"call:{node.name}", expression_text(bit), value
    if node.kind == "CALL_EXPR" and (pointer := _pointer_argument(node)) is not None:
        # `parse(arg, &daemon->port)`: a value of the run written through the pointer
        return target_path(pointer.children[0], local), "=", expression_text(node), None
    return None


def _is_key_switch(guard: Guard, field: str) -> bool:
    """A `switch` on the key's index (`switch (cpv->k_id)`, the rules' `key_switch`)."""
    return bool(field) and guard.text.replace(" ", "").endswith(field)


def _inner_guards(guards: tuple[Guard, ...], switch: Guard) -> tuple[str, ...]:
    """Conditions inside the case (a second `-D` testing the bit the first one set)."""
    i = guards.index(switch)
    return tuple(g.describe() for g in guards[i + 1:])


def _destinations(nodes: list[tuple[Node, tuple]], local: set[str], idioms: Idioms) -> list[tuple[str, int, str, str]]:
    """`cv[1].destination = &(s->debug)` -> ("cv", 1, ".debug", struct of `debug`)
    (`destination`: a key table's destination field, as the rules name it; the struct as
    field_owner gives it)."""
    fields = {t.destination for t in idioms.key_tables if t.destination}
    out = []
    for node, _ in nodes:
        if node.kind != "BINARY_OPERATOR" or node.op != "=" or len(node.children) != 2:
            continue
        left = strip(node.children[0])
        if left.kind != "MEMBER_REF_EXPR" or left.name not in fields or not left.children:
            continue
        sub = strip(left.children[0])
        if sub.kind != "ARRAY_SUBSCRIPT_EXPR" or len(sub.children) != 2:
            continue
        index = integer_value(sub.children[1])
        if index is not None:
            out.append((strip(sub.children[0]).name, index, target_path(node.children[1], local),
                        field_owner(node.children[1])))
    return out


def field_owner(node: Node | None) -> str:
    """The struct a written field belongs to (`Node.owner`: where the struct is declared), seen
    through `&`, `*`, casts and parentheses; "" when what is written is no field."""
    while node is not None:
        node = strip(node)
        if node.kind == "MEMBER_REF_EXPR":
            return node.owner
        if node.kind in ("UNARY_OPERATOR", "PAREN_EXPR") and node.op in ("*", "&", "") and node.children:
            node = node.children[0]
        elif node.kind == "CSTYLE_CAST_EXPR" and node.children:
            node = node.children[-1]
        else:
            return ""
    return ""
