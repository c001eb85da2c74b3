"""--patterns: fail2ban filters expanded as fail2ban does, logcheck and plain regexes, and
which catalog messages each can match (a template's holes stand for one value, not a phrase)."""

import json
import re
from pathlib import Path

import pytest

from srcscan.errors import InputError
from srcscan.formats.template import Hole, Template
from srcscan.patterns import Automaton, expand_fail2ban, line_pieces, load_patterns

FIXTURES = Path(__file__).parent.parent / "fixtures"
AUTH_FILTER = FIXTURES / "patterns" / "lighttpd-auth.conf"


def test_fail2ban_tags_expand_to_fail2bans_expressions():
    regex = expand_fail2ban(r"user <F-USER>\S+</F-USER> from <HOST> port <F-PORT/>")
    compiled = re.compile(regex)
    for host, group in (("192.0.2.7", "ip4"), ("2001:db8::1", "ip6"), ("mail.example.org", "dns")):
        m = compiled.search(f"user alice from {host} port 22")
        assert m and m.group(group) == host and m.group("user") == "alice" and m.group("fport") == "22"
    assert expand_fail2ban("<UNKNOWN> </F-NOTOPEN>") == "<UNKNOWN> </F-NOTOPEN>"  # left as written, like fail2ban


def test_a_filter_file_resolves_its_references_and_includes(tmp_path):
    patterns = load_patterns(AUTH_FILTER)
    assert [p.kind for p in patterns] == ["fail2ban", "fail2ban"]
    assert patterns[0].regex.startswith(r"^: \((?:http|mod)_auth\.c\.\d+\) password doesn't match")
    (tmp_path / "common.conf").write_text("[DEFAULT]\n__prefix = \\S+ webd\\[\\d+\\]:\\s\n")
    (tmp_path / "f.conf").write_text("[INCLUDES]\nbefore = common.conf\n[Definition]\n"
                                     "failregex = ^%(__prefix)sdenied <HOST>$\n")
    assert load_patterns(tmp_path / "f.conf")[0].regex.startswith(r"^\S+ webd\[\d+\]:\sdenied (?:\[?")
    (tmp_path / "g.conf").write_text("[INCLUDES]\nbefore = missing.conf\n[Definition]\nfailregex = x <HOST>\n")
    with pytest.raises(InputError, match="includes missing.conf"):
        load_patterns(tmp_path / "g.conf")
    (tmp_path / "h.conf").write_text("[Definition]\nfailregex = %(nope)s <HOST>\n")
    with pytest.raises(InputError, match=r"%\(nope\)s is not defined"):
        load_patterns(tmp_path / "h.conf")


def test_regex_and_logcheck_files_and_bad_patterns(tmp_path):
    regexes = load_patterns(FIXTURES / "patterns" / "demo.regex")
    assert [p.text for p in regexes] == [r"^Starting \S+ \(pid \d+\)$", "Going away"]
    logcheck = load_patterns(FIXTURES / "patterns" / "ignore.d.server" / "demo")
    assert logcheck[0].kind == "logcheck" and "[ :0-9]{11}" in logcheck[0].regex
    (tmp_path / "bad").write_text("ok\n(unclosed\n")
    with pytest.raises(InputError, match=r"bad:2: not a regular expression"):
        load_patterns(tmp_path / "bad")


def _message(parts):
    from srcscan.catalog import Message

    return Message(id="x", file="src/mod_x.c", line=10, function="f", call="log", written="log", priority="LOG_ERR",
                   format="", template=Template(tuple(parts)), dynamic=False, conditions=())


