"""Typed C expressions: built from parsed C, evaluated, printed (srcscan.cexpr)."""

from __future__ import annotations

from srcscan.cexpr import Binary, Call, Cast, Const, Member, Name, Unary, evaluate, render, root_path, substitute
from srcscan.extract.expressions import to_cexpr
from srcscan.extract.walk import walk_guarded
from tests.conftest import parse_c

CODE = """
#include <stddef.h>
struct s { int debug; struct s *next; char name[4]; struct { int x; } in; };
enum { A = 4, B = A << 1 };
#define BIT 3
extern int debug; extern struct s *g; extern struct s conf; int f(int);
int t(struct s *p, const char *fmt) {
    if (debug & 32 && (p->debug >= 2 || !g->next->debug)) return 1;
    if (fmt == NULL) return 2;
    if (f(BIT) ? p->name[1] : -1) return 3;
    if ((unsigned)~A == conf.in.x + B) return 4;
    return 0;
}
"""


def _conditions(tmp_path):
    unit = parse_c(tmp_path, CODE)
    fn = unit.functions[0]
    guards = {}
    for _node, gs in walk_guarded(unit, fn):
        for g in gs:
            if g.kind == "if":
                guards.setdefault(g.line, g)
    return unit, [guards[line] for line in sorted(guards)]


def test_guards_carry_their_condition_as_a_typed_expression(tmp_path):
    _unit, guards = _conditions(tmp_path)
    first = guards[0].expr
    assert first == Binary("&&", Binary("&", Name("debug"), Const(32, "32")),
                           Binary("||", Binary(">=", Member(Name("p", "param"), "debug"), Const(2, "2")),
                                  Unary("!", Member(Member(Name("g"), "next"), "debug"))))
    assert guards[1].expr == Binary("==", Name("fmt", "param"), Const(0, "NULL"))
    assert isinstance(guards[2].expr.test, Call) and guards[2].expr.test.callee == "f"
    assert guards[2].expr.test.args == (Const(3, "BIT"),)


def test_printer_gives_one_line_with_the_parentheses_needed(tmp_path):
    _unit, guards = _conditions(tmp_path)
    assert [render(g.expr) for g in guards] == [
        "debug & 32 && (p->debug >= 2 || !g->next->debug)",
        "fmt == NULL",
        "f(BIT) ? p->name[1] : -1",
        "(unsigned)~A == conf.in.x + B",
    ]
    assert render(Unary("!", Binary("&", Name("d"), Const(4)))) == "!(d & 4)"
    assert render(Binary("-", Name("a"), Binary("-", Name("b"), Name("c")))) == "a - (b - c)"


def test_evaluator_folds_enumerators_macros_and_known_values(tmp_path):
    _unit, guards = _conditions(tmp_path)
    cast_test = guards[3].expr
    assert isinstance(cast_test.left, Cast) and cast_test.left.type == "unsigned"
    assert evaluate(cast_test.left) == ~4
    assert evaluate(cast_test.right) is None  # conf.in.x unknown
    assert evaluate(cast_test.right, lambda e: 5 if root_path(e)[0] == "conf.in.x" else None) == 13
    first = guards[0].expr
    assert evaluate(first, {"debug": 0}) == 0  # short circuit: the rest is unknown
    assert evaluate(first, {"debug": 32}) is None
    assert evaluate(guards[1].expr, {"fmt": 0}) == 1
    assert evaluate(Binary("/", Const(7), Const(-2))) == -3  # C truncates toward zero
    assert evaluate(Binary("/", Const(7), Const(0))) is None


def test_member_paths_and_substitution():
    e = Member(Member(Name("main_pidfile"), "path", False), "len", False)
    assert root_path(e) == ("main_pidfile.path.len", "len")
    assert root_path(Member(Name("p", "param"), "debug")) == ("", "debug")
    guard = Binary("==", Name("fp", "param"), Const(0, "NULL"))
    assert render(substitute(guard, {"fp": Const(0, "NULL")})) == "NULL == NULL"
    assert evaluate(substitute(guard, {"fp": Name("stdout")})) is None
    assert evaluate(substitute(guard, {"fp": Unary("&", Name("buf"))})) == 0


def test_builder_reads_arguments_of_calls(tmp_path):
    unit = parse_c(tmp_path, """
        void log_message(int, const char *, ...);
        struct d { int level; };
        void g(struct d *d) { log_message(3, "x %d", (int)d->level + 1); }
    """)
    fn = unit.functions[0]
    call = next(n for n, _ in walk_guarded(unit, fn) if n.kind == "CALL_EXPR")
    args = [to_cexpr(a, unit.source) for a in call.children[1:]]
    assert [render(a) for a in args] == ["3", '"x %d"', "(int)d->level + 1"]
    assert evaluate(args[0]) == 3 and args[1].value is None


def test_an_address_is_known_only_as_a_truth_value():
    """`&x` is non-null, so `&x != NULL` holds; two addresses compared (a list walk's
    `&pos->e_list != &head`) are a value of the run, not 1 != 1."""
    link = Unary("&", Member(Name("pos"), "e_list"))
    head = Unary("&", Member(Name("data"), "list"))
    assert evaluate(Binary("!=", link, head)) is None
    assert evaluate(Binary("==", link, Unary("&", Name("instances")))) is None
    assert evaluate(Binary("!=", link, Name("NULL"))) == 1
    assert evaluate(Binary("==", Const(0, "0"), head)) == 0
    assert evaluate(Unary("!", head)) == 0
