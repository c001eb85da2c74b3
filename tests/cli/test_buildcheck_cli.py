"""`srcscan buildcheck`: a rules file's profile against a tree's configure.ac (a tree and rules
written here for srcscan's tests)."""

import textwrap

from click.testing import CliRunner

from srcscan.cli import cli
from srcscan.errors import InputError

RULES = """\
[project]
name = "bcdemo"

[source]
providers = ["path"]

[[log_functions]]
name = "syslog"
priority_arg = 0
format_arg = 1

[[profiles]]
name = "default"
defines = { HAVE_SPLICE = "1", HAVE_OLD_THING = "1" }
undefines = ["HAVE_KQUEUE"]
stub_headers = { "config.h" = "#define HAVE_SYSLOG_H 1\\n" }
"""

CONFIGURE_AC = """\
AC_INIT([bcdemo],[1])
AC_CHECK_HEADERS([sys/un.h syslog.h])
AC_CHECK_HEADERS([sys/event.h], [AC_CHECK_FUNCS([kqueue])])
AC_CHECK_FUNCS([splice])
"""

MAIN_C = """\
#include <syslog.h>
#define OWN_SWITCH 1
int main(void)
{
#ifdef HAVE_SYS_UN_H
	syslog(LOG_INFO, "unix");
#endif
#if defined(HAVE_KQUEUE) || defined(HAVE_SPLICE) || defined(HAVE_OLD_THING) || defined(OWN_SWITCH)
	syslog(LOG_INFO, "other");
#endif
#ifdef HAVE_SYSLOG_H
	syslog(LOG_INFO, "syslog");
#endif
	return 0;
}
"""


def test_buildcheck_lists_undecided_and_unbacked_macros(tmp_path):
    tree = tmp_path / "tree"
    (tree / "src").mkdir(parents=True)
    (tree / "configure.ac").write_text(CONFIGURE_AC)
    (tree / "src" / "main.c").write_text(MAIN_C)
    (tmp_path / "bcdemo.toml").write_text(RULES)
    run = CliRunner().invoke(cli, ["buildcheck", "bcdemo", "--rules", str(tmp_path / "bcdemo.toml"),
                                   "--path", str(tree)])
    assert run.exit_code == 0, run.output
    # HAVE_SYS_UN_H: configure can define it, the profile says nothing; HAVE_KQUEUE is -U,
    # HAVE_SPLICE -D, HAVE_SYSLOG_H in a stub header, OWN_SWITCH the tree's own;
    # HAVE_OLD_THING: -D, and no build file of this tree defines it
    assert run.output == textwrap.dedent("""\
        build files: configure.ac
        undecided (a build file can define them; the profile neither -D nor -U): 1
          HAVE_SYS_UN_H  src/main.c
        unbacked (-D in the profile; no build file defines them): 1
          HAVE_OLD_THING  src/main.c
        """)


def test_buildcheck_refuses_a_missing_tree(tmp_path):
    (tmp_path / "bcdemo.toml").write_text(RULES)
    run = CliRunner().invoke(cli, ["buildcheck", "bcdemo", "--rules", str(tmp_path / "bcdemo.toml"),
                                   "--path", str(tmp_path / "none")])
    assert isinstance(run.exception, InputError)  # exit code 2 and `srcscan: error: ...` from cli.main
    assert "no such directory" in str(run.exception)
