"""Cases of a switch over a config key table's own field that no table entry has: the code
under them never runs.

lighttpd's config_plugin_values_init_block() (configfile-glue.c) switches on the type of
each key of the table it is handed, `switch (cpk[i].ktype)`, and its `case
T_CONFIG_UNSUPPORTED:` logs "found unsupported key"; the types come only from the modules'
`static const config_plugin_keys_t cpk[]` initializers (src/plugin_config.h), and no table of
1.4.85 has a key of that type (nor T_CONFIG_DEPRECATED): those messages are never logged.
Facts in: extract.options' key_values (each table row's integer constants, by the rules'
`[config] key_tables` fields). No parser node is read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from srcscan.cexpr import Index, Member, Name, strip
from srcscan.model import CallSite, FileFacts, Guard, GuardAt


@dataclass(frozen=True)
class KeyTableValues:
    """The tree's config key tables: `tables`, their variables' names (`cpk`, `cv`; a table
    local to a function by its own name); `values`, field -> every integer constant a row
    gives it (`ktype` -> {T_CONFIG_BOOL, T_CONFIG_STRING, ...} as numbers)."""

    tables: frozenset[str] = frozenset()
    values: dict[str, frozenset[int]] = field(default_factory=dict)


def key_table_values(files: Iterable[FileFacts]) -> KeyTableValues:
    """The key tables' variables and the constants their rows give each field, over every
    parse of every file (a table only one build profile compiles counts too)."""
    tables: set[str] = set()
    values: dict[str, set[int]] = defaultdict(set)
    for facts in files:
        for table, _, name, value in (facts.options.key_values if facts.options is not None else ()):
            tables.add(table.rsplit(":", 1)[-1])
            values[name].add(value)
    return KeyTableValues(frozenset(tables), {k: frozenset(v) for k, v in values.items()})


def unused_case(guard: Guard, known: KeyTableValues) -> str | None:
    """For a `case` guard of a switch on a key table's field read through a table's name
    (`switch (cpk[i].ktype)`, `switch (cv[i].type)`, with `cpk`/`cv` a key table's variable
    or a parameter named like one), the field when none of the case's values is one any
    table row gives it; None otherwise (a label that is not a constant, another switch, a
    field no table has)."""
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
    if not all(isinstance(label, int) for label in guard.labels):
        return None
    return e.field if not set(guard.labels) & known.values[e.field] else None


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
