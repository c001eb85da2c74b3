"""Guards, call sites and function references extracted from C the tests write."""

from conftest import parse_c

from srcscan.extract.calls import extract_function_refs, extract_functions

PRELUDE = """
int log_message(int pri, const char *fmt, ...);
#define LOG_INFO 6
#define LOG_ERR 3
extern unsigned debug;
"""


def calls_of(unit, function):
    fn = next(f for f in extract_functions(unit) if f.name == function)
    return [c for c in fn.calls if c.callee == "log_message"]


def conditions(call):
    return [g.describe() for g in call.guards]


def test_if_else_ternary_and_short_circuit_guards(tmp_path):
    unit = parse_c(tmp_path, PRELUDE + """
    void f(int x) {
        if (debug & 32)
            log_message(LOG_INFO, "detail");
        else
            log_message(LOG_INFO, "plain");
        x > 1 ? log_message(LOG_INFO, "big") : 0;
        (debug & 4) && log_message(LOG_INFO, "anded");
        x || log_message(LOG_INFO, "ored");
    }
    """)
    got = {c.args[1].string: conditions(c) for c in calls_of(unit, "f")}
    assert got == {
        "detail": ["debug & 32"],
        "plain": ["!(debug & 32)"],
        "big": ["x > 1"],
        "anded": ["(debug & 4)"],
        "ored": ["!(x)"],
    }


def test_early_return_guards_the_rest_of_the_function(tmp_path):
    unit = parse_c(tmp_path, PRELUDE + """
    void f(void) {
        log_message(LOG_INFO, "always");
        if (!(debug & 32))
            return;
        log_message(LOG_INFO, "only with 32");
    }
    """)
    got = {c.args[1].string: conditions(c) for c in calls_of(unit, "f")}
    assert got["always"] == []
    assert got["only with 32"] == ["debug & 32"]  # runs only where the return was not taken
    assert [g.kind for g in calls_of(unit, "f")[1].guards] == ["early-return"]


def test_switch_cases_carry_their_labels(tmp_path):
    unit = parse_c(tmp_path, PRELUDE + """
    void f(int c) {
        switch (c) {
        case 'D': log_message(LOG_INFO, "dee"); break;
        default: log_message(LOG_ERR, "other");
        }
    }
    """)
    calls = calls_of(unit, "f")
    assert conditions(calls[0]) == ["switch (c) case 'D'"]
    assert calls[1].guards[0].kind == "default"


def test_macro_calls_count_where_expanded_and_line_follows___LINE__(tmp_path):
    unit = parse_c(tmp_path, """
    void log_pri(const char *file, unsigned line, int pri, const char *fmt, ...);
    #define log_warn(file, line, ...) log_pri((file), (line), 4, __VA_ARGS__)
    void g(void) {
        log_warn(__FILE__,
                 __LINE__, "first %d", 1);
        log_warn(__FILE__, __LINE__, "second");
    }
    """)
    fn = next(f for f in extract_functions(unit) if f.name == "g")
    calls = [c for c in fn.calls if c.callee == "log_pri"]
    assert [c.written for c in calls] == ["log_warn", "log_warn"]
    assert [c.line for c in calls] == [5, 7]  # where the call starts
    assert [c.args[1].integer for c in calls] == [6, 7]  # what __LINE__ expands to: the line the daemon prints
    assert calls[0].args[2].integer == 4
    assert calls[0].args[3].string == "first %d"


def test_function_references_name_how_the_address_escapes(tmp_path):
    unit = parse_c(tmp_path, """
    struct ops { const char *name; int (*handler)(int); };
    static int a(int x) { return x; }
    static int b(int x) { return -x; }
    static struct ops table[] = { { "a", a }, { .handler = b, .name = "b" } };
    void reg(int (*fn)(int));
    int main(void) { struct ops o; o.handler = a; reg(b); return table[0].handler(1); }
    """)
    refs = {(r.target, r.context, r.via) for r in extract_function_refs(unit)}
    assert ("a", "field", "handler") in refs
    assert ("b", "argument", "reg:0") in refs
    assert ("a", "initializer", "handler") in refs
    assert ("b", "initializer", "handler") in refs
    main = next(f for f in extract_functions(unit) if f.name == "main")
    indirect = [c for c in main.calls if c.indirect]
    assert [(c.callee, c.indirect) for c in indirect] == [("handler", "field")]


