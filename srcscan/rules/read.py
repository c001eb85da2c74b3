"""Reading a rules table section by section, every key validated: an unknown key or a wrong
type is a RulesError naming the file, the dotted key and what was expected."""

from __future__ import annotations

import re
from typing import Any

from srcscan.errors import InputError, RulesError
from srcscan.preprocessor import PreprocessorRules, define_problem
from srcscan.rules.schema import (DIALECTS, BitArray, CallgraphRules, CodeTable, ConfigRules, FacilityBits, KeyTable, Parsed, Selected, LogFunction,
                                  LoggingRules, Openlog, OptionMapping, OptionRules, OptionTable, ProcessRules,
                                  Profile, Source)
from srcscan.requirement import Requirement
from srcscan.sources.git import tag_pattern_ok


class _Reader:
    """Typed access to a TOML table that names the file and dotted key on error."""

    def __init__(self, path: str, table: dict[str, Any], prefix: str = "") -> None:
        self.path, self.table, self.prefix, self.used = path, table, prefix, set()

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        self.used.add(key)
        if key not in self.table:
            if default is ...:
                raise RulesError(self.path, self._key(key), f"missing; expected {what or _kind_name(kind)}")
            return default
        value = self.table[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise RulesError(self.path, self._key(key), f"expected {what or _kind_name(kind)}, got {type(value).__name__}")
        return value

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        values = self.get(key, list, list(default), "a list of strings")
        for i, v in enumerate(values):
            if not isinstance(v, str):
                raise RulesError(self.path, f"{self._key(key)}[{i}]", "expected a string")
        return tuple(values)

    def string_table(self, key: str) -> tuple[tuple[str, str], ...]:
        values = self.get(key, dict, {}, "a table of strings")
        for k, v in values.items():
            if not isinstance(v, str):
                raise RulesError(self.path, f"{self._key(key)}.{k}", f"expected a string, got {type(v).__name__}")
        return tuple(values.items())

    def sub(self, key: str, value: dict[str, Any]) -> "_Reader":
        return _Reader(self.path, value, f"{self._key(key)}.")

    def reject_unknown(self) -> None:
        for key in self.table:
            if key not in self.used:
                known = ", ".join(sorted(self.used))
                raise RulesError(self.path, self._key(key), f"unknown key (expected one of {known})")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", bool: "true or false", list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _identifiers(r: _Reader, key: str) -> tuple[str, ...]:
    """A list of C identifiers (function names)."""
    names = r.strings(key)
    for i, name in enumerate(names):
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise RulesError(r.path, f"{key}[{i}]", f"expected a C function name, got {name!r}")
    return names


def _read_source(r: _Reader) -> Source:
    providers = r.strings("providers", ("git", "debian"))
    for i, p in enumerate(providers):
        if p not in ("git", "debian", "path"):
            raise RulesError(r.path, f"source.providers[{i}]", "expected one of git, debian, path")
    source = Source(
        git=r.get("git", str, None),
        tag=r.get("tag", str, "{version}"),
        debian=r.get("debian", str, None),
        providers=providers,
    )
    if not tag_pattern_ok(source.tag):
        raise RulesError(r.path, "source.tag", "expected a pattern containing {version} (or {version:GLOB}) once")
    r.reject_unknown()
    return source


def _read_log_function(top: _Reader, i: int, table: Any) -> LogFunction:
    if not isinstance(table, dict):
        raise RulesError(top.path, f"log_functions[{i}]", "expected a table")
    r = top.sub(f"log_functions[{i}]", table)
    fn = LogFunction(
        name=r.get("name", str),
        format_arg=r.get("format_arg", int),
        dialect=r.get("dialect", str, "printf"),
        priority_arg=r.get("priority_arg", int, None),
        priority=r.get("priority", str, None),
        line_arg=r.get("line_arg", int, None),
        facility_bits=tuple(_read_facility_bits(r, f"log_functions[{i}].facility_bits", j, t)
                            for j, t in enumerate(r.get("facility_bits", list, []))),
    )
    if fn.dialect not in DIALECTS:
        raise RulesError(top.path, f"log_functions[{i}].dialect", f"expected one of {', '.join(DIALECTS)}")
    if (fn.priority_arg is None) == (fn.priority is None):
        raise RulesError(top.path, f"log_functions[{i}]", "expected exactly one of priority_arg or priority")
    r.reject_unknown()
    return fn


# <syslog.h>'s facility names and codes (the same in every libc: they are on the wire).
_FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
               *(f"local{i}" for i in range(8)))