def test_a_hole_is_one_value_not_a_phrase():
    opening = _message(["opening ", Hole("str", "%s"), " failed"])
    check = Automaton(r"password doesn't match")
    assert not check.accepts_some(line_pieces(opening, "regex", False))
    assert Automaton(r"^opening /etc/\S+ failed$").accepts_some(line_pieces(opening, "regex", False))
    assert Automaton(r"^opening \d+ failed$").accepts_some(line_pieces(opening, "regex", False))  # a word of digits
    number = _message(["code ", Hole("int", "%d")])
    assert Automaton(r"code \d+$").accepts_some(line_pieces(number, "regex", False))
    assert not Automaton(r"code [a-z]+$").accepts_some(line_pieces(number, "regex", False))
    # fail2ban sees lighttpd's "(file.c.LINE) " stamp before the message, and syslog's "HOST IDENT[PID]: ".
    assert Automaton(r"^: \(mod_x\.c\.\d+\) opening").accepts_some(line_pieces(opening, "fail2ban", True))
    assert not Automaton(r"^: \(mod_y\.c\.\d+\) opening").accepts_some(line_pieces(opening, "fail2ban", True))
    assert Automaton(r"^\S+ webd\[\d+\]: opening").accepts_some(line_pieces(opening, "fail2ban", False))


def test_a_regex_no_automaton_holds_is_reported_not_fatal():
    with pytest.raises(ValueError):
        Automaton(r"(a)\1")


def test_an_errno_hole_is_one_of_the_c_librarys_error_texts():
    failed = _message(["open failed: ", Hole("errno", "%m")])
    assert Automaton(r"failed: No such file or directory$").accepts_some(line_pieces(failed, "regex", False))
    assert not Automaton(r"failed: Going away$").accepts_some(line_pieces(failed, "regex", False))


def test_a_char_hole_is_one_character_and_a_final_line_break_ends_the_line():
    quoted = _message([Hole("str", "%s"), " ('", Hole("char", "%c"), "')"])
    assert Automaton(r"^\w+ \('x'\)$").accepts_some(line_pieces(quoted, "regex", False))
    assert not Automaton(r"not a regular file").accepts_some(line_pieces(quoted, "regex", False))
    studying = _message(["studying regex failed: ", Hole("str", "%s"), "\n"])
    assert Automaton(r"studying regex failed:").accepts_some(line_pieces(studying, "regex", False))


def test_holes_side_by_side_do_not_spell_the_patterns_words():
    from srcscan.catalog import Catalog
    from srcscan.patterns import Pattern, match_patterns, required_words

    assert required_words(r"^: \((?:http|mod)_auth\.c\.\d+\) password doesn't (match)? for <HOST>") >= {"password", "doesn"}
    assert "match" not in required_words(r"password doesn't (match)? for")  # optional: not required
    two = _message([Hole("str", "%s"), " ", Hole("str", "%s")])
    own = _message(["expr ", Hole("str", "%s")])
    catalog = Catalog.__new__(Catalog)
    object.__setattr__(catalog, "messages", (two, own))
    object.__setattr__(catalog, "log_functions", ())
    found = match_patterns(catalog, [Pattern("expr missing", "expr missing", "regex", "x:1")])
    assert found[0].messages == (own,)


def test_a_filters_ignoreregex_leaves_out_the_messages_it_matches(tmp_path):
    from srcscan.catalog import Catalog
    from srcscan.patterns import match_patterns

    (tmp_path / "f.conf").write_text("[Definition]\nfailregex = auth failed for \\S+ from <HOST>\n"
                                     "ignoreregex = for \\S+ from 127\\.0\\.0\\.1\n             test account\n")
    patterns = load_patterns(tmp_path / "f.conf")
    assert len(patterns) == 1 and len(patterns[0].ignore) == 2
    plain = _message(["auth failed for ", Hole("str", "%s"), " from ", Hole("str", "%s")])
    local = _message(["auth failed for ", Hole("str", "%s"), " from 127.0.0.1"])
    test = _message(["auth failed for test account ", Hole("str", "%s"), " from ", Hole("str", "%s")])
    catalog = Catalog.__new__(Catalog)
    object.__setattr__(catalog, "messages", (plain, local, test))
    object.__setattr__(catalog, "log_functions", ())
    assert match_patterns(catalog, patterns)[0].messages == (plain,)
