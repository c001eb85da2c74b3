"""Issue "every answer true": a test of the program's name. keepalived 2.x's keepalived_main()
runs genhash, a helper program, when argv[0]'s base name is "genhash" (core/main.c:2455-2458),
and the same helper under the option -T. The daemon, started under its own name, never takes
the name test's branch, so a message reached only through it is no default message: it needs
-T, or whatever the daemon's own path needs (tests/fixtures/reqc-progname, a tree written for
this test). An option whose case exits (-T) runs nothing the configuration or a child
needs, so no alternative gives it with a config key or a child's start."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from srcscan.analyze.exitingoptions import exiting_options, without_exited
from srcscan.model import RequirementAnswer
from srcscan.requirement import Requirement
from tests.conftest import only_message, tree_catalog

ROOT = Path(__file__).parent.parent / "fixtures" / "reqc-progname"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(ROOT / "tree", ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("daemon started", []),
    ("probe failed", [["-T"], ["-c"]]),   # not by default: the helper runs when argv[0] is `probe`
    ("helper started", [["-T"]]),
])
def test_program_name_is_no_default(catalog, text, wanted):
    assert sorted(sorted(a) for a in only_message(catalog, text).requires) == wanted


def test_options_whose_case_exits(tmp_path, monkeypatch):
    """-T (the helper, handed argv, then exit(0)) and -v (exit(0)) end the program in the getopt
    loop; -c does not."""
    import srcscan.analyze.requirements as requirements
    seen = []

    def recording(*args, **kwargs):
        seen.append(exiting_options(*args, **kwargs))
        return seen[-1]
    monkeypatch.setattr(requirements, "exiting_options", recording)
    tree_catalog(ROOT / "tree", ROOT / "rules.toml", tmp_path)
    assert seen == [{"-T": "run_helper", "-v": ""}]


def test_an_exiting_option_with_a_config_key_or_a_child_is_dropped():
    """keepalived 2.3.4's check_ssl.c:116 came out `-T && SSL && certificate` or the checker's
    ways: -T exits before the configuration is read, so only the checker's ways stay; an
    alternative of options alone (`--debug && -T`) stays, and so does a lone one."""
    index = SimpleNamespace(by_name={"SSL": SimpleNamespace(kind="config"),
                                     "certificate": SimpleNamespace(kind="config"),
                                     "--debug": SimpleNamespace(kind="cli")})
    exiting = {"-T": ""}

    def after(alternatives):
        answer = RequirementAnswer(Requirement.from_alternatives(alternatives), ())
        return [list(a) for a in without_exited(answer, exiting, index).requirement.alternatives()]
    assert after([["-T", "SSL", "certificate"], ["@checker", "SSL", "certificate"]]) == \
        [["@checker", "SSL", "certificate"]]
    assert after([["-T", "@checker"], ["--debug", "-T"]]) == [["--debug", "-T"]]
    assert after([["-T", "SSL"]]) == [["-T", "SSL"]]   # nothing else: left as it was


def test_an_option_handing_argv_on_leaves_the_answer_uncertain(catalog):
    """The helper reads options of its own after -T (keepalived's genhash: -s, -p, -u), which
    srcscan does not list: "probe failed" says so; "daemon started" has no such way."""
    assert any("run_helper() reads the rest of the command line" in u
               for u in only_message(catalog, "probe failed").uncertain)
    assert not only_message(catalog, "daemon started").uncertain


def test_a_program_name_the_rules_list_is_the_daemon_s_own(tmp_path):
    """`[project] programs` names the binaries the daemon is started under (bind9's `named`): a
    test of argv[0] against one of them is left undecided, so what only that branch reaches
    is no longer ruled out by default."""
    rules = tmp_path / "rules.toml"
    rules.write_text((ROOT / "rules.toml").read_text().replace('name = "fx"', 'name = "fx"\nprograms = ["fx", "probe"]', 1))
    catalog = tree_catalog(ROOT / "tree", rules, tmp_path / "cache")
    assert only_message(catalog, "probe failed").requires == ()  # the probe branch is a default path now
    assert [list(a) for a in only_message(catalog, "daemon started").requires] == []