def _read_facility_bits(top: _Reader, key: str, j: int, table: Any) -> FacilityBits:
    if not isinstance(table, dict):
        raise RulesError(top.path, f"{key}[{j}]", "expected a table")
    r = _Reader(top.path, table, f"{key}[{j}].")
    name = r.get("facility", str)
    if name not in _FACILITIES:
        raise RulesError(top.path, f"{key}[{j}].facility", f"expected a syslog facility name ({', '.join(_FACILITIES)})")
    index = _FACILITIES.index(name)
    code = (index if index < 12 else 16 + index - 12) << 3  # local0 is 16 << 3
    bits = FacilityBits(name, code, r.get("ident_suffix", str, ""), r.get("requires", str, ""))
    r.reject_unknown()
    return bits


def _read_profile(top: _Reader, i: int, table: Any) -> Profile:
    if not isinstance(table, dict):
        raise RulesError(top.path, f"profiles[{i}]", "expected a table")
    r = top.sub(f"profiles[{i}]", table)
    profile = Profile(
        name=r.get("name", str),
        defines=r.string_table("defines"),
        undefines=r.strings("undefines"),
        include_dirs=r.strings("include_dirs"),
        stub_headers=r.string_table("stub_headers"),
        extra_args=r.strings("extra_args"),
    )
    for macro, value in profile.defines:
        if problem := define_problem(macro, value):
            raise RulesError(top.path, f"profiles[{i}].defines.{macro}", problem)
    for macro in profile.undefines:
        if problem := define_problem(macro, ""):
            raise RulesError(top.path, f"profiles[{i}].undefines", problem)
    r.reject_unknown()
    return profile


def _section(top: _Reader, name: str) -> _Reader:
    return top.sub(name, top.get(name, dict, {}))


def _read_options(r: _Reader) -> OptionRules:
    bit_set, bit_test, bit_clear = r.strings("bit_set"), r.strings("bit_test"), r.strings("bit_clear")
    mappings = []
    for i, entry in enumerate(r.get("map", list, [], "a list of tables")):
        if not isinstance(entry, dict):
            raise RulesError(r.path, f"options.map[{i}]", "expected a table")
        m = r.sub(f"map[{i}]", entry)
        names = m.strings("names")
        if not names:
            raise RulesError(r.path, f"options.map[{i}].names", "expected a non-empty list of option names")
        mappings.append(OptionMapping(names, m.get("target", str, what="the variable or .field the option sets"),
                                      m.get("mask", int, None), m.get("takes_value", bool, False)))
        m.reject_unknown()
    tables = tuple(_read_option_table(r.sub(f"tables[{i}]", t)) for i, t in enumerate(_tables(r, "tables")))
    code_tables = tuple(_read_code_table(r.sub(f"code_tables[{i}]", t)) for i, t in enumerate(_tables(r, "code_tables")))
    getopt_calls = r.strings("getopt_calls")
    implies = r.string_table("implies")
    bit_array = None
    if "bit_array" in r.table:
        b = r.sub("bit_array", r.get("bit_array", dict))
        bit_array = BitArray(b.get("field", str), b.get("word_bits", int, 32))
        if not bit_array.field.isidentifier() or bit_array.word_bits <= 0:
            raise RulesError(r.path, "options.bit_array", "expected a field name and a positive word_bits")
        b.reject_unknown()
    else:
        r.used.add("bit_array")
    r.reject_unknown()
    return OptionRules(frozenset(bit_set), frozenset(bit_test), tuple(mappings), frozenset(getopt_calls), tables,
                       code_tables, bit_array, frozenset(bit_clear), implies)


