"""diff names only what a release changed, so that users can trust it (issue 19, session 15):
a fixture git repository with two tags per kind (the C files written here once, `-` lines in
the old release only, `+` in the new only), each kind's events as a test."""

import subprocess
from pathlib import Path

import pytest
from diff_support import releases

from srcscan.diff import diff_catalogs
from srcscan.formats.template import render_normal
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

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
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def diffs(tmp_path_factory):
    """kind -> DiffResult of the kind's two tags, each tag's tree exported from the repository."""
    base = tmp_path_factory.mktemp("trust")
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
