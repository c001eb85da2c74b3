"""Audit s20 (lighttpd 1.4.85 gw_backend.c:654 'gw-backend failed to start: %s' and the other
messages of gw_spawn_connection() and gw_proc_waitpid()): a field of a calloc'ed struct set
only by a function that runs for a host with a "bin-path", or after a test of that very field
(`proc->is_local`), is 0 until the keyed call stored it: the test needs "bin-path", not only the
module's server key (tests/fixtures/plugspawn, a lighttpd-shaped tree written for this test)."""

from __future__ import annotations

import pytest
from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("plugspawn")


@pytest.mark.parametrize("text, wanted", [
    ("backend failed to start: %s", (("bin-path", "sp.server"),)),  # sp_spawn: also called after `w->is_local`
    ("pid %d not found", (("bin-path", "sp.server"),)),             # after `if (!w->is_local) return;`
    ("respawning failed", (("bin-path", "sp.server"),)),            # under `w->is_local && ...`
    ("spawning failed", (("bin-path", "sp.server"),)),              # under `host->bin_path`
    ("response error", (("sp.debug", "sp.server"),)),               # any worker, local or not
])
def test_a_store_behind_a_test_of_its_own_field_waits_for_another(catalog, text, wanted):
    assert requires(catalog, text) == wanted
