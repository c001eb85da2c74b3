"""Diffs of Debian's releases: keepalived 2.2.7 -> 2.3.3 and lighttpd 1.4.69 -> 1.4.79.

Every fact asserted was checked by reading both unpacked trees.
"""

import pytest

from conftest import same_worker
from srcscan.diff import diff_catalogs


@pytest.fixture(scope="module")
def keepalived(debian):
    return diff_catalogs(debian("keepalived", "2.2.7").catalog, debian("keepalived", "2.3.3").catalog)


@pytest.fixture(scope="module")
def lighttpd(debian):
    return diff_catalogs(debian("lighttpd", "1.4.69").catalog, debian("lighttpd", "1.4.79").catalog)


def at(messages, file, line):
    return [m for m in messages if (m.file, m.line) == (file, line)]


@same_worker("keepalived-2.2.7")
def test_keepalived_added_removed_changed(keepalived):
    (added,) = at(keepalived.added, "keepalived/bfd/bfd_scheduler.c", 1189)
    assert added.format == "Unable to open multihop listening socket" and added.priority == "LOG_ERR"
    # 2.3.3 moved dump_rs's "     RS up notify script" (and RS down, and dump_vs's two quorum
    # scripts) into one call of dump_notify_vs_rs_script, which writes its callers' constants:
    # still written, so not a removal but four old sites merged into the helper's call (issue 19's
    # N -> 1 "merged", shown as such), not four changes of the helper's guard and requirements
    assert not at(keepalived.removed, "keepalived/check/check_data.c", 513)
    (merge,) = [m for m in keepalived.merged if any((o.file, o.line) == ("keepalived/check/check_data.c", 513)
                                                     and "RS up" in o.format for o in m.olds)]
    assert merge.how == "helper" and merge.new.function == "dump_notify_vs_rs_script"
    assert sorted(o.line for o in merge.olds) == [513, 516, 733, 736]  # RS up, RS down, quorum up, quorum down
    (ah,) = [c for c in keepalived.changed if c.old.format == "(%s) Received AH header but auth type not AH"]
    assert ah.new.format == "(%s) Received AH header but auth type not AH from %s"
    assert set(ah.fields) == {"template", "call"} and ah.new.call == "log_rate_limited_error"
    assert (ah.old.line, ah.new.line) == (812, 866)


@same_worker("lighttpd")
def test_lighttpd_added_removed_changed(lighttpd):
    # configfile.c's `unrecognized server.syslog-facility: "%s"` became fdlog_maint.c's
    # `unrecognized syslog facility: "%s"`: reworded and moved, still written
    assert not at(lighttpd.added, "src/fdlog_maint.c", 410) and not at(lighttpd.removed, "src/configfile.c", 1673)
    (facility,) = [c for c in lighttpd.changed if c.old.format.startswith('unrecognized server.syslog-facility: "%s"')]
    assert facility.new.format.startswith('unrecognized syslog facility: "%s"') and facility.new.file == "src/fdlog_maint.c"
    assert set(facility.fields) >= {"template", "location"}
    (short,) = [c for c in lighttpd.changed if c.old.format == "got a string but expected a short: %s %s"]
    assert short.new.format == "got a string but expected a short integer: %s %s"
    assert 0.6 <= short.similarity < 1
    # ... and the keys that can give it changed too: it is logged for a key of type
    # T_CONFIG_SHORT given a string, and 1.4.79 made server.max-request-field-size one
    # (configfile.c:721-722; T_CONFIG_INT in 1.4.69's configfile.c:757-758)
    assert short.fields == ("template", "requires")
    assert set(short.new.requires) - set(short.old.requires) == {("server.max-request-field-size",)}
    assert set(short.old.requires) <= set(short.new.requires)
