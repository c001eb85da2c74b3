"""Issue "every answer true": a message of a function every use of which is inside an `#if`
exists only in a build with it. keepalived 2.3.4's ssl_printerr() (check_ssl.c:181, under no
`#if`) is called only at check_http.c:1785, inside `#ifdef _CHECKER_DEBUG_`: its build condition
said "(every build)" (audit kreq1 E9), because a site's build condition was only the `#if`
stack around the log call itself. tests/fixtures/callerbuild is written for this test."""

from __future__ import annotations

import pytest
from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("callerbuild")


@pytest.mark.parametrize("text, macros", [
    ("debug error %d", ["_MY_DEBUG_"]),     # a prototype in util.h is no use; the type on its own line
    ("local error %d", ["_MY_DEBUG_"]),     # a static function's uses in its own file
    ("other error %d", ["_WITH_OTHER_"]),
    ("any error %d", []),                   # one use outside any #if
    ("both error %d", []),                  # uses in #ifdef and #else: every build
])
def test_build_of_callers(catalog, text, macros):
    build = only_message(catalog, text).build
    assert all(m in build for m in macros) and (build == "") == (not macros)
