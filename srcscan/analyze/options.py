"""The option table of a tree: which runtime option sets which variable, field or bit.

Plain data in (the per-file "options" facts and the rules' `[options]` section), Option
records out; no I/O. Command-line options come from the getopt/popt tables and the
`switch` on the option character; config-file keys from key tables and the code that
copies each key's value into a field, or from the calls installing keywords by name with their
handlers (analyze.keywords).
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from typing import Iterable

from srcscan.analyze.caselabels import LabelFilter, case_labels
from srcscan.analyze.keywords import Levels, keyword_options
from srcscan.analyze.optionflow import derived_effects, helper_effects, with_copies, with_resets
from srcscan.analyze.optiontypes import Option, OptionEffect
from srcscan.analyze.optionvalues import KEY_VALUE, integer_of
from srcscan.cexpr import Binary, CExpr, Member, Name, Const, Unary, evaluate, strip, walk
from srcscan.model import FileFacts, FunctionFacts, OptionFacts
from srcscan.rules import OptionRules, Rules


def extra_options(rules: Rules) -> tuple[Option, ...]:
    """The options the rules' `[[options.map]]` adds (the source's tables do not show them)."""
    return tuple(Option(m.names, "cli" if m.names[0].startswith("-") else "config", m.takes_value,
                        (OptionEffect(m.target, "set_bit" if m.mask else "=", str(m.mask or 1), m.mask),), rules.path)
                 for m in rules.options.map)


def find_options(files: Iterable[FileFacts], rules: Rules) -> tuple[Option, ...]:

    orules = rules.options
    found: dict[tuple[str, str], Option] = {}
    every = list(files)
    files = [f for f in every if f.options is not None]
    # The daemon's own command line is the option switch with the most cases; other
    # switches on getopt (a helper mode with its own arguments) would reuse letters.
    # Every build profile's parse of that file counts: options only some builds have appear
    # (keepalived's --debug; coverage parses the parser once more with the extra profiles' switches).
    main_parser = max(files, key=lambda f: (len({c[0] for c in f.options.cases}), f.path), default=None)
    for facts in files:
        data = facts.options
        cli = _cli_options(facts.path, data, orules, helper_effects(every, facts, orules.getopt_calls),
                           case_labels(facts.writes, (c for fn in facts.functions for c in fn.calls))) \
            if main_parser is not None and facts.path == main_parser.path else []
        for option in cli + _config_options(facts.path, data):
            key = (option.kind, option.name)
            if key in found:  # the same option read in two places (1.1.x parses twice)
                old = found[key]
                also = tuple(f for f in dict.fromkeys(old.also + option.files) if f != old.file)
                option = Option(old.names, old.kind, old.takes_value or option.takes_value,
                                tuple(dict.fromkeys(old.effects + option.effects)), old.file, also,
                                old.code if old.code is not None else option.code)
            found[key] = option
    for option in keyword_options(every, rules.config.keyword_calls, rules.options.bit_set, Levels.of(rules.config),
                                  rules.config.list_fills):
        found.setdefault((option.kind, option.name), option)  # a key table's key of the same name first
    for option in extra_options(rules):
        found[(option.kind, option.name)] = option
    found = with_local_copies(found, every)
    found = with_resets(with_copies(found, every), every, rules.config.defaults_functions)
    options = tuple(sorted(found.values(), key=lambda o: (o.kind, o.name.lstrip("-").lower(), o.name)))
    return derived_effects(options, every)


def _cli_options(path: str, data: OptionFacts, orules: OptionRules,
                 helpers: dict[int, list[OptionEffect]] | None = None,
                 label_filter: LabelFilter | None = None) -> list[Option]:
    if not data.cases and not helpers:
        return []
    takes: dict[int, bool] = {}
    for optstring in data.optstrings:
        for i, ch in enumerate(optstring):
            if ch != ":":
                # "x:" needs a value; "x::" takes one only attached (-x5), as getopt(3) reads it.
                takes[ord(ch)] = optstring[i + 1: i + 2] == ":" and optstring[i + 2: i + 3] != ":"
    long_names: dict[int, list[str]] = defaultdict(list)
    for name, val, has_arg in data.long:
        if val is not None:
            long_names[val].append(f"--{name}")
            takes[val] = takes.get(val, False) or has_arg == 1  # optional_argument (2): no value needed
    effects: dict[int, list[OptionEffect]] = defaultdict(list)
    for labels, target, op, value_text, value, inner in data.cases:
        effect = _effect(target, op, value_text, value, inner, orules)
        if effect is None:
            continue
        for label in label_filter(labels, target, inner) if label_filter is not None else labels:
            # A character, or the code of a long-only option (dnsmasq's LOPT_* from 256 on).
            if isinstance(label, int) and (32 < label < 127 or label in long_names):
                effects[label].append(effect)
    for label, extra in (helpers or {}).items():
        if 32 < label < 127 or label in long_names:
            effects[label].extend(extra)
    # An option code table (dnsmasq's usage[]) read by a bit-setting call whose guard rules out
    # the markers (`if (rept != ARG_DUP && ...) set_option_bool(rept)`): the other values are bits.
    markers = {v for f, v in data.markers if f in orules.bit_set}
    for code, bit, text in data.code_bits:
        if orules.bit_array and (32 < code < 127 or code in long_names) and bit not in markers:
            effects[code].append(OptionEffect("." + orules.bit_array.field, "set_bit", text, 1 << bit))
    # An option the parser's tables name whose case srcscan reads no effect of (dnsmasq's
    # --conf-dir reads a directory, -A/-S/--local call add_update_server): an option all the
    # same, which a `case` of the option switch stands for (analyze.optionindex.option_case).
    for val in [*long_names, *(v for v in takes if 32 < v < 127)]:
        effects.setdefault(val, [])
    out = []
    for val in sorted(effects):
        short = [f"-{chr(val)}"] if 32 < val < 127 and (val in takes or not long_names.get(val)) else []
        names = tuple(short + sorted(long_names.get(val, [])))
        out.append(Option(names, "cli", takes.get(val, False), tuple(dict.fromkeys(effects[val])), path, code=val))
    return out


def _effect(target: str, op: str, value_text: str, value: int | None, inner: tuple[str, ...],
            orules: OptionRules) -> OptionEffect | None:
    # Written only where a bit of the same variable is already set: the option given twice
    # (keepalived's second -D sets LOG_EXTRA_DETAIL_BIT when LOG_DETAIL_BIT is set).
    if op.startswith("call:") and not target and orules.bit_array:
        target = "." + orules.bit_array.field  # f(BIT) names no variable: a bit of the rules' bit array
    level = 2 if any(not t.startswith("!") and (any(f in t for f in orules.bit_test) or f"{target} &" in t)
                     for t in inner) else 1
    if op.startswith("call:"):
        if op[5:] in orules.bit_clear and value is not None and target:
            return OptionEffect(target, "clear_bit", value_text, 1 << value, 1, _when(inner))
        if op[5:] not in orules.bit_set or value is None or not target:
            return None
        return OptionEffect(target, "set_bit", value_text, 1 << value, level, _when(inner))
    mask = value if op == "|=" else None
    return OptionEffect(target, op, value_text, mask, level if mask else 1)


_VALUE_TEST = re.compile(r'^\(*\s*(?:\w+\s*&&\s*)?(?:strcmp\s*\(\s*\w+\s*,\s*"([\w.:/+#-]+)"\s*\)\s*==\s*0|'
                         r'!\s*strcmp\s*\(\s*\w+\s*,\s*"([\w.:/+#-]+)"\s*\))\s*\)*$')  # a word: an atom's name


def _when(inner: tuple[str, ...]) -> str:
    """The value a case's inner guard compares the argument with: `arg && strcmp(arg, "extra")
    == 0` (dnsmasq's --log-queries=extra) -> "extra"."""
    for text in inner:
        if m := _VALUE_TEST.match(text.strip()):
            return m.group(1) if m.group(1) is not None else m.group(2)
    return ""


def _config_options(path: str, data: OptionFacts) -> list[Option]:
    tables: dict[str, dict[int, str]] = defaultdict(dict)
    for table, index, key in data.keys:
        tables[table][index] = key
    if not tables:
        return []
    # `switch (cpv->k_id)` names no table: the one its cases' comments name (`case 0: /*
    # ssl.engine */`), else the key table of its own function, else the file's largest.
    largest = max(tables, key=lambda t: (len(tables[t]), t))
    by_switch: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for table, index, _, named, _ in data.key_fields:
        if table.startswith("@"):
            by_switch[table].append((index, named))
    chosen = {switch: _switch_table(switch, cases, tables, largest) for switch, cases in by_switch.items()}
    effects: dict[str, list[OptionEffect]] = defaultdict(list)
    for table, index, field, _, owner in data.key_fields:
        key = tables.get(chosen.get(table, table) or largest, {}).get(index)
        if key is not None:
            effects[key].append(OptionEffect(field, "=", "value", owner=owner))
    for switch, label, target in data.key_aliases:
        # an older name read as another key (`cpv->k_id = 0;` in its case): that key's effects
        cases = by_switch.get(switch, []) + [(i, n) for s, i, n in data.key_cases if s == switch]
        table = tables[_switch_table(switch, cases, tables, largest)]
        if label in table and target in table:
            effects[table[label]] += effects[table[target]]
    return [Option((key,), "config", True, tuple(dict.fromkeys(effects[key])), path)
            for key in sorted({k for t in tables.values() for k in t.values()})]


def find_defaults(files: Iterable[FileFacts], functions: Iterable[str]) -> frozenset[tuple[str, str]]:
    """(file, field) pairs a defaults function (name matching one of the fnmatch patterns
    `functions`, the rules' `[config] defaults_functions`) sets to something other than 0 or
    NULL: lighttpd's plugins give each config field its default in `mod_x_set_defaults()`
    (`p->defaults.auth_gssapi_store_creds = 1;`), and such a field is set without its key."""
    patterns = tuple(functions)
    out = set()
    for facts in files:
        # What a key switch's case copies is the key's value, not a default (`case 0: /*
        # alpha.server */ conf.exts = cpv->v.v;`).
        copied = {(where[1:].rsplit("@", 1)[0], target.rsplit(".", 1)[-1])
                  for where, _, target, *_ in (facts.options.key_fields if facts.options is not None else ())
                  if where.startswith("@")}
        keyed = _key_only_locals(facts)
        for w in facts.writes:
            if w.local or w.op != "=" or not any(fnmatch.fnmatchcase(w.function, p) for p in patterns):
                continue
            if (w.function, w.target.rsplit(".", 1)[-1]) in copied:
                continue
            if evaluate(w.value) == 0:
                continue  # off by default: the key turns it on
            if (w.function, _copied_local(w.value)) in keyed:
                continue  # a local only the key's case gives a value (else 0): the key's value, copied
            out.add((w.file, w.target.rsplit(".", 1)[-1]))
    return frozenset(out)


def with_local_copies(found: dict[tuple[str, str], Option], files: list[FileFacts]) -> dict[tuple[str, str], Option]:
    """Config keys with the fields their key switch's function fills from a local only the
    key's case sets (_key_only_locals): lighttpd's mod_authn_ldap_set_defaults copies
    `ldc->auth_ldap_starttls = starttls;` after its key loop into a plugin_config_ldap, a
    struct the key's own case does not write; a test of that field reads the key."""
    added: dict[tuple[str, str], list[OptionEffect]] = defaultdict(list)
    for facts in files:
        keyed = _key_only_locals(facts)
        if not keyed:
            continue
        for w in facts.writes:
            if w.local or w.op != "=" or w.value is None or not w.owner:
                continue
            for key in sorted(keyed.get((w.function, _copied_local(w.value)), ())):
                added[("config", key)].append(OptionEffect("." + w.target.rsplit(".", 1)[-1], "=", "value",
                                                           owner=w.owner))
    out = dict(found)
    for key, effects in added.items():
        if key in out:
            o = out[key]
            out[key] = Option(o.names, o.kind, o.takes_value, tuple(dict.fromkeys(o.effects + tuple(effects))), o.file,
                              o.also, o.code)
    return out


def _key_only_locals(facts: FileFacts) -> dict[tuple[str, str], frozenset[str]]:
    """(function, local) -> the keys, for the locals a key switch's case gives the key's value
    and that are otherwise only declared, 0, NULL or another such local: lighttpd's
    mod_authn_ldap_set_defaults declares `int starttls = 0; char *cafile = NULL;`, sets them in
    the cases of auth.backend.ldap.starttls and auth.backend.ldap.ca-file and after the key
    loop copies them (`ldc->auth_ldap_starttls = starttls;`): a copy of the key's value, not a
    default (a local with a constant default, `long timeout = 2000000;`, is not one);
    mod_openssl_set_defaults_sockets' `ssl_ca_crl_file` is ssl.ca-crl-file's or
    ssl.verifyclient.ca-crl-file's, or `default_ssl_ca_crl_file` (ssl.ca-crl-file's)."""
    if facts.options is None or not facts.options.key_locals:
        return {}
    out: dict[tuple[str, str], frozenset[str]] = {}
    found = find_locals([facts])
    for _ in range(3):  # a local given another such local
        for (_, function), names in found.items():
            for name, values in names.items():
                keys: set[str] = set()
                for v in values:
                    if isinstance(v, Name) and v.ref == KEY_VALUE:
                        keys.update(v.name.split("|"))
                    elif isinstance(v, Name) and v.ref == "var" and (function, v.name) in out:
                        keys.update(out[(function, v.name)])
                    elif not (v is None or integer_of(v) == 0):
                        break
                else:
                    if keys:
                        out[(function, name)] = frozenset(keys)
    return out


def _copied_local(value: CExpr | None) -> str | None:
    """The local a field's value copies: `starttls`, or the string of a key's buffer
    (`ssl_ca_crl_file->ptr`)."""
    value = strip(value) if value is not None else None
    if isinstance(value, Member) and value.arrow and isinstance(strip(value.base), Name):
        value = strip(value.base)
    return value.name if isinstance(value, Name) and value.ref == "var" else None


def find_start_values(files: Iterable[FileFacts], functions: Iterable[FunctionFacts],
                      getopt_calls: frozenset[str]) -> dict[str, int]:
    """Variables and fields (by name) the function reading the command line sets to an
    integer constant before its getopt loop, unconditionally: the values they hold when
    no option changes them (dnsmasq's read_opts: `daemon->cachesize = CACHESIZ;` before
    `option = getopt_long(...)`). An address or a string is `True`: non-null, its value
    unknown (`daemon->resolv_files = &daemon->default_resolv;`)."""
    starts: dict[tuple[str, str], int] = {}
    for fn in functions:
        lines = [c.line for c in fn.calls if not c.indirect and c.callee in getopt_calls]
        if lines:
            starts[(fn.file, fn.name)] = min(lines)
    out: dict[str, int] = {}
    for facts in files:
        for w in sorted(facts.writes, key=lambda w: w.line):
            before = starts.get((w.file, w.function))
            if before is None or w.local or w.guarded or w.op != "=" or w.line >= before:
                continue
            value = evaluate(w.value)
            name = w.target.rsplit(".", 1)[-1]
            if value is not None and not any(isinstance(x, Unary) and x.op == "&" or isinstance(x, Const) and
                                             x.value is None for x in walk(w.value)):
                out[name] = value  # an integer: not an address or a string
            elif value:
                out[name] = True  # an address or a string: non-null
    return out


def find_locals(files: Iterable[FileFacts]) -> dict[tuple[str, str], dict[str, tuple]]:
    """(file, function) -> {local: every value assigned to it (None for a declaration
    without one)}, from the writes facts (extract.writes). A value given in a key switch's
    case (`case 2: /* xxxxx.debug */ debug = (int)cpv->v.u;`) is that key's value: a Name
    whose ref is optionvalues.KEY_VALUE and whose name is the key (several joined by "|")."""

    files = list(files)
    switches = find_key_cases(files)
    keyed: dict[tuple[str, str, str, int], set[str]] = defaultdict(set)
    for facts in files:
        for switch, label, name, line, _ in (facts.options.key_locals if facts.options is not None else ()):
            function = switch[1:].rsplit("@", 1)[0]
            key = switches.get((facts.path, function), {}).get(_switch_line(switch), {}).get(label)
            if key:
                keyed[(facts.path, function, name, line)].add(key)
    # One reading per assignment: a file parsed with several build profiles shows the same line
    # once per parse; the first profile's readings of a line are kept, unless that parse could
    # not read them (a struct whose field types come from a header that build lacks:
    # `p->conf.<?>`). One parse may write a local twice on a line (`for (d = l; d; d = d->next)`).
    out: dict[tuple[str, str], dict[str, dict[tuple[int, str], list]]] = defaultdict(lambda: defaultdict(dict))
    for facts in files:
        mine: dict[tuple[str, str, str, int, str], list] = defaultdict(list)
        for w in facts.writes:
            if w.local and not w.param:  # a parameter's value comes from its callers
                if (keys := keyed.get((w.file, w.function, w.target, w.line))) and w.op == "=":
                    value = Name("|".join(sorted(keys)), KEY_VALUE)
                elif w.op in ("=", "decl"):
                    value = _under_loops(w.value, w.loops)
                else:
                    value = None if w.op == "&=" else w.value  # `x |= y`: y is in x too
                mine[(w.file, w.function, w.target, w.line, w.op)].append(value)
        for (file, function, target, line, op), values in mine.items():
            known = out[(file, function)][target]
            before = known.get((line, op))
            if before is None or all(map(_unread, before)) and not any(map(_unread, values)):
                known[(line, op)] = values
    return {k: {name: tuple(dict.fromkeys(x for vs in v.values() for x in vs)) for name, v in d.items()}
            for k, d in out.items()}


def _unread(value: CExpr | None) -> bool:
    """A value with a part the parse could not read (a field it could not name)."""
    return value is not None and any(isinstance(x, Member) and not x.field for x in walk(value))


def _under_loops(value: CExpr | None, loops: tuple[CExpr, ...]) -> CExpr | None:
    """A constant other than 0 given inside loops (`auth_required = 1;` in `for (k = 0; k <
    p->conf.auth_require->used; k++)`) as `cond && value`: the local holds it only when the
    loops' bodies ran (optionvalues._local_options reads each loop's bound)."""
    if value is None or not loops or evaluate(value) in (None, 0):
        return value
    for cond in reversed(loops):
        value = Binary("&&", cond, value)
    return value


def find_key_cases(files: Iterable[FileFacts]) -> dict[tuple[str, str], dict[int, dict[int, str]]]:
    """(file, function) -> {line of the switch: {case label: config key}} for the key
    switches of each function (`switch (cpv->k_id) { case 1: /* y.opts */ ... }`): code under
    a case runs only when the configuration has that key. A function may switch over two
    key tables (lighttpd's TLS modules: the socket keys, then the module's own), each switch
    with its own; line 0 holds the function's first, for a switch that copies no value.
    Code shared by several modules names their keys with a placeholder (gw_backend.c's
    `case 2: /* xxxxx.debug */`): the key is any of the other files' keys of that name at
    that index ("fastcgi.debug|proxy.debug|..."), not a key of the file's own tables.
    (file, "") holds the file's largest table at line 0, for a test of the key's index outside
    a switch (`if (cpv->k_id != 0) continue; /* k_id == 0 for ssl.pemfile */`)."""
    files = list(files)
    every: list[tuple[str, dict[int, str]]] = []
    for facts in files:
        found: dict[str, dict[int, str]] = defaultdict(dict)
        for table, index, key in (facts.options.keys if facts.options is not None else ()):
            found[table][index] = key
        every += [(facts.path, t) for t in found.values()]
    out: dict[tuple[str, str], dict[int, dict[int, str]]] = {}
    for facts in files:
        data = facts.options
        if data is None:
            continue
        tables: dict[str, dict[int, str]] = defaultdict(dict)
        for table, index, key in data.keys:
            tables[table][index] = key
        by_switch: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for table, index, _, named, _ in data.key_fields:
            if table.startswith("@"):
                by_switch[table].append((index, named))
        for switch, index, named in data.key_cases:  # switches that copy no value too
            by_switch[switch].append((index, named))
        for switch, index, _, _, named in data.key_locals:
            by_switch[switch].append((index, named))
        if not tables and not any(_placeholder(n) for cases in by_switch.values() for _, n in cases):
            continue
        largest = max(tables, key=lambda t: (len(tables[t]), t)) if tables else ""
        if tables:  # a test of the key's index outside a switch reads the file's largest table
            out.setdefault((facts.path, ""), {0: dict(tables[largest])})
        for switch, cases in sorted(by_switch.items(), key=lambda item: _switch_line(item[0])):
            function = switch[1:].rsplit("@", 1)[0]
            if any(_placeholder(n) for _, n in cases):
                table = {index: "|".join(keys) for index, named in cases if (keys := _placeholder_keys(
                    index, named, [t for path, t in every if path != facts.path]))}
            else:
                table = dict(tables[_switch_table(switch, cases, tables, largest)])
            switches = out.setdefault((facts.path, function), {0: table})
            switches[_switch_line(switch)] = table
    return out


def _placeholder(named: str) -> str:
    """`xxxxx.debug` -> `*.debug`: a key named with a placeholder module name; "" otherwise."""
    return "*" + named[named.index("."):] if re.fullmatch(r"x{3,}\.[\w.-]+", named) else ""


def _placeholder_keys(index: int, named: str, tables: list[dict[int, str]]) -> list[str]:
    pattern = _placeholder(named)
    return sorted({t[index] for t in tables if index in t and pattern and fnmatch.fnmatchcase(t[index], pattern)})


def _switch_line(switch: str) -> int:
    """The line of a key switch from its id (`@function@line`)."""
    line = switch.rsplit("@", 1)[1]
    return int(line) if line.isdigit() else 0


def _switch_table(switch: str, cases: list[tuple[int, str]], tables: dict[str, dict[int, str]], largest: str) -> str:
    function = switch[1:].rsplit("@", 1)[0]
    own = sorted(t for t in tables if t.startswith(function + ":"))

    def agreeing(table: str) -> int:
        return sum(1 for index, named in cases if named and tables[table].get(index) == named)

    best = max(own + sorted(tables), key=agreeing)  # the function's own tables first among equals
    return best if agreeing(best) else own[0] if own else largest