def test_conditions_through_anonymous_unions_name_no_path(tmp_path):
    unit = parse_c(tmp_path, PRELUDE + """
    typedef struct entry { int kind; union { struct { int addr; int port; }; long mark; }; } entry_t;
    int same(const int *a, const int *b);
    void f(entry_t *e) {
        if (same(&e->addr, &e->port))
            log_message(LOG_INFO, "through the union");
    }
    """)
    (call,) = [c for c in calls_of(unit, "f") if c.callee == "log_message"]
    assert conditions(call) == ["same(&e->addr, &e->port)"]


def test_a_header_function_is_extracted_once_per_header_text(tmp_path):
    header = PRELUDE + """
    #define WHO "peer"
    static inline void report(int x) { if (x) log_message(LOG_ERR, "lost " WHO " %d", x); }
    """
    first = parse_c(tmp_path, '#include "h.h"\nvoid a(void) { report(1); }\n', "a.c", {"h.h": header})
    second = parse_c(tmp_path, '#include "h.h"\nvoid b(void) { report(2); }\n', "b.c")
    in_first = next(f for f in extract_functions(first) if f.name == "report")
    in_second = next(f for f in extract_functions(second) if f.name == "report")
    assert in_second is in_first and in_first.file == "h.h"
    assert [r for r in extract_function_refs(second) if r.function == "report"] == \
        [r for r in extract_function_refs(first) if r.function == "report"]
    # Same nodes, other text (a macro spelled differently): extracted again, not reused.
    (tmp_path / "h.h").write_text((tmp_path / "h.h").read_text().replace('WHO "peer"', 'WHX "peer"')
                                  .replace('" WHO "', '" WHX "'))
    third = parse_c(tmp_path, '#include "h.h"\nvoid c(void) { report(3); }\n', "c.c")
    in_third = next(f for f in extract_functions(third) if f.name == "report")
    assert in_third is not in_first
    (call,) = [c for c in in_third.calls if c.callee == "log_message"]
    assert "WHX" in call.text and "WHO" in next(c for c in in_first.calls if c.callee == "log_message").text


def test_conditions_read_as_written_unless_a_macro_body_holds_them(tmp_path):
    unit = parse_c(tmp_path, PRELUDE + """
    int *__errno_location(void);
    #define errno (*__errno_location())
    struct iface { int flags; struct { int up; } state; };
    #define IF_UP(p) ((p)->flags & 1)
    #define log_if_up(p, msg) if ((p)->state.up && (p)->flags) log_message(LOG_INFO, msg)
    void f(struct iface *ifp, struct iface local) {
        if (IF_UP(ifp) && errno == 4)
            log_message(LOG_INFO, "written through macros");
        log_if_up(ifp, "condition from the macro body");
        if (local.state.up &&   /* a comment */
            ifp->flags)
            log_message(LOG_INFO, "two lines");
        if (!IF_UP(&local))
            return;
        log_message(LOG_INFO, "after an early return");
    }
    """)
    got = {c.args[1].string: conditions(c) for c in calls_of(unit, "f")}
    assert got == {
        "written through macros": ["IF_UP(ifp) && errno == 4"],  # not (*__errno_location()) == 4
        "condition from the macro body": ["ifp->state.up && ifp->flags"],  # rebuilt: -> for the pointer, . for the struct
        "two lines": ["local.state.up && ifp->flags"],  # one line, comment dropped
        "after an early return": ["IF_UP(&local)"],
    }
