"""Message text that sits in arguments (issue: precision, kind 7) and formats that must not stop a run."""

import json
from pathlib import Path

from srcscan.extract.calls import literal_pieces
from srcscan.formats.dialects import build_template
from srcscan.formats.template import Arg, Hole, render_normal
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"
RULES = Path(__file__).parent.parent.parent / "rules"


def build(root: Path, rules: Path, cache: Path):
    return build_from_tree(load_rules(str(rules)), SourceTree(root, Provenance("path", str(root), None)), cache).catalog


def test_constant_strings_fixture_gives_the_expected_texts(tmp_path):
    case = FIXTURES / "precision" / "constant-strings"
    expected = json.loads((case.parent / "expected.json").read_text())["cases"]["constant-strings"]["messages"]
    catalog = build(case, case / "rules.toml", tmp_path / "cache")
    got = sorted((m.file, m.format, render_normal(m.template)) for m in catalog.messages)
    assert got == sorted((e["file"], e["format"], e["text"]) for e in expected)
    assert len({m.id for m in catalog.messages}) == len(catalog.messages)


def test_a_configure_macro_is_a_named_hole_but_a_conversion_macro_keeps_its_value(tmp_path):
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "rules.toml").write_text((FIXTURES / "precision" / "constant-strings" / "rules.toml").read_text().replace(
        '"#define VERSION_STRING \\"placeholder\\"\\n"',
        '"#define VERSION_STRING \\"placeholder\\"\\n#define PRI_time_t \\"ld\\"\\n#define CONF \\"/etc/x.conf\\"\\n"'))
    (tree / "main.c").write_text("""#include <syslog.h>
#include "config.h"
void log_message(int prio, const char *fmt, ...);
void f(long t, int full)
{
	log_message(LOG_INFO, "took %" PRI_time_t " s", t);
	log_message(LOG_INFO, "reading %s", CONF);
	log_message(LOG_INFO, "%s", full ? "config " CONF " full" : "empty");
}
""")
    catalog = build(tree, tree / "rules.toml", tmp_path / "cache")
    got = sorted((m.format, render_normal(m.template)) for m in catalog.messages)
    assert got == [("%s", "config %s full"), ("%s", "empty"), ("reading %s", "reading %s"), ("took %ld s", "took %d s")]
    reading = next(m for m in catalog.messages if m.format == "reading %s")
    assert [p.arg for p in reading.template.parts if isinstance(p, Hole)] == ["CONF"]


def test_literal_pieces_align_macros_with_the_expanded_literal():
    assert literal_pieces('"Starting " VERSION_STRING', '"Starting placeholder"') == (
        ("Starting ", ""), ("placeholder", "VERSION_STRING"))
    assert literal_pieces('"a" M "b"', '"a" "xy" "b"') == (("a", ""), ("xy", "M"), ("b", ""))
    assert literal_pieces('"plain" "text"', '"plaintext"') == ()


def test_a_literal_given_to_percent_s_is_text_with_width_and_precision():
    def t(fmt, arg):
        return render_normal(build_template("printf", Arg(f'"{fmt}"', fmt), (Arg(f'"{arg}"', arg),)))
    assert t("[%s]", "x%y") == "[x%%y]"
    assert t("[%5s]", "ab") == "[   ab]"
    assert t("[%-5s]", "ab") == "[ab   ]"
    assert t("[%.2s]", "abcd") == "[ab]"
    assert t("[%*s]", "ab") == "[%s]"


def test_a_format_ending_in_percent_space_is_catalogued(tmp_path):
    catalog = build(FIXTURES / "bad-input" / "printf-percent-space", RULES / "keepalived.toml", tmp_path / "cache")
    got = sorted((m.line, m.format, render_normal(m.template)) for m in catalog.messages)
    assert got == [(7, "load above 90 % ", "load above 90 %% "), (8, "load %d", "load %d")]


def test_arguments_chosen_by_one_condition_choose_together(tmp_path):
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "m.c").write_text("""#include <syslog.h>
void log_message(int prio, const char *fmt, ...);
#define FUNC_PARAMS(f) f ? " (" : "", f ? f : "", f ? ")" : ""
void at(const char *file, const char *function)
{
	log_message(LOG_INFO, "at %s%s%s%s", file, FUNC_PARAMS(function));
}
""")
    catalog = build(tree, FIXTURES / "demo.toml", tmp_path / "cache")
    assert sorted(render_normal(m.template) for m in catalog.messages) == ["at %s", "at %s (%s)"]


def test_a_helper_gets_the_literals_of_a_const_local_and_of_its_callers_callers(tmp_path):
    """lighttpd 1.4.79 hands `const char * const msg = c ? "a" : d ? "b" : NULL` to
    gw_backend_error_trace(); keepalived 2.3.3's check_valid_nftables_chain_name(name, log_name)
    passes its own parameter on to the helper that logs, its callers pass the constants."""
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "m.c").write_text("""#include <syslog.h>
#include <stddef.h>
void log_message(int prio, const char *fmt, ...);
void trace(const char *msg, int fd) { log_message(LOG_ERR, "%s on fd %d", msg, fd); }
void response(int fd, int started, int sent)
{
	const char * const msg = !started ? sent ? "closing connection" : "reconnecting" : NULL;
	if (msg) trace(msg, fd);
}
static void name_check(const char *name, const char *what, const char *log_name)
{
	if (!name[0]) log_message(LOG_INFO, "%s %s name empty", what, log_name);
}
static void chain_check(const char *name, const char *log_name) { name_check(name, "nftables", log_name); }
void parse(const char *a, const char *b) { chain_check(a, "ipvs chain"); chain_check(b, "vrrp chain"); }
""")
    catalog = build(tree, FIXTURES / "demo.toml", tmp_path / "cache")
    assert sorted(render_normal(m.template) for m in catalog.messages) == [
        "%s on fd %d", "closing connection on fd %d", "nftables ipvs chain name empty",
        "nftables vrrp chain name empty", "reconnecting on fd %d"]


def test_a_path_handed_down_by_a_macro_using_file_stays_a_hole(tmp_path):
    """keepalived's MALLOC(n) passes __FILE__ on to the helper that logs: the constant is the
    build's path of the file (srcscan's absolute path here), not text the daemon's source holds."""
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "m.c").write_text("""#include <syslog.h>
#include <stddef.h>
void log_message(int prio, const char *fmt, ...);
static void *common(size_t n, const char *file, int line, const char *what)
{
	log_message(LOG_INFO, "%s[%zu] at %s:%d", what, n, file, line);
	return NULL;
}
void *my_malloc(size_t n, const char *file, int line) { return common(n, file, line, "malloc"); }
#define MALLOC(n) (my_malloc((n), (__FILE__), (__LINE__)))
void *user(void) { return MALLOC(10); }
""")
    catalog = build(tree, FIXTURES / "demo.toml", tmp_path / "cache")
    assert [render_normal(m.template) for m in catalog.messages] == ["malloc[%u] at %s:%d"]
