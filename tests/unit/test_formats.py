"""Format dialects: printf and lighttpd's legacy descriptors give one template form."""

import re

from srcscan.formats.dialects import build_template
from srcscan.formats.template import (Arg, Hole, Template, render_normal, render_printf, template_from_dict,
                                      template_similarity, template_to_dict, to_regex)


def printf(fmt, *args):
    return build_template("printf", Arg(f'"{fmt}"', fmt), tuple(Arg(a) for a in args))


def legacy(fmt, *args):
    def arg(a):
        if isinstance(a, int):
            return Arg(str(a), integer=a)
        if a.startswith('"'):
            return Arg(a, string=a.strip('"'))
        return Arg(a)
    return build_template("lighttpd_legacy", Arg(f'"{fmt}"', fmt), tuple(arg(a) for a in args))


def holes(t):
    return [(p.kind, p.spec, p.arg) for p in t.parts if isinstance(p, Hole)]


def test_printf_conversions_become_typed_holes_paired_with_arguments():
    t = printf("VRRP_Instance(%s) %-5d left %lu%% at %p", "name", "n", "left", "ptr")
    assert holes(t) == [("str", "%s", "name"), ("int", "%-5d", "n"), ("uint", "%lu", "left"), ("ptr", "%p", "ptr")]
    assert render_normal(t) == "VRRP_Instance(%s) %d left %u%% at %p"
    assert render_printf(t) == "VRRP_Instance(%s) %-5d left %lu%% at %p"


def test_star_width_consumes_an_argument_and_percent_m_consumes_none():
    t = printf("%*s: %m (%d)", "width", "text", "code")
    assert holes(t) == [("str", "%*s", "text"), ("errno", "%m", None), ("int", "%d", "code")]


def test_positional_arguments_pick_their_argument():
    t = printf("%2$s then %1$s", "first", "second")
    assert [h[2] for h in holes(t)] == ["second", "first"]


def test_non_literal_format_is_dynamic():
    t = build_template("printf", Arg("buf"), ())
    assert t.dynamic and holes(t) == [("any", "", "buf")]


def test_legacy_lower_case_appends_a_space_upper_case_does_not():
    t = legacy("sbsd", '"opening"', "b", '"failed:"', "errno_value")
    assert render_normal(t) == "opening %s failed: %d"
    t = legacy("SBSd", '"path: "', "b", '"="', 7)
    assert render_normal(t) == "path: %s=7"


def test_legacy_punctuation_is_copied_and_hex_prints_0x():
    t = legacy("s(x)", '"mask"', "m")
    assert render_normal(t) == "mask (0x%x )"  # log.c puts the space after every lower-case letter
    assert holes(t) == [("hex", "x", "m")]


def test_both_dialects_meet_in_one_normal_form():
    assert render_normal(legacy("sbs", '"opening"', "name", '"failed"')) == render_normal(
        printf("opening %s failed", "name->ptr"))


def test_regex_matches_the_lines_a_template_prints():
    t = printf("VRRP_Instance(%s) Entering %s STATE, prio %d", "i", "s", "p")
    assert re.match(to_regex(t), "VRRP_Instance(VI_1) Entering MASTER STATE, prio 100")
    assert not re.match(to_regex(t), "VRRP_Instance(VI_1) Entering MASTER STATE, prio high")


def test_similarity_prefers_small_rewordings():
    a = printf("Unable to open %s: %m", "f")
    b = printf("Unable to open file %s: %m", "f")
    c = printf("Netlink: error %d", "e")
    assert template_similarity(a, a) == 1.0
    assert 0.7 < template_similarity(a, b) < 1.0
    assert template_similarity(a, c) < 0.5


def test_dict_round_trip():
    t = printf("x %s %d", "a", "b")
    assert template_from_dict(template_to_dict(t)) == t
    assert template_from_dict(template_to_dict(Template((Hole("any", "", "buf"),), True))).dynamic
