"""diff pairs every message that survives a release: one fixture git repository, two tags per
kind of fault (a message moved to another file or into a helper, a short rewording, catalog
artefacts, repeats, generic templates, noise fields). The C files are written here."""

import subprocess
from pathlib import Path

import pytest

from srcscan.diff import build_formula, diff_catalogs
from srcscan.formats.template import render_normal
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\nvoid log_message(int priority, const char *format, ...);\n"

# kind -> (files of the old tag, files of the new tag)
RELEASES = {
    "moved": ({
        "conn.c": HEAD + """
int connect_server(const char *host)
{
	log_message(LOG_ERR, "Unable to connect to server %s", host);
	return -1;
}
void check_vrrp_name(const char *n) { log_message(LOG_ERR, "VRRP instance name too long: %s", n); }
void check_vs_name(const char *n) { log_message(LOG_ERR, "Virtual server name too long: %s", n); }
void check_rs_name(const char *n) { log_message(LOG_ERR, "Real server name too long: %s", n); }
""",
    }, {
        "net/tcp.c": HEAD + """
int tcp_connect(const char *host)
{
	log_message(LOG_ERR, "Unable to connect to server %s", host);
	return -1;
}
""",
        "conn.c": HEAD + """
extern const char *kind_names[];
static void name_too_long(const char *what, const char *n)
{
	log_message(LOG_ERR, "%s name too long: %s", what, n);
}
void check_name(int kind, const char *n) { name_too_long(kind_names[kind], n); }
""",
    }),
    "reworded": ({
        "net.c": HEAD + """
int fcntl_ok(int fd);
int read_ok(int fd);
void setup(int fd, const char *path)
{
	if (fcntl_ok(fd) < 0)
		log_message(LOG_ERR, "fcntl");
	if (read_ok(fd) < 0)
		log_message(LOG_ERR, "read");
	log_message(LOG_INFO, "ready");
}
""",
    }, {
        "net.c": HEAD + """
int fcntl_ok(int fd);
int read_ok(int fd);
void setup(int fd, const char *path)
{
	if (fcntl_ok(fd) < 0)
		log_message(LOG_ERR, "fcntl()");
	if (read_ok(fd) < 0)
		log_message(LOG_ERR, "read(\\"%s\\")", path);
	log_message(LOG_INFO, "ready");
}
""",
    }),
    "artefacts": ({
        "packet.c": HEAD + """
void bad_packet(const char *addr)
{
	log_message(LOG_WARNING, "bad packet from %s", addr);
}
""",
    }, {
        "packet.c": HEAD + """
void bad_packet(const char *addr)
{
	static const char fmt[] = "bad packet from %s";
	log_message(LOG_WARNING, fmt, addr);
}
""",
    }),
    "repeats": ({
        "range.c": HEAD + """
void check(int a, int b)
{
	if (a)
		log_message(LOG_INFO, "value out of range");
	if (b)
		log_message(LOG_INFO, "value out of range");
}
""",
    }, {
        "range.c": HEAD + """
void check(int a, int b)
{
	log_message(LOG_INFO, "checking");
	if (a)
		log_message(LOG_INFO, "value out of range");
	if (b > 1)
		log_message(LOG_INFO, "value out of range");
	if (b)
		log_message(LOG_INFO, "value out of range");
}
""",
    }),
    "generic": ({
        "tls_a.c": HEAD + """
void a_init(const char *what, const char *err)
{
	log_message(LOG_ERR, "SSL: %s %s", what, err);
	log_message(LOG_INFO, "module a ready");
}
""",
        "tls_b.c": HEAD + "void b_init(void)\n{\n\tlog_message(LOG_INFO, \"module b ready\");\n}\n",
    }, {
        "tls_a.c": HEAD + "void a_init(const char *what, const char *err)\n{\n\tlog_message(LOG_INFO, \"module a ready\");\n}\n",
        "tls_b.c": HEAD + """
void b_init(const char *what, const char *err)
{
	log_message(LOG_INFO, "module b ready");
	log_message(LOG_ERR, "SSL: %s %s", what, err);
}
""",
    }),
    "noise": ({
        "opts.c": HEAD + """#include <getopt.h>
int debug;
void parse(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "d")) != -1) {
		switch (c) {
		case 'd':
			debug |= 4;
			break;
		}
	}
}
void run(void)
{
#if defined(WITH_A) && defined(WITH_B)
	log_message(LOG_INFO, "both features");
#endif
	if (debug & 4)
		log_message(LOG_DEBUG, "debugging");
}
""",
    }, {
        "opts.c": HEAD + """#include <getopt.h>
int debug;
void parse(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "v")) != -1) {
		switch (c) {
		case 'v':
			debug |= 4;
			break;
		}
	}
}
void run(void)
{
#if defined WITH_B && defined(WITH_A)
	log_message(LOG_INFO, "both features");
#endif
	if (debug & 4)
		log_message(LOG_DEBUG, "debugging");
}
""",
    }),
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    """kind -> DiffResult of the kind's two tags, each tag's tree exported from the repository."""
    base = tmp_path_factory.mktemp("pairs")
    repo = base / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.org")
    git(repo, "config", "user.name", "t")
    out = {}
    for kind, sides in RELEASES.items():
        roots = {}
        for side, files in zip(("old", "new"), sides):
            for old in repo.glob("*"):
                if old.name != ".git":
                    subprocess.run(["rm", "-rf", str(old)], check=True)
            for name, text in files.items():
                (repo / name).parent.mkdir(parents=True, exist_ok=True)
                (repo / name).write_text(text)
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "--allow-empty", "-m", f"{kind} {side}")
            git(repo, "tag", f"{kind}-{side}")
            tree = base / f"{kind}-{side}"
            tree.mkdir()
            archive = subprocess.run(["git", "-C", str(repo), "archive", f"{kind}-{side}"], check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
            roots[side] = tree
        rules = load_rules(str(RULES))
        cats = {s: build_from_tree(rules, SourceTree(r, Provenance("path", str(r), s)), base / "cache").catalog
                for s, r in roots.items()}

        def texts(side, file, roots=roots):
            path = roots[side] / file
            return path.read_text() if path.is_file() else None
        out[kind] = diff_catalogs(cats["old"], cats["new"], texts=texts)
    return out


def text(m):
    return render_normal(m.template)


def summary(d):
    return {"added": sorted(text(m) for m in d.added), "removed": sorted(text(m) for m in d.removed),
            "changed": sorted((text(c.old), text(c.new), c.fields) for c in d.changed),
            "merged": sorted((tuple(sorted(text(o) for o in m.olds)), text(m.new)) for m in d.merged)}


def test_a_message_moved_to_another_file_or_merged_into_a_helper(diffs):
    d = diffs["moved"]
    assert summary(d) == {
        "added": [], "removed": [],
        "changed": [("Unable to connect to server %s", "Unable to connect to server %s", ("location",))],
        "merged": [(("Real server name too long: %s", "VRRP instance name too long: %s", "Virtual server name too long: %s"),
                    "%s name too long: %s")],
    }
    assert d.merged[0].how == "helper" and d.changed[0].new.file == "net/tcp.c"


def test_short_rewordings_at_one_site_are_changes(diffs):
    d = diffs["reworded"]
    assert summary(d) == {"added": [], "removed": [], "merged": [],
                          "changed": [("fcntl", "fcntl()", ("template",)), ("read", 'read("%s")', ("template",))]}
    assert {c.how for c in d.changed} == {"site"}


def test_a_format_in_a_constant_array_is_the_same_message(diffs):
    d = diffs["artefacts"]
    assert summary(d) == {"added": [], "removed": [], "changed": [], "merged": []}
    assert [text(c.new) for c in d.moved] == ["bad packet from %s"]


def test_repeats_pair_by_line_mapping_and_conditions(diffs):
    d = diffs["repeats"]
    assert summary(d)["added"] == ["checking", "value out of range"]
    assert not d.removed and not d.changed
    (added,) = [m for m in d.added if text(m) == "value out of range"]
    assert added.conditions == ("b > 1",)  # the new copy, not the one that was there
    assert sorted((c.old.conditions, c.new.conditions) for c in d.moved) == [(("a",), ("a",)), (("b",), ("b",))]


def test_generic_templates_are_not_paired_across_modules(diffs):
    d = diffs["generic"]
    assert summary(d) == {"added": ["SSL: %s %s"], "removed": ["SSL: %s %s"], "changed": [], "merged": []}


def test_build_conditions_compare_as_formulas_and_analysis_only_changes_are_marked(diffs):
    d = diffs["noise"]
    assert [(text(c.old), c.fields, c.analysis_only) for c in d.changed] == [("debugging", ("requires",), ("requires",))]
    assert (d.changed[0].old.requires, d.changed[0].new.requires) == ((("-d",),), (("-v",),))
    assert not d.differs  # nothing the release itself changed
    assert build_formula("defined(WITH_A) && defined(WITH_B)") == build_formula("defined WITH_B && defined(WITH_A)")
    assert build_formula("defined(WITH_A)") != build_formula("defined(WITH_B)")
