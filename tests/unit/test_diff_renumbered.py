"""A guard that names a constant whose value a release changed is the same guard: keepalived
2.2.8 inserted flag bits before VRRP_IPVLAN_BIT (17 -> 19) and renamed the parser's `vrrp` to
`current_vrrp` in the same change; `__test_bit(VRRP_IPVLAN_BIT, &vrrp->flags)` still tests the
bit use_ipvlan sets by that name, so the message moved and nothing else (the history spot check
of 2.2.7 -> 2.3.3 found two such 'conditions' events). A literal value that changed is another
guard. The C files are written for this test."""

from pathlib import Path

import pytest
from diff_support import releases

from srcscan.diff import diff_catalogs
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

RULES = Path(__file__).parent.parent / "fixtures" / "diffpairs" / "rules.toml"
HEAD = "#include <syslog.h>\nvoid log_message(int priority, const char *format, ...);\n"
FILES = {"parser.c": """
-enum { BIT_VMAC, BIT_IPVLAN };
+enum { BIT_VMAC, BIT_VMAC_XMIT, BIT_VMAC_GARP, BIT_IPVLAN };
struct inst { unsigned long flags; int level; const char *name; };
+struct inst *current;
-void ipvlan_handler(struct inst *vrrp)
+void ipvlan_handler(void)
{
-	if (vrrp->flags & (1UL << BIT_IPVLAN))
-		log_message(LOG_ERR, "(%s) ipvlan already specified", vrrp->name);
-	if (vrrp->level > 4)
-		log_message(LOG_ERR, "(%s) level too high", vrrp->name);
+	if (current->flags & (1UL << BIT_IPVLAN))
+		log_message(LOG_ERR, "(%s) ipvlan already specified", current->name);
+	if (current->level > 6)
+		log_message(LOG_ERR, "(%s) level too high", current->name);
}
"""}


@pytest.fixture(scope="module")
def diff(tmp_path_factory):
    base = tmp_path_factory.mktemp("renumbered")
    roots = {}
    for side, files in zip(("old", "new"), releases(FILES, HEAD)):
        roots[side] = base / side
        for name, text in files.items():
            (roots[side] / name).parent.mkdir(parents=True, exist_ok=True)
            (roots[side] / name).write_text(text)
    rules = load_rules(str(RULES))
    cats = {s: build_from_tree(rules, SourceTree(r, Provenance("path", str(r), s)), base / "cache").catalog
            for s, r in roots.items()}
    return diff_catalogs(cats["old"], cats["new"], texts=lambda side, f: (roots[side] / f).read_text())


def fields(diff, text):
    found = [c for c in diff.changed + diff.moved if c.new.format == text]
    assert len(found) == 1, (text, found)
    return set(found[0].fields) - set(found[0].analysis_only)


def test_a_renumbered_constant_under_a_renamed_object_is_the_same_guard(diff):
    assert "conditions" not in fields(diff, "(%s) ipvlan already specified")


def test_a_literal_that_changed_is_another_guard(diff):
    assert "conditions" in fields(diff, "(%s) level too high")