def _read_code_table(r: _Reader) -> CodeTable:
    fields = _fields(r)
    table = CodeTable(fields, _one_of(r, "code", fields, r.get("code", str)), _one_of(r, "bit", fields, r.get("bit", str)))
    r.reject_unknown()
    return table


def _tables(r: _Reader, key: str) -> list[dict[str, Any]]:
    """An array of tables (`[[options.tables]]`)."""
    values = r.get(key, list, [], "a list of tables")
    for i, value in enumerate(values):
        if not isinstance(value, dict):
            raise RulesError(r.path, f"{r.prefix}{key}[{i}]", "expected a table")
    return values


def _fields(r: _Reader) -> tuple[str, ...]:
    fields = r.strings("fields")
    if not fields or not all(f.isidentifier() for f in fields):
        raise RulesError(r.path, f"{r.prefix}fields", "expected a non-empty list of struct field names")
    return fields


def _one_of(r: _Reader, key: str, fields: tuple[str, ...], value: str) -> str:
    if value not in fields:
        raise RulesError(r.path, f"{r.prefix}{key}", f"expected one of the fields ({', '.join(fields)})")
    return value


def _read_option_table(r: _Reader) -> OptionTable:
    fields = _fields(r)
    table = OptionTable(fields, _one_of(r, "name", fields, r.get("name", str)),
                        tuple(_one_of(r, "value", fields, v) for v in r.strings("value")),
                        _one_of(r, "has_arg", fields, r.get("has_arg", str)), r.get("optional", int, None))
    if not table.value:
        raise RulesError(r.path, f"{r.prefix}value", "expected the field(s) holding the option's code")
    r.reject_unknown()
    return table


