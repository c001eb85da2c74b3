"""srcscan.coverage: the token scan, extra profiles, build conditions, compile_commands.json.

The fixture tree (tests/fixtures/preproc) marks each log call with what must come out:
`/* expect: build COND */` (the catalog's build condition), `/* expect: never */` or
`/* expect: contradiction */` (not reachable, listed with that status).
"""

import json
import re
import shutil
from pathlib import Path

import pytest

from srcscan.coverage import observe_fixed, scan_call_tokens, stand_in_declarations
from srcscan.errors import InputError, RulesError
from srcscan.extract import extract_file
from srcscan.model import FileFacts
from srcscan.parse import Diagnostic, SkippedRange
from srcscan.pipeline import build_from_tree
from srcscan.preprocessor import survey_tree
from srcscan.rules import load_rules, parse_rules
from srcscan.sources import Provenance, SourceTree

FIXTURE = Path(__file__).parent.parent / "fixtures" / "preproc"
EXPECT = re.compile(r"/\* expect: (.*?) \*/")


def tokens(code: str, names=("log_message",)):
    return [(t.line, t.col, t.name) for t in scan_call_tokens("a.c", code, names)]


def test_token_scan_counts_calls_only():
    code = (
        "void log_message(int p, const char *f, ...);\n"  # a declaration: depth 0
        "#define LOG(x) log_message(1, x)\n"  # a macro body
        "void f(struct s *p)\n"
        "{\n"
        "\tlog_message(1, \"a\"); /* log_message(2, \"b\") */\n"
        "\tconst char *s = \"log_message(3)\";\n"
        "\tp->log_message(4); p.log_message(5);\n"  # calls through struct fields
        "\tvlog_message (6);  log_message\n"
        "\t\t(7);\n"
        "}\n")
    assert tokens(code) == [(5, 2, "log_message"), (8, 21, "log_message")]


def test_token_scan_keeps_depth_across_if_branches():
    code = ("#ifdef A\nint f(void) {\n#else\nint f(int x) {\n#endif\n\tlog_message(1, \"x\");\n}\n"
            "void log_message(int, const char *, ...);\n")
    assert tokens(code) == [(6, 2, "log_message")]


def test_stand_in_declarations_from_missing_header_errors():
    diagnostics = (Diagnostic(3, "a.c", 3, "unknown type name 'PCRE2_UCHAR'"),
                   Diagnostic(3, "a.c", 5, "use of undeclared identifier 'PAM_SUCCESS'"),
                   Diagnostic(3, "a.c", 6, "use of undeclared identifier 'PCRE2_UCHAR'"),
                   Diagnostic(2, "a.c", 7, "use of undeclared identifier 'only_a_warning'"))
    facts = FileFacts("a.c", "default", (), (), diagnostics, (), ())
    assert stand_in_declarations(facts) == "typedef int PCRE2_UCHAR;\nextern int PAM_SUCCESS;\n"


def test_stand_in_declarations_bring_back_a_lost_call(tmp_path):
    from conftest import parse_c

    code = """
        #include <missing_lib.h>
        void log_message(int, const char *, ...);
        void f(void) {
            lib_char buf[8];
            if (LIB_OK != 0)
                log_message(3, "lib: %s", (char *)buf);
        }
        """
    (tmp_path / "missing_lib.h").write_text("")
    lost = extract_file(parse_c(tmp_path, code), "default")
    assert not [c for fn in lost.functions for c in fn.calls if c.callee == "log_message"]
    (tmp_path / "decls.h").write_text(stand_in_declarations(lost))
    unit = parse_c(tmp_path, "#include \"decls.h\"\n" + code, name="b.c")
    calls = [c for fn in extract_file(unit, "x").functions for c in fn.calls if c.callee == "log_message"]
    assert [c.args[1].string for c in calls] == ["lib: %s"]


def test_observe_fixed_blames_the_macro_the_system_headers_define():
    text = ("#ifdef AT_FDCWD\n#define HAVE_AT 1\n#endif\n"  # 1-3
            "#if defined(HAVE_AT) || defined(_WIN32)\nint a;\n#endif\n"  # 4-6: taken
            "#ifndef AT_FDCWD\nint b;\n#endif\n")  # 7-9: skipped
    tree = survey_tree({"a.c": text})
    facts = FileFacts("a.c", "default", (), (), (), (SkippedRange("a.c", 7, 9),), ())
    assert observe_fixed(facts, tree, {}, ()) == {"AT_FDCWD"}  # not _WIN32, which would also explain line 4
    nothing_skipped = FileFacts("a.c", "default", (), (), (), (SkippedRange("a.c", 1, 3),
                                                              SkippedRange("a.c", 4, 6)), ())
    assert observe_fixed(nothing_skipped, tree, {}, ()) == set()


