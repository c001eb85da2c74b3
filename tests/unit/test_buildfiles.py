"""Macros a tree's build files can define (srcscan.preprocessor.buildfiles), and where a rules
file's build profile leaves one the tree tests undecided or defines one no build file can."""

from srcscan.preprocessor import survey_tree
from srcscan.preprocessor.buildfiles import build_file_macros, profile_gaps

# written for srcscan, in the shapes lighttpd's and keepalived's configure.ac use
CONFIGURE_AC = """\
AC_INIT([demo],[1.0])
AC_CONFIG_HEADERS([config.h])
AC_HEADER_SYS_WAIT
AC_CHECK_HEADERS([\\
  sys/un.h \\
  sys/inotify.h \\
])
AC_CHECK_HEADERS(net-snmp/agent/util_funcs.h,[],[AC_MSG_ERROR([no])])
AC_CHECK_FUNCS([splice pipe2])
AC_CHECK_HEADERS([sys/event.h], [AC_CHECK_FUNCS([kqueue])])
AC_CHECK_DECLS([RTA_VIA, FRA_UID_RANGE], [], [], [[#include <linux/rtnetlink.h>]])
AC_CHECK_TYPES([socklen_t])
AC_CHECK_MEMBER([struct tm.tm_gmtoff], [], [], [#include <time.h>])
AC_CHECK_LIB(ssl, SSL_CTX_new)
AC_CHECK_FUNCS([$extra_funcs])
AC_DEFINE([_WITH_VRRP_], [ 1 ], [VRRP])
AC_DEFINE_UNQUOTED([RUN_DIR], ["$rundir"])
"""


def test_configure_ac_checks_name_their_macros():
    found = build_file_macros({"configure.ac": CONFIGURE_AC, "src/notes.txt": "AC_DEFINE([NOT_READ])"})
    assert {"HAVE_SYS_UN_H", "HAVE_SYS_INOTIFY_H", "HAVE_NET_SNMP_AGENT_UTIL_FUNCS_H", "HAVE_SPLICE", "HAVE_PIPE2",
            "HAVE_SYS_EVENT_H", "HAVE_KQUEUE", "HAVE_DECL_RTA_VIA", "HAVE_DECL_FRA_UID_RANGE", "HAVE_SOCKLEN_T",
            "HAVE_STRUCT_TM_TM_GMTOFF", "HAVE_LIBSSL", "_WITH_VRRP_", "RUN_DIR", "HAVE_SYS_WAIT_H",
            "HAVE_CONFIG_H", "HAVE_UNISTD_H"} <= found
    assert not {m for m in found if "$" in m or m.startswith("HAVE_EXTRA")}
    assert "NOT_READ" not in found


def test_meson_and_cmake_names():
    meson = "conf_data.set('HAVE_SYS_UN_H', cc.has_header('sys/un.h'))\nconf_data.set10('HAVE_ZSTD', true)\n"
    cmake = "check_include_files(sys/un.h HAVE_SYS_UN_H)\ncheck_function_exists(splice HAVE_SPLICE)\n"
    assert build_file_macros({"meson.build": meson}) == {"HAVE_SYS_UN_H", "HAVE_ZSTD"}
    assert build_file_macros({"src/CMakeLists.txt": cmake}) == {"HAVE_SYS_UN_H", "HAVE_SPLICE"}


def test_profile_gaps_name_undecided_and_unbacked_macros():
    tree = survey_tree({
        "src/gw.c": "#ifdef HAVE_SYS_UN_H\n#endif\n#ifdef HAVE_KQUEUE\n#endif\n#if HAVE_DECL_RTA_VIA\n#endif\n"
                    "#ifdef HAVE_OLD_THING\n#endif\n#ifdef OWN\n#endif\n#ifdef HAVE_SPLICE\n#endif\n",
        "src/own.h": "#define OWN 1\n"})
    gaps = profile_gaps(tree, build_file_macros({"configure.ac": CONFIGURE_AC}) | {"OWN"},
                        defines=["HAVE_SPLICE", "HAVE_OLD_THING", "HAVE_UNTESTED"], undefines=["HAVE_KQUEUE"])
    # HAVE_SYS_UN_H and HAVE_DECL_RTA_VIA: configure can define them, the profile says nothing;
    # HAVE_OLD_THING: the profile defines it, nothing in this release's build can
    assert gaps.undecided == ("HAVE_DECL_RTA_VIA", "HAVE_SYS_UN_H")
    assert gaps.unbacked == ("HAVE_OLD_THING",)