def _read_config(r: _Reader) -> ConfigRules:
    tables = []
    for i, t in enumerate(_tables(r, "key_tables")):
        k = r.sub(f"key_tables[{i}]", t)
        fields = _fields(k)
        destination = k.get("destination", str, "")
        tables.append(KeyTable(fields, destination and _one_of(k, "destination", fields, destination)))
        k.reject_unknown()
    defaults_functions = r.strings("defaults_functions")
    if not all(defaults_functions):
        raise RulesError(r.path, "config.defaults_functions", "expected a list of function name patterns")
    emptiness_tests = r.strings("emptiness_tests")
    if not all(t.isidentifier() for t in emptiness_tests):
        raise RulesError(r.path, "config.emptiness_tests", "expected a list of function names")
    equality_tests = r.strings("equality_tests")
    if not all(t.isidentifier() for t in equality_tests):
        raise RulesError(r.path, "config.equality_tests", "expected a list of function names")
    contexts = r.strings("contexts")
    if not all(t.isidentifier() for t in contexts):
        raise RulesError(r.path, "config.contexts", "expected a list of variable names")
    selected = []
    for i, t in enumerate(_tables(r, "selected")):
        k = r.sub(f"selected[{i}]", t)
        entry = Selected(k.get("key", str, ""), k.get("value", str, ""), k.strings("functions"), k.strings("files"),
                         k.strings("also_keys"))
        if not entry.key or not (entry.functions or entry.files) or not all(entry.functions + entry.files
                                                                             + entry.also_keys):
            raise RulesError(r.path, f"config.selected[{i}]",
                             "expected key, value (optional) and a list of function name patterns or of file patterns")
        k.reject_unknown()
        selected.append(entry)
    feature_functions = r.strings("feature_functions")
    if not all(t.isidentifier() for t in feature_functions):
        raise RulesError(r.path, "config.feature_functions", "expected a list of function names")
    keyword_calls = _identifiers(r, "keyword_calls")
    parsed = []
    for i, t in enumerate(_tables(r, "parsed")):
        k = r.sub(f"parsed[{i}]", t)
        values = k.get("values", dict, {}, "a table of key -> value")
        entry = Parsed(k.strings("functions"), k.get("variable", str, ""), k.get("default", (int, str), None),
                       k.strings("given"), tuple(sorted(values.items())), tuple(k.get("domain", list, [])))
        if not entry.functions or not all(entry.functions) or not entry.variable.isidentifier() \
                or not all(isinstance(v, (int, str)) and not isinstance(v, bool)
                           for v in [entry.default] + [v for _, v in entry.values] + list(entry.domain)):
            raise RulesError(r.path, f"config.parsed[{i}]", "expected functions (name patterns), variable, default "
                                                            "and values (integers or strings)")
        k.reject_unknown()
        parsed.append(entry)
    levels = {key: _identifiers(r, key) for key in ("keyword_root_calls", "keyword_level_calls",
                                                    "keyword_level_end_calls", "keyword_end_handler_calls")}
    for i, name in enumerate(levels["keyword_root_calls"]):
        if name not in keyword_calls:
            raise RulesError(r.path, f"config.keyword_root_calls[{i}]", f"{name} is not in config.keyword_calls")
    given_by_default = r.strings("given_by_default")
    if not all(given_by_default):
        raise RulesError(r.path, "config.given_by_default", "expected a list of config key names")
    kept, checked_in, kept_process = _kept_blocks(r)
    kept_checks = _kept_checks(r)
    for i, (block, _, _) in enumerate(kept_checks):  # applied with kept_only_with's check (analyze.keptblocks)
        if block not in dict(kept):
            raise RulesError(r.path, f"config.kept_checks[{i}].block", f"{block} is not a block of config.kept_only_with")
    config = ConfigRules(tuple(tables), r.get("key_switch", str, ""), r.get("case_comments", bool, False),
                         tuple(v.lower() for v in r.strings("false_values")), defaults_functions, emptiness_tests,
                         contexts, tuple(selected), r.get("feature_key", str, ""), feature_functions, keyword_calls,
                         parsed=tuple(parsed), allocation_calls=_identifiers(r, "allocation_calls"),
                         given_by_default=given_by_default, handler_selectors=_handler_selectors(r),
                         equality_tests=equality_tests, readers=_identifiers(r, "readers"),
                         string_compares=_identifiers(r, "string_compares"),
                         string_lengths=_identifiers(r, "string_lengths"),
                         string_copies=_identifiers(r, "string_copies"),
                         string_appends=_identifiers(r, "string_appends"),
                         pointer_reads=_identifiers(r, "pointer_reads"),
                         condition_fields=_identifiers(r, "condition_fields"),
                         entry_name_field=_identifier(r, "entry_name_field"), list_fills=_list_fills(r),
                         kept_only_with=kept, kept_checked_in=checked_in, kept_process=kept_process,
                         kept_checks=kept_checks, **levels)
    r.reject_unknown()
    return config


def _identifier(r: _Reader, key: str) -> str:
    """A C identifier (a field's name), "" when not given."""
    found = r.get(key, str, "")
    if found and not found.isidentifier():
        raise RulesError(r.path, f"config.{key}", "expected a field name")
    return found


def _list_fills(r: _Reader) -> tuple[tuple[str, int], ...]:
    """`[config] list_fills`: a table of function name -> the index of its list head argument."""
    found = r.get("list_fills", dict, {}, "a table of function name -> argument index")
    for name, index in found.items():
        if not name.isidentifier() or not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise RulesError(r.path, f"config.list_fills.{name}", "expected a function name -> argument index (0 or more)")
    return tuple(sorted(found.items()))


