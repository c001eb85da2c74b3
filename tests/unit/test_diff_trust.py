"""diff names only what a release changed, so that users can trust it (issue 19, session 15):
a fixture git repository with two tags per kind (the C files written here once, `-` lines in
the old release only, `+` in the new only), each kind's events as a test."""

from dataclasses import replace
from pathlib import Path

import pytest
from diff_support import tagged_diffs

from srcscan.diff import diff_catalogs, diff_to_dict
from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"

# kind -> {file: its two releases written once (diff_support.two_sides)}
RELEASES = {
    "length-modifier": {
        "frames.c": """
-void read_frame(size_t flen)
+void read_frame(unsigned int flen)
{
	if (flen > 4)
-		log_message(LOG_DEBUG, "read payload, size=%zx", flen);
+		log_message(LOG_DEBUG, "read payload, size=%x", flen);
	if (flen > 8)
-		log_message(LOG_DEBUG, "rest of frame, size=%zx", flen);
+		log_message(LOG_DEBUG, "rest of frame, size=%5x", flen);
}
""",
    },
    "signature": {
        "pidfile.c": """
#include <sys/types.h>
#include <signal.h>
#include <unistd.h>
-int pidfile_write(const char *name, int pid);
+int pidfile_write(const char **name);
+extern pid_t our_pid;
int find_peer(int *a, int *b, ...);
void start_child(const char *pidfile, int *a, int *b, int multihop)
{
-	if (!pidfile_write(pidfile, getpid()))
+	if (!pidfile_write(&pidfile))
		log_message(LOG_INFO, "cannot write pidfile");
-	if (kill(getpid(), 0))
+	if (kill(our_pid, 0))
		log_message(LOG_INFO, "cannot signal myself");
-	if (find_peer(a, b))
+	if (find_peer(a, b, multihop))
		log_message(LOG_INFO, "duplicate peer");
}
""",
    },
    "implied-exit": {
        "vrrp.c": """
struct inst { int nvip; int strict; int mac; int preempt; };
void complete(struct inst *v)
{
-	if (!v->nvip && v->strict)
-		return;
	if (v->nvip && v->mac)
		log_message(LOG_INFO, "cannot use a MAC with VIPs");
	if (v->preempt)
		log_message(LOG_INFO, "preempt delay ignored");
+	if (!v->nvip && v->strict)
+		return;
}
""",
    },
    "trusted-pointer": {
        "misc.c": """
struct checker { const char *path; int timeout; void *data; };
-static struct checker *new_checker;
+extern struct checker *current_checker;
+void dequeue(void);
void misc_end_handler(void)
{
-	if (!new_checker)
-		return;
-	if (!new_checker->path) {
+	struct checker *new_checker = current_checker->data;
+	if (!new_checker->path) {
		log_message(LOG_ERR, "No script path has been specified - skipping");
		return;
	}
}
void misc_timeout_handler(int t, int *peer)
{
	if (!peer)
		return;
	if (t < 0) {
		log_message(LOG_ERR, "Invalid timeout %d", t);
		return;
	}
	*peer = t;
}
void misc_weight_handler(int w, struct checker *c)
{
-	if (!c)
-		return;
	if (w < 0)
		log_message(LOG_ERR, "Invalid weight %d", w);
+	if (!c)
+		return;
	c->timeout = w;
}
""",
    },
    "generic-text": {
        "tls.c": """
int load_chain(const char *pem);
int ech_add(const char *path);
const char *err(void);
int init_ssl(const char *pem)
{
-	if (load_chain(pem) != 1) {
-		log_message(LOG_ERR, "SSL: %s %s", err(), pem);
-		return -1;
-	}
	return 0;
}
+int refresh_ech_keys(const char *path)
+{
+	if (!ech_add(path))
+		log_message(LOG_ERR, "SSL: %s: %s", path, err());
+	return 0;
+}
""",
    },
    "new-site": {
        "dump.c": """
struct ifc { int ifindex; int created; const char *name; };
int set_default(const char *pem);
void dump_if(struct ifc *ifp)
{
+	if (!ifp->ifindex) {
+		log_message(LOG_INFO, "   Tracking VRRP instances :");
+		return;
+	}
	log_message(LOG_INFO, "   Name = %s", ifp->name);
	log_message(LOG_INFO, "   Tracking VRRP instances :");
}
void dump_rs(int alive)
{
	log_message(LOG_INFO, "     alive = %d", alive);
}
void dump_script(int t)
{
+	if (t % 10)
+		log_message(LOG_INFO, "   Timeout = %d.%d sec", t / 10, t % 10);
+	else
		log_message(LOG_INFO, "   Timeout = %d sec", t / 10);
}
void dump_vs(int sorry, int alive)
{
+	if (sorry)
+		log_message(LOG_INFO, "     alive = %d", alive);
	log_message(LOG_INFO, "   VS alive = %d", alive);
}
void init_cert(const char *pem)
{
	if (!set_default(pem))
		log_message(LOG_ERR, "failed to set default certificate for socket: (%d)", 1);
}
+void refresh_cert(const char *pem, const char *key)
+{
+	if (!set_default(pem))
+		log_message(LOG_ERR, "failed to set default certificate for socket: %s %s: (%d)", pem, key, 1);
+	log_message(LOG_INFO, "certificate refreshed");
+}
""",
    },
    "if0-copy": {
        "deflate.c": """
-#ifdef HAVE_MMAP
+#if 0
static int deflate_file_mmap(int rc, const char *file)
{
	if (rc < 0)
		log_message(LOG_ERR, "SIGBUS in mmap: %s %d", file, rc);
	if (rc)
		log_message(LOG_ERR, "compress failed.");
	return rc;
}
#endif
static int deflate_mem(int rc, const char *file)
{
	if (rc < 0)
		log_message(LOG_ERR, "SIGBUS in mmap: %s %d", file, rc);
	if (rc)
		log_message(LOG_ERR, "compress failed.");
	return rc;
}
-static void deflate_old_tail(int rc)
-{
-	if (rc)
-		log_message(LOG_ERR, "compress file chunk failed %d", rc);
-}
void deflate_chunk(int rc)
{
	if (rc)
		log_message(LOG_ERR, "compress file chunk failed %d", rc);
}
""",
    },
    "exit-went": {
        "vs.c": """
struct vs { int rs; int sched; };
void vs_end(struct vs *vs)
{
	if (vs->sched > 9)
		log_message(LOG_INFO, "scheduler too large");
+	if (!vs->rs)
+		log_message(LOG_INFO, "Virtual server has no real servers - ignoring");
}
void validate(struct vs *vs)
{
-	if (!vs->rs) {
-		log_message(LOG_INFO, "Virtual server has no real servers - ignoring");
-		return;
-	}
	if (!vs->sched)
		log_message(LOG_INFO, "no scheduler set");
	if (vs->sched > 4)
		log_message(LOG_INFO, "quorum exceeds total weight");
}
+void reload(struct vs *vs)
+{
+	if (vs)
+		validate(vs);
+}
""",
    },
    "checks-helper": {
        "tls.c": """
int use_chain(int ctx, const char *pem);
int use_key(int ctx, const char *key);
int check_key(int ctx);
int load_pem(const char *pem);
const char *err(void);
+static int use_cert_and_key(int ctx, const char *pem, const char *key)
+{
+	if (1 != use_chain(ctx, pem))
+		return 0;
+	if (1 != use_key(ctx, key))
+		return 0;
+	return check_key(ctx);
+}
int load_cert(const char *pem)
{
	if (!load_pem(pem)) {
		log_message(LOG_ERR, "SSL:Private key does not match the certificate public key: %s", pem);
		return -1;
	}
	return 0;
}
int init_ssl(int ctx, const char *pem, const char *key)
{
-	if (1 != use_chain(ctx, pem)) {
-		log_message(LOG_ERR, "SSL: %s %s", err(), pem);
-		return -1;
-	}
-	if (1 != use_key(ctx, key)) {
+	if (1 != use_cert_and_key(ctx, pem, key)) {
		log_message(LOG_ERR, "SSL: %s %s %s", err(), pem, key);
		return -1;
	}
-	if (check_key(ctx) != 1) {
-		log_message(LOG_ERR, "SSL: Private key does not match the certificate public key: %s", pem);
-		return -1;
-	}
	return 0;
}
""",
    },
    "module-name": {
        "mod_tls.c": """
int values_init(int p, const char *mname);
int keys_init(int p, const char *mode);
void tls_set_defaults(int p)
{
-	if (!values_init(p, "mod_base"))
+	if (!values_init(p, "mod_tls"))
		log_message(LOG_ERR, "ssl.pemfile has to be set");
-	if (!keys_init(p, "strict"))
+	if (!keys_init(p, "lax"))
		log_message(LOG_ERR, "unknown ssl key");
}
""",
    },
    "impossible-build": {
        "curves.c": """
int set_groups(const char *c);
int set_curve(const char *c);
void conf_curves(const char *curves)
{
+#if VERSION_NUMBER >= 0x10100000L
+	if (!set_groups(curves))
+		log_message(LOG_ERR, "SSL: Unable to config groups %s", curves);
+#else
	if (!set_curve(curves))
		log_message(LOG_ERR, "SSL: Unable to config curve %s", curves);
+#endif
}
""",
    },
    "member-null": {
        "cert.c": """
struct kp { void *x509; void *pkey; };
struct cert { void *x509; void *pkey; struct kp *kp; };
int use_cert(void *x509);
int use_key(void *pkey);
int cert_cb(struct cert *pc)
{
-	if (!pc || NULL == pc->x509 || NULL == pc->pkey) {
+	if (!pc) {
		log_message(LOG_ERR, "no certificate/private key for TLS server name");
		return 0;
	}
-	if (!use_cert(pc->x509) || !use_key(pc->pkey))
+	if (!use_cert(pc->kp->x509) || !use_key(pc->kp->pkey))
		return 0;
	return 1;
}
int verify_cb(struct cert *pc, int verify)
{
-	if (!verify || NULL == pc->x509) {
+	if (!verify) {
		log_message(LOG_ERR, "not verifying");
		return 0;
	}
+	if (NULL == pc->x509)
+		return 0;
	return use_cert(pc->x509);
}
""",
    },
}


