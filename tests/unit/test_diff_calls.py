"""diff compares the call as written in the source: a log function that became a compatibility
macro of another one (lighttpd 1.4.79's `#define log_error_multiline log_err_multiline`) is
the same call where the source did not change, and a call rewritten to another function is a
`call` change; another name of the same function is not."""

from pathlib import Path

import pytest
from diff_support import releases

from srcscan.diff import diff_catalogs
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\nvoid log_message(int priority, const char *format, ...);\n"

FILES = {
    "log.c": """
-void log_text(const char *fmt, const char *s)
-{
-	log_message(LOG_ERR, fmt, s);
-}
+void log_pri_text(int pri, const char *fmt, const char *s)
+{
+	log_message(pri, fmt, s);
+}
+#define log_err_text(fmt, s) log_pri_text(LOG_ERR, (fmt), (s))
+/* backwards compatible name */
+#define log_text log_err_text
+#define log_other_alias log_other
void log_other(const char *fmt, const char *s)
{
	log_message(LOG_ERR, fmt, s);
}
void handler(const char *s)
{
	log_text("lua: %s", s);
-	log_text("stderr: %s", s);
+	log_other("stderr: %s", s);
-	log_other("other: %s", s);
+	log_other_alias("other: %s", s);
}
""",
}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    base = tmp_path_factory.mktemp("calls")
    rules = load_rules(str(RULES))
    cats = {}
    for side, files in zip(("old", "new"), releases(FILES, HEAD)):
        root = base / side
        root.mkdir()
        for name, text in files.items():
            (root / name).write_text(text)
        cats[side] = build_from_tree(rules, SourceTree(root, Provenance("path", str(root), side)), base / "cache").catalog

    def texts(side, file):
        path = base / side / file
        return path.read_text() if path.is_file() else None
    return cats, diff_catalogs(cats["old"], cats["new"], texts=texts)


def test_a_call_that_became_a_compatibility_macro_is_no_call_change(result):
    cats, d = result
    lua = {side: next(m for m in c.messages if m.format == "lua: %s") for side, c in cats.items()}
    assert lua["old"].call != lua["new"].call  # the function behind the name did change
    changes = {c.old.format: c.fields for c in d.changed}
    assert "lua: %s" not in changes
    assert "lua: %s" in {c.old.format for c in d.moved} | {a.format for a, _ in d.kept}


def test_a_call_rewritten_to_another_function_is_a_call_change(result):
    _, d = result
    changes = {c.old.format: c.fields for c in d.changed}
    assert changes["stderr: %s"] == ("call",)


def test_another_name_of_the_same_function_is_no_call_change(result):
    # lighttpd 1.4.79: log_perror(...) -> log_serror(...), a macro of the same function
    cats, d = result
    other = {side: next(m for m in c.messages if m.format == "other: %s") for side, c in cats.items()}
    assert other["old"].written != other["new"].written and other["old"].call == other["new"].call
    assert "other: %s" not in {c.old.format for c in d.changed}
