"""Early exits nested in a block that itself falls through, as the guard walk reads them:
after `if (A) { f(); if (B) return; }` the code runs only when A is false or B is."""

from srcscan.cexpr import render
from srcscan.extract.walk import walk_guarded
from tests.conftest import parse_c

CODE = """
#include <stdbool.h>
int strcmp(const char *, const char *);
void log_message(int, const char *, ...);
void exit(int) __attribute__((noreturn));
int a, b, c, v3, strict, x;
int nested(void)
{
    if (a) {
        log_message(6, "a holds");
        if (b)
            return 1;
        log_message(6, "a holds, b does not");
    }
    log_message(6, "after nested");
    return 0;
}
bool vips(bool allow, bool empty)
{
    if (!allow && empty) {
        if (v3 || strict) {
            log_message(3, "required");
            return false;
        }
        log_message(4, "sensible");
    }
    log_message(6, "after vips");
    return true;
}
void daemon_start(int dont_fork)
{
    if (!dont_fork) {
        log_message(6, "forking");
        if (x > 0) {
            log_message(6, "parent leaves");
            exit(0);
        }
    }
    log_message(6, "child runs");
}
int in_else(void)
{
    if (a)
        log_message(6, "then");
    else {
        if (b)
            return 1;
    }
    log_message(6, "after else");
    return 0;
}
int then_exits_else_falls(void)
{
    if (a)
        return 1;
    else
        log_message(6, "not a");
    log_message(6, "after if-else");
    return 0;
}
int chain(const char *s, int *node)
{
    if (!strcmp(s, "NAT"))
        x = 1;
    else if (!strcmp(s, "DR"))
        x = 2;
    else {
        log_message(3, "unknown");
        return -1;
    }
    log_message(6, "after chain");
    if (!node) {
        x = 3;
        if (!node)
            return 1;
    }
    log_message(6, "after twice");
    return 0;
}
int *parse(int);
int assigned(int *pf)
{
    if (!pf) {
        pf = parse(a);
        if (!pf)
            return -1;
    }
    log_message(6, "after assigned");
    return 0;
}
int deeper(void)
{
    if (a) {
        if (b) {
            if (c)
                return 2;
        }
    }
    log_message(6, "after deeper");
    return 0;
}
int in_loop(void)
{
    if (a) {
        while (x) {
            if (b)
                break;
            x--;
        }
        switch (x) {
        case 1:
            if (c)
                break;
        }
    }
    log_message(6, "after loop");
    return 0;
}
"""


def _guards(tmp_path) -> dict[str, list[tuple[str, str, str]]]:
    """Each message's guards: (kind, as described, the typed expression of what must hold)."""
    unit = parse_c(tmp_path, CODE)
    out = {}
    for fn in unit.functions:
        for node, guards in walk_guarded(unit, fn):
            if node.kind == "CALL_EXPR" and node.name == "log_message":
                text = unit.source(node.children[-1]).strip('"')
                out[text] = [(g.kind, g.describe(), ("!" if g.negated else "") + f"({render(g.expr)})")
                             for g in guards]
    return out


def test_an_exit_nested_in_a_block_guards_what_follows_the_block(tmp_path):
    found = _guards(tmp_path)
    assert found["after nested"] == [("early-return", "!(a && b)", "!(a && b)")]
    # inside the block, the exit is an early return of its own, as before
    assert found["a holds, b does not"] == [("if", "a", "(a)"), ("early-return", "!(b)", "!(b)")]
    assert found["a holds"] == [("if", "a", "(a)")]


def test_the_outer_conditions_are_kept_with_their_parentheses(tmp_path):
    # keepalived vrrp.c: `if (!allow_no_vips && list_empty(&vip)) { if (v3 || strict) { ...;
    # return false; } ... }` -- the message after it is not reached when both hold.
    found = _guards(tmp_path)
    kind, described, expr = found["after vips"][0]
    assert (kind, described) == ("early-return", "!(!allow && empty && (v3 || strict))")
    assert expr == "!(!allow && empty && (v3 || strict))"
    assert [g[0] for g in found["sensible"]] == ["if", "early-return"]


def test_a_noreturn_call_nested_in_a_block_is_an_exit(tmp_path):
    # keepalived main.c 2.3.3: `if (!DONT_FORK) { ...; if (xdaemon() > 0) { ...; exit(0); } }`
    assert _guards(tmp_path)["child runs"] == [("early-return", "!(!dont_fork && x > 0)", "!(!dont_fork && x > 0)")]


def test_an_exit_in_the_else_branch_carries_the_negated_condition(tmp_path):
    assert _guards(tmp_path)["after else"] == [("early-return", "!(!a && b)", "!(!a && b)")]


def test_an_if_whose_then_exits_and_else_falls_through_is_an_early_return(tmp_path):
    found = _guards(tmp_path)
    assert found["after if-else"] == [("early-return", "!(a)", "!(a)")]
    assert found["not a"] == [("else", "!(a)", "!(a)")]


def test_an_else_if_chain_ending_in_an_exit_names_each_test_negated_once(tmp_path):
    # keepalived check_parser.c svr_forwarding_handler: NAT, DR, TUN, else an error and return
    found = _guards(tmp_path)
    assert found["after chain"][0][:2] == ("early-return", '!(strcmp(s, "NAT") && strcmp(s, "DR"))')
    # the same test twice on the way to the exit is one conjunct
    assert found["after twice"][-1][:2] == ("early-return", "node")


def test_a_test_of_a_value_the_block_assigned_is_not_joined(tmp_path):
    # lighttpd mod_accesslog: `if (NULL == p->parsed_format) { p->parsed_format = parse(default);
    # if (NULL == p->parsed_format) return -1; }`: the two tests read two values
    assert _guards(tmp_path)["after assigned"] == []


def test_exits_nested_several_levels_deep_join_every_condition(tmp_path):
    assert _guards(tmp_path)["after deeper"] == [("early-return", "!(a && b && c)", "!(a && b && c)")]


def test_a_break_of_a_nested_loop_or_switch_is_no_exit(tmp_path):
    assert _guards(tmp_path)["after loop"] == []
