"""srcscan.preprocessor: #if expressions, condition stacks, the tree's macros, and the solver."""

import textwrap

import pytest

from srcscan.preprocessor import (FALSE, PreprocessorRules, blank_comments_and_literals, build_holds, classify_tree,
                                  conditionals, default_features, define_problem, evaluate, expand_tree_macros,
                                  file_switches, follow_file_switches, include_guard, parse_expr, render,
                                  scan_directives, simplify, solve, survey_tree, unasked_switches, without_macros)


def simple(text: str) -> str:
    return render(simplify(parse_expr(text)))


def builds(code: str) -> dict[int, str]:
    """Build condition of every line marked `/* L */`, by the marker's text."""
    text = textwrap.dedent(code)
    c = conditionals(scan_directives(text))
    out = {}
    for number, line in enumerate(text.split("\n"), 1):
        if "/* " in line and line.strip().startswith("x"):
            out[line.split("/* ")[1].split(" */")[0]] = render(c.build(number))
    return out


@pytest.mark.parametrize("text, expected", [
    ("defined(A) && !defined B", "defined(A) && !defined(B)"),
    ("!(defined(A) || !defined(B))", "!defined(A) && defined(B)"),  # De Morgan down to the atoms
    ("!(X == 1)", "X != 1"),
    ("X > 2 || (Y && 0)", "X > 2"),  # constants folded
    ("defined(A) && defined(A)", "defined(A)"),
    ("defined(A) && !defined(A)", "0"),
    ("(!defined(L) || defined(V)) && defined(L)", "defined(V) && defined(L)"),  # what #elif chains produce
    ("A > 4 || (A == 4 && B >= 6)", "A > 4 || (A == 4 && B >= 6)"),
    ("LINUX_VERSION_CODE >= KERNEL_VERSION(3,4,0)", "LINUX_VERSION_CODE >= KERNEL_VERSION(3, 4, 0)"),
    ("0x10 == 16 && 010 == 8", "1"),
])
def test_expressions_simplify_and_render(text, expected):
    assert simple(text) == expected


def test_comments_and_literals_are_blanked_in_place():
    text = 'a /* b */ "c // d" \'e\' // f\ng'
    clean = blank_comments_and_literals(text)
    assert len(clean) == len(text) and clean.split("\n")[1] == "g"
    assert "b" not in clean and "c" not in clean and "f" not in clean and clean.startswith("a ")


def test_blank_out_is_the_per_character_substitution_it_replaces():
    import random
    import re

    from srcscan.preprocessor.lex import blank_out

    rng = random.Random(15)
    for _ in range(300):
        text = "".join(rng.choice("ab \n\r\t\\\"*/é\x00") for _ in range(rng.randrange(0, 40)))
        assert blank_out(text) == re.sub(r"[^\n]", " ", text), repr(text)


def test_condition_stacks_for_else_elif_and_nesting():
    got = builds("""
        x /* none */
        #ifdef A
        x /* a */
        #elif B > 1
        x /* b */
        #else
        x /* else */
        #  if defined(C) && \\
              !defined(D)
        x /* nested */
        #  endif
        #endif
        x /* after */
        """)
    assert got == {"none": "1", "a": "defined(A)", "b": "!defined(A) && B > 1", "else": "!defined(A) && B <= 1",
                   "nested": "!defined(A) && B <= 1 && defined(C) && !defined(D)", "after": "1"}


def test_include_guard_is_not_a_build_condition():
    text = "#ifndef X_H\n#define X_H\n#ifdef F\nint a;\n#endif\nint b;\n#endif\n"
    directives = scan_directives(text)
    assert include_guard(directives) == 1
    c = conditionals(directives)
    assert render(c.build(4)) == "defined(F)" and render(c.build(6)) == "1"
    # Not a guard: something after the closing #endif.
    assert include_guard(scan_directives(text + "#ifdef Y\n#endif\n")) is None


def test_directives_in_comments_do_not_count():
    assert [d.kind for d in scan_directives("/*\n#if 0\n*/\n#ifdef A\n#endif\n")] == ["ifdef", "endif"]


