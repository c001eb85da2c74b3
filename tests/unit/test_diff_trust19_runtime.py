"""Issue 19, session 26, kind 1: a guard the release added (or dropped) that only tests whether
a call with fixed arguments succeeded changes no setting's effect on the message: the pair's
`conditions` change is marked runtime-only, not reported as the release's change. Fixtures
after lighttpd 1.4.79's mod_webdav_sqlite3_init(), which now starts with `int sqlrc =
sqlite3_initialize(); if (sqlrc != SQLITE_OK) { ...; return 0; }`, and network_init_ssl() of
mod_nss.c, which now calls `if (!mod_nss_ssl_conf_curves(srv, s, NULL)) return -1;` (the
function's own objects and a constant) before its SSL_SECURITY test.

An argument that reads a member (`ctx->groups`, a value a setting may have stored), a local
computed in the function, a parameter no shared guard's call takes (keepalived 2.3.3's
`inaddr_equal(AF_INET6, old_addr, new_addr)`: data the function is given), a call's value compared with another value than a status, or a
runtime-only test beside another guard changed keep the change."""

from __future__ import annotations

from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = ("#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"
        "#define LIB_OK 0\nint lib_initialize(void);\nint lib_open(const char *name, int flags);\n"
        "struct ctx { int groups; int secure; };\nint set_groups(struct ctx *c, const char *list);\n"
        "int set_count(struct ctx *c, int n);\nint lib_version(void);\n")


def _opening(function: str, added: str, text: str, extra: str = "") -> dict[str, str]:
    """A release pair whose `function` opens `name` and logs `text` when the open fails; the
    new release adds `added` (lines, each starting with `+`) before the open; `extra` (two-sided
    lines) goes before the log call."""
    return {f"{function}.c": f"""
int {function}(const char *name, struct ctx *c)
{{
{added}
	int rc = lib_open(name, 2);
	if (rc != LIB_OK)
		return 0;
	if (set_count(c, 1) != LIB_OK)
		return 0;
{extra}
	if (c->secure)
		log_message(LOG_ERR, "{text}", name);
	return 1;
}}
"""}


RELEASES = {
    # a library's set-up call without arguments, its status kept in a local first
    "init": {"db_init.c": """
int db_init(const char *name, struct ctx *c)
{
-	int rc = lib_open(name, 2);
+	int rc = lib_initialize();
+	if (rc != LIB_OK)
+		return 0;
+	rc = lib_open(name, 2);
	if (rc != LIB_OK)
		return 0;
	if (c->secure)
		log_message(LOG_ERR, "open %s: secure", name);
	return 1;
}
"""},
    # the message in the branch of the later test of the same local (mod_webdav.c's `sqlite3_open() '%s': %s`)
    "init-branch": {"db_open.c": """
int db_open(const char *name, struct ctx *c)
{
-	int rc = lib_open(name, 2);
+	int rc = lib_initialize();
+	if (rc != LIB_OK)
+		return 0;
+	rc = lib_open(name, 2);
	if (rc != LIB_OK) {
		log_message(LOG_ERR, "open %s failed: %s", name, c->secure ? "secure" : "plain");
		return 0;
	}
	return 1;
}
"""},
    # the function's own objects and a constant
    "fixed": _opening("tls_init", "+\tif (!set_groups(c, NULL))\n+\t\treturn -1;", "tls %s: secure"),
    # a parameter passed to this call alone: data the function is given, compared
    "data": {"swap.c": """
int addr_equal(int family, const int *a, const int *b);
int swap_addr(struct ctx *c, const int *old_addr, const int *new_addr)
{
+	if (addr_equal(LIB_OK, old_addr, new_addr))
+		return 1;
	if (set_count(c, 3) != LIB_OK)
		log_message(LOG_ERR, "swap failed");
	return 0;
}
"""},
    # a member: a value a setting may have stored
    "member": _opening("grp_init", "+\tif (!set_count(c, c->groups))\n+\t\treturn -1;", "groups %s: secure"),
    # a local computed in the function
    "computed": _opening("cnt_init", "+\tint n = c->groups * 2;\n+\tif (!set_count(c, n))\n+\t\treturn -1;",
                         "count %s: secure"),
    # the call's value compared with another value than a status
    "value": _opening("ver_init", "+\tif (lib_version() > 3)\n+\t\treturn -1;", "version %s: secure"),
    # a runtime-only test beside another guard the release added
    "beside": _opening("both_init", "+\tif (!set_groups(c, NULL))\n+\t\treturn -1;", "both %s: secure",
                       extra="+\tif (c->groups)\n+\t\treturn 0;"),
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    built = tagged_diffs(tmp_path_factory.mktemp("trust19r"), RELEASES, HEAD, RULES)
    return {kind: d for kind, (d, _) in built.items()}


def changed(d):
    """(text, fields the release changed, fields changed in runtime tests only) of each changed pair."""
    return [(render_normal(c.old.template), tuple(f for f in c.fields if f not in c.analysis_only + c.runtime_only),
             c.runtime_only) for c in d.changed]


def test_a_status_test_of_a_call_without_arguments_kept_in_a_local_is_runtime_only(diffs):
    assert changed(diffs["init"]) == [("open %s: secure", (), ("conditions",))]
    assert not diffs["init"].differs


def test_a_status_test_of_a_stored_call_before_the_branch_the_message_is_in_is_runtime_only(diffs):
    assert {c[1:] for c in changed(diffs["init-branch"])} == {((), ("conditions",))}


def test_a_status_test_of_a_call_on_the_functions_objects_and_constants_is_runtime_only(diffs):
    assert changed(diffs["fixed"]) == [("tls %s: secure", (), ("conditions",))]


def test_a_parameter_passed_to_the_new_call_alone_is_data_the_releases_change(diffs):
    assert changed(diffs["data"]) == [("swap failed", ("conditions",), ())]


def test_a_call_reading_a_member_is_the_releases_change(diffs):
    assert changed(diffs["member"]) == [("groups %s: secure", ("conditions",), ())]


def test_a_call_of_a_computed_local_is_the_releases_change(diffs):
    assert changed(diffs["computed"]) == [("count %s: secure", ("conditions",), ())]


def test_a_value_compared_is_the_releases_change(diffs):
    assert changed(diffs["value"]) == [("version %s: secure", ("conditions",), ())]


def test_a_runtime_test_beside_another_new_guard_is_the_releases_change(diffs):
    assert changed(diffs["beside"]) == [("both %s: secure", ("conditions",), ())]
