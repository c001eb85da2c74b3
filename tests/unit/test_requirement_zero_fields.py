"""Issue "every answer true" (lighttpd 1.4.85's fdevent_sched_run 'close() %d' and
fdlog_files_cycle 'error cycling log %s', and the facility of fdlog_openlog's warning): a field of a struct that exists only as calloc()
zeroed it, or of a file-scope struct (zero at start), that only keyed code makes non-zero: a
test that it is set needs what one of those stores needs, not nothing
(tests/fixtures/plugzero, a lighttpd-shaped tree written for this test). A message written
before the tree's only openlog() call goes out with LOG_USER (syslog(3))."""

from __future__ import annotations

import pytest
from tests.conftest import fixture_catalog, only_message, requires_of as requires

catalog = fixture_catalog("plugzero")


@pytest.mark.parametrize("text, wanted", [
    ("close() %d", (("cgi.assign",), ("gw.server",))),     # a walk of the pending list, only two modules fill
    ("closes pending", (("cgi.assign",), ("gw.server",))),  # `if (ev->pending)`
    ("waited %d times", ()),                               # ev_poll itself counts: any run
    ("watching %d descriptors", ()),                       # ev_init sets it
    ("error cycling log %s", (("core.errorlog",),)),       # a file-scope list only the key fills
    ("unix path %s", (("gw.host",), ("gw.socket",))),      # `sock` is also a copy of `host`: either key
])
def test_fields_only_keyed_code_sets(catalog, text, wanted):
    assert requires(catalog, text) == wanted


def test_a_warning_written_before_openlog_goes_out_with_log_user(catalog):
    # log_openlog() warns of an unknown facility before its own openlog() call, the tree's only
    # one: syslog(3) sends it with LOG_USER, not the facility the key names (what an earlier
    # openlog() chose only when the function runs again)
    m = only_message(catalog, "unrecognized syslog facility: %s")
    assert dict(m.facility_with)["core.use-syslog"].startswith("user; daemon only once")
    assert [(d.facility, d.setter, d.line) for d in m.derivation if type(d).__name__ == "FacilityBeforeSetup"] \
        == [("user", "openlog", 44)]
    after = only_message(catalog, "syslog opened")   # written after it: the key's facility
    assert dict(after.facility_with)["core.use-syslog"] == "daemon"


def test_a_struct_malloc_makes_is_not_zero_at_start():
    # zerofields.zeroed_structs: a struct one function callocs and another mallocs is left out,
    # so is one used by value (`conf.field`)
    from srcscan.analyze.zerofields import zeroed_structs
    from srcscan.cexpr import Call, Member, Name
    from srcscan.model import FunctionFacts, Write

    def made(fn, alloc, owner):
        return [Write(fn, "a.c", 1, "p", "=", Call(Name(alloc, "function"), ()), "", local=True),
                Write(fn, "a.c", 2, ".x", "=", Name("v", "param"), "v", owner=owner, base="p")]
    writes = made("f", "calloc", "S") + made("g", "malloc", "S") + made("h", "calloc", "T") + made("k", "calloc", "U")
    fns = [FunctionFacts(n, "a.c", 1, False, (), False, ()) for n in "fghk"]
    assert zeroed_structs(fns, writes) == frozenset({"T", "U"})
    by_value = Write("k", "a.c", 3, "conf.y", "=", Member(Name("conf", "var"), "y", False, "U"), "", owner="U")
    assert zeroed_structs(fns, writes + [by_value]) == frozenset({"T"})
