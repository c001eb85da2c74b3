"""Issue "every answer true": never-logged rows. A tree's own definition of a function a C
library macro calls (glibc's assert_perror() calls __assert_perror_fail()) runs only where the
tree uses the macro: keepalived 2.3.4's lib/assert.c:45 is never logged (tests/fixtures/
reqk-libmacros, written for this test; rules/_c.toml's [callgraph] library_macros)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "reqk-libmacros", FIXTURES / "precision" / "daemon-rules.toml",
                        tmp_path_factory.mktemp("libmacros"))


def test_unused_library_macro_never_calls_its_function(catalog):
    assert only_message(catalog, "assert: %s:%u: %s: Unexpected error: %s.").requires == (("false",),)


def test_used_library_macro_may_call_its_function(catalog):
    assert only_message(catalog, "assert: %s:%u: %s: Assertion: `%s' failed.").requires != (("false",),)
