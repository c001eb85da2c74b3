"""Shared test helpers: parse C written in the test, build catalogs of small trees."""

from __future__ import annotations

import functools
import gc
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from srcscan.parse import ParseJob, Unit, builtin_include_dir, native_walker, parse_file
from srcscan.pipeline import build_from_tree
from srcscan.rules import Rules, load_rules, parse_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent / "fixtures"

BASIC_RULES = {
    "project": {"name": "demo"},
    "source": {"providers": ["path"]},
    "log_functions": [
        {"name": "log_message", "priority_arg": 0, "format_arg": 1},
        {"name": "syslog", "priority_arg": 0, "format_arg": 1},
        {"name": "vsyslog", "priority_arg": 0, "format_arg": 1},
    ],
}


def demo_rules(**overrides) -> Rules:
    return parse_rules({**BASIC_RULES, **overrides}, "demo.toml")


def parse_c(tmp_path: Path, code: str, name: str = "a.c", headers: dict[str, str] | None = None) -> Unit:
    """Parse C source written by the test (with optional headers beside it)."""
    for header, text in (headers or {}).items():
        (tmp_path / header).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / header).write_text(textwrap.dedent(text))
    (tmp_path / name).write_text(textwrap.dedent(code))
    args = ("-x", "c", "-std=gnu11", "-w", f"-I{tmp_path}", "-isystem", builtin_include_dir() or "/usr/include")
    copied = parse_file(ParseJob(str(tmp_path), name, args))
    # Every parse in the tests also checks that the native walker copies the same tree.
    walked = parse_file(ParseJob(str(tmp_path), name, args, walker=session_walker()))
    assert walked == copied, "walker.c and the ctypes copy disagree"
    return walked


@functools.cache
def session_walker() -> str:
    """walker.c compiled once per test run (the tests need a C compiler, as srcscan's speed does)."""
    import tempfile

    walker = native_walker(Path(tempfile.mkdtemp(prefix="srcscan-walker-")))
    assert walker, "walker.c did not compile: is there a C compiler (cc, gcc or clang)?"
    return walker


def tree_catalog(root: Path, rules: Rules | Path | str, cache: Path, with_options=()):
    """The catalog (a `srcscan.catalog.Catalog`) of the C tree at `root` read as a plain path,
    with `rules` (a loaded `Rules` or a rules file's path), facts cached under `cache`."""
    rules = rules if isinstance(rules, Rules) else load_rules(str(rules))
    tree = SourceTree(root, Provenance("path", str(root), None))
    return build_from_tree(rules, tree, cache, tuple(with_options)).catalog


def fixture_catalog(name: str, tree: Path | None = None, rules: Path | None = None):
    """A module-scoped pytest fixture: the catalog of the tree tests/fixtures/NAME read with the
    rules tests/fixtures/NAME.toml (or of `tree` read with `rules`, for fixtures laid out
    otherwise: ROOT/tree beside ROOT/rules.toml, or the shared precision rules), its facts cached
    in a fresh directory of the test run. Assign it in a test module as
    `catalog = fixture_catalog("NAME")`."""
    tree = tree or FIXTURES / name
    rules = rules or FIXTURES / f"{name}.toml"

    @pytest.fixture(scope="module")
    def catalog(tmp_path_factory):
        return tree_catalog(tree, rules, tmp_path_factory.mktemp(name))

    return catalog


def requires_of(catalog, text: str):
    """The `requires` (alternatives of atoms) of the one message of `catalog` whose format is `text`."""
    return only_message(catalog, text).requires


def only_message(catalog, text: str):
    """The one message of `catalog` whose format is `text` (fails when there are none or several)."""
    (m,) = [m for m in catalog.messages if m.format == text]
    return m


def assert_expected_messages(catalog, wanted: list[dict], certain: bool = False) -> None:
    """Check `catalog` against an expected.json's messages (each: file, format, and optionally
    requires as alternatives of atoms, build as the macro, reachable false for a message that
    can never be logged); with `certain`, no checked message may be marked uncertain."""
    found = {(m.file, m.format): m for m in catalog.messages}
    for want in wanted:
        m = found.get((want["file"], want["format"]))
        if want.get("reachable") is False:
            assert m is None or m.requires == (("false",),), f"{want['format']} can never be logged"
            continue
        assert m is not None, f"no message {want['format']!r} in {want['file']}"
        if "requires" in want:
            assert [list(a) for a in m.requires] == sorted(sorted(a) for a in want["requires"]), want["format"]
        if "build" in want:  # expected.json names the macro; the catalog writes `defined(MEM_CHECK)`
            assert m.build.replace("defined(", "").replace(")", "") == want["build"], want["format"]
        if certain:
            assert not m.uncertain, (want["format"], m.uncertain)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    return root



