"""Load and validate rules/<project>.toml into a frozen Rules object.

Everything specific to one daemon lives in its rules file; this module only knows the
schema. Every section is read here, when the file is loaded and before anything is parsed:
unknown keys and wrong types are reported with the file, the dotted key and what was
expected (RulesError), and the analyses get typed values (Rules.options, .logging, ...).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from srcscan.errors import RulesError, UnknownProjectError
from srcscan.formats.template import Template
from srcscan.preprocessor import PreprocessorRules, define_problem

DIALECTS = ("printf", "lighttpd_legacy")


@dataclass(frozen=True)
class LogFunction:
    name: str  # the C function (or macro) name called at the site
    format_arg: int  # index of the format argument
    dialect: str  # one of DIALECTS
    priority_arg: int | None = None  # index of the priority argument, if it has one
    priority: str | None = None  # fixed priority when it has no priority argument
    line_arg: int | None = None  # index of an argument carrying __LINE__, if any
    # An inferred wrapper that writes its argument into a message of its own (analyze/logfuncs):
    embed: Template | None = None  # that message, a "message" hole where the argument goes
    embed_mode: str = ""  # "text": the argument is text; "format": a printf format, its arguments after it;
    #                       "none": no argument goes in (the helper only logs at its caller's __LINE__)
    via: str = ""  # file:line:col of the wrapper's own log call (a relay, not a message)
    file: str = ""  # an inferred static wrapper's file: only calls there are its (each TLS module has its elogf)


@dataclass(frozen=True)
class Profile:
    name: str
    defines: tuple[tuple[str, str], ...] = ()  # (macro, value) pairs, in file order
    undefines: tuple[str, ...] = ()
    include_dirs: tuple[str, ...] = ()  # relative to the tree root
    stub_headers: tuple[tuple[str, str], ...] = ()  # (include name, content)
    extra_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    git: str | None  # upstream clone URL
    tag: str  # pattern such as "v{version}"
    debian: str | None  # Debian source package name
    providers: tuple[str, ...]  # order in which providers are tried


@dataclass(frozen=True)
class OptionMapping:
    """One `[[options.map]]` entry: an option the source's tables do not show."""

    names: tuple[str, ...]  # `-x`/`--long` (command line) or a config key; the first is its name
    target: str  # the variable or `.field` it sets
    mask: int | None = None  # the bit it sets, when it sets one (else it assigns 1)
    takes_value: bool = False


@dataclass(frozen=True)
class OptionTable:
    """A struct whose array initializers are a command-line option table (`struct option`)."""

    fields: tuple[str, ...]  # the struct's first fields, in order: how its initializers are recognised
    name: str  # the field holding the long name (a string literal)
    value: tuple[str, ...]  # the fields holding the option's code: the first non-zero one wins
    has_arg: str  # the field saying whether the option takes an argument (non-zero: it does)
    optional: int | None = None  # the value of `has_arg` meaning the argument is optional


@dataclass(frozen=True)
class CodeTable:
    """A struct whose array initializers map option codes to the option bit each sets (dnsmasq's
    usage[] {opt, rept, ...}, read by one_opt's generic branch `set_option_bool(rept)`)."""

    fields: tuple[str, ...]  # the struct's first fields, in order
    code: str  # the field holding the option's code (as getopt returns it)
    bit: str  # the field holding the bit the option sets (values the setting call's guard rules out are markers)


@dataclass(frozen=True)
class BitArray:
    """Option bits kept in an array of words, tested as `field[i] & mask` (dnsmasq's
    option_bool(x): daemon->options[x / 32] & (1u << (x % 32))); f(BIT) of a bit_set function sets one."""

    field: str  # the array's field or variable name
    word_bits: int = 32  # bits per element


@dataclass(frozen=True)
class OptionRules:
    """The `[options]` section: how the project reads its command line and sets option bits."""

    bit_set: frozenset[str] = frozenset()  # functions called as f(BIT, &var) that set a bit
    bit_test: frozenset[str] = frozenset()  # ... that test one
    map: tuple[OptionMapping, ...] = ()
    getopt_calls: frozenset[str] = frozenset()  # calls returning the next option (getopt(3), popt(3))
    tables: tuple[OptionTable, ...] = ()  # option table structs ({name, has_arg, flag, val})
    code_tables: tuple[CodeTable, ...] = ()  # tables mapping option codes to bits
    bit_array: BitArray | None = None


