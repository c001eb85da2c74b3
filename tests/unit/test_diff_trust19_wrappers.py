"""Issue 19, session 25, kind 1: a call the new release makes through a wrapper of the same
call is the same guard. Fixture after lighttpd 1.4.79's connection_close(): 1.4.69 tested
`0 == close(con->fd)`, 1.4.79 `0 != fdio_close_socket(con->fd)`, fdevent.h's `#define
fdio_close_socket(fd) fdevent_socket_close(fd)` and fdevent.c's `int fdevent_socket_close(int fd)
{ return close(fd); }` (another build's file defines it as `return closesocket(fd);`). A wrapper
that does more than forward its parameters, or forwards them to another function, is another
call: those guards are still changed (tested here where the two sides also write the test
differently, since a call renamed alone is a consistent renaming, same_guards).

Kind 3: a call of a function the release gave one more parameter, passed as a constant
(lighttpd 1.4.79's `chunkqueue_peek_data(cq, &data, &data_len, errh, 1)`, the new `nowait`),
tests the same call's result; a variable passed is a value of the run, another guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"

WRAPPER_H = """
+int fd_socket_close(int fd);
+#define fd_close_sock(fd) fd_socket_close(fd)
+#define fd_shut_sock(fd) fd_socket_shut(fd)
+int fd_socket_shut(int fd);
+int fd_socket_drop(int fd);
"""

WRAPPER_C = """
#include "fdw.h"
int close(int fd);
int closesocket(int fd);
int shutdown(int fd, int how);
+#ifndef _WIN32
+int fd_socket_close(int fd) {
+    return close(fd);
+}
+int fd_socket_shut(int fd)
+{
+    shutdown(fd, 2);
+    return close(fd);
+}
+int fd_socket_drop(int fd) { return shutdown(fd, 2); }
+#else
+int fd_socket_close(int fd) { return closesocket(fd); }
+#endif
"""


def _closing(function: str, wrapper: str, text: str) -> dict[str, str]:
    """A release pair whose `function` tested `0 == close(fd)` and now tests `0 !=
    wrapper(fd)`, logging `text` on failure, beside fdw.h / fdw.c's wrappers."""
    return {"fdw.h": WRAPPER_H, "fdw.c": WRAPPER_C, f"{function}.c": f"""
#include "fdw.h"
int close(int fd);
int count;
void {function}(int fd)
{{
-	if (0 == close(fd))
-		count--;
-	else
-		log_message(LOG_WARNING, "{text}", fd);
+	if (0 != {wrapper}(fd))
+		log_message(LOG_WARNING, "{text}", fd);
}}
"""}


RELEASES = {
    "wrapped": _closing("conn_close", "fd_close_sock", "(warning) close: %d"),
    # the wrapper shuts the socket down before it closes it: not the same call
    "does-more": _closing("conn_shut", "fd_shut_sock", "shut failed: %d"),
    # the wrapper forwards to another function
    "other-callee": _closing("conn_drop", "fd_socket_drop", "drop failed: %d"),
    "constant-added": {
        "peek.c": """
-int peek(int q, char **p, int *n);
+int peek(int q, char **p, int *n, int nowait);
void ssl_write(int q, int renegotiations)
{
	char *p;
	int n;
-	if (0 != peek(q, &p, &n))
+	if (0 != peek(q, &p, &n, 1))
		return;
	if (renegotiations > 1)
		log_message(LOG_ERR, "renegotiation initiated by client, killing connection");
}
""",
    },
    "variable-added": {
        "peekv.c": """
-int peekv(int q, char **p, int *n);
+int peekv(int q, char **p, int *n, int nowait);
void ssl_read(int q, int renegotiations, int busy)
{
	char *p;
	int n;
-	if (0 != peekv(q, &p, &n))
+	if (0 != peekv(q, &p, &n, busy))
		return;
	if (renegotiations > 1)
		log_message(LOG_ERR, "renegotiation on read, killing connection");
}
""",
    },
    # a constant both signatures pass changed its value: another call
    "constant-changed": {
        "peekc.c": """
-int peekc(int q, char **p, int mode);
+int peekc(int q, char **p, int mode, int nowait);
void ssl_peek(int q, int renegotiations)
{
	char *p;
-	if (0 != peekc(q, &p, 1))
+	if (0 != peekc(q, &p, 2, 1))
		return;
	if (renegotiations > 1)
		log_message(LOG_ERR, "renegotiation on peek, killing connection");
}
""",
    },
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    built = tagged_diffs(tmp_path_factory.mktemp("trust19w"), RELEASES, HEAD, RULES)
    return {kind: d for kind, (d, _) in built.items()}


def changed(d):
    return [(render_normal(c.old.template), c.fields) for c in d.changed]


def test_a_call_through_a_wrapper_of_the_same_call_is_the_same_guard(diffs):
    assert changed(diffs["wrapped"]) == []


def test_a_wrapper_that_does_more_than_forward_is_another_call(diffs):
    assert changed(diffs["does-more"]) == [("shut failed: %d", ("conditions",))]


def test_a_wrapper_of_another_function_is_another_call(diffs):
    assert changed(diffs["other-callee"]) == [("drop failed: %d", ("conditions",))]


def test_a_constant_passed_for_a_new_parameter_is_the_same_call(diffs):
    assert changed(diffs["constant-added"]) == []


def test_a_variable_passed_for_a_new_parameter_is_another_guard(diffs):
    assert changed(diffs["variable-added"]) == [("renegotiation on read, killing connection", ("conditions",))]


def test_a_constant_both_signatures_pass_changed_is_another_call(diffs):
    assert changed(diffs["constant-changed"]) == [("renegotiation on peek, killing connection", ("conditions",))]
