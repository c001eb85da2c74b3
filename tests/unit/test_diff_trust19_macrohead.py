"""Issue 19, kind 6 (noise fields): the function span of a definition whose name comes from a
macro expansion (`CONNECTION_FUNC(mod_gnutls_handle_con_accept)` in lighttpd, plugin.h:12
`#define CONNECTION_FUNC(x) static handler_t x(connection *con, void *p_d)`). Fixture: the
null test lighttpd 1.4.79's mod_gnutls_handle_con_accept() added on `s`, which 1.4.69 read
untested, in a function defined through such a macro; the same change in a function defined
plainly is test_diff_trust19_builds's `null-test-added`."""

from __future__ import annotations

from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.diff.text import _function_span
from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"

RELEASES = {
    "macro-head": {
        "accept.c": """
struct ctx { int ticket; };
int init_session(void);
int ticket;
#define CONN_FUNC(x) \\
		int x(struct ctx **ctxs, int idx)
CONN_FUNC(accept_con);

CONN_FUNC(accept_con)
{
-	struct ctx * const s = ctxs[0] + idx;
+	struct ctx *s = ctxs[idx] ? ctxs[idx] : ctxs[0];
+	if (NULL == s) {
+		log_message(LOG_ERR, "not configured for socket");
+		return -1;
+	}
	ticket = s->ticket;
	int rc = init_session();
	if (rc < 0) {
		log_message(LOG_ERR, "session init failed: %d", rc);
		return -1;
	}
	return 0;
}
""",
    },
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    built = tagged_diffs(tmp_path_factory.mktemp("trust19m"), RELEASES, HEAD, RULES)
    return {kind: d for kind, (d, _) in built.items()}


def test_a_function_named_by_a_macro_has_a_span():
    """`CONN_FUNC(accept_con)` opens accept_con's definition (the body from the next `{` to the
    `}` at the start of a line); `CONN_FUNC(accept_con);` is its declaration, and a macro call
    inside a body or one naming the function among other arguments opens nothing."""
    lines = ["CONN_FUNC(accept_con);", "", "CONN_FUNC(accept_con)", "{", "\treturn 0;", "}"]
    assert _function_span(lines, "accept_con") == (3, 6)
    assert _function_span(["\tCONN_FUNC(accept_con)", "{", "}"], "accept_con") is None
    assert _function_span(["REGISTER(other, accept_con)", "{", "}"], "accept_con") is None


def test_a_null_test_added_in_a_macro_named_function_changes_nothing(diffs):
    """The old accept_con() read `s->ticket` untested; the new one returns on `NULL == s`
    first: as for a plainly defined function, no new condition of `session init failed`."""
    d = diffs["macro-head"]
    assert [(render_normal(c.old.template), c.fields) for c in d.changed] == []
    assert [render_normal(m.template) for m in d.added] == ["not configured for socket"]

