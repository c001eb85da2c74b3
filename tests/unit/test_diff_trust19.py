"""diff names only what a release changed (issue 19, session dpair): new call sites that
reword a message the release still writes, one more call of a text a file writes from
several functions, a number now printed unsigned. A fixture git repository with two tags per
kind (`-` lines in the old release only, `+` in the new only, as in test_diff_trust16)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from diff_support import tagged_diffs

from srcscan.catalog import catalog_to_dict
from srcscan.cli import cli

from srcscan.diff import diff_to_dict
from srcscan.formats.template import render_normal

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\n#include <stddef.h>\nvoid log_message(int priority, const char *format, ...);\n"

RELEASES = {
    # keepalived 2.3.3's dump_notify_script(): the old line kept in the else branch, a reworded
    # line (`params = %s` added) when the script has a path
    "reworded-beside": {
        "data.c": """
struct script { const char *path; const char *cmd; unsigned uid; int weight; };
void dump_script(const struct script *s, const char *type)
{
	if (!s)
		return;
-	log_message(LOG_INFO, "   %s state transition script = %s, uid %u", type, s->cmd, s->uid);
+	if (s->path)
+		log_message(LOG_INFO, "   %s state transition script = %s, params = %s, uid %u", type, s->path, s->cmd, s->uid);
+	else
+		log_message(LOG_INFO, "   %s state transition script = %s, uid %u", type, s->cmd, s->uid);
+	log_message(LOG_INFO, "   weight %d", s->weight);
}
""",
    },
    # keepalived 2.3.3's vrrp_sync_group_end_handler(): the parser drops a sync group without
    # members, with a reworded message, under the same test of the same member as the check
    # the validation still does
    "reworded-check": {
        "main.c": """
struct group { const char *name; const char *iname; int backup; struct group *next; };
struct group *groups;
void free_group(struct group *g);
int validate(void)
{
	struct group *g;
	for (g = groups; g; g = g->next) {
		if (!g->iname) {
			log_message(LOG_ERR, "Sync group %s has no virtual router(s). removing", g->name);
			free_group(g);
			continue;
		}
	}
	return 1;
}
""",
        "parser.c": """
+struct group { const char *name; const char *iname; int backup; struct group *next; };
+extern struct group *current_group;
+void free_group(struct group *g);
+void group_end_handler(void)
+{
+	if (!current_group->iname) {
+		log_message(LOG_ERR, "Sync group %s has no members - removing", current_group->name);
+		free_group(current_group);
+		return;
+	}
+	if (!current_group->backup)
+		log_message(LOG_ERR, "Sync group %s has no backup - keeping", current_group->name);
+}
+struct inst { const char *vname; const char *iname; };
+extern struct inst *current_inst;
+void inst_end_handler(void)
+{
+	if (!current_inst->iname)
+		log_message(LOG_ERR, "Sync group of %s has no members - removing", current_inst->vname);
+}
""",
    },
    # lighttpd 1.4.79's mod_wolfssl_reload_crl_file(): one more `SSL: %s %s`, a text the file
    # writes from several functions in both releases; a dump line of one function repeated in
    # a new one (about another object) stays added
    "file-text": {
        "tls.c": """
struct ctx { const char *crl; const char *ca; };
const char *err_string(int rc);
int load_crl_buffer(const char *fn);
int load_verify(const char *fn);
int load_crls(struct ctx *c)
{
	int rc = load_crl_buffer(c->crl);
	if (rc) {
		log_message(LOG_ERR, "SSL: %s %s", err_string(rc), c->crl);
		return 0;
	}
	return 1;
}
int load_verify_locn(struct ctx *c)
{
	int rc = load_verify(c->ca);
	if (rc) {
		log_message(LOG_ERR, "SSL: %s %s", err_string(rc), c->ca);
		return 0;
	}
	return 1;
}
+int reload_crl(struct ctx *c)
+{
+	int rc = load_crl_buffer(c->crl);
+	if (rc)
+		log_message(LOG_ERR, "SSL: %s %s", err_string(rc), c->crl);
+	return rc;
+}
""",
        "dump.c": """
struct rs { int alive; };
struct vs { struct rs *sorry; int alive; };
void dump_rs(const struct rs *r)
{
	log_message(LOG_INFO, "   alive = %d", r->alive);
}
void dump_vs(const struct vs *v)
{
	if (v->sorry)
		dump_rs(v->sorry);
+	log_message(LOG_INFO, "   alive = %d", v->alive);
}
""",
    },
    # keepalived 2.3.3's dump_global_data(): ` Min auto priority delay = %ld usecs` -> `%u` of
    # the same member; a number printed signed where it was unsigned may now print `-`
    "unsigned": {
        "global.c": """
