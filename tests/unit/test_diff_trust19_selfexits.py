"""Issue 19, session 26, kind 1: an early exit the release added that writes the message
itself before it leaves is no change of when the message appears. Fixture after lighttpd
1.4.79's mod_mbedtls_ssl_conf_ciphersuites(): a new first-token branch
("EECDH+AESGCM:CHACHA20:!PSK:!DHE") with its own overflow check writing `MTLS: error: too
many ciphersuites during list expand` and returning, before the loop's calls of that text.
An exit writing another text stops the message: the release's change."""

from __future__ import annotations

from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = ("#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"
        "int strncmp(const char *a, const char *b, unsigned long n);\n")


def _expand(function: str, text: str, exit_text: str) -> dict[str, str]:
    """A release pair whose `function` writes `text` when a list overflows in its loop; the new
    release adds a first-token branch whose own overflow check writes `exit_text` and returns."""
    return {f"{function}.c": f"""
int {function}(const char *e, int nids, int idsz, int *ids)
{{
	if (0 == strncmp(e, "ALL", 3)) {{
		if (nids + 4 >= idsz) {{
			log_message(LOG_ERR, "{text}");
			return 0;
		}}
		nids += 4;
	}}
+	else if (0 == strncmp(e, "FAST", 4)) {{
+		if (nids + 6 >= idsz) {{
+			log_message(LOG_ERR, "{exit_text}");
+			return 0;
+		}}
+		nids += 6;
+	}}
	for (; *e; ++e) {{
		if (*e == 'X') {{
			if (nids + 2 >= idsz) {{
				log_message(LOG_ERR, "{text}");
				return 0;
			}}
			ids[++nids] = 1;
		}}
	}}
	return 1;
}}
"""}


RELEASES = {
    "same-text": _expand("expand", "too many ids during list expand", "too many ids during list expand"),
    "other-text": _expand("expand2", "too many ids in list", "fast list overflow"),
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    built = tagged_diffs(tmp_path_factory.mktemp("trust19s"), RELEASES, HEAD, RULES)
    return {kind: d for kind, (d, _) in built.items()}


def changed(d):
    return [(render_normal(c.old.template), c.old.line, c.release_fields) for c in d.changed]


def test_an_exit_writing_the_message_itself_is_no_change_of_the_message(diffs):
    assert changed(diffs["same-text"]) == []


def test_an_exit_writing_another_text_is_the_releases_change(diffs):
    assert changed(diffs["other-text"]) == [("too many ids in list", 18, ("conditions",))]