TEXTS = {}  # kind -> its two trees' texts (FileTexts), filled by the fixture


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    """kind -> DiffResult of the kind's two tags, each tag's tree exported from the repository."""
    built = tagged_diffs(tmp_path_factory.mktemp("trust"), RELEASES, HEAD, RULES)
    TEXTS.update((kind, texts) for kind, (_, texts) in built.items())
    return {kind: d for kind, (d, _) in built.items()}


def text(m):
    return render_normal(m.template)


def test_a_length_modifier_is_no_change_of_text_a_width_is(diffs):
    """lighttpd 1.4.79's mod_wstunnel reads a frame's length as a uint32_t where 1.4.69 had a
    size_t: `size=%zx` -> `size=%x` prints the same hexadecimal number (the auditors: not a
    text change users see). A field width (`%5x`) changes what is printed."""
    d = diffs["length-modifier"]
    assert [text(b) for _, b in d.kept] == ["read payload, size=%x"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("rest of frame, size=%x", ("template",))]


def test_a_call_whose_signature_changed_or_a_pid_kept_in_a_variable_is_the_same_guard(diffs):
    """keepalived 2.3.3's `pidfile_write(&main_pidfile)` where 2.2.7 wrote
    `pidfile_write(main_pidfile, getpid())` (the function takes the pid file's address and
    gets the pid itself): the same test; so is `our_pid` for `getpid()`. A new argument with
    a value (`find_bfd_by_addr(..., bfd->multihop)`) is another test."""
    d = diffs["signature"]
    assert sorted(text(c.new) for c in d.moved) == ["cannot signal myself", "cannot write pidfile"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("duplicate peer", ("conditions",))]


