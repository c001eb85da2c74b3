"""diff names only what a release changed (issue 19, session 16): a fixture git repository
with two tags per kind (the C files written here once, `-` lines in the old release only, `+`
in the new only, as in test_diff_trust), each kind's events as a test."""

from dataclasses import replace
from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.diff import diff_catalogs, diff_to_dict
from srcscan.formats.template import render_normal

TEXTS = {}  # kind -> its two trees' texts (FileTexts), filled by the fixture
RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"

# kind -> {file: its two releases written once (diff_support.two_sides)}
RELEASES = {
    "vacuous-exit": {
        "vrrp.c": """
#define VERSION_3 3
#define AUTH_NONE 0
#define AUTH_AH 2
#define FAMILY_INET6 10
struct inst { int nvip; int strict; int version; int auth; int family; };
int init(void);
int open_db(void);
void complete(struct inst *v)
{
-	if (!v->nvip && (v->version == VERSION_3 || v->strict))
-		return;
	if (v->strict && v->auth != AUTH_NONE) {
		log_message(LOG_INFO, "no authentication in strict mode");
	} else if (v->version == VERSION_3 && v->auth != AUTH_NONE) {
		log_message(LOG_INFO, "no authentication in version 3");
	} else if (v->family == FAMILY_INET6 && v->auth == AUTH_AH) {
		log_message(LOG_INFO, "cannot use AH with IPv6");
	}
	if (v->family == FAMILY_INET6)
		log_message(LOG_INFO, "IPv6 instance");
+	if (!v->nvip && (v->version == VERSION_3 || v->strict))
+		return;
}
int db(void)
{
	int rc;
+	rc = init();
+	if (rc != 0)
+		return 0;
	rc = open_db();
	if (rc != 0)
		return 0;
	if (v_ready(rc))
		log_message(LOG_INFO, "database opened");
	return 1;
}
""",
    },
    "build-twin": {
        "net.c": """
int test_connect(const char *host);
int last_error(void);
int server_init(const char *host)
{
	if (test_connect(host)) {
+#if WITH_A
+		if (last_error() != 111)
+			log_message(LOG_ERR, "testing socket failed: connect() %s", host);
+#else
+		if (last_error() != 10061)
+			log_message(LOG_ERR, "testing socket failed: connect() %s", host);
+#endif
-		if (last_error() != 111)
-			log_message(LOG_ERR, "testing socket failed: %s", host);
		return -1;
	}
	return 0;
}
""",
    },
    "gone-site": {
        "deflate.c": """
int compress(int n);
int mmap_chunk(int n)
{
-	if (compress(n) < 0)
-		log_message(LOG_ERR, "compress failed.");
	return n;
}
int compress_response(int n)
{
	if (compress(n) < 0)
		log_message(LOG_ERR, "compress failed.");
	return 0;
}
int dump(int n)
{
-	log_message(LOG_ERR, "%s = %s", "a", "b");
	return n;
}
int dump_other(int n)
{
	log_message(LOG_ERR, "%s = %s", "a", "b");
	return n;
}
""",
    },
    "member-macro": {
        "check.h": """
struct conn { int fd; };
struct checker { struct conn *co; void *data; };
-struct checker *last_checker(void);
-#define CHECKER_GET_CO() (((struct checker *)last_checker())->co)
+extern struct checker *current_checker;
""",
        "check.c": """
#include "check.h"
int check_conn_opts(struct conn *co);
int check_other(int co);
void end_handler(int min, int max)
{
-	if (!check_conn_opts(CHECKER_GET_CO()))
+	if (!check_conn_opts(current_checker->co))
		return;
	if (min > max)
		log_message(LOG_INFO, "min %d > max %d - will always fail", min, max);
}
void start_handler(int min, int co)
{
-	if (!check_other(co))
+	if (!check_other(current_checker->co->fd))
		return;
	if (min < 0)
		log_message(LOG_INFO, "min %d below 0", min);
}
""",
    },
    "calls-added": {
        "nft.c": """
int add_meta(int n)
{
	if (n < 0)
		log_message(LOG_INFO, "expr payload oom error - %d", n);
	return n;
}
int setup_rule(int n)
{
	return add_meta(n);
}
+int setup_link_local(int n)
+{
+	return add_meta(n + 1);
+}
""",
    },
    "same-logic": {
        "acme.c": """
struct buf { int size; };
struct buf *load(const char *f);
int use(struct buf *d);
void acme(const char *f, int reload, int delay)
{
	struct buf *d = load(f);
-	if (NULL == d)
-		return;
-	if (0 == d->size)
-		return;
+	if (NULL == d || 0 == d->size)
+		return;
	if (use(d) < 0)
		log_message(LOG_ERR, "failed to set acme-tls/1 certificate");
-	if (!reload && delay)
+	if (!reload) {
+		if (delay)
		log_message(LOG_INFO, "Delaying startup for %d seconds", delay);
+	}
+	if (delay > 9)
+		return;
	if (reload)
		log_message(LOG_INFO, "reloading");
}
""",
    },
    "loop-form": {
        "ciphers.c": """
#include <string.h>
void conf_ciphersuites(const char *b)
{
-	for (const char *e = b - 1; e; ) {
-		const char * const p = e + 1;
-		e = strchr(p, ':');
+	for (const char *e, *p = b; p; p = e ? e + 1 : NULL) {
+		e = strchr(p, ':');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len >= 128)
			log_message(LOG_ERR, "skipped ciphersuite; too long: %.*s", (int)len, p);
	}
-	for (int i = 0; i < 4; i++)
+	for (int i = 0; i < 8; i++)
		log_message(LOG_INFO, "slot %d", i);
}
""",
    },
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    """kind -> DiffResult of the kind's two tags, each tag's tree exported from the repository."""
    built = tagged_diffs(tmp_path_factory.mktemp("trust16"), RELEASES, HEAD, RULES)
    TEXTS.update((kind, texts) for kind, (_, texts) in built.items())
    return {kind: d for kind, (d, _) in built.items()}


def text(m):
    return render_normal(m.template)


def test_an_early_exit_the_messages_other_tests_rule_out_is_no_condition(diffs):
    """keepalived 2.2.7's vrrp_complete_instance() returned early for a strict or version 3
    instance without VIPs; 2.3.3 checks that at the end. `Cannot use AH authentication with
    IPv6` is written only after the strict and version 3 instances with authentication took
    the branches before it: never where that exit was taken (the auditors' dk2 changed-6).
    A message the exit did stop is changed, and so is one after a test written twice of a
    value set again in between (a new check before the old one)."""
    d = diffs["vacuous-exit"]
    assert sorted(text(c.new) for c in d.moved) == ["cannot use AH with IPv6"]
    assert sorted((text(c.new), c.fields) for c in d.changed) == [
        ("IPv6 instance", ("conditions",)), ("database opened", ("conditions",)),
        ("no authentication in strict mode", ("conditions",)), ("no authentication in version 3", ("conditions",))]


def test_another_builds_copy_of_a_reworded_message_pairs_with_the_old_message_too(diffs):
    """lighttpd 1.4.79 writes `testing socket failed: connect() %s` in both branches of an
    `#ifdef _WIN32` where 1.4.69 wrote `testing socket failed: %s` once (the auditors' dl1
    added-12): the old message pairs with each build's copy, reworded; the two builds together
    are every build, as before (the other build's copy tests another error code)."""
    d = diffs["build-twin"]
    assert not d.added
    assert sorted((text(c.old), text(c.new), c.new.build, c.fields, c.how) for c in d.changed) == [
        ("testing socket failed: %s", "testing socket failed: connect() %s", "!WITH_A", ("template", "conditions"),
         "build-split"),
        ("testing socket failed: %s", "testing socket failed: connect() %s", "WITH_A", ("template",), "build-split")]
    # the other build's copy, read needing nothing beside one needing the old message's option:
    # srcscan's reading (lighttpd's `#ifdef _WIN32` copy), not the release
    old = replace(d.old, messages=tuple(replace(m, requires=(("server.bind",),)) for m in d.old.messages))
    new = replace(d.new, messages=tuple(replace(m, requires=(("server.bind",),)) if m.build == "WITH_A" else m
                                        for m in d.new.messages))
    again = diff_catalogs(old, new, texts=TEXTS["build-twin"])
    assert sorted((c.new.build, c.fields, c.analysis_only) for c in again.changed) == [
        ("!WITH_A", ("template", "requires", "conditions"), ("requires",)), ("WITH_A", ("template",), ())]


def test_a_dropped_call_of_a_message_still_written_is_no_removed_message(diffs):
    """lighttpd 1.4.79 put mod_deflate_file_chunk_mmap() under `#if 0`; its `compress failed.`
    is still written by deflate_compress_response() (the auditors' dl1 removed-8): a removed
    call site of a message still written (`gone_sites`, JSON `gone_sites`, not `removed`). A
    text with too little of its own (`%s = %s`) in another function stays removed."""
    d = diffs["gone-site"]
    assert [(text(m), m.function, b.function) for m, b in d.gone_sites] == [
        ("compress failed.", "mmap_chunk", "compress_response")]
    data = diff_to_dict(d)
    assert [m["text"] for m in data["removed"]] == ["a = b"]
    assert [(g["old"]["function"], g["still"]["function"]) for g in data["gone_sites"]] == [
        ("mmap_chunk", "compress_response")]


def test_a_guard_read_through_a_member_macro_is_the_same_guard_spelled_out(diffs):
    """keepalived 2.2.7's `check_conn_opts(CHECKER_GET_CO())` (check_api.h: `#define
    CHECKER_GET_CO() (((checker_t *)CHECKER_GET_CURRENT())->co)`) is 2.3.3's
    `check_conn_opts(current_checker->co)`: the same guard (the auditors' dk2 changed-2). An
    argument that now reads a member of another member is another guard."""
    d = diffs["member-macro"]
    assert [text(b) for _, b in d.kept] == ["min %d > max %d - will always fail"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("min %d below 0", ("conditions",))]


def test_a_narrower_reading_while_the_release_only_added_calls_is_the_analysis(diffs):
    """keepalived 2.3.3's add_meta() is 2.2.7's, with one call more (the VRRP child's new
    setup_parent_link_local()); 2.2.7's catalog read it in the parent process too (the
    auditors' dk2 changed-3). A call more only adds ways to reach a message: fewer processes
    or a narrower requirement is srcscan's reading; a wider one may be the call added."""
    d = diffs["calls-added"]
    ((a, b),) = d.kept
    old = replace(d.old, messages=tuple(replace(m, processes=("checker", "parent", "vrrp"), requires=(("@checker",), ("@vrrp",)))
                                        if m is a else m for m in d.old.messages))
    new = replace(d.new, messages=tuple(replace(m, processes=("checker", "vrrp"), requires=(("@checker", "vrrp_instance"), ("@vrrp",)))
                                        if m is b else m for m in d.new.messages))
    again = diff_catalogs(old, new, texts=TEXTS["calls-added"])
    assert [(text(c.new), c.fields, c.analysis_only) for c in again.changed] == [
        ("expr payload oom error - %d", ("requires", "processes"), ("requires", "processes"))]
    wider = replace(new, messages=tuple(replace(m, processes=("checker", "parent", "vrrp"),
                                                requires=(("-x",), ("@checker",), ("@vrrp",)))
                                        if m.id == b.id else m for m in new.messages))
    again = diff_catalogs(old, wider, texts=TEXTS["calls-added"])
    assert [(text(c.new), c.fields, c.analysis_only) for c in again.changed] == [
        ("expr payload oom error - %d", ("requires",), ())]


def test_guards_written_differently_with_the_same_logic_are_the_same_guards(diffs):
    """Two exits made one (`NULL == d || 0 == d->size`, lighttpd 1.4.79's mod_gnutls), one test
    split in two (keepalived 2.3.3's `if (!reload) { if (global_data->vrrp_startup_delay)`): the
    same conditions, so the messages only moved. A new exit before a message is a change."""
    d = diffs["same-logic"]
    assert sorted(text(c.new) for c in d.moved) == ["Delaying startup for %d seconds", "failed to set acme-tls/1 certificate"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("reloading", ("conditions",))]


def test_a_loop_rewritten_with_the_same_walk_is_no_condition_change(diffs):
    """lighttpd 1.4.79's mod_mbedtls_ssl_conf_ciphersuites() walks the list with `for (const
    char *e, *p = b->ptr; p; p = e ? e+1 : NULL)`, 1.4.69's with `for (const char *e = b->ptr-1;
    e; )`: the catalog reads the first loop's condition as a guard, not the second's; the loops
    read the same as written. A loop's bound that changed is a change."""
    d = diffs["loop-form"]
    assert [text(c.new) for c in d.moved] == ["skipped ciphersuite; too long: %s"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("slot %d", ("conditions",))]
