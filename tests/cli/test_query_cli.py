"""`srcscan query --adds` and `srcscan options` on the options fixture."""

import json
from pathlib import Path

from test_catalog_cli import srcscan

FIXTURES = Path(__file__).parent.parent / "fixtures"
ARGS = ["--path", FIXTURES / "options", "--rules", FIXTURES / "options.toml"]


def test_adds_by_short_and_long_name(tmp_path):
    results = []
    for name in ("-D", "--log-detail"):
        out = tmp_path / f"q{len(results)}.json"
        run = srcscan("query", *ARGS, "--cache-dir", tmp_path / "c", "--adds", name, "--format", "json", "-o", out)
        assert run.returncode == 0, run.stderr
        results.append(sorted(m["format"] for m in json.loads(out.read_text())["messages"]))
    assert results[0] == results[1] == ["detail", "extra detail"]


def test_adds_a_config_key_includes_helpers_it_reaches(tmp_path):
    run = srcscan("query", *ARGS, "--cache-dir", tmp_path / "c", "--adds", "beta.debug", "--format", "md")
    assert run.returncode == 0, run.stderr
    assert "helper for %s" in run.stdout and "alpha at level 2" not in run.stdout


def test_unknown_option_exits_2_with_a_suggestion(tmp_path):
    run = srcscan("query", *ARGS, "--cache-dir", tmp_path / "c", "--adds", "--log-detial")
    assert run.returncode == 2 and "did you mean --log-detail" in run.stderr and "Traceback" not in run.stderr
    bad = srcscan("catalog", *ARGS, "--cache-dir", tmp_path / "c", "--with", "--nope", "-o", tmp_path / "x.md")
    assert bad.returncode == 2 and "unknown option '--nope'" in bad.stderr and not (tmp_path / "x.md").exists()


def test_options_table(tmp_path):
    run = srcscan("options", *ARGS, "--cache-dir", tmp_path / "c", "--format", "md")
    assert run.returncode == 0, run.stderr
    line = [l for l in run.stdout.splitlines() if l.startswith("| -D, --log-detail")][0]
    assert "debug set_bit LOG_DETAIL_BIT (mask 0x8)" in line and "when given 2 times" in line


def test_options_table_says_the_facility_an_option_gives(tmp_path):
    """tests/fixtures/optlists: -d gives local0 (rules: [logging] facility_with)."""
    args = ["--path", FIXTURES / "optlists", "--rules", FIXTURES / "optlists.toml"]
    run = srcscan("options", *args, "--cache-dir", tmp_path / "c", "--format", "md")
    assert run.returncode == 0, run.stderr
    line = [l for l in run.stdout.splitlines() if l.startswith("| -d, --no-daemon")][0]
    assert "syslog facility local0" in line
    port = [l for l in run.stdout.splitlines() if l.startswith("| -p, --port")][0]
    assert "daemon.port = parse_port(arg, &daemon->port)" in port
