"""Processes and facilities on Debian's keepalived 2.2.7 and lighttpd 1.4.69 (facts read in the source)."""

import pytest

from srcscan.analyze.facilities import BadOptionValue
from srcscan.rsyslog import rsyslog_config
from conftest import assert_rsyslogd_accepts, debian_catalog, real_cache_dir, same_worker
from rsyslog_live import LiveRsyslog


@pytest.fixture(scope="module")
def keepalived(debian):
    return debian("keepalived", "2.2.7").catalog


def at(catalog, file, line):
    (m,) = [m for m in catalog.messages if (m.file, m.line) == (file, line)]
    return m


@same_worker("keepalived-2.2.7")
def test_keepalived_process_table(keepalived):
    procs = {p["name"]: p for p in keepalived.sections.to_dict()["processes"]}
    assert set(procs) == {"parent", "vrrp", "checker", "bfd"}
    # vrrp_daemon.c:995 `pid = fork();` in start_vrrp_child, then open_syslog(syslog_ident) with
    # syslog_ident = PROG_VRRP ("Keepalived_vrrp"); lib/logger.c: openlog(ident, ..., log_facility)
    assert (procs["vrrp"]["start"], procs["vrrp"]["fork_line"]) == ("start_vrrp_child", 995)
    assert "Keepalived_vrrp" in procs["vrrp"]["idents"] and "Keepalived_healthcheckers" in procs["checker"]["idents"]
    assert all(p["facility_expression"] == "log_facility" and p["facility"] == ["daemon"] for p in procs.values())
    assert procs["parent"]["facility_with"]["-S"].startswith("local<N>")


@same_worker("keepalived-2.2.7")
def test_keepalived_messages_by_process(keepalived):
    # vrrp_daemon.c:1005: logged in the `else if (pid)` branch after the fork: the parent
    started = at(keepalived, "keepalived/vrrp/vrrp_daemon.c", 1005)
    assert started.format == "Starting VRRP child process, pid=%d" and started.processes == ("parent",)
    assert started.facility == ("daemon",) and dict(started.facility_with)["-S"].startswith("local<N>")
    # check_daemon.c:751: after the fork, in the child, before anything else runs
    assert at(keepalived, "keepalived/check/check_daemon.c", 751).processes == ("checker",)
    # bfd_scheduler.c:553 bfd_state_rise, run by the BFD child's scheduler only; BFD_STATE_STR()
    # is a ?: chain of literals: one message per state name, each the BFD child's
    states = [m for m in keepalived.messages if (m.file, m.line) == ("keepalived/bfd/bfd_scheduler.c", 553)]
    assert len(states) > 1 and {m.processes for m in states} == {("bfd",)}
    # vrrp_scheduler.c:952 vrrp_dispatcher_read, the VRRP child's packet reader
    assert at(keepalived, "keepalived/vrrp/vrrp_scheduler.c", 952).processes == ("vrrp",)
    # lib/scheduler.c:798 thread_make_master: every process makes its own scheduler
    shared = at(keepalived, "lib/scheduler.c", 798)
    assert set(shared.processes) == {"parent", "vrrp", "checker", "bfd"}


@same_worker("keepalived-2.2.7")
def test_keepalived_with_a_log_facility(tmp_path_factory):
    cache = real_cache_dir(tmp_path_factory)
    local3 = debian_catalog("keepalived", "2.2.7", cache, ["-S local3"]).catalog
    # main.c: open_syslog(PACKAGE_NAME) with log_facility still LOG_DAEMON; parse_cmdline
    # sets it from -S and reopens the log. What keepalived_main logs in between ('Unable to get
    # uname() information') goes to daemon whatever -S says; 'Starting %s', logged after, does not.
    def by_format(text):
        (m,) = [m for m in local3.messages if m.file == "keepalived/core/main.c" and m.format == text]
        return m
    assert by_format("Unable to get uname() information - error %d").facility == ("daemon",)
    assert by_format("Starting %s").facility == ("local3",)
    # the children start after the option is read: what they can write goes to local3
    children = [m for m in local3.messages if set(m.processes) & {"vrrp", "checker", "bfd"}]
    assert children and all("local3" in m.facility for m in children)
    # daemon only where the parent can log before parse_cmdline (genhash mode never reads -S;
    # read_unsigned's range errors while -S itself is read); code the children share also
    # runs after, so it is both
    early = [m for m in local3.messages if "daemon" in m.facility]
    assert early and all("parent" in m.processes for m in early)
    assert all(m.processes == ("parent",) for m in early if m.facility == ("daemon",))
    assert len(early) < len(local3.messages) // 4
    user = debian_catalog("keepalived", "2.2.7", cache, ["--log-facility=user"]).catalog
    assert {p["facility"][0] for p in user.sections.to_dict()["processes"]} == {"user"}
    with pytest.raises(BadOptionValue, match="0..7, local0..local7, daemon, user"):
        debian_catalog("keepalived", "2.2.7", cache, ["-S 8"])