def test_an_early_exit_the_messages_own_test_rules_out_is_no_condition(diffs):
    """keepalived 2.2.7's vrrp_complete_instance() returned early on `list_empty(&vrrp->vip)
    && (...)`; 2.3.3 checks that at the end of the function. A message written only when
    the list is not empty never met that exit: moved. One written whatever the list holds
    now is written where it was not: changed."""
    d = diffs["implied-exit"]
    assert [text(c.new) for c in d.moved] == ["cannot use a MAC with VIPs"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("preempt delay ignored", ("conditions",))]


def test_a_pointer_test_dropped_where_the_code_now_relies_on_the_pointer_is_no_condition(diffs):
    """keepalived 2.2.7's misc_end_handler() returned on `!new_misck_checker`; 2.3.3's reads
    `current_checker->data` and tests nothing (a checker whose setup failed was dequeued, so
    neither release logs for it): no change. A test moved below the message where the function
    still tests the pointer is a change."""
    d = diffs["trusted-pointer"]
    assert sorted(text(b) for _, b in d.kept) == ["Invalid timeout %d", "No script path has been specified - skipping"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("Invalid weight %d", ("conditions",))]


def test_a_generic_text_does_not_pair_with_a_close_one_of_a_new_function_it_does_not_call(diffs):
    """lighttpd 1.4.69's network_init_ssl() `SSL: %s %s` (a certificate chain that did not
    load) is not 1.4.79's ECH key loader's `SSL: %s: %s`: removed and added."""
    d = diffs["generic-text"]
    assert not d.changed and [text(m) for m in d.removed] == ["SSL: %s %s"] and [text(m) for m in d.added] == ["SSL: %s: %s"]


