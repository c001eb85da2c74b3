"""The Markdown report read as GitHub renders it: every table cell, once rendered by a
CommonMark + GFM-tables parser (markdown-it-py, raw HTML on as on GitHub), reads back as
exactly the text srcscan meant: `local<N>` keeps `<N>`, `*` stays a star, `|` stays in its cell."""

from dataclasses import replace
from pathlib import Path

from markdown_it import MarkdownIt

from srcscan.pipeline import build_from_tree
from srcscan.render.common import requires_text
from srcscan.render.markdown import render_markdown
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"
TRICKY = "a | b * c *d* _e_ `f` <N> &lt; [x](y) ~~z~~ \\ end"


def rendered_tables(markdown: str) -> list[list[list[str]]]:
    """Each table of the rendered document as rows of cell texts (header row first)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    tables, rows, row = [], None, None
    for t in tokens:
        if t.type == "table_open":
            rows = []
        elif t.type == "table_close":
            tables.append(rows)
            rows = None
        elif t.type == "tr_open":
            row = []
        elif t.type == "tr_close":
            rows.append(row)
            row = None
        elif t.type == "inline" and row is not None and rows is not None:
            row.append(_text(t))
    return tables


def _text(inline) -> str:
    """The text a reader sees: text and code, never the markup (emphasis, HTML tags) itself."""
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


def headings(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").parse(markdown)
    return [_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]


def test_every_message_cell_reads_back_as_written(tmp_path):
    rules = load_rules(str(FIXTURES / "demo.toml"))
    tree = SourceTree(FIXTURES / "demo", Provenance("path", str(FIXTURES / "demo"), None))
    catalog = build_from_tree(rules, tree, tmp_path / "cache").catalog
    first = catalog.messages[0]
    tricky = replace(first, format=TRICKY, dynamic=False, requires=(("-D", "!-t"), ("proxy.debug>=2",)), uncertain=(),
                     processes=("a|b", "*c*"), facility=("local<N>",), facility_with=(("-S", "local<N>, daemon"),),
                     conditions=("*p && (x | y) < 3",), build="defined(A) || B")
    catalog = replace(catalog, messages=(tricky,) + catalog.messages[1:])
    markdown = render_markdown(catalog, ("-D", "proxy.debug=1"))
    tables = rendered_tables(markdown)
    table = next(t for t in tables if t[0][:4] == ["line", "function", "priority", "message"])
    header = table[0]
    assert all(len(r) == len(header) for r in table)  # no `|` split a row
    row = dict(zip(header, next(r for r in table[1:] if r[1] == tricky.function and r[3] == TRICKY)))
    assert row["requires"] == requires_text(tricky) == "-D + !-t or proxy.debug>=2"
    assert row["processes"] == "a|b, *c*"
    assert row["facility"] == "local<N>; -S: local<N>, daemon"
    assert row["conditions"] == "*p && (x | y) < 3"
    assert row["build"] == "defined(A) || B"
    # The header names the provider and the --with settings, as rendered text.
    text = "".join(_text(t) for t in MarkdownIt("commonmark").parse(markdown.split("## Summary")[0])
                   if t.type == "inline")
    assert "Source (path provider)" in text and "As run with -D, proxy.debug=1 (--with)" in text


def test_every_message_row_of_a_real_report_reads_back_as_the_catalog(tmp_path):
    """The procs report (facilities `local<N>`, conditions with `!=` and `<`): each message's
    rendered row gives back its fields; a `|` splitting a cell or an eaten `<N>` would not."""
    rules = load_rules(str(FIXTURES / "procs.toml"))
    tree = SourceTree(FIXTURES / "procs", Provenance("path", str(FIXTURES / "procs"), None))
    catalog = build_from_tree(rules, tree, tmp_path / "cache").catalog
    tables = rendered_tables(render_markdown(catalog))
    seen = set()
    for table in tables:
        header = table[0]
        if header[:4] != ["line", "function", "priority", "message"]:
            continue
        for r in table[1:]:
            row = dict(zip(header, r))
            seen.add((int(row["line"]), row["function"], row["message"], row.get("facility", ""),
                      row.get("requires", ""), row.get("conditions", "")))
    expected = {(m.line, m.function, m.format, ", ".join(m.facility) + "".join(f"; {o}: {f}" for o, f in m.facility_with),
                 requires_text(m), " && ".join(m.conditions)) for m in catalog.messages}
    assert seen == expected
    assert any("local<N>" in e[3] for e in expected) and any("<" in e[5] for e in expected)


def test_parse_problems_say_what_they_mean_for_the_catalog(tmp_path):
    """demo's broken.c has a syntax error; the section says what an error means, groups causes
    and counts, per file, the messages found anyway and the call sites coverage misses."""
    rules = load_rules(str(FIXTURES / "demo.toml"))
    tree = SourceTree(FIXTURES / "demo", Provenance("path", str(FIXTURES / "demo"), None))
    catalog = build_from_tree(rules, tree, tmp_path / "cache").catalog
    section = render_markdown(catalog).split("## Parse problems")[1]
    assert "a file with errors is not a file without messages" in section
    tables = rendered_tables(section)
    causes, files = tables
    assert causes[0] == ["first error", "files", "for example"] and causes[1][1] == "1"
    row = dict(zip(files[0], files[1]))
    assert row["file"] == "src/broken.c"
    assert row["messages found"] == str(sum(1 for m in catalog.messages if m.file == "src/broken.c")) != "0"
    cov = catalog.sections.to_dict()["coverage"]
    assert row["missing"] == str(sum(1 for n in cov["not_covered"] if n["file"] == "src/broken.c"
                                     and n["status"] == "missing"))


def test_parse_problems_name_the_dev_package_of_a_missing_header(tmp_path):
    from srcscan.commands.common import missing_includes
    from srcscan.devpackages import dev_package

    assert dev_package("mbedtls/ssl.h") == "libmbedtls-dev" and dev_package("pcre2.h") == "libpcre2-dev"
    assert dev_package("no/such.h") is None
    tree = tmp_path / "tree"
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "re.h").write_text("#include <pcre2.h>\n")
    (tree / "src" / "a.c").write_text('#include <syslog.h>\n#include "re.h"\nvoid log_message(int, const char *, ...);\n'
                                      "pcre2_code *compiled;\n"
                                      'void f(void) { log_message(LOG_ERR, "bad pattern"); }\n')
    rules = load_rules(str(FIXTURES / "demo.toml"))
    built = build_from_tree(rules, SourceTree(tree, Provenance("path", str(tree), None)), tmp_path / "cache")
    assert missing_includes(built) == {"src/a.c": ("pcre2.h",)}  # through the tree's own re.h
    section = render_markdown(built.catalog, (), missing_includes(built)).split("### What would remove them")[1]
    table = rendered_tables(section)[0]
    assert table[1][:3] == ["libpcre2-dev", "pcre2.h", "1"]
