"""Every key the rules reader accepts has a row in README.md's "Rules file reference".

The keys are collected two ways, so that a key added to srcscan/rules/ without a row fails:

- loaded (with its section): `_Reader.get` and `_Reader.reject_unknown` are wrapped while every
  rules file under rules/ and tests/ is loaded, and EVERY_TABLE (one entry of each array of
  tables and sub-table, so that the readers of entries no shipped file has run too). A reader
  records a key it asks for whether or not the file has it, so this holds every key of every
  reader the files reach: `options.map.names`, `processes.openlog.ident_arg`.
- read from the code (its name only): every string literal srcscan/rules/read.py and load.py
  pass as a key to a reader (`r.get("tag", ...)`, `r.strings("exclude")`, `_identifiers(r,
  "noreturn")`, a `for key in ("feature", ...)` loop's names). A name the scan cannot resolve
  fails the test, and so does a name no loaded file reached: a new array of tables then needs an
  entry in EVERY_TABLE, which gives its keys their section.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from srcscan.rules import RulesError, load, parse_rules, read

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
READER_SOURCES = (ROOT / "srcscan" / "rules" / "read.py", ROOT / "srcscan" / "rules" / "load.py")

# One entry of each array of tables and sub-table the reader knows, read without _c.toml.
EVERY_TABLE = """
[project]
name = "every-table"
[[log_functions]]
name = "logf"
priority_arg = 0
format_arg = 1
[[log_functions.facility_bits]]
facility = "daemon"
[[profiles]]
name = "default"
[[options.tables]]
fields = ["name", "has_arg", "val"]
name = "name"
value = ["val"]
has_arg = "has_arg"
[[options.code_tables]]
fields = ["opt", "bit"]
code = "opt"
bit = "bit"
[options.bit_array]
field = "options"
[[options.map]]
names = ["-x"]
target = "x"
[[config.key_tables]]
fields = ["k"]
[[config.selected]]
key = "k"
functions = ["f"]
[config.kept_only_with]
b = "k"
[[config.kept_checks]]
block = "b"
needs = "k"
checked_in = "f"
[[config.parsed]]
functions = ["f"]
variable = "v"
default = 0
[processes.openlog]
name = "openlog"
[[events]]
send = "send_event"
code_arg = 1
receivers = ["receive"]
"""


# ------------------------------------------------------------------------ the reference

def reference_keys(readme: str) -> set[str]:
    """Dotted keys ("options.map.names"; "exclude" at the top level) of the rows of the
    "### Rules file reference" section: its `#### `[[options.map]]`` headings name the
    section ("#### Top level": none), each table row's first cell `` `key` `` a key."""
    start = readme.index("\n### Rules file reference\n")
    end = readme.find("\n### ", start + 1)
    keys, section = set(), None
    for line in readme[start:end if end != -1 else None].splitlines():
        if line.startswith("#### "):
            named = re.search(r"`\[*([\w.]+)\]*`", line)
            section = named.group(1) if named else ""
        elif section is not None and (row := re.match(r"\| `(\w+)` \|", line)):
            keys.add(f"{section}.{row.group(1)}" if section else row.group(1))
    return keys


def undocumented(readme: str, keys: set[str]) -> list[str]:
    """The dotted keys without a row in the reference, sorted."""
    return sorted(keys - reference_keys(readme))


# ------------------------------------------------------------------------ keys loaded

def _section_of(prefix: str) -> str:
    """`log_functions[0].facility_bits[2].` -> `log_functions.facility_bits.`"""
    return re.sub(r"\[\d+\]", "", prefix)


def _rules_files() -> list[Path]:
    return sorted(list((ROOT / "rules").glob("*.toml")) + list((ROOT / "tests").rglob("*.toml")))


@pytest.fixture(scope="module")
def loaded_keys() -> set[str]:
    """Dotted keys the reader asks for or accepts while loading every rules file and EVERY_TABLE."""
    seen: set[str] = set()
    get, reject_unknown = read._Reader.get, read._Reader.reject_unknown

    def recording_get(self, key, *args, **kwargs):
        seen.add(_section_of(self.prefix) + key)
        return get(self, key, *args, **kwargs)

    def recording_reject_unknown(self):
        seen.update(_section_of(self.prefix) + key for key in self.used)
        return reject_unknown(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(read._Reader, "get", recording_get)
        mp.setattr(read._Reader, "reject_unknown", recording_reject_unknown)
        mp.setattr(load, "_shared_cache", {})  # read _c.toml again, not from an earlier test's cache
        load.shared_table()
        for path in _rules_files():
            try:
                parse_rules(tomllib.loads(path.read_text(encoding="utf-8")), str(path))
            except (RulesError, tomllib.TOMLDecodeError, UnicodeDecodeError):
                pass  # tests/corpus/rules holds broken files on purpose: what they reached still counts
        parse_rules(tomllib.loads(EVERY_TABLE), "every-table.toml", shared=False)
    return seen


# ------------------------------------------------------------------------ keys in the code

_READER_METHODS = {"get": 0, "strings": 0, "string_table": 0, "sub": 0}  # method -> index of the key argument
_READER_HELPERS = {"_identifiers": 1, "_identifier": 1, "_tables": 1, "_section": 1}  # function(r, key)
_READER_MAKERS = {"_Reader", "_section"}


def _is_reader_expr(node: ast.AST, readers: set[str]) -> bool:
    """`r`, `_Reader(...)`, `r.sub(...)`, `_section(top, ...)`."""
    if isinstance(node, ast.Name):
        return node.id in readers
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name):
            return node.func.id in _READER_MAKERS
        if isinstance(node.func, ast.Attribute) and node.func.attr == "sub":
            return _is_reader_expr(node.func.value, readers)
    return False