-struct data { long delay; long offset; };
+struct data { unsigned delay; int offset; };
void dump_global(const struct data *d)
{
-	log_message(LOG_INFO, " Min auto priority delay = %ld usecs", d->delay);
+	log_message(LOG_INFO, " Min auto priority delay = %u usecs", d->delay);
-	log_message(LOG_INFO, " Offset = %u usecs", (unsigned)d->offset);
+	log_message(LOG_INFO, " Offset = %d usecs", d->offset);
}
""",
    },
}


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    """kind -> DiffResult of the kind's two tags, each tag's tree exported from the repository."""
    built = tagged_diffs(tmp_path_factory.mktemp("trust19"), RELEASES, HEAD, RULES)
    return {kind: d for kind, (d, _) in built.items()}


def text(m):
    return render_normal(m.template)


def added(d):
    """The texts under `added` in the diff's JSON (new call sites and rewordings aside)."""
    return sorted(m["text"] for m in diff_to_dict(d)["added"])


def test_a_reworded_copy_beside_the_old_line_kept_is_no_new_message(diffs):
    """The old line still written (else branch), a reworded line beside it in the same
    function: a rewording of a message the release still writes, not an added one. A line of
    other words in that function is added."""
    d = diffs["reworded-beside"]
    assert [(text(m), text(a), text(b)) for m, a, b in d.reworded_sites] == [
        ("   %s state transition script = %s, params = %s, uid %u", "   %s state transition script = %s, uid %u",
         "   %s state transition script = %s, uid %u")]
    assert added(d) == ["   weight %d"]
    js = diff_to_dict(d)["reworded_sites"]
    assert [(x["new"]["line"], x["rewords"]["line"], x["still"]["line"]) for x in js] == [(11, 10, 13)]


def test_a_reworded_check_under_the_same_member_test_elsewhere_is_no_new_message(diffs):
    """The parser now drops a group without members with reworded words, under the test of
    the same member the validation still makes, naming the same member: a rewording, not added. A message of
    the new handler under another test, or naming another member (an instance's, not a group's
    name), stays added."""
    d = diffs["reworded-check"]
    assert [(text(m), m.file, text(a)) for m, a, _ in d.reworded_sites] == [
        ("Sync group %s has no members - removing", "parser.c", "Sync group %s has no virtual router(s). removing")]
    assert added(d) == ["Sync group %s has no backup - keeping", "Sync group of %s has no members - removing"]


def test_one_more_call_of_a_text_several_functions_of_the_file_write_is_a_new_site(diffs):
    """`SSL: %s %s` is written by two functions of tls.c in both releases: a third is a new
    call of that message. `   alive = %d` was one function's dump line: the same words in
    another function about another object stay added."""
    d = diffs["file-text"]
    assert [(m.function, o.function) for m, o in d.new_sites] == [("reload_crl", "load_crls")]
    assert added(d) == ["   alive = %d"]


def test_a_number_now_printed_unsigned_is_the_same_text(diffs):
    """`%ld` -> `%u` of the same argument writes the same digits (a value the new type holds is
    never negative): no change. `%u` -> `%d` may now write a `-`: a change of the text."""
    d = diffs["unsigned"]
    assert [(text(c.new), c.fields) for c in d.changed] == [(" Offset = %d usecs", ("template",))]
    assert [text(b) for _, b in d.kept] == [" Min auto priority delay = %u usecs"]


def test_the_command_line_summary_counts_a_rewording_apart_from_added(diffs, tmp_path):
    """`srcscan diff --old A --new B` says on stderr how many messages it added and how many
    new call sites reword a message still written: the rewording is not counted as added."""
    d = diffs["reworded-beside"]
    for side, cat in (("old", d.old), ("new", d.new)):
        (tmp_path / f"{side}.json").write_text(json.dumps(catalog_to_dict(cat)))
    result = CliRunner().invoke(cli, ["diff", "--old", str(tmp_path / "old.json"), "--new", str(tmp_path / "new.json"),
                                      "--format", "json", "-o", str(tmp_path / "d.json")])
    assert result.exception is None, result.output
    line = [x for x in result.stderr.splitlines() if x.startswith("srcscan: ")][-1]
    assert line.startswith("srcscan: 1 added, ") and "1 new call sites rewording a message still written" in line, line
