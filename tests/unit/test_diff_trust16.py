"""diff names only what a release changed (issue 19, session 16): a fixture git repository
with two tags per kind (the C files written here once, `-` lines in the old release only, `+`
in the new only, as in test_diff_trust), each kind's events as a test."""

import subprocess
from pathlib import Path

import pytest
from diff_support import releases

from srcscan.diff import diff_catalogs, diff_to_dict
from srcscan.formats.template import render_normal
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

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
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    """kind -> DiffResult of the kind's two tags, each tag's tree exported from the repository."""
    base = tmp_path_factory.mktemp("trust16")
    repo = base / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.org")
    git(repo, "config", "user.name", "t")
    rules = load_rules(str(RULES))
    out = {}
    for kind, files in RELEASES.items():
        roots = {}
        for side, sides in zip(("old", "new"), releases(files, HEAD)):
            for old in repo.glob("*"):
                if old.name != ".git":
                    subprocess.run(["rm", "-rf", str(old)], check=True)
            for name, text in sides.items():
                (repo / name).parent.mkdir(parents=True, exist_ok=True)
                (repo / name).write_text(text)
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "--allow-empty", "-m", f"{kind} {side}")
            git(repo, "tag", f"{kind}-{side}")
            tree = base / f"{kind}-{side}"
            tree.mkdir()
            archive = subprocess.run(["git", "-C", str(repo), "archive", f"{kind}-{side}"], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
            roots[side] = tree
        cats = {s: build_from_tree(rules, SourceTree(r, Provenance("path", str(r), s)), base / "cache").catalog
                for s, r in roots.items()}

        def texts(side, file, roots=roots):
            path = roots[side] / file
            return path.read_text() if path.is_file() else None
        out[kind] = diff_catalogs(cats["old"], cats["new"], texts=texts)
    return out


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
