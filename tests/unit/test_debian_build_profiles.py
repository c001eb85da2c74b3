"""The shipped rules files' default profiles are the builds Debian makes (debian/rules' configure
options, configure.ac's checks on glibc and Linux): a macro the build defines must be defined,
or a branch only other systems compile is read as the daemon's; one it does not define must not
be (tests/fixtures/debianbuild, written for srcscan)."""

from dataclasses import replace
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


def test_an_event_handler_name_the_table_lacks_comes_from_the_key():
    # With Debian's epoll and poll compiled in, fdevent_config() (lighttpd 1.4.85
    # fdevent_impl.c:48-127) fills srvconf.event_handler from its own table when the key is not
    # given, and fdevent_init() looks that name up in the same table: "the selected
    # event-handler in unknown or not supported" needs server.event-handler. The rules say so
    # with a [[config.parsed]] entry, the value being NULL without the key.
    parsed = load_rules(str(RULES / "lighttpd.toml")).config.parsed
    assert [(p.variable, p.default, p.given) for p in parsed if "fdevent_config" in p.functions] == [
        ("event_handler", 0, ("server.event-handler",))]
