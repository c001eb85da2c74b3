"""The shipped rules files' default profiles are the builds Debian makes (debian/rules' configure
options, configure.ac's checks on glibc and Linux): a macro the build defines must be defined,
or a branch only other systems compile is read as the daemon's; one it does not define must not
be (tests/fixtures/debianbuild, written for srcscan)."""

from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from srcscan.rules import load_rules
from tests.conftest import FIXTURES, only_message, requires_of, tree_catalog

RULES = Path(__file__).parents[2] / "rules"


def defined_by(project: str) -> set[str]:
    """The macros the default profile of rules/PROJECT.toml defines."""
    return {name for name, _ in load_rules(str(RULES / f"{project}.toml")).profiles[0].defines}


def test_a_unix_socket_branch_is_the_one_debians_lighttpd_compiles(tmp_path_factory):
    # lighttpd's gw_backend.c (1.4.79:1564-1597): `#ifdef HAVE_SYS_UN_H` accepts a socket,
    # `#else` refuses it; configure.ac checks sys/un.h on every POSIX system, so a message
    # reached through the unix socket needs the option that sets one, not nothing
    own = load_rules(str(FIXTURES / "debianbuild.toml"))
    lighttpd = load_rules(str(RULES / "lighttpd.toml"))
    rules = replace(own, profiles=lighttpd.profiles)
    found = tree_catalog(FIXTURES / "debianbuild", rules, tmp_path_factory.mktemp("debianbuild-lighttpd"))
    assert requires_of(found, "connect to unix socket %s failed") == (("-s",),)
    refused = only_message(found, "unix sockets not supported on this platform: %s")
    assert refused.build == "!defined(HAVE_SYS_UN_H)"


# (project, macros Debian's build defines, macros it does not)
DECIDED = [
    ("lighttpd",
     # configure.ac's AC_CHECK_HEADERS / AC_CHECK_FUNCS on glibc and Linux, and debian/rules'
     # --with-zstd --with-attr --with-pcre2 --with-openssl
     {"HAVE_SYS_UN_H", "HAVE_SYS_INOTIFY_H", "HAVE_SYS_UIO_H", "HAVE_SPLICE", "HAVE_CLOCK_GETTIME", "HAVE_PIPE2",
      "HAVE_SYS_EPOLL_H", "HAVE_EPOLL_CTL", "HAVE_POLL", "HAVE_POLL_H", "HAVE_GETRANDOM", "HAVE_EXPLICIT_BZERO",
      "HAVE_MALLOC_TRIM", "HAVE_ZSTD", "HAVE_XATTR", "HAVE_PCRE", "HAVE_OPENSSL_SSL_H"},
     # other systems (kqueue, /dev/poll, Solaris ports, Windows), checks configure.ac makes only
     # where poll() or sys/inotify.h is missing, options debian/rules does not give, a static
     # build, and what mod_wolfssl.c reads from wolfSSL's own headers
     {"HAVE_SYS_EVENT_H", "HAVE_KQUEUE", "HAVE_SYS_DEVPOLL_H", "HAVE_PORT_H", "HAVE_PORT_CREATE", "HAVE_AFUNIX_H",
      "HAVE_ISSETUGID", "HAVE_SELECT", "HAVE_FAM_H", "HAVE_BZLIB_H", "HAVE_LIBBZ2", "LIGHTTPD_STATIC",
      "HAVE_ATTR_ATTRIBUTES_H", "HAVE_OCSP", "HAVE_ALPN", "HAVE_SNI", "HAVE_WOLFSSL_SSL_H"}),
    ("keepalived",
     # AC_CHECK_DECLS of the kernel's headers (0 or 1, tested with #if), glibc's close_range()
     # and memfd_create(), --with-init=systemd with libsystemd, libnftnl, libipset loaded by dlopen
     {"HAVE_DECL_RTA_ENCAP", "HAVE_DECL_FRA_UID_RANGE", "HAVE_DECL_IFLA_IPVLAN_FLAGS", "HAVE_DECL_NFTA_DUP_MAX",
      "HAVE_CLOSE_RANGE", "HAVE_DECL_CLOSE_RANGE_CLOEXEC", "HAVE_MEMFD_CREATE", "HAVE_SD_PID_NOTIFY",
      "_USE_SYSTEMD_NOTIFY_", "HAVE_NFTNL_UDATA", "HAVE_MNL_SOCKET_OPEN2", "_LIBIPSET_DYNAMIC_", "_REPRODUCIBLE_BUILD_"},
     # the raw-syscall fallbacks of old C libraries, a check configure.ac does not make, an old
     # OpenSSL's bug, libraries linked in unless asked otherwise
     {"USE_CLOSE_RANGE_SYSCALL", "USE_MEMFD_CREATE_SYSCALL", "HAVE_XT_SET_INFO_MATCH_V3",
      "HAVE_OPENSSL_INIT_NO_LOAD_CONFIG_BUG", "_LIBIPTC_DYNAMIC_", "_LIBNL_DYNAMIC_", "NEED_FAVOR_BSD",
      "TIME_T_ADD_OVERFLOWS", "DBUS_NEED_G_TYPE_INIT", "_STRICT_CONFIG_"}),
    ("dnsmasq",
     # debian/rules' COPTS
     {"HAVE_DBUS", "HAVE_LIBIDN2", "HAVE_CONNTRACK", "HAVE_NFTSET", "HAVE_DNSSEC"},
     # not in COPTS: the Lua build is a second package, cryptohash comes with DNSSEC
     {"HAVE_CRYPTOHASH", "HAVE_LUASCRIPT", "HAVE_IDN", "HAVE_UBUS", "HAVE_BROKEN_RTC", "NO_DHCP", "NO_IPSET"}),
]


@pytest.mark.parametrize("project, defined, undefined", DECIDED, ids=[p for p, _, _ in DECIDED])
def test_the_default_profile_is_debians_build(project, defined, undefined):
    profile = defined_by(project)
    assert defined - profile == set()
    assert undefined & profile == set()


def test_libraries_debian_does_not_build_with_stay_off():
    # keepalived's configure.ac turns on _HAVE_LIBKMOD_, _HAVE_LIBMAGIC_ and _HAVE_LIBNM_ only
    # where their -dev packages are installed (libnm also needs --enable-nm): not in Debian's
    # Build-Depends, so the default build, which turns on every _HAVE_*_ switch found, must not
    off = load_rules(str(RULES / "keepalived.toml")).preprocessor.off
    assert [name for name in ("_HAVE_LIBKMOD_", "_HAVE_LIBMAGIC_", "_HAVE_LIBNM_")
            if not any(fnmatchcase(name, pattern) for pattern in off)] == []


def test_an_event_handler_name_the_table_lacks_comes_from_the_key():
    # With Debian's epoll and poll compiled in, fdevent_config() (lighttpd 1.4.85
    # fdevent_impl.c:48-127) fills srvconf.event_handler from its own table when the key is not
    # given, and fdevent_init() looks that name up in the same table: "the selected
    # event-handler in unknown or not supported" needs server.event-handler. The rules say so
    # with a [[config.parsed]] entry, the value being NULL without the key.
    parsed = load_rules(str(RULES / "lighttpd.toml")).config.parsed
    assert [(p.variable, p.default, p.given) for p in parsed if "fdevent_config" in p.functions] == [
        ("event_handler", 0, ("server.event-handler",))]
