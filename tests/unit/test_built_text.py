"""A message whose text a function assembles from its flag bits and constant arguments
(rules key `text_builders`): one text per caller's call (analyze/builttext.py)."""

from pathlib import Path

import pytest

from srcscan.formats.template import render_normal
from srcscan.pipeline import build_from_tree
from srcscan.rules import RulesError, load_rules
from srcscan.sources import Provenance, SourceTree

SOURCE = r"""#include <syslog.h>
#define F_CONFIG (1u << 1)
#define F_UPSTREAM (1u << 2)
#define F_SERVER (1u << 3)
#define F_NEG (1u << 4)
void my_log(int prio, const char *fmt, ...);
extern int logging, extra_log;

void log_q(unsigned int flags, char *name, char *arg)
{
	char *source, *dest = arg;
	char *verb = "is";
	if (!logging)
		return;
	if (flags & F_NEG)
		dest = "NXDOMAIN";
	if (flags & F_CONFIG)
		source = "config";
	else if (flags & F_UPSTREAM)
		source = "reply";
	else if (flags & F_SERVER)
	{
		source = "forwarded";
		verb = "to";
	}
	else
		source = "cached";
	if (extra_log && !(flags & F_NEG))
		my_log(LOG_INFO, "%u %s %s %s %s", 7u, source, name, verb, dest);
	else
		my_log(LOG_INFO, "%s %s %s %s", source, name, verb, dest);
}

static void via(unsigned int flags, char *name)
{
	log_q(flags | F_SERVER, name, "192.0.2.1");
}

void answer(char *name, unsigned int flag, unsigned int any)
{
	log_q(F_CONFIG | F_NEG | flag, name, 0);
	log_q(F_UPSTREAM, name, "<CNAME>");
	via(0, name);
	log_q(any, name, "x");
}
"""

RULES = """
text_builders = [%s]
[project]
name = "built"
[source]
providers = ["path"]
[[log_functions]]
name = "my_log"
priority_arg = 0
format_arg = 1
"""


def catalog(tmp_path: Path, builders: str):
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "main.c").write_text(SOURCE)
    (tree / "rules.toml").write_text(RULES % builders)
    return build_from_tree(load_rules(str(tree / "rules.toml")), SourceTree(tree, Provenance("path", str(tree), None)),
                           tmp_path / "cache").catalog


def test_each_call_selects_its_text(tmp_path):
    got = sorted(render_normal(m.template) for m in catalog(tmp_path, '"log_q"').messages if "%u" not in m.format)
    # F_CONFIG | F_NEG | flag: config whatever `flag` holds, NXDOMAIN; F_UPSTREAM: reply with the constant;
    # via() passes flags | F_SERVER on: forwarded ... to; `any` leaves every branch open (one text per branch).
    assert got == sorted(["config %s is NXDOMAIN", "reply %s is <CNAME>", "forwarded %s to 192.0.2.1",
                          "config %s is x", "reply %s is x", "reply %s is NXDOMAIN",
                          "forwarded %s to x", "forwarded %s to NXDOMAIN", "cached %s is x", "cached %s is NXDOMAIN"])


def test_the_message_keeps_its_own_guards_and_requirements(tmp_path):
    built = catalog(tmp_path, '"log_q"')
    plain = {m.format for m in built.messages if "%u" not in m.format}
    extra = {m.format for m in built.messages if "%u" in m.format}
    assert "%u forwarded %s to 192.0.2.1" in extra
    assert "%u reply %s is <CNAME>" in extra and "reply %s is <CNAME>" in plain
    # a call whose constant bits rule the log call out gives it no text: F_CONFIG | F_NEG never
    # reaches the `!(flags & F_NEG)` form, and no other call there has NXDOMAIN
    assert "%u config %s is x" in extra and not [f for f in extra if "NXDOMAIN" in f]
    assert all(m.function == "log_q" for m in built.messages)


def test_without_the_rules_key_the_function_keeps_one_generic_message(tmp_path):
    got = sorted(m.format for m in catalog(tmp_path, "").messages)
    assert got == ["%s %s %s %s", "%u %s %s %s %s"]


def test_a_builder_that_is_not_a_function_name_is_refused(tmp_path):
    tree = tmp_path / "r"
    tree.mkdir()
    (tree / "rules.toml").write_text(RULES % '"log q"')
    with pytest.raises(RulesError, match="text_builders"):
        load_rules(str(tree / "rules.toml"))
