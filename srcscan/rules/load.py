"""Finding rules files (project names along the rules directories, or paths), the shared C
idioms every project is read over, and loading one project's rules, validated."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from srcscan.errors import RulesError, UnknownProjectError
from srcscan.rules.read import (_Reader, _identifiers, _read_callgraph, _read_config, _read_log_function, _read_logging,
                                _read_options, _read_preprocessor, _read_processes, _read_profile, _read_source,
                                _section)
from srcscan.rules.schema import EventChannel, Rules

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
    return Path(__file__).resolve().parent.parent.parent / "rules"


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
SHARED_SECTIONS = ("options", "processes", "config", "logging", "callgraph")


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
        _read_logging(_section(top, "logging"))
        _read_callgraph(_section(top, "callgraph"))
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


def _read_event(top: _Reader, i: int, table: Any) -> EventChannel:
    """One `[[events]]` entry: {send, code_arg, receivers} (rules.schema.EventChannel)."""
    if not isinstance(table, dict):
        raise RulesError(top.path, f"events[{i}]", "expected a table")
    r = top.sub(f"events[{i}]", table)
    send = r.get("send", str)
    if not re.fullmatch(r"[A-Za-z_]\w*", send):
        raise RulesError(top.path, f"events[{i}].send", f"expected a C function name, got {send!r}")
    code_arg = r.get("code_arg", int)
    if code_arg < 0:
        raise RulesError(top.path, f"events[{i}].code_arg", "expected an argument index (0 or more)")
    receivers = _identifiers(r, "receivers")
    if not receivers:
        raise RulesError(top.path, f"events[{i}].receivers", "expected at least one function name")
    r.reject_unknown()
    return EventChannel(send, code_arg, receivers)


def parse_rules(table: dict[str, Any], path: str, sha256: str = "", shared: bool = True) -> Rules:
    """Rules from a TOML table read from `path`, over the shared idioms unless `shared` is false."""
    if shared:
        table = merged(shared_table(), table)
    top = _Reader(path, table)
    project = top.sub("project", top.get("project", dict))
    name = project.get("name", str)
    project.get("description", str, "")
    programs = project.strings("programs")
    project.reject_unknown()
    rules = Rules(
        project=name,
        programs=programs or (name,),
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
        events=tuple(_read_event(top, i, t) for i, t in enumerate(top.get("events", list, []))),
    )
    top.reject_unknown()
    if not rules.log_functions:
        raise RulesError(path, "log_functions", "at least one log function is needed")
    return rules
