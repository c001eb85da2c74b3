"""Calls read from the source text where no parse holds them."""


from srcscan.pipeline import build_from_tree
from srcscan.sources import Provenance, SourceTree
from srcscan.textcalls import call_from_text
from conftest import demo_rules

TEXT = '''static int
mod_x_config(server *srv, const char *name)
{
    if (!ok) {
        log_error(srv->errh, __FILE__, __LINE__,
          "SSL: Unable to open file %s, (%d)" /* why */ " really",
          name, f(a, (b)));
        return -1;
    }
}
'''


def test_arguments_line_and_function_from_text():
    call = call_from_text(TEXT, "src/mod_x.c", 5, "log_error")
    assert call.function == "mod_x_config" and call.callee == "log_error"
    assert call.line == 5  # the line of __LINE__
    assert [a.text for a in call.args] == ["srv->errh", "__FILE__", "__LINE__",
                                          '"SSL: Unable to open file %s, (%d)" " really"', "name", "f(a, (b))"]
    assert call.args[3].string == "SSL: Unable to open file %s, (%d) really"
    assert call_from_text(TEXT, "src/mod_x.c", 4, "log_error") is None  # not on that line


def test_branch_the_system_headers_rule_out_is_read_from_the_text(tmp_path):
    (tmp_path / "a.c").write_text('''#include <stdio.h>
#include <syslog.h>
void log_message(int priority, const char *format, ...);
void f(int n)
{
#ifndef EOF
	log_message(LOG_WARNING, "no EOF here: %d", n);
#endif
	log_message(LOG_INFO, "parsed");
}
''')
    catalog = build_from_tree(demo_rules(), SourceTree(tmp_path, Provenance("path", str(tmp_path), None)),
                              tmp_path / "cache").catalog
    by_format = {m.format: m for m in catalog.messages}
    assert by_format["parsed"].extracted == "parse"
    text = by_format["no EOF here: %d"]
    assert (text.extracted, text.line, text.function, text.priority) == ("text", 7, "f", "LOG_WARNING")
    assert text.build == "!defined(EOF)"
    cov = catalog.sections.to_dict()["coverage"]
    assert cov["read_from_text"] == 1 and cov["coverage_with_text"] == 1.0 and cov["coverage"] == 0.5


def test_a_call_through_a_log_macro_in_a_branch_no_parse_takes_is_read_from_the_text(tmp_path):
    """lighttpd 1.4.79 writes `log_warn(errh, __FILE__, __LINE__, ...)`, a macro for
    `log_pri(..., 4, ...)`; under `#ifndef HAVE_LSTAT` no parse holds it."""
    (tmp_path / "log.h").write_text('''void log_message(int priority, const char *format, ...);
#define log_warn(fmt, ...) \\
	log_message(4, (fmt), __VA_ARGS__)
''')
    (tmp_path / "a.c").write_text('''#include <stdio.h>
#include "log.h"
void f(int n)
{
#ifndef EOF
	log_warn("no EOF here: %d",
		 n);
#endif
	log_warn("parsed %d", n);
}
''')
    catalog = build_from_tree(demo_rules(), SourceTree(tmp_path, Provenance("path", str(tmp_path), None)),
                              tmp_path / "cache").catalog
    by_format = {m.format: m for m in catalog.messages}
    assert by_format["parsed %d"].extracted == "parse" and by_format["parsed %d"].written == "log_warn"
    text = by_format["no EOF here: %d"]
    assert (text.extracted, text.line, text.function, text.priority, text.written) == ("text", 6, "f", "LOG_WARNING", "log_warn")
    assert text.build == "!defined(EOF)"
    cov = catalog.sections.to_dict()["coverage"]
    assert cov["sites"] == 2 and cov["read_from_text"] == 1