# Files several fixture trees share, kept once, in the fixture that first needed them
SHARED_FIXTURE_FILES = {"parser.c": "reqk-blocks", "parser.h": "reqk-blocks", "list.h": "reqc-lists"}


def with_keyword_parser(fixture: str, dest: Path, *shared: str) -> Path:
    """dest/tree: tests/fixtures/FIXTURE/tree's files beside reqk-blocks' keyword parser
    (parser.c, parser.h: kept once, copied into each keepalived-shaped tree that needs one) and
    the other `shared` files of SHARED_FIXTURE_FILES (reqc-lists' list.h, keepalived's list_head
    in its shape); its path."""
    tree = dest / "tree"
    shutil.copytree(FIXTURES / fixture / "tree", tree)
    for name in ("parser.c", "parser.h") + shared:
        home = FIXTURES / SHARED_FIXTURE_FILES[name] / "tree" / name
        if home.parent != FIXTURES / fixture / "tree":
            shutil.copy(home, tree / name)
    return tree


INTEGRATION = Path(__file__).parent / "integration"


def pytest_configure(config):
    """Work every srcscan process the tests start would repeat, done once: one compiled native
    walker for the whole run (scan.cached_walker: every catalog a test builds in a fresh cache
    directory would compile walker.c again), and, where the environment says
    PYTHONDONTWRITEBYTECODE, srcscan's modules compiled to bytecode once (each `python -m
    srcscan`, spawned history process and worker would compile them again from source)."""
    import compileall
    import sys
    import tempfile

    import srcscan

    if "SRCSCAN_WALKER_DIR" not in os.environ:
        os.environ["SRCSCAN_WALKER_DIR"] = config._srcscan_walkers = tempfile.mkdtemp(prefix="srcscan-walkers-")
    if sys.dont_write_bytecode:
        compileall.compile_dir(str(Path(srcscan.__file__).parent), quiet=1)


def pytest_unconfigure(config):
    import shutil

    if getattr(config, "_srcscan_walkers", None):
        shutil.rmtree(config._srcscan_walkers, ignore_errors=True)
        os.environ.pop("SRCSCAN_WALKER_DIR", None)


def pytest_collection_modifyitems(config, items):
    """Every test under tests/integration fetches real sources from Debian's archive: mark
    it `integration`, and skip it only when SRCSCAN_OFFLINE=1 says there is no archive. Each
    must say which test process runs it (same_worker): a UsageError otherwise. They run first.""" 
    offline = pytest.mark.skip(reason="SRCSCAN_OFFLINE=1: no archive access")
    # The integration tests first, group by group in GROUPS' order (stable: each group's tests in
    # file order): pytest-xdist hands out work in collection order (--no-loadscope-reorder), a
    # process taking the next group or test when two or fewer of its own are left, so the two
    # processes start on the two longest groups at once and the short tests fill in around them.
    items.sort(key=lambda item: (INTEGRATION not in Path(item.fspath).parents, _group_rank(item)))
    for item in items:
        if INTEGRATION in Path(item.fspath).parents:
            if item.get_closest_marker("xdist_group") is None:
                raise pytest.UsageError(f"{item.nodeid}: an integration test needs same_worker(project) "
                                        "(tests/conftest.py), or a worker may build its catalogs again")
            if _group_rank(item) == len(GROUPS):
                raise pytest.UsageError(f"{item.nodeid}: its same_worker group is not in GROUPS (tests/conftest.py), "
                                        "which says when the test processes take it up")
            item.add_marker(pytest.mark.integration)
            if os.environ.get("SRCSCAN_OFFLINE") == "1":
                item.add_marker(offline)


# The integration groups (same_worker) in the order the test processes take them up. The
# cold catalogs each builds (CI of session 24, two processes on two cores: minutes of wall
# time): keepalived-2.3 2.3.3 (4.6) and 2.3.4 (7.4); keepalived-2.2.7 2.2.7 (4.1) and its
# `--with` variants (0.5), and the 2.2.7 -> 2.3.3 diff, which reads the 2.3.3 the other process
# builds meanwhile; lighttpd 1.4.69 (2.0), 1.4.79 (1.8); dnsmasq 2.90 (1.0). (Session 26 took two
# cold catalogs out: lighttpd 1.4.85, which explain's release inference built as a candidate, now
# limited to ..1.4.79, and 1.4.79 again under the history test's own rules file, whose test now asks
# the release list only.) The two
# keepalived groups first, one per process: each builds what the other reads (2.3.3 for the
# diff, 2.2.7 for explain's releases) before the other asks for it; lighttpd and dnsmasq go to
# whichever process asks first (pytest-xdist's scheduler hands a process its next group when
# two or fewer of its tests are left, so which one takes lighttpd depends on timing). Taken in the default order (most tests
# first: dnsmasq, lighttpd, keepalived-2.2.7, keepalived-2.3), one process built 2.2.7, waited
# three minutes for 2.3.3, then built 2.3.4, the longest, last.
GROUPS = ("keepalived-2.3", "keepalived-2.2.7", "lighttpd", "dnsmasq")


