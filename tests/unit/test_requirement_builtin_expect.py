"""Audit s20 (lighttpd 1.4.85 stat_cache.c:1439 'lstat failed for: %s', http-header-glue.c:420
and :422): a test wrapped in a branch-prediction hint, `__builtin_expect((!r->conf.follow_symlink),
0) && ...`, is the test itself (GCC: the hint's value is its first argument's), so code under it
needs the switch turned off (tests/fixtures/plugfollow, a lighttpd-shaped tree written for this
test); the switch is on by default and a module turning it on for a while and back does not
turn it off."""

from __future__ import annotations

import pytest
from tests.conftest import fixture_catalog, requires_of as requires

from srcscan.cexpr import Call, Const, Name, Unary, strip

catalog = fixture_catalog("plugfollow")


@pytest.mark.parametrize("text, wanted", [
    ("lstat failed for: %s", (("!core.follow-links",),)),                      # only called under the hint
    ("access denied due to symlink restriction", (("!core.follow-links",),)),  # `hint(!x) && f()`
    ("checking %s", (("core.debug>=2",),)),                                    # `hint(x > 1, 0)`
])
def test_a_hinted_test_is_the_test(catalog, text, wanted):
    assert requires(catalog, text) == wanted


def test_strip_looks_through_the_hint():
    test = Unary("!", Name("x", "var"))
    assert strip(Call(Name("__builtin_expect", "function"), (test, Const(0, "0")))) == test
    other = Call(Name("expect", "function"), (test, Const(0, "0")))
    assert strip(other) == other
