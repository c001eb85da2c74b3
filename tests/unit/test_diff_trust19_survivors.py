"""Issue 19, session 25, kind 6: a reworded pair whose old text is still written in the new
file, at a call the new catalog does not hold (a branch no build compiles), says so in a note.
lighttpd 1.4.79's mod_openssl_ssl_conf_curves() writes `SSL: Unable to config groups %s` for
SSL_CTX_set1_groups_list(); 1.4.69's `SSL: Unable to config curve %s` is still there, in a
branch of `OPENSSL_VERSION_NUMBER < 0x10100000L` and `>= 0x30000000L` at once. The session-25
auditors read the pair as wrong, session 14's as a rewording (test_diff_trust's
test_a_message_no_build_compiles_is_no_side_of_a_pair): the pair is kept, with the note. With
no such leftover, a reworded pair has no note."""

from __future__ import annotations

from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"

RELEASES = {
    "left-over": {
        "curves.c": """
int set_groups(const char *g);
int set_curve(int nid);
-int conf_curves(int nid)
+int conf_curves(int nid, const char *groups)
{
+#if LIBV >= 0x10100000L
+	if (1 != set_groups(groups)) {
+		log_message(LOG_ERR, "TLS: Unable to config groups %s", groups);
+		return 0;
+	}
+#else
+#if LIBV >= 0x30000000L
	if (1 != set_curve(nid)) {
		log_message(LOG_ERR, "TLS: Unable to config curve %d", nid);
		return 0;
	}
+#endif
+#endif
	return 1;
}
""",
    },
    "reworded": {
        "curves2.c": """
int set_curve2(int nid);
int conf_curves2(int nid)
{
	if (1 != set_curve2(nid)) {
-		log_message(LOG_ERR, "TLS: Unable to config curve %d", nid);
+		log_message(LOG_ERR, "TLS: Unable to config groups %d", nid);
		return 0;
	}
	return 1;
}
""",
    },
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    built = tagged_diffs(tmp_path_factory.mktemp("trust19s"), RELEASES, HEAD, RULES)
    return {kind: d for kind, (d, _) in built.items()}


def events(d):
    return ([(render_normal(c.old.template), render_normal(c.new.template), c.notes) for c in d.changed],
            [render_normal(m.template) for m in d.added], [render_normal(m.template) for m in d.removed])


def test_a_reworded_pair_whose_old_text_is_left_in_dead_code_says_so(diffs):
    assert events(diffs["left-over"]) == ([(
        "TLS: Unable to config curve %d", "TLS: Unable to config groups %s",
        ("the old text is still written at curves.c:17, in code no build of the new release compiles",))], [], [])


def test_a_message_reworded_in_place_has_no_note(diffs):
    assert events(diffs["reworded"]) == ([("TLS: Unable to config curve %d", "TLS: Unable to config groups %d", ())],
                                         [], [])