def _kept_blocks(r: _Reader) -> tuple[tuple[tuple[str, str], ...], ...]:
    """`[config] kept_only_with` (keyword -> formula of keywords), `kept_checked_in` and
    `kept_process` (keyword of kept_only_with -> function name)."""
    kept, checked_in = r.string_table("kept_only_with"), r.string_table("kept_checked_in")
    kept_process = r.string_table("kept_process")
    for block, text in kept:
        try:
            Requirement.parse(text)
        except InputError as e:
            raise RulesError(r.path, f"config.kept_only_with.{block}", f"expected a formula of keywords: {e}") from None
    for key, table in (("kept_checked_in", checked_in), ("kept_process", kept_process)):
        for block, name in table:
            if block not in dict(kept) or not name.split() or not all(n.isidentifier() for n in name.split()):
                raise RulesError(r.path, f"config.{key}.{block}",
                                 "expected a block of config.kept_only_with -> function or process names")
    return kept, checked_in, kept_process


def _kept_checks(r: _Reader) -> tuple[tuple[str, str, str], ...]:
    """`[[config.kept_checks]]`: (block keyword, formula of keywords, the names of the functions
    whose false result stops the process), one entry per later check of a block. Raises
    RulesError naming the entry's key for a missing key, a bad formula or a bad name."""
    found = []
    for i, table in enumerate(r.get("kept_checks", list, [], "a list of tables")):
        if not isinstance(table, dict):
            raise RulesError(r.path, f"config.kept_checks[{i}]", "expected a table")
        k = r.sub(f"kept_checks[{i}]", table)
        block, needs, names = k.get("block", str), k.get("needs", str), k.get("checked_in", str)
        k.reject_unknown()
        try:
            Requirement.parse(needs)
        except InputError as e:
            raise RulesError(r.path, f"config.kept_checks[{i}].needs", f"expected a formula of keywords: {e}") from None
        if not block or not names.split() or not all(n.isidentifier() for n in names.split()):
            raise RulesError(r.path, f"config.kept_checks[{i}]", "expected a block keyword and function names")
        found.append((block, needs, names))
    return tuple(found)


def _handler_selectors(r: _Reader) -> tuple[tuple[str, str], ...]:
    """`[config] handler_selectors`: a table of field name -> field name."""
    found = r.string_table("handler_selectors")
    for pointer, choosing in found:
        if not pointer.isidentifier() or not choosing.isidentifier():
            raise RulesError(r.path, f"config.handler_selectors.{pointer}", "expected a field name -> field name")
    return found


def _read_logging(r: _Reader) -> LoggingRules:
    destination = r.get("destination", str, "") or "syslog"
    syslog_option = r.get("syslog_option", str, "")
    if destination != "syslog" and not syslog_option:
        raise RulesError(r.path, "logging.syslog_option", "expected the option that switches to syslog")
    facility_with = r.string_table("facility_with")
    for option, facility in facility_with:
        if facility not in _FACILITIES:
            raise RulesError(r.path, f"logging.facility_with.{option}",
                             f"expected a syslog facility name ({', '.join(_FACILITIES)})")
    opened_by, before_open = r.strings("opened_by"), r.get("before_open", str, "")
    if bool(opened_by) != bool(before_open):
        raise RulesError(r.path, "logging.before_open" if opened_by else "logging.opened_by",
                         "expected opened_by and before_open together (the functions opening the destination, "
                         "and where the log functions write until then)")
    writers = r.get("stream_writers", dict, {}, "a table of function name -> argument index")
    for name, index in writers.items():
        if not name.isidentifier() or not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise RulesError(r.path, f"logging.stream_writers.{name}", "expected a function name -> argument index (0 or more)")
    logging = LoggingRules(destination, syslog_option, r.get("facility_option", str, ""), facility_with,
                           opened_by, before_open, r.strings("reset_by"), tuple(sorted(writers.items())))
    r.reject_unknown()
    return logging


