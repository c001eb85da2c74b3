"""Requirement formulas: parse, print, simplify, DNF (srcscan.requirement)."""

from __future__ import annotations

import pytest

from srcscan.errors import InputError
from srcscan.requirement import Atom, Requirement


def test_parse_and_print_round_trip():
    r = Requirement.parse("!-t && (-D || (proxy.debug>=2 && -d))")
    assert str(r) == "(!-t && -D) || (!-t && -d && proxy.debug>=2)"
    assert Requirement.parse(str(r)) == r
    assert r.alternatives() == (("!-t", "-D"), ("!-t", "-d", "proxy.debug>=2"))
    assert Atom.parse("x==3") == Atom("x", "==", 3)


def test_either_option_of_a_mixed_guard():
    # opt_a || (opt_b && runtime): the runtime test is no option, so either option will do
    assert Requirement.parse("-a || -b").alternatives() == (("-a",), ("-b",))


def test_levels_of_one_option_simplify():
    assert str(Requirement.parse("-D || -D>=2")) == "-D"
    assert str(Requirement.parse("-D>=2 && -D")) == "-D>=2"
    assert str(Requirement.parse("!-D && !-D>=2")) == "!-D"
    assert Requirement.parse("-D>=2 && !-D").is_false
    assert Requirement.parse("x==3 && x==4").is_false
    assert str(Requirement.parse("x==3 && x>=2")) == "x==3"


def test_constants_and_contradictions():
    assert Requirement.parse("-t || !-t").is_true and Requirement.parse("-t || !-t").alternatives() == ()
    assert Requirement.parse("-D && !-D").alternatives() == (("false",),)
    assert Requirement.from_alternatives([["false"]]).is_false
    assert Requirement.from_alternatives([]).is_true
    assert (Requirement.atom("-D") | Requirement.TRUE).is_true


def test_dnf_round_trip_and_evaluation():
    alts = [["-D"], ["-d", "!-t"]]
    r = Requirement.from_alternatives(alts)
    assert r.alternatives() == (("!-t", "-d"), ("-D",))
    assert r.holds({"-D": 1}) and r.holds({"-d": 1}) and not r.holds({"-d": 1, "-t": 1}) and not r.holds({})
    assert Requirement.parse("-D>=2").holds({"-D": 2}) and not Requirement.parse("-D>=2").holds({"-D": 1})


@pytest.mark.parametrize("text", ["", "-D &&", "(-D", "-D -d", "&& -D", "-D >= x"])
def test_bad_text_is_an_input_error(text):
    with pytest.raises(InputError):
        Requirement.parse(text)


def test_equal_formulas_hash_alike_and_quantifiers_work_on_the_diagrams():
    a, b = Requirement.parse("-D || -D>=2"), Requirement.parse("-D")
    assert a == b and hash(a) == hash(b)  # equal over the settings that can happen
    c, d = Requirement.parse("-D>=2 && !-D"), Requirement.FALSE
    assert c == d and hash(c) == hash(d)
    assert len({a, b, Requirement.parse("-D && (-d || !-d)")}) == 1
    r = Requirement.parse("(-a || -b) && -c")
    assert r.exists(lambda atom: atom.name == "-c") == Requirement.parse("-a || -b")
    assert r.forall(lambda atom: atom.name == "-b") == Requirement.parse("-a && -c")
    assert r.replace({Atom("-a"): Requirement.parse("-x && -y")}) == Requirement.parse("((-x && -y) || -b) && -c")
    assert r.atoms() == {Atom("-a"), Atom("-b"), Atom("-c")}
    assert Requirement.parse("-t || !-t").atoms() == frozenset()


def test_formulas_over_more_than_eight_atoms_print_an_equivalent_irredundant_dnf():
    # Too many atoms for the exact minimisation: the diagram's paths widened to prime implicants.
    names = [f"k{i}" for i in range(10)]
    text = " && ".join(f"({a} || {b})" for a, b in zip(names[::2], names[1::2])) + " || (k0 && k9>=2)"
    r = Requirement.parse(text)
    alts = r.alternatives()
    assert Requirement.from_alternatives(alts) == r
    assert len(alts) == 2 ** 5 + 1  # 32 products of the pairs, and k0 && k9>=2
    for alt in alts:
        others = [x for x in alts if x != alt]
        assert Requirement.from_alternatives(others) != r, f"{alt} is redundant"
    wide = Requirement.parse(" || ".join(f"(k{i} && !k{i + 1})" for i in range(9)))
    assert Requirement.from_alternatives(wide.alternatives()) == wide


def test_sopform_answers_are_kept_on_disk_and_read_back_by_the_next_run(tmp_path, monkeypatch):
    """A run's minimal DNFs (SOPform's answers) are saved in the cache; the next run reads them
    back and prints the same text without calling SOPform; a damaged file is ignored."""
    import srcscan.requirement_dnf as dnf

    text = "(--memo-a && --memo-b) || (--memo-a && --memo-c) || (--memo-d && !--memo-b)"
    first = str(Requirement.parse(text))
    dnf.save_sop_memo(tmp_path)
    assert dnf._sop_path(tmp_path).is_file()
    monkeypatch.setattr(dnf, "_SOP_MEMO", {})  # as a new process: nothing worked out yet
    monkeypatch.setattr(dnf, "_DNFS", {})
    dnf.load_sop_memo(tmp_path)
    monkeypatch.setattr(dnf, "sop_form", lambda *args: pytest.fail("SOPform called for a kept answer"))
    assert str(Requirement.parse(text)) == first
    dnf._sop_path(tmp_path).write_bytes(b"damaged")
    monkeypatch.setattr(dnf, "_SOP_MEMO", {})
    dnf.load_sop_memo(tmp_path)
    assert dnf._SOP_MEMO == {}
