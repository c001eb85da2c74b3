"""A condition's text with its runtime tests written as C (requirements._sink_text)."""

from srcscan.analyze.requirements import _sink_text
from srcscan.cexpr import Name
from srcscan.requirement import Atom, Requirement


def test_a_test_whose_name_starts_another_tests_name_is_replaced_whole():
    # conditions._versions names a test of a variable assigned before it `?f:x@x:12`, beside
    # the plain `?f:x`: each must become its C text whatever order the atoms come in (a set's
    # order changed from run to run, leaving `x@x:12` in the text about half the time per pair).
    tests = []
    for k in range(10):
        plain = Atom(f"?sink.c:f:v{k}", test=Name(f"v{k}"))
        assigned = Atom(f"?sink.c:f:v{k}@v{k}:{k + 12}", test=Name(f"v{k}"))
        tests.append(Requirement.atom(plain) & ~Requirement.atom(assigned))
    text = _sink_text(Requirement.all_of(tests))
    assert text == " && ".join([f"!v{k}" for k in range(10)] + [f"v{k}" for k in range(10)])
