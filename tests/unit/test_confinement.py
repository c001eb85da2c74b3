"""The tree is confined: files, links and #include targets outside it are not read, and listed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from srcscan.pipeline import build_from_tree
from srcscan.render.json import render_json
from srcscan.sources import Provenance, SourceTree
from srcscan.sources.text import TreeText
from conftest import demo_rules, write_tree

OUTSIDE_HEADER = """
secret_t leaked_type;
void log_message(int, const char *, ...);
static void outside_fn(void) { log_message(3, "read from outside the tree"); }
"""


def hostile_tree(tmp_path: Path) -> Path:
    (tmp_path / "outside.h").write_text(OUTSIDE_HEADER)
    root = write_tree(tmp_path / "tree", {
        "src/main.c": """
            #include "../../outside.h"
            #include "evil.h"
            void log_message(int, const char *, ...);
            int main(void) { log_message(6, "inside"); return 0; }
        """,
    })
    os.symlink("/etc/passwd", root / "src" / "x.c")
    os.symlink(tmp_path / "outside.h", root / "src" / "evil.h")
    os.symlink("../src/main.c", root / "src" / "same.c")  # a link inside the tree is fine
    os.mkfifo(root / "src" / "pipe.c")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "far.c").write_text("int far;\n")
    os.symlink(tmp_path / "elsewhere", root / "linked")
    return root


def test_links_out_of_the_tree_are_not_listed_and_say_why(tmp_path):
    root = hostile_tree(tmp_path)
    text = TreeText(root)
    assert text.c_files == ("src/main.c", "src/same.c")
    why = {s.path: s.reason for s in text.skipped}
    assert why["src/x.c"] == "link to /etc/passwd, outside the tree"
    assert "outside the tree" in why["src/evil.h"]
    assert why["src/pipe.c"] == "not a regular file"
    assert why["linked"] == f"directory link to {(tmp_path / 'elsewhere').resolve()}, outside the tree"


def test_a_catalog_never_reads_outside_and_lists_what_it_skipped(tmp_path):
    root = hostile_tree(tmp_path)
    built = build_from_tree(demo_rules(), SourceTree(root, Provenance("path", str(root), None)), tmp_path / "cache")
    catalog = json.loads(render_json(built.catalog))
    assert {m["format"] for m in catalog["messages"]} == {"inside"}
    assert "passwd" not in json.dumps(catalog["files"]) and "secret_t" not in json.dumps(catalog)
    skipped = {s["path"]: s["reason"] for s in catalog["sections"]["skipped"]}
    assert skipped["src/x.c"] == "link to /etc/passwd, outside the tree"
    outside = str((tmp_path / "outside.h").resolve())
    assert skipped['src/main.c: #include "../../outside.h"'] == f"resolves to {outside}, outside the tree: read as empty"


def test_the_markdown_catalog_lists_what_was_not_read(tmp_path):
    from srcscan.render.markdown import render_markdown

    root = hostile_tree(tmp_path)
    built = build_from_tree(demo_rules(), SourceTree(root, Provenance("path", str(root), None)), tmp_path / "cache")
    text = render_markdown(built.catalog)
    import re

    section = text[text.index("## Files not read"):text.index("## Messages by file")]
    assert "5 files or `#include` targets" in section
    assert re.search(r"^\| src/x\.c +\| link to /etc/passwd, outside the tree +\|$", section, re.M)
    assert re.search(r"^\| src/pipe\.c +\| not a regular file +\|$", section, re.M)
    assert re.search(r'^\| src/main\.c: #include "\.\./\.\./outside\.h" +\| resolves to .*read as empty +\|$', section, re.M)


def test_an_include_name_climbing_out_is_never_stubbed(tmp_path):
    from srcscan.flags import scan_layout

    root = write_tree(tmp_path / "tree", {"a.c": '#include <../../../nowhere-srcscan.h>\n#include "gone.h"\n'})
    layout = scan_layout(root, (), demo_rules().profiles[0])
    assert layout.missing == ("gone.h",)