def test_a_new_call_of_a_message_the_release_still_writes_is_a_new_site_not_a_new_message(diffs):
    """keepalived 2.3.3's dump_if() writes `   Tracking VRRP instances :` in a new branch too;
    lighttpd 1.4.79's certificate refresh writes the load's message with the file names
    added, keepalived 2.3.3's dump_vscript() `   Timeout = %lu.%3.3lu sec` beside its `   Timeout
    = %lu sec`. A dump line of the same words about another object in another function (the
    sorry server's `alive`) and a new text are added."""
    d = diffs["new-site"]
    assert sorted((text(m), o.function) for m, o in d.new_sites) == [
        ("   Timeout = %d.%d sec", "dump_script"), ("   Tracking VRRP instances :", "dump_if"),
        ("failed to set default certificate for socket: %s %s: (%d)", "init_cert")]
    assert sorted(text(m) for m in d.added) == [
        "     alive = %d", "   Timeout = %d.%d sec", "   Tracking VRRP instances :", "certificate refreshed",
        "failed to set default certificate for socket: %s %s: (%d)"]
    listed = diff_to_dict(d)
    assert sorted(m["text"] for m in listed["added"]) == ["     alive = %d", "certificate refreshed"]
    assert [s["existing"]["function"] for s in listed["new_sites"]] == ["dump_if", "dump_script", "init_cert"]


def test_a_copy_gone_into_if0_is_removed_not_merged(diffs):
    """lighttpd 1.4.79 keeps mod_deflate_file_chunk_mmap() under `#if 0`: its `compress
    failed.` and `SIGBUS in mmap` are no longer written on that path (the other function's
    copies carry on). A copy whose function was deleted is one of the copies that became one."""
    d = diffs["if0-copy"]
    assert sorted((m.function, text(m)) for m in d.removed) == [
        ("deflate_file_mmap", "SIGBUS in mmap: %s %d"), ("deflate_file_mmap", "compress failed.")]
    assert [(sorted(o.function for o in m.olds), text(m.new)) for m in d.merged] == [
        (["deflate_chunk", "deflate_old_tail"], "compress file chunk failed %d")]


def test_a_requirement_of_an_exit_that_went_elsewhere_with_its_check_is_analysis_only(diffs):
    """keepalived 2.2.7's validate_check_config() skipped a virtual server without real servers;
    2.3.3's vs_end_handler() drops it at parse time. 2.2.7's catalog reads `real_server &&
    virtual_server` for the messages after the old check, 2.3.3's `virtual_server`: the real
    server is still needed (the check went elsewhere), so the change is srcscan's reading,
    though a new caller of the function makes the analysis' other reasons fail. A requirement
    the new side adds is still the release's."""
    d = diffs["exit-went"]

    def with_requires(catalog, requires):
        return replace(catalog, messages=tuple(replace(m, requires=requires.get(text(m), m.requires))
                                               for m in catalog.messages))
    both, vs = (("real_server", "virtual_server"),), (("virtual_server",),)
    old = with_requires(d.old, {"no scheduler set": both, "quorum exceeds total weight": vs})
    new = with_requires(d.new, {"no scheduler set": vs, "quorum exceeds total weight": (("sorry_server", "virtual_server"),)})
    got = diff_catalogs(old, new, texts=TEXTS["exit-went"])
    assert [(text(c.new), c.fields, c.analysis_only) for c in got.changed] == [
        ("no scheduler set", ("requires",), ("requires",)), ("quorum exceeds total weight", ("requires",), ())]


