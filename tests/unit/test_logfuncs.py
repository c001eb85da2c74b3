"""Wrappers that put their argument into a message of their own (analyze/logfuncs)."""

from pathlib import Path

from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"


def build(root: Path, rules: str, cache: Path):
    return build_from_tree(load_rules(rules), SourceTree(root, Provenance("path", str(root), None)), cache).catalog


def build_one_file(tmp_path: Path, name: str, text: str):
    """The catalog of a tree holding one C file, with the demo rules (log_message)."""
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / name).write_text(text)
    return build(tree, str(FIXTURES / "demo.toml"), tmp_path / "cache")


def test_text_and_format_go_into_the_helpers_message_at_the_callers_line(tmp_path):
    catalog = build(FIXTURES / "embed", str(FIXTURES / "embed.toml"), tmp_path / "cache")
    got = {(m.file, m.line, m.function, m.call, m.format) for m in catalog.messages}
    assert got == {
        ("tls.c", 50, "tls_init", "elogf", "TLS: verify depth %d too deep %s"),  # a format printed into msg
        ("tls.c", 51, "tls_init", "elog", "TLS: context setup failed %s"),
        ("tls.c", 52, "tls_init", "elog", "TLS: %s %s"),  # a path, not a literal: a hole
        ("tls.c", 53, "tls_init", "elogc", "TLS: error %d"),  # no text, but the caller's line
        ("tls.c", 42, "load_crls", "elog", "TLS: %s %s"),  # its own __LINE__: not a wrapper of elog
        ("tls.c", 34, "debug_cb", "log_error", "TLS debug: %s"),  # nothing calls it by name: its own message
        ("other.c", 12, "other_init", "elog", "OTHER: nothing to do"),  # the static elog of its own file
    }
    depth = next(m for m in catalog.messages if m.line == 50)
    assert [h.arg for h in depth.template.parts if not isinstance(h, str)] == ["depth", "last_error()"]
    assert depth.priority == "LOG_ERR" and not depth.dynamic
    wrappers = {(f.name, f.file, f.embed_mode) for f in catalog.log_functions if f.embed is not None}
    assert wrappers == {("elog", "tls.c", "text"), ("elogf", "tls.c", "format"), ("elogc", "tls.c", "none"),
                        ("elog", "other.c", "text")}


def test_a_formatting_helper_without_a_line_argument(tmp_path):
    catalog = build_one_file(tmp_path, "dns.c", """
#include <stdarg.h>
#include <stdio.h>
void log_message(int priority, const char *format, ...);
#define LOG_INFO 6
#define LOG_DEBUG 7
static const char *name = "dns";
void dns_log(int level, const char *fmt, ...)
{
    char buf[128];
    va_list args;
    va_start(args, fmt);
    vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);
    log_message(level, "DNS_CHECK (%s) %s", name, buf);
}
void report(const char *who) { log_message(LOG_INFO, "report from %s", who); }
void check(int n) { dns_log(LOG_DEBUG, "timeout after %d tries", n); report("alpha"); report("beta"); }
""")
    got = {(m.function, m.priority, m.format) for m in catalog.messages}
    # report() is given names, and logs at no caller's line: it stays one message of its own
    assert got == {("check", "LOG_DEBUG", "DNS_CHECK (%s) timeout after %d tries"),
                   ("report", "LOG_INFO", "report from %s")}


def test_wrappers_of_wrappers_found_in_any_order(tmp_path):
    # Each wrapper is examined before the one it calls is known: three passes find them all.
    catalog = build_one_file(tmp_path, "w.c", """
void log_message(int priority, const char *format, ...);
void b_middle(const char *fmt);
void c_inner(const char *fmt);
void a_outer(const char *fmt) { b_middle(fmt); }
void a_other(const char *fmt) { b_middle(fmt); }
void b_middle(const char *fmt) { c_inner(fmt); }
void c_inner(const char *fmt) { log_message(6, fmt); }
void use(void) { a_outer("deep"); a_other("also deep"); }
""")
    assert {(m.function, m.call, m.format) for m in catalog.messages} == {
        ("use", "a_outer", "deep"), ("use", "a_other", "also deep")}
