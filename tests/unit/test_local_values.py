"""The values a function's locals are given (analyze.options.find_locals), on hand-built
write facts: one value per assignment, whatever the number of build profiles that parsed it,
and a constant given inside a counting loop held only when the loop ran."""

from __future__ import annotations

from srcscan.analyze.options import find_locals
from srcscan.analyze.optionvalues import loop_bound
from srcscan.cexpr import Binary, Const, Member, Name, render
from srcscan.model import FileFacts, Write

BOUND = Member(Member(Member(Name("p"), "conf"), "auth_require", False), "used")
LOOP = Binary("<", Name("k"), BOUND)
UNREAD = Binary("<", Name("k"), Member(Member(Member(Name("p"), "conf"), "", False), ""))  # a parse that could not name the fields


def _facts(profile: str, loop) -> FileFacts:
    writes = (Write("handler", "mod_auth.c", 10, "auth_required", "decl", Const(0, "0"), "0", local=True),
              Write("handler", "mod_auth.c", 20, "auth_required", "=", Const(1, "1"), "1", True, True, (loop,)))
    return FileFacts("mod_auth.c", profile, (), (), (), (), (), writes=writes)


def test_one_value_per_assignment_the_readable_parse_kept():
    for files in ([_facts("default", LOOP), _facts("ldap", UNREAD)], [_facts("ldap", UNREAD), _facts("default", LOOP)]):
        values = find_locals(files)[("mod_auth.c", "handler")]["auth_required"]
        assert [render(v) for v in values] == ["0", "k < p->conf.auth_require->used && 1"]


def test_a_constant_given_in_a_counting_loop_reads_the_loop_bound():
    values = find_locals([_facts("default", LOOP)])[("mod_auth.c", "handler")]["auth_required"]
    assert loop_bound(values[1]) == BOUND
    assert loop_bound(values[0]) is None
