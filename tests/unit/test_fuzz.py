"""Hypothesis fuzzing of the format-dialect parsers and the rules loader.

Each property must hold for every input: the parsers never raise, a hole names only an
argument of the call, and a printf template written back as a format parses to itself; the
rules loader answers any table with Rules or a RulesError (one line, exit 2), never
another exception. Inputs the fuzzing found are kept below as explicit examples.
"""

from __future__ import annotations

from pathlib import Path

import hypothesis.strategies as st
from hypothesis import example, given, settings

from srcscan.errors import SrcscanError
from srcscan.formats import lighttpd_legacy, printf
from srcscan.formats.template import Arg, Hole
from srcscan.rules import Rules, parse_rules

FUZZ = settings(max_examples=400, deadline=None, derandomize=True, database=None)

args_strategy = st.lists(
    st.builds(Arg, text=st.text(min_size=1, max_size=8),
              string=st.none() | st.text(max_size=6), integer=st.none() | st.integers(-5, 5)),
    max_size=4).map(tuple)
printf_text = st.text(alphabet=st.sampled_from(list("%$*.0123456789-+ #'Ihlqjzt diouxXeEfFgGaAcspnmCS ab\n")),
                      max_size=30)


def write_back(parts) -> str:
    """A template as a printf format again: literals with % doubled, holes by their spec."""
    return "".join(p.replace("%", "%%") if isinstance(p, str) else p.spec for p in parts)


@FUZZ
@given(printf_text, args_strategy)
@example("%0$s", (Arg("a"),))  # found: position 0 took the last argument (rest[-1])
@example("%1$s %0$d", (Arg("a"), Arg("b")))
@example("% ", ())  # found by the fuzzer: a space was a conversion letter, KeyError ' ' ("100% " ended a file's parse)
@example("disk 100% ", (Arg("pct"),))
def test_printf_never_raises_and_holes_name_real_arguments(text, args):
    parts = printf.parse_printf(text, args)
    holes = [p for p in parts if isinstance(p, Hole)]
    assert all(h.arg is None or h.arg in [a.text for a in args] for h in holes)
    for h in holes:
        if "$" in h.spec.split("*")[0] and h.kind != "errno":
            n = int(h.spec[1:h.spec.index("$")])
            assert h.arg == (args[n - 1].text if 1 <= n <= len(args) else None)
    assert printf.parse_printf(write_back(parts), args) == parts


legacy_text = st.text(alphabet=st.sampled_from(list("sbdoxSBDOX()<>, qz%\n")), max_size=20)


@FUZZ
@given(legacy_text, args_strategy)
def test_lighttpd_legacy_descriptors_never_raise(text, args):
    template = lighttpd_legacy.build_template(Arg(repr(text), string=text), args)
    parts = template.parts
    assert not (parts and isinstance(parts[-1], str) and parts[-1].endswith(" "))
    letters = sum(1 for c in text if c.lower() in "sbdox")
    assert len([p for p in parts if isinstance(p, Hole)]) <= letters
    assert all(isinstance(p, (str, Hole)) for p in parts)


toml_scalar = st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=5) | st.floats(allow_nan=False)
toml_value = st.recursive(toml_scalar, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.sampled_from(["name", "priority_arg", "format_arg", "dialect", "x",
                                                             "defines", "include_dirs", "git", "tag", "providers"]),
                                            inner, max_size=3), max_leaves=8)
SECTIONS = ["project", "source", "log_functions", "profiles", "exclude", "infer_wrappers", "options", "processes",
            "logging", "callgraph", "preprocessor", "unknown"]


@FUZZ
@given(st.dictionaries(st.sampled_from(SECTIONS), toml_value, max_size=5))
@example({"project": {"name": "x"}, "log_functions": [{"name": "f", "priority_arg": -1, "format_arg": 0}]})
@example({"project": {"name": "x"}, "log_functions": [{"name": None}]})
def test_the_rules_loader_answers_any_table_with_rules_or_a_rules_error(table):
    try:
        rules = parse_rules(table, "fuzz.toml")
    except SrcscanError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(rules, Rules)


RULES_TEXTS = {name: (Path(__file__).parents[2] / "rules" / f"{name}.toml").read_text() for name in ("keepalived", "lighttpd")}
edit = st.tuples(st.integers(0, 10**6), st.integers(0, 40),
                 st.text(alphabet=st.sampled_from(list('[]{}="\'.,#\n 0123456789abcxyz_-\\\t')), max_size=12))


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(sorted(RULES_TEXTS)), st.lists(edit, min_size=1, max_size=4))
def test_a_damaged_real_rules_file_loads_or_gives_one_line(tmp_path_factory, name, edits):
    from srcscan.rules import load_rules

    text = RULES_TEXTS[name]
    for at, cut, insert in edits:  # replace `cut` characters at `at` with `insert`
        at %= len(text) + 1
        text = text[:at] + insert + text[at + cut:]
    path = tmp_path_factory.mktemp("rules") / f"{name}.toml"
    path.write_text(text)
    try:
        load_rules(str(path))
    except SrcscanError as exc:
        assert "\n" not in str(exc).strip() or "TOML" in str(exc)
