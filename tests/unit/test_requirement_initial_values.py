"""Issue 13 (lighttpd 1.4.85's server.c:1956 'Couldn't write pid file'): a file-scope variable
given a constant other than 0 at its definition (`static volatile int pid_fd = -2;`), whose
only writes that can pass a test are under option tests: `if (pid_fd > 2)` holds only after
`pid_fd = open(...)`, which runs only when the pid-file key names a file. The variable's
constant writes (`pid_fd = -1`) and its writes from itself (`pid_fd = -pid_fd`, the graceful
restart's mark) are followed to the constants it can hold: a test none of them passes needs
one of the other writes (tests/fixtures/pidfd, written for this test)."""

from __future__ import annotations

import pytest
from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("pidfd")


@pytest.mark.parametrize("text, wanted", [
    ("Couldn't write pid file", (("core.pid-file",),)),     # `pid_fd > 2`: -2, -1 (and 2, 1) fail
    ("pid file kept over restart", (("core.pid-file",),)),  # `pid_fd < -2`: only a negated open
    ("no pid file", ()),                                    # `pid_fd == -1`: the start-up value
    ("spare descriptor %d", ()),                            # opened on every run
    ("flipped", ()),                                        # -(-3) passes `flip > 2`: no store needed
])
def test_tests_an_initializer_fails(catalog, text, wanted):
    assert requires(catalog, text) == wanted