TREE = {
    "include/config.h": """
        #ifndef CONFIG_H
        #define CONFIG_H
        #ifdef FANCY_FOUND
        #define HAVE_FANCY 1
        #endif
        #define PROTO 2
        #endif
        """,
    "src/main.c": """
        #include "config.h"
        #undef HAND_SWITCH
        #if defined(_WITH_X_) && defined(HAVE_FANCY) && !defined(__FreeBSD__)
        int a;
        #endif
        #if PROTO > 5 || defined(HAND_SWITCH) || defined(_DEBUG_Y_) || SO_FOO || HAVE_DECL_Z
        int b;
        #endif
        """,
}


@pytest.fixture
def tree():
    return survey_tree({rel: textwrap.dedent(text) for rel, text in TREE.items()})


def test_survey_finds_tested_defined_guards_and_undefs(tree):
    assert {"_WITH_X_", "HAVE_FANCY", "__FreeBSD__", "PROTO", "FANCY_FOUND"} <= set(tree.tested)
    assert "CONFIG_H" in tree.guards and "CONFIG_H" not in tree.tested
    assert [d.line for d in tree.defs["HAVE_FANCY"]] == [5] and render(tree.defs["HAVE_FANCY"][0].cond) == \
        "defined(FANCY_FOUND)"
    assert tree.gone["src/main.c"] == frozenset({"HAND_SWITCH"})


def test_classification_and_default_features(tree):
    rules = PreprocessorRules(feature=("_WITH_*_",), platform=("SO_*",))
    classes = classify_tree(tree, rules)
    assert classes["_WITH_X_"] == "feature" and classes["_DEBUG_Y_"] == "feature"
    assert classes["SO_FOO"] == "platform" and classes["HAVE_DECL_Z"] == "platform"
    assert classes["__FreeBSD__"] == "compiler"
    assert classes["HAVE_FANCY"] == classes["PROTO"] == "tree"
    assert classes["FANCY_FOUND"] == "other"
    # Debug switches stay off by default; what the rules' profile sets is left to it.
    assert default_features(tree, rules, ()) == (("_WITH_X_", "1"),)
    assert default_features(tree, rules, ("_WITH_X_",)) == ()
    assert default_features(tree, PreprocessorRules(feature=("_WITH_*_",), off=("_WITH_X_",)), ()) == ()


def test_tree_defined_macros_expand_to_the_conditions_of_their_defines(tree):
    defs = tree.visible_defs("src/main.c")
    expanded = expand_tree_macros(parse_expr("defined(HAVE_FANCY)"), defs)
    assert render(expanded) == "defined(FANCY_FOUND) || defined(HAVE_FANCY)"
    assert evaluate(expand_tree_macros(parse_expr("PROTO > 5"), defs), {}) == 0
    assert expand_tree_macros(parse_expr("defined(HAND_SWITCH)"), defs, gone=tree.gone["src/main.c"]) == FALSE


def test_solve_finds_the_smallest_change():
    s = solve(parse_expr("defined(A) && !defined(B)"), {"B": "1"})
    assert (s.status, s.changes) == ("solved", (("A", "1"), ("B", None)))
    s = solve(parse_expr("defined(_WITH_LVS_) && LVS_API >= 3"), {"_WITH_LVS_": "1"})
    assert (s.status, s.changes) == ("solved", (("LVS_API", "3"),))
    assert solve(parse_expr("defined(A)"), {"A": "1"}).status == "holds"


def test_solve_prefers_the_switch_over_setting_a_tree_macro(tree):
    defs = tree.visible_defs("src/main.c")
    cond = expand_tree_macros(parse_expr("defined(HAVE_FANCY)"), defs)
    s = solve(cond, {}, last_resort=frozenset(defs))
    assert s.changes == (("FANCY_FOUND", "1"),)


