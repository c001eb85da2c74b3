"""Issue 19, kind 6 (noise fields): an exit on a call that stores its result, which the new
release puts behind a test that the variable already holds a good value (lighttpd 1.4.79's
network_server_init(): `if (-1 != srv_socket->fd) { } else if (-1 == (srv_socket->fd =
socket(...))) { ...; return -1; }` after an optional MPTCP socket; 1.4.69 opened the TCP socket
unconditionally; 1.4.79 also renamed fdevent_fcntl_set_nb_cloexec(), which the inherited socket's
exit before it calls). After either statement a socket is open or the function returned, so the
setsockopt() messages after it and the one inside run under the same check (diff/fallbacks.py).
A fallback taken on another test, or with a branch that does something, is still a change."""

from __future__ import annotations

from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.diff.fallbacks import _tests_variable
from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"


def _server(test: str, then: str = "{ }") -> str:
    """The two-sided fixture file: `test` is what the new release tests before opening the
    plain socket (`then` its branch)."""
    return f"""
int make_socket(int family, int proto);
int set_opt(int fd, int opt);
int fcntl_set_nb(int fd);
int socket_set_nb(int fd);
int open_listener(int family, int inherited, int use_alt, int v6only)
{{
	int fd = -1;
	if (-1 != inherited) {{
-		if (-1 == fcntl_set_nb(inherited))
+		if (-1 == socket_set_nb(inherited))
			return -1;
		fd = inherited;
	}} else {{
+		if (use_alt) {{
+			if (-1 == (fd = make_socket(family, 262)))
+				use_alt = 0;
+		}}
+		if ({test}) {then} else /* fall back */
		if (-1 == (fd = make_socket(family, 6))) {{
			log_message(LOG_ERR, "socket failed");
			return -1;
		}}
		if (v6only) {{
			if (-1 == set_opt(fd, 26)) {{
				log_message(LOG_ERR, "setsockopt(IPV6_V6ONLY)");
				return -1;
			}}
		}}
	}}
	if (set_opt(fd, 2) < 0) {{
		log_message(LOG_ERR, "setsockopt(SO_REUSEADDR)");
		return -1;
	}}
	return fd;
}}
"""


RELEASES = {
    "fallback": {"server.c": _server("-1 != fd")},
    # the plain socket is skipped on another test than the variable's: fd may be -1 after it
    "other-test": {"server.c": _server("use_alt")},
    # the branch taken when fd is already good does something: read as written
    "busy-branch": {"server.c": _server("-1 != fd", "{ fd = inherited; }")},
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    built = tagged_diffs(tmp_path_factory.mktemp("trust19f"), RELEASES, HEAD, RULES)
    return {kind: d for kind, (d, _) in built.items()}


def _events(d) -> dict[str, list[str]]:
    return {"changed": sorted(render_normal(c.old.template) for c in d.changed if "conditions" in c.fields),
            "moved": sorted(render_normal(c.old.template) for c in d.moved)}


def test_a_fallback_on_the_stored_variable_changes_no_condition(diffs):
    """`if (-1 != fd) { } else if (-1 == (fd = make_socket(...))) return -1;` in place of the
    old `if (-1 == (fd = make_socket(...))) return -1;`: the messages after it only moved."""
    assert _events(diffs["fallback"]) == {
        "changed": ["socket failed"], "moved": ["setsockopt(IPV6_V6ONLY)", "setsockopt(SO_REUSEADDR)"]}


def test_a_fallback_on_another_test_is_a_change(diffs):
    """`if (use_alt) { } else if (...)`: with use_alt set and the other socket failed, fd is -1
    and the setsockopt() calls run on it: a new condition."""
    assert _events(diffs["other-test"])["changed"] == [
        "setsockopt(IPV6_V6ONLY)", "setsockopt(SO_REUSEADDR)", "socket failed"]


def test_a_fallback_whose_branch_does_something_is_read_as_written(diffs):
    changed = _events(diffs["busy-branch"])["changed"]
    assert "setsockopt(SO_REUSEADDR)" in changed and "setsockopt(IPV6_V6ONLY)" in changed


def test_a_test_of_the_variable_is_a_comparison_or_the_variable_alone():
    """A call's argument or a fresh assignment is no test of the variable."""
    assert _tests_variable(("fd != -1",), "fd") and _tests_variable(("!(fd)",), "fd")
    assert _tests_variable(("x && s->fd",), "s->fd") and _tests_variable(("0 > fd",), "fd")
    assert not _tests_variable(("set_opt(fd, 2) < 0", "-1 == (fd = make_socket(family, 6))"), "fd")
    assert not _tests_variable(("fd2 != -1", "s->fd.x", "p->fd[1]"), "fd")
