"""Cases of a switch over a config key table's own field that no table entry has: the code
under them never runs.

lighttpd's config_plugin_values_init_block() (configfile-glue.c) switches on the type of
each key of the table it is handed, `switch (cpk[i].ktype)`, and its `case
T_CONFIG_UNSUPPORTED:` logs "found unsupported key"; the types come only from the modules'
`static const config_plugin_keys_t cpk[]` initializers (src/plugin_config.h), and no table of
1.4.85 has a key of that type (nor T_CONFIG_DEPRECATED): those messages are never logged.
A case some rows do give runs only for one of their keys given (typed_case_need).
Facts in: extract.options' key_values (each table row's integer constants, by the rules'
`[config] key_tables` fields). No parser node is read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from srcscan.cexpr import Index, Member, Name, strip
from srcscan.model import CallSite, FileFacts, Guard, GuardAt
from srcscan.requirement import Requirement

MAX_KEYS = 40  # keys listed for a case; more (lighttpd's 164 T_CONFIG_STRING keys) are said in `uncertain`


@dataclass(frozen=True)
class KeyTableValues:
    """The tree's config key tables: `tables`, their variables' names (`cpk`, `cv`; a table
    local to a function by its own name); `values`, field -> every integer constant a row
    gives it (`ktype` -> {T_CONFIG_BOOL, T_CONFIG_STRING, ...} as numbers)."""

    tables: frozenset[str] = frozenset()
    values: dict[str, frozenset[int]] = field(default_factory=dict)
    keys: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict)  # (field, constant) -> keys of the rows giving it


def key_table_values(files: Iterable[FileFacts]) -> KeyTableValues:
    """The key tables' variables and the constants their rows give each field, over every
    parse of every file (a table only one build profile compiles counts too), and the keys of
    the rows giving each constant."""
    tables: set[str] = set()
    values: dict[str, set[int]] = defaultdict(set)
    keys: dict[tuple[str, int], set[str]] = defaultdict(set)
    for facts in files:
        if facts.options is None:
            continue
        row_keys = {(table, index): key for table, index, key in facts.options.keys}
        for table, index, name, value in facts.options.key_values:
            tables.add(table.rsplit(":", 1)[-1])
            values[name].add(value)
            if (table, index) in row_keys:
                keys[(name, value)].add(row_keys[(table, index)])
    return KeyTableValues(frozenset(tables), {k: frozenset(v) for k, v in values.items()},
                          {k: frozenset(v) for k, v in keys.items()})


def _table_switch(guard: Guard, known: KeyTableValues) -> str | None:
    """The field a `case` guard switches on when it is a key table's field read through a
    table's name (`switch (cpk[i].ktype)`) and its labels are constants; None otherwise."""
    if guard.kind != "case" or not known.tables or not guard.labels or guard.expr is None:
        return None
    e = strip(guard.expr)
    if not isinstance(e, Member) or e.field not in known.values:
        return None
    base = strip(e.base)
    if isinstance(base, Index):
        base = strip(base.base)
    if not isinstance(base, Name) or base.name not in known.tables:
        return None
    return e.field if all(isinstance(label, int) for label in guard.labels) else None


def typed_case_need(call: CallSite, known: KeyTableValues,
                    limit: int = MAX_KEYS) -> tuple[Requirement, tuple[GuardAt, ...], tuple[str, ...]]:
    """What the `case` guards of a switch on a key table's field need: the code under `case
    T_CONFIG_ARRAY_KVANY:` of lighttpd's config_plugin_values_init_block() (configfile-glue.c)
    runs for a key the configuration gives whose table row has that type, so it needs one of
    those keys (server.feature-flags, proxy.header, ...). (requirement, derivation, uncertain);
    a case more than `limit` keys reach (T_CONFIG_STRING) is not listed but said in uncertain,
    unless a case inside it is listed."""
    need, why, unsure = Requirement.TRUE, [], []
    for g in call.guards:
        name = _table_switch(g, known)
        if name is None:
            continue
        keys = sorted({k for label in g.labels for k in known.keys.get((name, label), ())})
        if not keys:
            continue
        if len(keys) > limit:
            unsure.append(f"{g.describe()} (line {g.line}) runs only for one of the {len(keys)} config keys whose "
                          f"table row gives {name} that value, not listed")
            continue
        need = need & Requirement.any_of(Requirement.atom(k) for k in keys)
        why.append(GuardAt(call.file, g.line, f"{g.describe()}: only for a key whose table row gives {name} that "
                                              f"value ({len(keys)} keys)"))
    return need, tuple(why), () if why else tuple(unsure)  # an inner case listed: the outer one's count says nothing more


def unused_case(guard: Guard, known: KeyTableValues) -> str | None:
    """For a `case` guard of a switch on a key table's field read through a table's name
    (`switch (cpk[i].ktype)`, `switch (cv[i].type)`, with `cpk`/`cv` a key table's variable
    or a parameter named like one), the field when none of the case's values is one any
    table row gives it; None otherwise (a label that is not a constant, another switch, a
    field no table has)."""
    name = _table_switch(guard, known)
    return name if name is not None and not set(guard.labels) & known.values[name] else None


def unused_case_test(call: CallSite, known: KeyTableValues) -> GuardAt | None:
    """A `case` of the call's guards that no config key table gives the field switched on
    (`switch (cpk[i].ktype) case T_CONFIG_UNSUPPORTED`): the guard, saying so; None when
    there is none."""
    for g in call.guards:
        found = unused_case(g, known)
        if found is not None:
            return GuardAt(call.file, g.line, f"{g.describe()} never holds: no config key table has an "
                                              f"entry whose {found} is that")
    return None