def test_checks_taken_into_a_helper_one_call_now_makes_are_a_merge(diffs):
    """lighttpd 1.4.69's network_init_ssl() wrote `SSL: %s %s`, `SSL: %s %s %s` and `SSL:
    Private key does not match ...` after three calls; 1.4.79 calls
    mod_openssl_SSL_CTX_use_cert_and_key(), which makes them, and writes `SSL: %s %s %s`: one
    merge, not a copy of the private key message in another function (`SSL:Private key ...`,
    which carries on) nor a removed `SSL: %s %s`."""
    d = diffs["checks-helper"]
    assert [(sorted(text(o) for o in m.olds), text(m.new), m.how) for m in d.merged] == [
        (["SSL: %s %s", "SSL: %s %s %s", "SSL: Private key does not match the certificate public key: %s"],
         "SSL: %s %s %s", "checks")]
    assert not d.removed and not d.added and not d.changed


def test_a_literal_argument_renamed_to_the_files_own_module_is_the_same_guard(diffs):
    """lighttpd 1.4.79's mod_wolfssl.c passes "mod_wolfssl" to config_plugin_values_init()
    where 1.4.69 passed "mod_openssl" (the name its configuration errors print): the same
    test. Another literal changed (`"strict"` -> `"lax"`) is another test."""
    d = diffs["module-name"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("unknown ssl key", ("conditions",))]
    assert [text(b) for _, b in d.kept] == ["ssl.pemfile has to be set"]


def test_a_message_no_build_compiles_is_no_side_of_a_pair(diffs):
    """lighttpd 1.4.79 keeps `SSL: Unable to config curve %s` under `#if OPENSSL_VERSION_NUMBER
    >= 0x30000000L` inside the `#else` of `>= 0x10100000L` (its catalog: `... &&
    OPENSSL_VERSION_NUMBER < 269484032 && OPENSSL_VERSION_NUMBER >= 805306368`): no build
    writes it. 1.4.69's message became `SSL: Unable to config groups %s` (the auditors of
    session 14: a rewording, not a new message beside an unchanged one)."""
    d = diffs["impossible-build"]
    never = "defined(HAVE_ECDH) && VERSION_NUMBER < 269484032 && VERSION_NUMBER >= 805306368"
    new = replace(d.new, messages=tuple(replace(m, build=never) if "curve" in text(m) else m for m in d.new.messages))
    got = diff_catalogs(d.old, new, texts=TEXTS["impossible-build"])
    assert not got.added and not got.removed
    assert [(text(c.old), text(c.new), "template" in c.fields) for c in got.changed] == [
        ("SSL: Unable to config curve %s", "SSL: Unable to config groups %s", True)]


def test_history_gives_a_message_no_build_compiles_a_sid_of_its_own(diffs):
    """The history gives every message of a release a sid, one no build compiles too (no side
    of the diff's pairs): new in the release it first appears in, the same sid while it stays
    (by file, function and text), removed when it goes. The real lighttpd 1.4.69 -> 1.4.79
    history lost 1.4.79's `SSL: Unable to config curve %s` (test_history_real)."""
    from srcscan.history import add_release, empty_index
    d = diffs["impossible-build"]
    never = "defined(HAVE_ECDH) && VERSION_NUMBER < 269484032 && VERSION_NUMBER >= 805306368"
    new = replace(d.new, messages=tuple(replace(m, build=never) if "curve" in text(m) else m for m in d.new.messages))
    index = empty_index(d.old.project, d.old.rules_sha256)
    for catalog, release in ((d.old, "1.0"), (new, "1.1"), (new, "1.2"), (d.old, "1.3")):
        index = add_release(index, catalog, release)
        assert set(index["last_sids"]) == {m.id for m in catalog.messages}, release
    sids = index["release_ids"]
    curve = next(m.id for m in new.messages if "curve" in text(m))
    assert sids["1.1"][curve] == sids["1.2"][curve] and sids["1.1"][curve] not in sids["1.0"].values()
    assert index["messages"][sids["1.2"][curve]]["removed"] == "1.3"


def test_null_tests_of_members_the_release_now_relies_on_are_no_condition(diffs):
    """lighttpd 1.4.69's mod_openssl_cert_cb() tested `!pc || NULL == pc->ssl_pemfile_x509 ||
    NULL == pc->ssl_pemfile_pkey`; 1.4.79 tests `!pc` and uses the members untested (a
    plugin_cert exists only with both loaded). A member the new function still tests for NULL
    is a change."""
    d = diffs["member-null"]
    assert [text(b) for _, b in d.kept] == ["no certificate/private key for TLS server name"]
    assert [(text(c.new), c.fields) for c in d.changed] == [("not verifying", ("conditions",))]