# ---------------------------------------------------------------------------- the fixture tree

def expectations() -> dict[tuple[str, int], str]:
    out = {}
    for path in sorted(FIXTURE.rglob("*.[ch]")):
        for number, line in enumerate(path.read_text().split("\n"), 1):
            if m := EXPECT.search(line):
                # "build COND, comment" -> "build COND"; "never (comment)" -> "never"
                text = m.group(1)
                text = text.split(",")[0].strip() if text.startswith("build ") else text.split()[0]
                out[(path.relative_to(FIXTURE).as_posix(), number)] = text
    return out


def fixture_tree(root: Path) -> SourceTree:
    return SourceTree(root, Provenance("path", str(root), None))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree") / "preproc"
    shutil.copytree(FIXTURE, root)
    cache = tmp_path_factory.mktemp("cache")
    first = build_from_tree(load_rules(str(root / "preproc.toml")), fixture_tree(root), cache)
    second = build_from_tree(load_rules(str(root / "preproc.toml")), fixture_tree(root), cache)
    return first, second


def test_every_marked_call_has_its_build_condition(built):
    catalog = built[0].catalog
    by_site = {(m.file, m.line): m.build for m in catalog.messages}
    wanted = {site: e.split(" ", 1)[1].strip() for site, e in expectations().items() if e.startswith("build")}
    assert len(wanted) >= 10
    for site, cond in wanted.items():
        got = by_site.get(site)
        assert got is not None, f"{site} not in the catalog"
        assert got == ("" if cond == "none" else cond), site


def test_unreachable_calls_are_listed_with_their_reason(built):
    cov = built[0].catalog.sections.to_dict()["coverage"]
    listed = {(n["file"], n["line"]): n for n in cov["not_covered"]}
    statuses = {site: e for site, e in expectations().items() if not e.startswith("build")}
    assert {site: n["status"] for site, n in listed.items()} == statuses
    assert listed[("src/main.c", 29)]["reason"] == "#if 0 (line 28): never compiled"
    assert "PROTO_VERSION" in listed[("src/main.c", 38)]["reason"]
    assert cov["coverage_reachable"] == 1.0 and cov["sites"] == cov["parsed"] + len(listed)


def test_extra_profiles_parse_only_the_files_that_need_them(built):
    cov = built[0].catalog.sections.to_dict()["coverage"]
    reparsed = {f for p in cov["profiles"] for f in p["files"]}
    assert reparsed == {"src/main.c", "src/other.c"}  # never src/plain.c: nothing conditional there
    assert cov["parsed_extra_profiles"] > 0 and cov["default_profile"]["features_turned_on"] == \
        ["_WITH_LVS_", "_WITH_VRRP_"]
    # The file deriving HAVE_FANCY from FANCY_LIB_FOUND got the switch, not -DHAVE_FANCY.
    assert any("FANCY_LIB_FOUND" in p["name"] and "HAVE_FANCY" not in p["name"] for p in cov["profiles"])


def test_a_call_seen_in_two_profiles_is_one_message(built):
    catalog = built[0].catalog
    sites = [(m.file, m.line) for m in catalog.messages]
    assert len(sites) == len(set(sites))
    # The inline function of the guarded header is parsed in every file and every profile.
    assert sites.count(("include/log.h", 16)) == 1
    assert {f.path for f in catalog.files} == {"src/main.c", "src/other.c", "src/plain.c"}


def test_second_run_reads_every_file_and_profile_from_the_cache(built):
    first, second = built
    assert first.scan.parsed == 3 and first.scan.extra_parsed > 0
    assert second.scan.parsed == 0 and second.scan.extra_parsed == 0
    assert second.scan.extra_cached == first.scan.extra_parsed + first.scan.extra_cached
    assert json.dumps(first.catalog.sections.to_dict(), sort_keys=True) == \
        json.dumps(second.catalog.sections.to_dict(), sort_keys=True)


# ---------------------------------------------------------------------------- compile_commands.json

