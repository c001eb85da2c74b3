"""The native AST walker (srcscan/native/walker.c): built once, and a catalog made with it
is the same as one made through the ctypes copy it replaces."""

from __future__ import annotations

import os
from pathlib import Path

from srcscan.catalog import catalog_to_dict
from srcscan.parse import native_walker
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_walker_is_compiled_once_and_reused(tmp_path):
    first = native_walker(tmp_path)
    assert first and Path(first).is_file() and Path(first).parent == tmp_path
    stamp = os.stat(first).st_mtime_ns
    assert native_walker(tmp_path) == first
    assert os.stat(first).st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [Path(first).name]  # no temporary file left behind


def test_srcscan_native_0_turns_it_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SRCSCAN_NATIVE", "0")
    assert native_walker(tmp_path) == ""
    assert not any(tmp_path.iterdir())


def _catalog(project: str, cache: Path) -> dict:
    root = FIXTURES / project
    rules = load_rules(str(FIXTURES / f"{project}.toml"))
    built = build_from_tree(rules, SourceTree(root, Provenance("path", str(root), None)), cache, jobs=1)
    assert built.scan.parsed > 0
    return catalog_to_dict(built.catalog)


def test_catalogs_with_and_without_the_walker_are_the_same(tmp_path, monkeypatch):
    for project in ("procs", "options_old"):
        walked = _catalog(project, tmp_path / project / "native")
        assert list((tmp_path / project / "native" / "native").glob("walker-*.so"))
        monkeypatch.setenv("SRCSCAN_NATIVE", "0")
        copied = _catalog(project, tmp_path / project / "ctypes")
        monkeypatch.delenv("SRCSCAN_NATIVE")
        assert not (tmp_path / project / "ctypes" / "native").exists()
        assert walked["messages"] and walked["messages"] == copied["messages"]
        assert walked.get("processes") == copied.get("processes")


def _members(node):
    if node.kind == "MEMBER_REF_EXPR":
        yield node
    for child in node.children:
        yield from _members(child)


def test_a_member_names_the_struct_its_field_belongs_to(tmp_path):
    """Two structs with a field `path` (a request's physical path, a module's config) are told
    apart by where each struct is declared; a struct of a system header by its absolute path.
    The native walker and the ctypes copy give the same owners."""
    from srcscan.parse import ParseJob, parse_file
    (tmp_path / "types.h").write_text("typedef struct { const char *path; } physical;\n")
    (tmp_path / "a.c").write_text(
        '#include <sys/stat.h>\n#include "types.h"\n'
        "typedef struct { const char *path; } plugin_config;\n"
        "struct request { physical physical; };\n"
        "int f(struct request *r, plugin_config *p, struct stat *st) {\n"
        "  return r->physical.path != 0 && p->path != 0 && st->st_size > 0;\n}\n")
    walker = native_walker(tmp_path / "native")
    units = [parse_file(ParseJob(str(tmp_path), "a.c", ("-I.",), walker=w)) for w in (walker, "")]
    assert walker and units[0] == units[1]
    members = list(_members(units[0].functions[0]))
    assert {m.owner for m in members if m.name == "path"} == {"types.h:1:9", "a.c:3:9"}
    assert [m.owner for m in members if m.name == "physical"] == ["a.c:4:8"]  # struct request
    st_size = next(m.owner for m in members if m.name == "st_size").rsplit(":", 2)[0]
    assert os.path.isabs(st_size) and st_size.endswith(".h")



def test_a_second_cache_directory_gets_a_copy_not_a_second_compile(tmp_path, monkeypatch):
    from srcscan.scan import cached_walker

    first = cached_walker(tmp_path / "one")
    assert first

    def no_compiler(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr("srcscan.parse.native.subprocess.run", no_compiler)
    second = cached_walker(tmp_path / "two")
    assert second and Path(second).parent == tmp_path / "two" and Path(second).name == Path(first).name
    assert Path(second).read_bytes() == Path(first).read_bytes()
    assert [p.name for p in (tmp_path / "two").iterdir()] == [Path(second).name]


def test_a_walker_in_srcscan_walker_dir_is_copied_and_one_compiled_is_left_there(tmp_path, monkeypatch):
    import srcscan.scan as scan

    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setenv("SRCSCAN_WALKER_DIR", str(shared))
    monkeypatch.setattr(scan, "_walkers", [])
    first = scan.cached_walker(tmp_path / "one")
    assert first and [p.name for p in shared.iterdir()] == [Path(first).name]

    def no_compiler(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(scan, "_walkers", [])  # another process: only the shared directory has it
    monkeypatch.setattr("srcscan.parse.native.subprocess.run", no_compiler)
    second = scan.cached_walker(tmp_path / "two")
    assert Path(second).parent == tmp_path / "two" and Path(second).read_bytes() == Path(first).read_bytes()
