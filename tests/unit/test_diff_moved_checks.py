"""diff: a check that moved to another place with its message, while the messages after
it are still written in the same cases (issue "Diff that users can trust", session 19): a
fixture git repository with two tags per kind (the C files written here once, `-` lines in
the old release only, `+` in the new only, as in test_diff_trust16)."""

from dataclasses import replace
from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.diff import diff_catalogs
from srcscan.formats.template import render_normal

TEXTS = {}  # kind -> its two trees' texts (FileTexts), filled by the fixture
RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"

# kind -> {file: its two releases written once (diff_support.two_sides)}
RELEASES = {
    "end-handler": {
        "vs.c": """
struct rs { int w; struct rs *next; };
struct vs { struct rs *rs; int quorum; struct vs *next; };
struct vs *vs_list;
struct vs *current_vs;
void free_vs(struct vs *v);
void vs_end_handler(void)
{
+	if (!current_vs->rs) {
+		log_message(LOG_INFO, "virtual server %d has no real servers - ignoring", current_vs->quorum);
+		free_vs(current_vs);
+		return;
+	}
	if (current_vs->quorum < 0)
		log_message(LOG_INFO, "virtual server %d has a negative quorum", current_vs->quorum);
}
void validate(void)
{
	struct vs *v;
	for (v = vs_list; v; v = v->next) {
-		if (!v->rs) {
-			log_message(LOG_INFO, "virtual server %d has no real servers - ignoring", v->quorum);
-			free_vs(v);
-			continue;
-		}
		if (v->quorum > 10)
			log_message(LOG_INFO, "quorum %d exceeds the total weight", v->quorum);
	}
}
""",
    },
    "same-branch": {
        "net.c": """
struct sock { int ssl; int defer; const char *filter; };
int set_filter(const char *f);
int init_db(void);
int open_db(void);
int init(struct sock *s)
{
-	int n = 0;
+	int n = 1;
	if (s->ssl) {
		n = 3;
	}
#ifdef WITH_DEFER
	else if (s->defer) {
		n = 2;
	}
#endif
	else if (s->filter) {
		if (set_filter(s->filter) < 0)
			log_message(LOG_ERR, "can't set accept-filter '%s'", s->filter);
	}
	return n;
}
int db(void)
{
	int rc;
+	rc = init_db();
+	if (rc != 0)
+		return 0;
	rc = open_db();
	if (rc != 0)
		log_message(LOG_ERR, "open_db() failed: %d", rc);
	return 1;
}
""",
    },
    "renamed-field": {
        "h2.c": """
struct req {
-	int h2state;
	union { struct { int state; int rwin; } h2; } x;
	int other;
};
int use(int a, int b);
void recv_data(struct req *r, int len)
{
-	if (r->h2state == 1)
+	if (r->x.h2.state == 1)
		return;
	if (len > 100)
		log_message(LOG_ERR, "request-size too long: %d", len);
}
void recv_more(struct req *r, int len)
{
-	if (r->other > len)
+	if (r->x.h2.rwin > len)
		log_message(LOG_ERR, "too much data: %d", len);
	use(r->other, r->x.h2.rwin);
}
""",
    },
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    """kind -> DiffResult of the kind's two tags, each tag's tree exported from the repository."""
    built = tagged_diffs(tmp_path_factory.mktemp("moved"), RELEASES, HEAD, RULES)
    TEXTS.update((kind, texts) for kind, (_, texts) in built.items())
    return {kind: d for kind, (d, _) in built.items()}


def text(m):
    return render_normal(m.template)


def test_a_check_moved_into_the_end_handler_leaves_the_loops_other_messages_unchanged(diffs):
    """keepalived 2.2.7's validate_check_config() skipped, in its walk of the virtual servers,
    one without real servers (`if (list_empty(&vs->rs)) { ...; continue; }`); 2.3.3's
    vs_end_handler() drops it when its block ends, with the message. The walk's other messages
    (`Warning - quorum %u for %s exceeds total weight`) are written for the same servers: no
    condition changed, though the moved message's own conditions held the walk too. The end
    handler's own message, now after the check, did change."""
    d = diffs["end-handler"]
    assert "quorum %d exceeds the total weight" in [text(b) for _, b in d.kept] + [text(c.new) for c in d.moved]
    assert sorted((text(c.new), c.fields) for c in d.changed) == [
        ("virtual server %d has a negative quorum", ("conditions",)),
        ("virtual server %d has no real servers - ignoring", ("location", "conditions"))]


def test_a_guard_one_catalog_reads_in_a_branch_both_releases_write_the_same_is_no_change(diffs):
    """lighttpd 1.4.69's and 1.4.79's network_server_init() both write `else if
    (s->defer_accept)` under `#ifdef TCP_DEFER_ACCEPT` before the BSD accept filter's `else if`;
    1.4.69's catalog lists `!(s->defer_accept)` for `can't set accept-filter '%s'`, 1.4.79's
    not (and 1.4.79's mod_openssl_ssl_conf_curves() lists none of `if (ssl_ec_curve)`'s):
    the same code from the test to the call, so the same condition. A test written twice of a
    value set again in between (a new check before the old one) is still a change."""
    d = diffs["same-branch"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("open_db() failed: %d", ("conditions",))]
    (a, b), = [(a, b) for a, b in d.kept if text(b).startswith("can't")] or \
        [(c.old, c.new) for c in d.moved if text(c.new).startswith("can't")]
    assert "!(s->defer)" in a.conditions and "!(s->defer)" in b.conditions
    # the new catalog reads the branch as another build's: not listed
    new = replace(d.new, messages=tuple(replace(m, conditions=tuple(g for g in m.conditions if g != "!(s->defer)"))
                                        if m.id == b.id else m for m in d.new.messages))
    again = diff_catalogs(d.old, new, texts=TEXTS["same-branch"])
    assert [(text(c.new), c.fields) for c in again.changed] == [("open_db() failed: %d", ("conditions",))]


def test_a_field_the_release_renamed_reads_the_same_guard(diffs):
    """lighttpd 1.4.79 moved request_st's HTTP/2 fields into a union (`r->h2state` ->
    `r->x.h2.state`, `r->h2_rwin` -> `r->x.h2.rwin`): h2_recv_data()'s `request-size too long:
    %d -> 413` is under the same tests. A test that now reads another field, both read in both
    releases, is a change."""
    d = diffs["renamed-field"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("too much data: %d", ("conditions",))]