def _read_processes(r: _Reader) -> ProcessRules:
    names = r.string_table("names")
    fork_calls = frozenset(r.strings("fork_calls"))
    o = r.sub("openlog", r.get("openlog", dict, {}))
    openlog = Openlog(o.get("name", str, ""), o.get("ident_arg", int, 0), o.get("facility_arg", int, 2))
    o.reject_unknown()
    children = r.string_table("children")
    for function, _ in children:
        if not re.fullmatch(r"[A-Za-z_]\w*", function):
            raise RulesError(r.path, f"processes.children.{function}", "expected a C function name")
    r.reject_unknown()
    return ProcessRules(names, fork_calls, openlog, children)


def _read_callgraph(r: _Reader) -> CallgraphRules:
    entries = r.strings("entry_points")
    noreturn, exits = r.strings("noreturn"), r.strings("library_exits")
    for key, names in (("noreturn", noreturn), ("library_exits", exits)):
        for i, name in enumerate(names):
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                raise RulesError(r.path, f"callgraph.{key}[{i}]", f"expected a C function name, got {name!r}")
    library = r.string_table("library_macros")
    for name, macro in library:
        if not (name.isidentifier() and macro.isidentifier()):
            raise RulesError(r.path, f"callgraph.library_macros.{name}", "expected a function name -> macro name")
    readers = r.get("fd_readers", dict, {}, "a table of function name -> [callback argument, descriptor argument]")
    for name, pair in readers.items():
        if not name.isidentifier() or not (isinstance(pair, list) and len(pair) == 2 and all(
                isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in pair)):
            raise RulesError(r.path, f"callgraph.fd_readers.{name}",
                             "expected a function name -> [callback argument, descriptor argument]")
    writers = r.get("fd_writers", dict, {}, "a table of function name -> descriptor argument")
    for name, index in writers.items():
        if not name.isidentifier() or not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise RulesError(r.path, f"callgraph.fd_writers.{name}", "expected a function name -> argument index (0 or more)")
    users, creators = r.strings("fd_users"), r.strings("fd_creators")
    keeps = _library_keeps(r)
    r.reject_unknown()
    return CallgraphRules(entries, noreturn, exits, tuple(sorted(library)),
                          tuple(sorted((name, (pair[0], pair[1])) for name, pair in readers.items())),
                          tuple(sorted(writers.items())), users, creators, keeps)


def _library_keeps(r: _Reader) -> tuple[tuple[str, int, int], ...]:
    """`library_keeps = [{ function = "SSL_CTX_ctrl", argument = 1, value = 54 }, ...]`
    (argument and value optional together) -> (function, argument or -1, value)."""
    out = []
    for i, entry in enumerate(r.get("library_keeps", list, [], "a list of { function, argument, value } tables")):
        where = f"callgraph.library_keeps[{i}]"
        if not isinstance(entry, dict) or set(entry) - {"function", "argument", "value"} \
                or not isinstance(entry.get("function"), str) or not entry["function"].isidentifier() \
                or ("argument" in entry) != ("value" in entry):
            raise RulesError(r.path, where, "expected { function = NAME } or { function = NAME, argument = N, value = N }")
        argument, value = entry.get("argument", -1), entry.get("value", 0)
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (argument, value)) \
                or ("argument" in entry and argument < 0):
            raise RulesError(r.path, where, "expected integers: argument (0 or more) and value")
        out.append((entry["function"], argument, value))
    return tuple(sorted(out))


def _read_preprocessor(r: _Reader) -> PreprocessorRules:
    lists = {}
    for key in ("feature", "platform", "compiler", "off", "never"):
        lists[key] = r.strings(key)
        if not all(lists[key]):
            raise RulesError(r.path, f"preprocessor.{key}", "expected a list of macro names or patterns")
    values = r.string_table("values")
    for name, value in values:
        if problem := define_problem(name, value):
            raise RulesError(r.path, f"preprocessor.values.{name}", problem)
    r.reject_unknown()
    return PreprocessorRules(**lists, values=tuple(sorted(values)))