def _readers_of(fn: ast.FunctionDef, in_reader_class: bool) -> set[str]:
    """Names holding a _Reader in `fn`: parameters annotated `_Reader`, `self` in _Reader's own
    methods, locals assigned a reader expression."""
    readers = {"self"} if in_reader_class else set()
    readers |= {a.arg for a in fn.args.args if isinstance(a.annotation, ast.Name) and a.annotation.id == "_Reader"}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and _is_reader_expr(node.value, readers):
            readers |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return readers


def _loop_values(fn: ast.FunctionDef, name: str) -> list[str] | None:
    """The string literals a `for name in (...)` loop or comprehension of `fn` binds `name` to."""
    for node in ast.walk(fn):
        if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name) \
                and node.target.id == name and isinstance(node.iter, (ast.Tuple, ast.List)) \
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.iter.elts):
            return [e.value for e in node.iter.elts]
    return None


def _key_argument(call: ast.Call, readers: set[str]) -> ast.AST | None:
    """The key argument of a reader call (`r.get(KEY, ...)`, `_identifiers(r, KEY)`, `r.used.add(KEY)`)."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _READER_METHODS and _is_reader_expr(func.value, readers):
        index = _READER_METHODS[func.attr]
    elif isinstance(func, ast.Name) and func.id in _READER_HELPERS and call.args \
            and _is_reader_expr(call.args[0], readers):
        index = _READER_HELPERS[func.id]
    elif isinstance(func, ast.Attribute) and func.attr == "add" and isinstance(func.value, ast.Attribute) \
            and func.value.attr == "used" and _is_reader_expr(func.value.value, readers):
        index = 0
    else:
        return None
    return call.args[index] if len(call.args) > index else None


def code_keys() -> tuple[set[str], list[str]]:
    """(key names the reader code asks for, the key arguments it could not resolve as "file:line")."""
    names, unresolved = set(), []
    for source in READER_SOURCES:
        tree = ast.parse(source.read_text(encoding="utf-8"))
        reader_class = {id(n) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) and c.name == "_Reader"
                        for n in c.body}
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            readers = _readers_of(fn, id(fn) in reader_class)
            params = {a.arg for a in fn.args.args}
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                key = _key_argument(call, readers)
                if key is None or isinstance(key, ast.JoinedStr):
                    continue  # not a reader call, or an entry of an array (`r.sub(f"map[{i}]", t)`)
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    names.add(key.value)
                elif isinstance(key, ast.Name) and key.id in params:
                    continue  # a helper handing its caller's key on (`_identifiers(r, key)`)
                elif isinstance(key, ast.Name) and (values := _loop_values(fn, key.id)) is not None:
                    names.update(values)
                else:
                    unresolved.append(f"{source.name}:{call.lineno}")
    return names, unresolved


# ------------------------------------------------------------------------ tests

def test_every_loaded_key_has_a_row(loaded_keys):
    assert undocumented(README.read_text(encoding="utf-8"), loaded_keys) == []


def test_every_key_in_the_reader_code_has_a_row():
    names, _ = code_keys()
    documented = {key.rsplit(".", 1)[-1] for key in reference_keys(README.read_text(encoding="utf-8"))}
    assert sorted(names - documented) == []


def test_the_code_scan_resolves_every_key_argument():
    assert code_keys()[1] == []


def test_the_loaded_files_reach_every_key_of_the_code(loaded_keys):
    """A key name only the code shows sits in a reader no loaded table runs: add an entry to
    EVERY_TABLE, so that its section is known (and checked against the reference)."""
    names, _ = code_keys()
    assert sorted(names - {key.rsplit(".", 1)[-1] for key in loaded_keys}) == []


def test_the_code_scan_sees_every_loaded_key(loaded_keys):
    """The scan understands the reader's idioms: it finds every key the loading reached."""
    names, _ = code_keys()
    assert sorted({key.rsplit(".", 1)[-1] for key in loaded_keys} - names) == []


def test_the_reference_has_no_row_for_an_unknown_key(loaded_keys):
    assert sorted(reference_keys(README.read_text(encoding="utf-8")) - loaded_keys) == []


def _without_row(readme: str, key: str) -> str:
    """`readme` with the reference's row of the dotted `key` taken out."""
    section, _, leaf = key.rpartition(".")
    start = readme.index("\n### Rules file reference\n")
    heading = r"^#### Top level$" if not section else r"^#### `\[*" + re.escape(section) + r"\]*`$"
    row = readme.index(f"\n| `{leaf}` |", re.compile(heading, re.M).search(readme, start).start())
    return readme[:row] + readme[readme.index("\n", row + 1):]


def test_removing_any_row_fails(loaded_keys):
    readme = README.read_text(encoding="utf-8")
    before = undocumented(readme, loaded_keys)
    rows = reference_keys(readme) & loaded_keys
    assert len(rows) > 100  # every section's keys, not an empty collection
    for key in sorted(rows):
        assert undocumented(_without_row(readme, key), loaded_keys) == sorted(before + [key])
