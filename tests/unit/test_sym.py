"""The log-setup facts' symbolic values are typed (srcscan/sym.py): each form a NamedTuple
whose items are the plain tuple it replaces, built by extract.logsetup.sym from C."""

from __future__ import annotations

import pickle

from conftest import parse_c

from srcscan.analyze.syslogfacts import bind_param as _bind
from srcscan.extract.logsetup import sym
from srcscan.sym import (BinSym, CallSym, CondSym, IntSym, MemberSym, NotSym, OtherSym, ParamSym, StrSym, VarSym,
                         map_sym, walk_sym)

CODE = """\
#define LOG_LOCAL1 (17<<3)
struct conf { int facility; };
int log_facility;
const char *names[2];
int pick(int);
void setup(int level, struct conf *c)
{
    int x;
    x = level > 1 ? LOG_LOCAL1 : log_facility;
    x = !c->facility;
    x = pick(level) + names[level][0];
    x = level++;
    (void)"Keepalived";
}
"""


def _values(tmp_path):
    unit = parse_c(tmp_path, CODE)
    (fn,) = [f for f in unit.functions if f.name == "setup"]
    body = fn.children[-1]
    out = []
    for stmt in body.children[1:]:
        node = stmt
        while node.kind in ("CSTYLECASTEXPR", "CSTYLE_CAST_EXPR", "UNEXPOSED_EXPR") and node.children:
            node = node.children[-1]
        value = node.children[1] if node.kind == "BINARY_OPERATOR" else node
        out.append(sym(value, ("level", "c"), frozenset({"x"})))
    return out


def test_sym_builds_typed_forms_from_c(tmp_path):
    cond, negation, arithmetic, other, string = _values(tmp_path)
    assert isinstance(cond, CondSym) and isinstance(cond.test, BinSym)
    assert cond.then == IntSym("int", 136) and cond.other == VarSym("var", "log_facility")
    assert cond.test.left == ParamSym("param", 0, "level")
    assert isinstance(negation, NotSym) and negation.operand == MemberSym("member", ParamSym("param", 1, "c"), "facility")
    assert isinstance(arithmetic, BinSym) and isinstance(arithmetic.left, CallSym)
    assert arithmetic.left.args == (ParamSym("param", 0, "level"),)
    assert isinstance(other, OtherSym) and isinstance(string, StrSym) and string.value == "Keepalived"


def test_forms_read_and_compare_as_the_plain_tuples_they_replace(tmp_path):
    cond = _values(tmp_path)[0]
    assert cond[0] == "cond" and cond.then == ("int", 136) and hash(cond.then) == hash(("int", 136))
    assert pickle.loads(pickle.dumps(cond)) == cond and type(pickle.loads(pickle.dumps(cond)).test) is BinSym
    assert [s[0] for s in walk_sym(cond)] == ["cond", "bin", "param", "int", "int", "var"]


def test_rewriting_keeps_each_form(tmp_path):
    cond = _values(tmp_path)[0]
    bound = _bind(cond, 0, 2)  # level = 2
    assert isinstance(bound, CondSym) and isinstance(bound.test, BinSym) and bound.test.left == IntSym("int", 2)
    assert map_sym(("bin", "+", ("int", 1), ("int", 2)), lambda s: ("int", 0)) == ("bin", "+", ("int", 0), ("int", 0))