def test_solve_says_why_nothing_works():
    assert solve(parse_expr("0"), {}).status == "never"
    assert solve(parse_expr("defined(A) && !defined(A)"), {}).status == "contradiction"
    fixed = solve(parse_expr("!defined(O_CLOEXEC)"), {"O_CLOEXEC": "?"}, frozenset({"O_CLOEXEC"}))
    assert (fixed.status, fixed.changes) == ("fixed", (("O_CLOEXEC", None),))
    unsure = solve(parse_expr("LINUX_VERSION_CODE >= KERNEL_VERSION(3,4,0) && defined(Z)"), {},
                   frozenset({"KERNEL_VERSION(...)"}))
    assert unsure.status == "unsure" and unsure.changes == (("Z", "1"),)


def test_a_function_like_macro_can_be_set():
    s = solve(parse_expr("NM_CHECK_VERSION(1, 22, 0)"), {})
    assert s.changes == (("NM_CHECK_VERSION(...)", "1"),)


def test_build_holds_for_query_with_macros():
    assert build_holds("", set())
    assert build_holds("defined(_WITH_BFD_) && !defined(_WITH_LVS_)", {"_WITH_BFD_"})
    assert not build_holds("!defined(_WITH_BFD_)", {"_WITH_BFD_"})
    assert not build_holds("defined(_WITH_LVS_)", set(), {"_WITH_LVS_"})
    assert build_holds("FOO(1) > 2", set())  # cannot be read: given the benefit of the doubt


@pytest.mark.parametrize("name, value, ok", [
    ("X", "1", True), ("X", '"a b"', True), ("X", "__attribute__((unused))", True), ("X", "'a'", True),
    ("X", "", True), ("X", "1.5e+3", True),
    ("X", '"abc', False), ("1X", "1", False), ("X-Y", "1", False), ("defined", "1", False),
    ("X", "(1", False), ("X", "a ) b (", False), ("X", "a @ b", False), ("X", "1\n2", False),
])
def test_define_values_must_be_c_token_sequences(name, value, ok):
    assert (define_problem(name, value) is None) == ok


def test_a_files_own_defines_above_the_line_are_followed():
    """follow_file_switches: the build column's reading of a file's own #defines (lighttpd
    1.4.79 mod_wstunnel.c:185, stat_cache.c:73-78)."""
    text = textwrap.dedent("""\
        #define SPEC_OLD
        #if defined(HAVE_A) || defined(HAVE_B)
        #ifndef HAVE_MON
        #define HAVE_MON
        #endif
        #endif
        #define LEVEL 2
        #define TOGGLED
        #undef TOGGLED
        #ifdef SPEC_OLD
        #endif
        #ifdef HAVE_MON
        #endif
        #if LEVEL > 1 && defined(TOGGLED)
        #endif
        #ifdef LATER
        #endif
        #define LATER
        """)
    defs = file_switches(text)
    c = conditionals(scan_directives(text))

    def at(line):
        return render(follow_file_switches(c.build(line), defs, line))
    assert at(11) == "1"  # #define SPEC_OLD above: every build
    assert unasked_switches(defs, 11) == {"SPEC_OLD", "LEVEL"}  # HAVE_MON is asked for (#ifndef)
    assert unasked_switches(defs, 20) == {"SPEC_OLD", "LEVEL", "LATER"}
    assert render(without_macros(parse_expr("defined(A) || defined(SPEC_OLD) && B > 1"), frozenset({"SPEC_OLD"}))) \
        == "defined(A)"
    assert at(13) == "defined(HAVE_A) || defined(HAVE_B) || defined(HAVE_MON)"  # #ifndef: a -D counts too
    assert at(15) == "defined(TOGGLED)"  # #undef'd in the file: left as written; LEVEL's value 2 > 1 holds
    assert at(17) == "defined(LATER)"  # defined below the line


def test_a_text_is_blanked_once_however_many_scans_read_it():
    from srcscan.analyze.deadcode import code_of

    text = 'int f(void) { log("x /* y */"); /* z */ return 0; }\n' * 3
    assert blank_comments_and_literals(text) is blank_comments_and_literals(text)
    assert code_of(text) is code_of(text) and "z" not in code_of(text) and "return 0" in code_of(text)
