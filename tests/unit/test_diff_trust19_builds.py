"""Issue 19, kind 6 (noise fields): a pair whose build condition and switch labels differ only
in ways the Linux build configuration does not see is no change of the release. Fixture:
lighttpd 1.4.79's connection_read_cq_err(), which respelled `#if defined(__WIN32)` as
`#ifdef _WIN32` and gave `switch (errno)` a `case EWOULDBLOCK:` only where
`EWOULDBLOCK != EAGAIN` (never on Linux) before the `default:` that logs."""

from __future__ import annotations

from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\n#include <errno.h>\nvoid log_message(int priority, const char *format, ...);\n"

RELEASES = {
    "win32-respelled": {
        "conn.c": """
int readable;
int read_err(int lasterror)
{
-  #if defined(__WIN32)
+  #ifdef _WIN32
	switch (lasterror) {
	case 1:
		return 0;
	default:
		log_message(LOG_ERR, "connection closed - recv failed: %d", lasterror);
		break;
	}
  #else
	switch (errno) {
	case EAGAIN:
+   #ifdef EWOULDBLOCK
+   #if EWOULDBLOCK != EAGAIN
+	case EWOULDBLOCK:
+   #endif
+   #endif
		return 0;
	case EINTR:
		readable = 1;
		return 0;
	default:
		log_message(LOG_ERR, "connection closed - read failed");
		break;
	}
  #endif
	return -1;
}
""",
    },
    # lighttpd 1.4.79's mod_gnutls_handle_con_accept(): 1.4.69 read `s = p->ssl_ctxs + sidx`
    # (an array element's address) untested, 1.4.79 returns on `NULL == s` first
    "null-test-added": {
        "accept.c": """
struct ctx { int ticket; };
int init_session(void);
int ticket;
-int accept_con(struct ctx *ctxs, int idx)
+int accept_con(struct ctx **ctxs, int idx)
{
-	struct ctx * const s = ctxs + idx;
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
    # lighttpd 1.4.79's server.c: 1.4.69's `#ifdef __CYGWIN__` chdir message became
    # `#if defined(__CYGWIN__) || defined(_WIN32)`: in no Linux build either way, but built for
    # one more target, so a real build change
    "cygwin-widened": {
        "srv.c": """
int chdir(const char *path);
int start(const char *dir)
{
-  #ifdef __CYGWIN__
+  #if defined(__CYGWIN__) || defined(_WIN32)
	if (chdir(dir) != 0) {
		log_message(LOG_ERR, "chdir %s failed", dir);
		return -1;
	}
  #endif
	return 0;
}
""",
    },
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    built = tagged_diffs(tmp_path_factory.mktemp("trust19b"), RELEASES, HEAD, RULES)
    return {kind: d for kind, (d, _) in built.items()}


def test_a_respelled_windows_test_and_a_label_linux_compiles_out_change_nothing(diffs):
    """`!defined(__WIN32)` and `!defined(_WIN32)` both hold in the Linux build (neither is
    predefined there), and `case EWOULDBLOCK:` under `#if EWOULDBLOCK != EAGAIN` is compiled
    out where EWOULDBLOCK is EAGAIN: `read failed` is the same check, not a changed event."""
    d = diffs["win32-respelled"]
    assert [(render_normal(c.old.template), c.fields) for c in d.changed] == []
    assert not d.added and not d.removed


def test_a_null_test_of_a_pointer_the_old_release_read_untested_changes_nothing(diffs):
    """The old function read `s->ticket` through an array element's address and tested no
    pointer; the new one returns on `NULL == s` first: the added test is the release's
    defensive check, not a new condition of `session init failed`."""
    d = diffs["null-test-added"]
    assert [(render_normal(c.old.template), c.fields) for c in d.changed] == []
    assert [render_normal(m.template) for m in d.added] == ["not configured for socket"]



def test_a_message_built_only_for_other_targets_keeps_its_build_change(diffs):
    """`#ifdef __CYGWIN__` -> `#if defined(__CYGWIN__) || defined(_WIN32)`: both read false for
    Linux, but the message is now built for native Windows too; reading the other targets'
    macros as undefined would call the two equal, so it is not done where a side has no Linux
    build."""
    d = diffs["cygwin-widened"]
    assert [(render_normal(c.old.template), "build" in c.fields) for c in d.changed] == [("chdir %s failed", True)]