@dataclass(frozen=True)
class KeyTable:
    """A struct whose array initializers are a configuration key table; the key is its first field."""

    fields: tuple[str, ...]  # the struct's first fields, in order
    destination: str = ""  # a field the code points at the value's home (`cv[3].destination = &s->x`)


@dataclass(frozen=True)
class ConfigRules:
    """The `[config]` section: how the project reads its configuration file's keys."""

    key_tables: tuple[KeyTable, ...] = ()
    key_switch: str = ""  # field a `switch` on the key's index in its table tests (`switch (cpv->k_id)`)
    case_comments: bool = False  # `case 0: /* ssl.engine */`: a case's comment names the key it reads
    false_values: tuple[str, ...] = ()  # values of a config key meaning off (`disable`), compared without case


@dataclass(frozen=True)
class LoggingRules:
    """The `[logging]` section: where the log functions write by default."""

    destination: str = "syslog"  # "syslog", or the name of another destination ("errorlog")
    syslog_option: str = ""  # option that sends them to syslog instead ("" when always syslog)
    facility_option: str = ""  # option naming the facility directly ("" when none)


@dataclass(frozen=True)
class Openlog:
    """The call that opens syslog: openlog(ident, option, facility) (openlog(3))."""

    name: str = ""
    ident_arg: int = 0
    facility_arg: int = 2


@dataclass(frozen=True)
class ProcessRules:
    """The `[processes]` section."""

    names: tuple[tuple[str, str], ...] = ()  # (name derived from the ident, name to use)
    fork_calls: frozenset[str] = frozenset()  # calls starting a child process (fork(2))
    openlog: Openlog = Openlog()


@dataclass(frozen=True)
class Idioms:
    """What the extractors look for in each parsed file, from the rules (picklable; part of
    the per-file facts cache key): a plain projection of Rules' sections."""

    getopt_calls: frozenset[str] = frozenset()
    option_tables: tuple[OptionTable, ...] = ()
    code_tables: tuple[CodeTable, ...] = ()
    key_tables: tuple[KeyTable, ...] = ()
    key_switch: str = ""
    case_comments: bool = False
    fork_calls: frozenset[str] = frozenset()
    openlog: Openlog = Openlog()

    def cache_key(self) -> str:
        """The same text in every run (sets sorted: their repr follows string hashing)."""
        return repr((sorted(self.getopt_calls), self.option_tables, self.code_tables, self.key_tables, self.key_switch,
                     self.case_comments, sorted(self.fork_calls), self.openlog))


@dataclass(frozen=True)
class CallgraphRules:
    """The `[callgraph]` section."""

    entry_points: tuple[str, ...] = ()  # fnmatch patterns of functions run by name (dlsym)


@dataclass(frozen=True)
class Rules:
    project: str
    path: str  # the file it was read from
    sha256: str  # hash of the file's bytes, recorded in every catalog
    source: Source
    log_functions: tuple[LogFunction, ...]
    infer_wrappers: bool
    profiles: tuple[Profile, ...]
    exclude: tuple[str, ...]  # glob patterns of tree paths not scanned (tests, contrib)
    options: OptionRules = OptionRules()
    logging: LoggingRules = LoggingRules()
    processes: ProcessRules = ProcessRules()
    callgraph: CallgraphRules = CallgraphRules()
    preprocessor: PreprocessorRules = PreprocessorRules()
    config: ConfigRules = ConfigRules()
    # Functions whose message text is assembled from their arguments (flag bits, constant
    # strings) in variables: each caller's call selects the text (analyze/builttext.py).
    text_builders: tuple[str, ...] = ()

    def log_function(self, name: str) -> LogFunction | None:
        return next((f for f in self.log_functions if f.name == name), None)

    @property
    def idioms(self) -> Idioms:
        return Idioms(self.options.getopt_calls, self.options.tables, self.options.code_tables, self.config.key_tables,
                      self.config.key_switch,
                      self.config.case_comments, self.processes.fork_calls, self.processes.openlog)


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