@same_worker("keepalived-2.2.7")
def test_keepalived_rsyslog_rules_pass_rsyslogd(keepalived, tmp_path):
    text = rsyslog_config(keepalived, "/var/log/keepalived")
    # all on daemon: by program name, with and without a network namespace and an instance
    assert "if $programname == 'Keepalived_vrrp' or re_match($programname, '^Keepalived_vrrp_.+$')" in text
    conf = tmp_path / "keepalived.conf"
    conf.write_text(text)
    assert_rsyslogd_accepts(conf)


@pytest.mark.parametrize("version", [pytest.param("2.2.7", marks=same_worker("keepalived-2.2.7")),
                                     pytest.param("2.3.3", marks=same_worker("keepalived-2.3"))])
def test_keepalived_idents_with_instance_and_namespace_land_in_their_process_file(debian, version, tmp_path):
    """main.c make_syslog_ident(): the program name, then `_<net_namespace>` and `_<instance>`
    when configured; the real rsyslogd files every form under its process."""
    catalog = debian("keepalived", version).catalog
    procs = {p["name"]: p for p in catalog.sections.to_dict()["processes"]}
    assert procs["vrrp"]["ident_patterns"] == ["Keepalived_vrrp[_<net_namespace>][_<instance>]"]
    assert_each_ident_form_lands_in_its_process_file(catalog, tmp_path)


def assert_each_ident_form_lands_in_its_process_file(catalog, tmp_path):
    samples = {"net_namespace": "blue", "instance": "lb1"}
    sent = {}
    for p in catalog.sections.to_dict()["processes"]:
        for form in p["idents"]:
            ident = form
            for hole, value in samples.items():
                ident = ident.replace(f"<{hole}>", value)
            assert "<" not in ident, form
            sent[ident] = p["name"]
    assert len(sent) == 4 * len(catalog.sections.to_dict()["processes"])  # plain, _ns, _inst, _ns_inst
    text = rsyslog_config(catalog, str(tmp_path / "logs"))
    with LiveRsyslog(tmp_path, text) as rsyslogd:
        for ident in sent:
            rsyslogd.send(ident, f"line from {ident}.")
        assert {i: rsyslogd.where(f"line from {i}.") for i in sent} == {i: [p] for i, p in sent.items()}


@same_worker("lighttpd")
def test_lighttpd_error_log_by_default_syslog_when_asked(debian, tmp_path_factory):
    cache = real_cache_dir(tmp_path_factory)
    default = debian("lighttpd", "1.4.69").catalog
    # configfile.c:1679 openlog("lighttpd", LOG_CONS|LOG_PID, -1==facility ? LOG_DAEMON : facility),
    # reached only when server.errorlog-use-syslog is enabled
    # A message no run can log goes nowhere: fdevent.c:684's `if (errh) log_perror(errh, ...)`,
    # whose every caller (mod_openssl.c:414, mod_gnutls.c:341, mod_mbedtls.c:319) passes errh NULL.
    never = [m for m in default.messages if m.requires_formula == "false"]
    assert {(m.processes, m.facility) for m in never} <= {((), ())}
    assert any((m.file, m.line) == ("src/fdevent.c", 684) for m in never)
    logged = [m for m in default.messages if m.requires_formula != "false"]
    # Until server_main_setup() has called config_log_error_open() (rules [logging] opened_by,
    # before_open = "stderr"), lighttpd writes to stderr: configfile.c:279's module hint while the
    # configuration is read; code running on both sides of the opening can write to either.
    assert {m.facility for m in logged} == {("errorlog",), ("stderr",), ("errorlog", "stderr")}
    assert next(m for m in logged if (m.file, m.line) == ("src/configfile.c", 279)).facility == ("stderr",)
    after = [m for m in logged if m.facility == ("errorlog",)]
    # the warning about an unknown syslog facility (1.4.69 configfile.c, later fdlog_maint.c) is written before the tree's only
    # openlog() (fdlog_openlog()): LOG_USER the first time (syslog(3)), daemon after a restart
    before_openlog = "user; daemon only once an earlier openlog() has run"
    with_syslog = {(m.file, dict(m.facility_with).get("server.errorlog-use-syslog")) for m in after}
    assert {f for _, f in with_syslog} == {"daemon", before_openlog}
    assert {file for file, f in with_syslog if f == before_openlog} <= {"src/configfile.c", "src/fdlog_maint.c"}
    on = debian_catalog("lighttpd", "1.4.69", cache, ["server.errorlog-use-syslog=enable"]).catalog
    assert {m.facility for m in on.messages if m.requires_formula != "false"} == {("daemon",), ("stderr",), ("daemon", "stderr")}
    local4 = debian_catalog("lighttpd", "1.4.69", cache,
                            ["server.errorlog-use-syslog=enable", "server.syslog-facility=local4"]).catalog
    # (the unknown-facility warning, written before openlog(), may go out with LOG_USER too)
    assert {m.facility for m in local4.messages if m.requires_formula != "false"} - {("local4", "user")} == \
        {("local4",), ("stderr",), ("local4", "stderr")}
