"""Options and requirements on Debian's keepalived 2.2.7 and lighttpd 1.4.69 (facts read in the source)."""

import pytest

from conftest import same_worker
from srcscan.query import Query, run_query


@pytest.fixture(scope="module")
def keepalived(debian):
    return debian("keepalived", "2.2.7").catalog


@pytest.fixture(scope="module")
def lighttpd(debian):
    return debian("lighttpd", "1.4.69").catalog


@same_worker("keepalived-2.2.7")
def test_keepalived_log_detail_option_and_its_messages(keepalived):
    d = [o for o in keepalived.sections.to_dict()["options"] if "-D" in o["names"]][0]
    assert "--log-detail" in d["names"]
    assert {e["level"] for e in d["effects"] if e["op"] == "set_bit"} == {1, 2}  # a second -D sets another bit
    added = run_query(keepalived, Query(adds="--log-detail"))
    # vrrp.c:134 `if (__test_bit(LOG_DETAIL_BIT, &debug)) log_message(LOG_INFO, "(%s) %sing %sVIPs." ...`
    # the %s holes take ?: of literals: one message per choice ("(%s) adding VIPs.", ...); the
    # vrrp_t it prints the name of exists only with a vrrp_instance block (alloc_vrrp), and only
    # the vrrp child, started `if (running_vrrp())`, writes it (@vrrp: analyze.childstarts)
    vips = [m for m in added if (m.file, m.line) == ("keepalived/vrrp/vrrp.c", 135)]
    assert vips and {(m.requires, m.format) for m in vips} == {((("-D", "@vrrp", "vrrp_instance"),),
                                                                 "(%s) %sing %sVIPs.")}
    assert 20 < len(added) < 300
    assert all(any("-D" in a for alt in m.requires for a in alt) for m in added)


@same_worker("lighttpd")
def test_lighttpd_debug_value_passed_as_a_parameter(lighttpd):
    # gw_backend.c:261 `if (debug)` in gw_proc_connect_success(..., int debug, ...), called with
    # hctx->conf.debug, which proxy.debug, fastcgi.debug and others set; the handler context
    # hctx exists only for a request one of the `*.server` keys selected, the same module's
    (m,) = [m for m in lighttpd.messages if (m.file, m.line) == ("src/gw_backend.c", 263)]
    alternatives = set(m.requires)
    assert m.format == "got proc: pid: %d socket: %s load: %d"
    assert ("proxy.debug", "proxy.server") in alternatives and ("fastcgi.debug", "fastcgi.server") in alternatives
    assert not any("fastcgi.debug" in alt and "proxy.server" in alt for alt in alternatives)
    assert m in run_query(lighttpd, Query(adds="proxy.debug"))