def _group_rank(item) -> int:
    mark = item.get_closest_marker("xdist_group")
    name = (mark.args[0] if mark.args else mark.kwargs.get("name")) if mark else None
    return GROUPS.index(name) if name in GROUPS else len(GROUPS)


def pytest_addoption(parser):
    parser.addoption("--strict-kinds", action="store_true", help="fail on cursor kinds the walker does not know")


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def assert_rsyslogd_accepts(config: Path) -> None:
    """The real rsyslogd's config check (`rsyslogd -N1`) passes on this file."""
    import subprocess

    assert shutil.which("rsyslogd"), "rsyslogd is needed (Debian package rsyslog; .ci/run installs it)"
    run = subprocess.run(["rsyslogd", "-N1", "-f", str(config)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


# ---------------------------------------------------------------------------- Debian's real trees

def real_cache_dir(tmp_path_factory) -> Path:
    """Where the integration tests keep Debian's trees, the facts cache and the results cache
    (SRCSCAN_TEST_CACHE): one directory for the whole test run. Under pytest-xdist each worker
    has its own base temporary directory inside the run's (popen-gwN): the workers share the
    run's, so that a catalog one worker built is a results-cache entry for the other (srcscan's
    cache entries are each written by one rename, srcscan.io; debian_catalog's lock keeps two
    workers from building the same catalog at once)."""
    env = os.environ.get("SRCSCAN_TEST_CACHE")
    if env:
        return Path(env)
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "srcscan-cache"


def debian_catalog(project, version, cache, with_options=()):
    """The Built catalog of Debian's `project` `version` with the `--with` settings
    `with_options`, facts and results cached under `cache`. While one test process builds it,
    another asking for the same catalog waits (a lock file under `cache`), then reads it from
    the results cache rather than building it again."""
    import hashlib

    from srcscan.io import locked
    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources.obtain import obtain_tree

    rules = load_rules(project)
    name = hashlib.sha256(repr((project, version, tuple(with_options))).encode()).hexdigest()[:16]
    with locked(cache / "test-locks" / f"{project}-{version}-{name}.lock"):
        tree = obtain_tree(rules, version, cache_dir=cache, notify=lambda line: None, providers=("debian",))
        return build_from_tree(rules, tree, cache, tuple(with_options))


@pytest.fixture(scope="session")
def debian(tmp_path_factory):
    """debian(project, version): the Built catalog of that Debian release with default
    options, built once per test run and shared by every integration module."""
    cache = real_cache_dir(tmp_path_factory)
    built = {}

    def get(project, version):
        if (project, version) not in built:
            built[(project, version)] = debian_catalog(project, version, cache)
            # Kept until the run ends: out of the cycle collector's sight, as srcscan's CLI keeps
            # its objects (srcscan.cli.main). Otherwise every full collection walks the millions
            # of objects of every catalog built so far (a diff of two keepalived releases spent
            # most of its time in collections, CI of stop 32).
            gc.collect()
            gc.freeze()
        return built[(project, version)]

    return get


def same_worker(group: str):
    """The mark that runs a test in the test process (pytest-xdist worker) that builds the Debian
    catalogs of `group`: "keepalived-2.2.7" (with its `--with` variants, which start from the
    default run's analyses kept in that process: pipeline._PREPARED), "keepalived-2.3" (2.3.3,
    2.3.4), "lighttpd" (1.4.69 and its variants, 1.4.79, the history),
    "dnsmasq". A group's tests run in one process in collection order, so the tests that read
    what a history or explain run left in the cache see it in the same order as a run without
    workers; a catalog of another group a test needs (keepalived 2.3.3 for coverage's test of
    both projects, for the 2.2.7 -> 2.3.3 diff) is built once, by whichever process asks first
    (debian_catalog's lock), and read from the results cache by the other."""
    return pytest.mark.xdist_group(group)