RULES_PACKAGE = "srcscan.shipped_rules"  # rules/ installed as package data (setup.py maps it)


def rules_dirs() -> list[Path]:
    """The directories searched for `<project>.toml`, first match wins.

    1. each directory of `SRCSCAN_RULES_DIR` (several separated by the path separator, `:`),
    2. the user's rules directory, `$XDG_CONFIG_HOME/srcscan/rules` (default `~/.config/srcscan/rules`),
    3. the rules shipped with srcscan (the installed package data, or `rules/` of a checkout).
    Directories that do not exist are listed too, so that an error can name every place looked at.
    """
    dirs = [Path(d) for d in os.environ.get("SRCSCAN_RULES_DIR", "").split(os.pathsep) if d]
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    dirs.append(Path(config) / "srcscan" / "rules")
    dirs.append(shipped_rules_dir())
    return dirs


def shipped_rules_dir() -> Path:
    """Where the rules that come with srcscan are: the package data of an installed srcscan,
    else the `rules/` directory beside the package in a source checkout."""
    try:
        spec = importlib.util.find_spec(RULES_PACKAGE)
    except ImportError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    return Path(__file__).resolve().parent.parent / "rules"


def is_project_file(path: Path) -> bool:
    """`keepalived.toml` names a project; `_c.toml` (a leading underscore) is shared data, not one."""
    return path.suffix == ".toml" and not path.name.startswith("_")


def rules_files() -> list[tuple[str, Path, list[Path]]]:
    """Every known project as (name, the file used, the files it hides further down the search path)."""
    found: dict[str, list[Path]] = {}
    for d in rules_dirs():
        if d.is_dir():
            for p in sorted(d.glob("*.toml")):
                if is_project_file(p):
                    found.setdefault(p.stem, []).append(p)
    return [(name, paths[0], paths[1:]) for name, paths in sorted(found.items())]


def known_projects() -> list[str]:
    return [name for name, _, _ in rules_files()]


def find_rules_file(name_or_path: str) -> Path:
    """A project name (`keepalived`, looked up along rules_dirs()) or a path to a rules file.

    Raises RulesError for a path that is not a file, UnknownProjectError (naming the known
    projects and the directories searched) for a name no directory holds.
    """
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or os.sep in name_or_path:
        if not candidate.is_file():
            raise RulesError(name_or_path, "", "no such rules file")
        return candidate
    for d in rules_dirs():
        if (d / f"{name_or_path}.toml").is_file():
            return d / f"{name_or_path}.toml"
    raise UnknownProjectError(name_or_path, known_projects(), [str(d) for d in rules_dirs()])


def load_rules(name_or_path: str) -> Rules:
    """The project's rules (a name looked up along rules_dirs(), or a path), on top of the
    shared C idioms (SHARED_FILE), every section validated. Raises RulesError naming the file,
    the dotted key and what was expected; UnknownProjectError for an unknown name."""
    path = find_rules_file(name_or_path)
    data = path.read_bytes()
    table = _toml(path, data)
    _, shared_data = shared_rules()
    digest = hashlib.sha256(shared_data + b"\0" + data).hexdigest()
    return parse_rules(table, str(path), digest)


SHARED_FILE = "_c.toml"  # generic C and POSIX idioms every project starts from
SHARED_SECTIONS = ("options", "processes", "config")