def write_commands(root: Path, directory: Path, entries: list[tuple[str, str]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    data = [{"directory": str(root), "file": file, "command": f"cc {flags} -c {file} -o x.o"} for file, flags in entries]
    (directory / "compile_commands.json").write_text(json.dumps(data))
    return directory


def test_compile_commands_describe_one_build(tmp_path):
    root = tmp_path / "preproc"
    shutil.copytree(FIXTURE, root)
    build_dir = write_commands(root, tmp_path / "build", [
        ("src/main.c", "-Iinclude -D_WITH_LVS_ -O2 -Wall"),
        ("src/plain.c", "-Iinclude"),
        (str(tmp_path / "elsewhere.c"), "-Iinclude"),
    ])
    warnings = []
    built = build_from_tree(load_rules(str(root / "preproc.toml")), fixture_tree(root), tmp_path / "cache",
                            compile_commands=build_dir, notify=warnings.append)
    cov = built.catalog.sections.to_dict()["coverage"]
    assert cov["mode"] == "compile_commands" and cov["profiles"] == []
    assert cov["compile_commands"]["files"] == 2 and cov["compile_commands"]["outside_tree"] == [
        str(tmp_path / "elsewhere.c")]
    assert warnings == [f"warning: {build_dir / 'compile_commands.json'} lists {tmp_path / 'elsewhere.c'}, "
                        "outside the tree: skipped"]
    # That build has _WITH_LVS_ and no _WITH_VRRP_ (the rules' profile is not used): its own -D won.
    assert {m.format for m in built.catalog.messages} == {"starting", "vrrp off", "lvs alone", "old lvs api",
                                                          "state %d", "plain"}
    listed = {(n["file"], n["line"]): n for n in cov["not_covered"]}
    assert listed[("src/main.c", 10)]["status"] == "not_built"
    assert listed[("src/other.c", 7)]["reason"].startswith("not compiled in this build")


@pytest.mark.parametrize("content, message", [
    (None, "no compile_commands.json in"),
    ("{not json", "is not JSON"),
    ('{"a": 1}', "is not a compilation database"),
    ('[{"file": "a.c"}]', "entry 0 needs directory, file and arguments or command"),
])
def test_bad_compile_commands_are_input_errors(tmp_path, content, message):
    root = tmp_path / "preproc"
    shutil.copytree(FIXTURE, root)
    (tmp_path / "build").mkdir()
    if content is not None:
        (tmp_path / "build" / "compile_commands.json").write_text(content)
    with pytest.raises(InputError, match=message):
        build_from_tree(load_rules(str(root / "preproc.toml")), fixture_tree(root), tmp_path / "cache",
                        compile_commands=tmp_path / "build")




def test_token_sites_are_kept_by_text_and_names_and_read_back_by_the_next_run(tmp_path, monkeypatch):
    """The token scan's answers are kept under the cache by each file's text and the names
    asked: the next run (a one-file change, a history's next release) scans only the files
    whose text changed, and a damaged memo is ignored."""
    import srcscan.coverage.tokens as tokens

    texts = {"a.c": 'void f(void) {\n\tlog_error("a");\n}\n', "b.c": 'void g(void) {\n\tif (x) log_error("b");\n}\n'}
    names = ("log_error",)
    first = tokens.TokenMemo(tmp_path)
    fresh = tokens.TokenCache(texts, first).sites(names)
    assert [(t.file, t.line) for t in fresh] == [("a.c", 2), ("b.c", 2)]
    assert fresh == tokens.scan_tokens(texts, names)
    first.save()

    scanned = []
    real = tokens.scan_call_tokens
    monkeypatch.setattr(tokens, "scan_call_tokens", lambda rel, text, n: scanned.append(rel) or real(rel, text, n))
    changed = {**texts, "b.c": texts["b.c"].replace("if (x) ", "\n")}
    again = tokens.TokenCache(changed, tokens.TokenMemo(tmp_path)).sites(names)
    assert scanned == ["b.c"]  # a.c's text is unchanged: its answer is read back
    assert again == tokens.scan_tokens(changed, names) and again[1].line == 3

    first.path.write_bytes(first.path.read_bytes()[:-5])  # a killed run
    scanned.clear()
    assert tokens.TokenCache(texts, tokens.TokenMemo(tmp_path)).sites(names) == fresh
    assert scanned == ["a.c", "b.c"]
