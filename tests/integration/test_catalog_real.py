"""The real thing: Debian's keepalived 2.2.7 and lighttpd 1.4.69, fetched and cataloged.

Each fact below was checked by reading the unpacked source trees. Skips only when
SRCSCAN_OFFLINE=1 says the machine cannot reach Debian's archive.
"""

import pytest

from conftest import debian_catalog, real_cache_dir, same_worker


@pytest.fixture(scope="module")
def keepalived(debian):
    return debian("keepalived", "2.2.7")


@pytest.fixture(scope="module")
def lighttpd(debian):
    return debian("lighttpd", "1.4.69")


def find(built, file, line):
    return [m for m in built.catalog.messages if (m.file, m.line) == (file, line)]


@same_worker("keepalived-2.2.7")
def test_keepalived_provenance_is_the_debian_tarball(keepalived):
    p = keepalived.catalog.provenance
    assert p.provider == "debian" and p.version == "2.2.7" and len(p.sha256) == 64
    assert p.location.endswith("keepalived_2.2.7-1.dsc")


@same_worker("keepalived-2.2.7")
def test_keepalived_vrrp_state_messages(keepalived):
    (master,) = find(keepalived, "keepalived/vrrp/vrrp.c", 2012)
    assert (master.function, master.call, master.priority) == ("vrrp_state_master_tx", "log_message", "LOG_INFO")
    assert master.format == "(%s) Entering MASTER STATE"
    (backup,) = find(keepalived, "keepalived/vrrp/vrrp.c", 1797)
    assert (backup.function, backup.format) == ("vrrp_state_leave_master", "(%s) Entering BACKUP STATE")


@same_worker("keepalived-2.2.7")
def test_keepalived_catalog_is_large_and_mostly_parsed(keepalived):
    assert len(keepalived.catalog.messages) > 1500
    assert not [f for f in keepalived.catalog.files if f.failed]


@same_worker("lighttpd")
def test_lighttpd_line_is_the___LINE___it_prints(lighttpd):
    (m,) = find(lighttpd, "src/configfile.c", 1722)
    assert (m.function, m.call, m.priority) == ("config_log_error_open", "log_perror", "LOG_ERR")
    assert m.format == "opening errorlog '%s' failed"
    (started,) = find(lighttpd, "src/server.c", 1704)
    assert started.format.startswith("server started (") and started.call == "log_error"


@same_worker("lighttpd")
def test_second_build_parses_nothing(lighttpd, tmp_path_factory):
    again = debian_catalog("lighttpd", "1.4.69", real_cache_dir(tmp_path_factory))
    assert again.scan.parsed == 0 and again.scan.cached == len(lighttpd.scan.files)
