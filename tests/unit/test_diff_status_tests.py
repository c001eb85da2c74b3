"""diff.signatures: a constant dropped from a call whose signature changed only when the call's
result is tested for failure alone (is_status_test), never when its value is compared with
another number that merely ends in 0 or -1 (review of session 25)."""

import pytest

from srcscan.diff.signatures import is_status_test, without_computed_arguments


def _call_span(condition: str, name: str) -> tuple[int, int]:
    start = condition.index(name + "(")
    depth = 0
    for i in range(start + len(name), len(condition)):
        depth += {"(": 1, ")": -1}.get(condition[i], 0)
        if depth == 0:
            return start, i
    raise AssertionError(condition)


@pytest.mark.parametrize("condition,status", [
    ("0 != f(x, 1)", True), ("-1 == f(x, 1)", True), ("!f(x, 1)", True), ("f(x, 1) < 0", True),
    ("a && 0 != f(x, 1)", True), ("(-1 == f(x, 1))", True),
    ("10 == f(x, 1)", False), ("fd0 != f(x, 1)", False), ("count-1 == f(x, 1)", False), ("f(x, 1) > 1", False),
])
def test_a_status_test_needs_the_constant_as_a_whole_operand(condition, status):
    start, end = _call_span(condition, "f")
    assert is_status_test(condition, start, end) is status


def test_a_compared_value_keeps_its_constant_argument():
    assert without_computed_arguments("0 != f(x, 1)", {"f": 1}) == "0 != f(x)"
    assert without_computed_arguments("10 == f(x, 1)", {"f": 1}) == "10 == f(x, 1)"
