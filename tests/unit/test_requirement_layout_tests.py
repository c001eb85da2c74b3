"""Issue "every answer true": a guard comparing constants of the type layout (`offsetof(struct
sockaddr_in6, sin6_port) != offsetof(struct sockaddr_in, sin_port)`, keepalived 2.3.4's
check_api.c:223) holds in every build or in none, and srcscan does not evaluate it: the message
says so (uncertain) instead of a plain "always" (tests/fixtures/reqk-layout, written for this
test; analyze.deadtests.layout_test)."""

from pathlib import Path

import pytest

from srcscan.analyze.deadtests import layout_test
from srcscan.cexpr import Binary, Const, Name, Other, Unary
from srcscan.model import CallSite, Guard
from tests.conftest import fixture_catalog, only_message

FIXTURES = Path(__file__).parent.parent / "fixtures"
catalog = fixture_catalog("reqk-layout", FIXTURES / "reqk-layout", FIXTURES / "precision" / "daemon-rules.toml")


@pytest.mark.parametrize("text, doubted", [
    ("port offsets differ", True),
    ("long is too short", True),
    ("port beyond the address size", False),   # a run-time value on one side
    ("setting an IPv4 port", False),
    ("cannot set the buffer size", False),     # setsockopt(..., sizeof(port)) < 0: a call's result
])
def test_a_layout_comparison_makes_the_answer_uncertain(catalog, text, doubted):
    m = only_message(catalog, text)
    assert any("type layout" in u for u in m.uncertain) == doubted, m.uncertain


def _call(guard: Guard) -> CallSite:
    return CallSite("f", "log_message", "", "f.c", 4, 1, "log_message", (), (), (guard,), "log_message(...)")


def test_only_a_test_the_call_needs_counts():
    """`a || offsetof(...) != 0`: the layout test need not hold, so nothing is doubted."""
    layout = Binary("!=", Other("offsetof(struct s, f)"), Const(0, "0"))
    either = Binary("||", Name("a", "param"), layout)
    guard = Guard("if", None, "a || ...", 3, False, expr=either)
    assert layout_test(_call(guard)) is None
    both = Guard("if", None, "a && ...", 3, False, expr=Binary("&&", Name("a", "param"), layout))
    assert layout_test(_call(both)) is not None
    negated = Guard("else", None, "!(...)", 3, True, expr=Unary("!", layout))
    assert layout_test(_call(negated)) is not None
