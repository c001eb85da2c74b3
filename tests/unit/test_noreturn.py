"""Functions that never return (tests/fixtures/noreturn): what follows a call of one runs only
where the call does not (keepalived's `if (-t) { validate_config(); config_test_exit(); }`),
in the call's own function, in the call graph and in every function reached from there."""

from pathlib import Path

import pytest

from srcscan.extract.walk import noreturn_functions
from srcscan.formats.template import render_normal
from srcscan.model import NotInProcess
from tests.conftest import only_message as message, parse_c, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "noreturn", FIXTURES / "precision" / "daemon-rules.toml",
                        tmp_path_factory.mktemp("noreturn") / "cache")


@pytest.mark.parametrize("text,requires,processes", [
    ("configuration read", [], ("parent",)),
    ("configuration checked", [["-t"]], ("parent",)),
    ("writing the pid file", [["!-t"]], ("parent",)),     # after the -t block: its function never returns
    ("child running", [["!-t"]], ("nr-child",)),             # the child is started only there too
])
def test_code_after_a_function_that_never_returns(catalog, text, requires, processes):
    m = message(catalog, text)
    assert [list(a) for a in m.requires] == requires
    assert m.processes == processes


def test_a_process_that_runs_it_only_in_a_mode_its_log_function_mutes(catalog):
    """read_keyword() runs in the parent only under -t, where say() returns at once."""
    m = message(catalog, "keyword read")
    assert m.processes == ("nr-child",) and m.requires == ()
    (why,) = [d for d in m.derivation if isinstance(d, NotInProcess)]
    assert why.process == "parent" and "-t" in why.why and "say()" in why.why
    assert message(catalog, "configuration checked").processes == ("parent",)  # log_message() is not muted


CODE = """
void exit(int);
void abort(void);
int status(void);
static void dies(void) { exit(1); }
static void dies_too(int x) { if (x) exit(1); else dies(); }
static void every_case(int x) { switch (x) { case 0: exit(0); default: abort(); } }
static void through_case(int x) { switch (x) { case 0: case 1: dies(); default: exit(2); } }
static void no_default(int x) { switch (x) { case 0: exit(0); case 1: exit(1); } }
static void breaks(int x) { switch (x) { case 0: break; default: exit(1); } }
static void returns_first(int x) { if (x) return; exit(1); }
static void one_branch(int x) { if (x) exit(1); }
static void loop_break(int x) { switch (x) { default: while (x) { break; } exit(1); } }
"""


def test_which_functions_never_return(tmp_path):
    unit = parse_c(tmp_path, CODE)
    assert noreturn_functions(unit.functions) == {"dies", "dies_too", "every_case", "through_case", "loop_break"}


def test_one_entry_per_site_and_text(tmp_path):
    """tests/fixtures/same-text: `i ? 6 : 5` as a `%*s` width gives the same text twice (one
    entry), `c ? "cre" : "upd"` in the text two."""
    messages = tree_catalog(FIXTURES / "same-text", FIXTURES / "precision" / "daemon-rules.toml", tmp_path).messages
    assert sorted(render_normal(m.template) for m in messages) == ["%s%s", "Success creating interface", "Success updating interface"]


LIBRARY = """
void _Exit(int);
void pthread_exit(void *);
void __assert_fail(const char *, const char *, unsigned, const char *);
void say(const char *);
static void quick(int x) { if (x) _Exit(1); say("after _Exit"); }
static void thread_end(void) { pthread_exit(0); }
static void asserted(void) { __assert_fail("x", "a.c", 1, "f"); }
"""


def test_the_library_exits_are_one_list(tmp_path):
    """Review of session 18, finding 5: the walker's list of the C library's calls that never
    return and exitingoptions' disagreed (_Exit in one, pthread_exit and __assert_fail in the
    other): one list, rules/_c.toml's `[callgraph] library_exits`, each with its manual page."""
    from srcscan.extract.walk import walk_guarded
    from srcscan.rules import load_rules
    unit = parse_c(tmp_path, LIBRARY)
    assert noreturn_functions(unit.functions) == {"thread_end", "asserted"}
    quick = next(f for f in unit.functions if f.name == "quick")
    (guards,) = [g for n, g in walk_guarded(unit, quick) if n.kind == "CALL_EXPR" and n.name == "say"]
    assert [(g.kind, g.text, g.negated) for g in guards] == [("early-return", "x", True)]  # after `if (x) _Exit(1);`
    exits = load_rules("keepalived").callgraph.library_exits
    assert set(exits) == {"exit", "_exit", "_Exit", "abort", "pthread_exit", "__assert_fail"}