def _toml(path: Path, data: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(str(path), "", f"not valid TOML ({exc})") from None


def shared_rules() -> tuple[Path, bytes]:
    """The shared idioms file: the first SHARED_FILE along rules_dirs() (the shipped one last)."""
    for d in rules_dirs():
        if (d / SHARED_FILE).is_file():
            return d / SHARED_FILE, (d / SHARED_FILE).read_bytes()
    raise RulesError(str(shipped_rules_dir() / SHARED_FILE), "", "missing: srcscan's shared C idioms")


_shared_cache: dict[tuple[Path, bytes], dict[str, Any]] = {}


def shared_table() -> dict[str, Any]:
    """The shared idioms, validated on their own (errors name SHARED_FILE and its keys)."""
    path, data = shared_rules()
    if (path, data) not in _shared_cache:
        table = _toml(path, data)
        top = _Reader(str(path), table)
        _read_options(_section(top, "options"))
        _read_processes(_section(top, "processes"))
        _read_config(_section(top, "config"))
        top.reject_unknown()
        _shared_cache[(path, data)] = table
    return _shared_cache[(path, data)]


def merged(shared: dict[str, Any], project: dict[str, Any]) -> dict[str, Any]:
    """`project` over `shared`: tables merge key by key, any other value of the project replaces
    the shared one (a project's `getopt_calls` list is the whole list)."""
    out = dict(shared)
    for key, value in project.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def parse_rules(table: dict[str, Any], path: str, sha256: str = "", shared: bool = True) -> Rules:
    """Rules from a TOML table read from `path`, over the shared idioms unless `shared` is false."""
    if shared:
        table = merged(shared_table(), table)
    top = _Reader(path, table)
    project = top.sub("project", top.get("project", dict))
    name = project.get("name", str)
    project.get("description", str, "")
    project.reject_unknown()
    rules = Rules(
        project=name,
        path=path,
        sha256=sha256,
        source=_read_source(top.sub("source", top.get("source", dict, {}))),
        log_functions=tuple(_read_log_function(top, i, t) for i, t in enumerate(top.get("log_functions", list))),
        infer_wrappers=top.get("infer_wrappers", bool, True),
        profiles=tuple(_read_profile(top, i, t) for i, t in enumerate(top.get("profiles", list, [{"name": "default"}]))),
        exclude=top.strings("exclude"),
        options=_read_options(_section(top, "options")),
        logging=_read_logging(_section(top, "logging")),
        processes=_read_processes(_section(top, "processes")),
        callgraph=_read_callgraph(_section(top, "callgraph")),
        preprocessor=_read_preprocessor(_section(top, "preprocessor")),
        config=_read_config(_section(top, "config")),
        text_builders=_identifiers(top, "text_builders"),
    )
    top.reject_unknown()
    if not rules.log_functions:
        raise RulesError(path, "log_functions", "at least one log function is needed")
    return rules


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
    if "{version}" not in source.tag:
        raise RulesError(r.path, "source.tag", "expected a pattern containing {version}")
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
    )
    if fn.dialect not in DIALECTS:
        raise RulesError(top.path, f"log_functions[{i}].dialect", f"expected one of {', '.join(DIALECTS)}")
    if (fn.priority_arg is None) == (fn.priority is None):
        raise RulesError(top.path, f"log_functions[{i}]", "expected exactly one of priority_arg or priority")
    r.reject_unknown()
    return fn


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
    bit_set, bit_test = r.strings("bit_set"), r.strings("bit_test")
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
                       code_tables, bit_array)


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
    config = ConfigRules(tuple(tables), r.get("key_switch", str, ""), r.get("case_comments", bool, False),
                         tuple(v.lower() for v in r.strings("false_values")))
    r.reject_unknown()
    return config


def _read_logging(r: _Reader) -> LoggingRules:
    destination = r.get("destination", str, "") or "syslog"
    syslog_option = r.get("syslog_option", str, "")
    if destination != "syslog" and not syslog_option:
        raise RulesError(r.path, "logging.syslog_option", "expected the option that switches to syslog")
    logging = LoggingRules(destination, syslog_option, r.get("facility_option", str, ""))
    r.reject_unknown()
    return logging


def _read_processes(r: _Reader) -> ProcessRules:
    names = r.string_table("names")
    fork_calls = frozenset(r.strings("fork_calls"))
    o = r.sub("openlog", r.get("openlog", dict, {}))
    openlog = Openlog(o.get("name", str, ""), o.get("ident_arg", int, 0), o.get("facility_arg", int, 2))
    o.reject_unknown()
    r.reject_unknown()
    return ProcessRules(names, fork_calls, openlog)


def _read_callgraph(r: _Reader) -> CallgraphRules:
    entries = r.strings("entry_points")
    r.reject_unknown()
    return CallgraphRules(entries)


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
