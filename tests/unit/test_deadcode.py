"""analyze.deadcode: static functions nothing names are never called; header functions a
conditional #define calls may be called from builds srcscan did not parse."""

from srcscan.analyze.callgraph import build_call_graph
from srcscan.analyze.deadcode import macro_called, never_called, text_uses
from srcscan.model import CallSite, FunctionFacts


def fn(name, file, static=False, calls=()):
    return FunctionFacts(name, file, 1, static, (), False, tuple(
        CallSite(name, c, "", file, 2, 1, c, (), (), (), f"{c}()") for c in calls))


def test_never_called_needs_the_graph_and_the_text_to_agree():
    graph = build_call_graph([fn("main", "m.c", calls=("used",)), fn("used", "m.c", static=True),
                              fn("dead", "m.c", static=True), fn("lost", "m.c", static=True),
                              fn("unused_export", "m.c"), fn("called_elsewhere", "m.c"), fn("mod_x_plugin_init", "m.c"),
                              fn("__assert_fail", "m.c"), fn("undeclared_export", "m.c")],
                             [], entry_patterns=("*_plugin_init",))
    texts = {"m.c": "int main(void) { used(); }\nstatic void\ndead(void *x)\n{ }\n"
                    "static void lost(void) { }\nvoid f(void) { (void)lost; }  /* dead() */\n"
                    "void\nunused_export(void)\n{ }\nvoid called_elsewhere(void) { }\nint mod_x_plugin_init(void) { }\n",
             "m.h": "extern void unused_export(void);\nvoid called_elsewhere(void);\n",
             "n.c": "void g(void) { called_elsewhere(); }\n"}
    # lost's address is taken and called_elsewhere is called from a file the graph did not see;
    # the plugin's init function is found by name (the rules' entry points); __assert_fail
    # replaces the C library's, which its assert() calls; no header declares undeclared_export
    # (outside code may call it)
    assert never_called(graph, texts) == frozenset({"m.c:dead", "unused_export"})


def test_text_uses_skip_declarations_definitions_comments_and_strings():
    text = 'static int dead(int);\nint\ndead(int x) { return 0; }\n/* dead(1) */ char *s = "dead(2)";\n'
    assert text_uses({"a.c": text}, frozenset({"dead"})) == set()
    assert text_uses({"a.c": text + "int y = dead(3);\n"}, frozenset({"dead"})) == {"dead"}


def test_text_uses_in_comments_and_strings_and_where():
    """`comments`: a use in a comment or a string counts (coverage.callerbuild reads uses
    srcscan cannot parse so); `sites` gets each use's file and line, declarations left out."""
    text = 'static int dead(int);\nint\ndead(int x) { return 0; }\n/* dead(1) */ char *s = "dead(2)";\n'
    sites: dict = {}
    assert text_uses({"a.c": text, "b.c": "x = dead;\n"}, frozenset({"dead"}), comments=True, sites=sites) == {"dead"}
    assert sites == {"dead": [("a.c", 4), ("a.c", 4), ("b.c", 1)]}


def test_a_conditional_define_calling_a_header_function():
    graph = build_call_graph([fn("main", "m.c"), fn("strdup_check", "mem.h", static=True),
                              fn("other_check", "mem.h", static=True)], [])
    header = ("#ifndef MEM_H\n#define MEM_H\n#ifdef MALLOC_CHECK\n#define STRDUP(p) (strdup_check(p))\n"
              "#else\n#define STRDUP(p) (strdup(p))\n#endif\n#define OTHER(p) other_check(p)\n#endif\n")
    assert macro_called(graph, {"mem.h": header}) == frozenset({"mem.h:strdup_check"})


def test_a_grammar_of_the_tree_calls_functions_too(tmp_path):
    # lighttpd's configparser.y calls config_parse_file (declared in configfile.h) in an action;
    # the tree's text lists the grammar, and what it calls is not dead
    from srcscan.sources.text import TreeText

    (tmp_path / "configfile.h").write_text("int config_parse_file(const char *fn);\n")
    (tmp_path / "configfile.c").write_text("int config_parse_file(const char *fn) { return 0; }\n")
    (tmp_path / "configparser.y").write_text("stmt ::= INCLUDE stringop(A). { config_parse_file(A); }\n")
    tree = TreeText(tmp_path)
    assert tree.grammars == ("configparser.y",) and tree.files == ("configfile.c", "configfile.h")
    graph = build_call_graph([fn("main", "m.c"), fn("config_parse_file", "configfile.c")], [])
    c_only = {rel: tree.text(rel) for rel in tree.files}
    assert never_called(graph, c_only) == frozenset({"config_parse_file"})
    with_grammar = {**c_only, **{rel: tree.text(rel) for rel in tree.grammars}}
    assert never_called(graph, with_grammar) == frozenset()
    before = tree.digest()
    (tmp_path / "configparser.y").write_text("stmt ::= INCLUDE.\n")
    assert TreeText(tmp_path).digest() != before
