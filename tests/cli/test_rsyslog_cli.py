"""`srcscan rsyslog`, and `--with` values the option rejects, on the processes fixture."""

from pathlib import Path

from conftest import assert_rsyslogd_accepts
from test_catalog_cli import srcscan

FIXTURES = Path(__file__).parent.parent / "fixtures"
ARGS = ["--path", FIXTURES / "procs", "--rules", FIXTURES / "procs.toml"]


def test_rsyslog_writes_a_config_rsyslogd_accepts(tmp_path):
    out = tmp_path / "30-procdemo.conf"
    run = srcscan("rsyslog", *ARGS, "--cache-dir", tmp_path / "c", "--log-dir", "/srv/logs", "-o", out)
    assert run.returncode == 0, run.stderr
    text = out.read_text()
    assert 'action(type="omfile" file="/srv/logs/alpha.log")' in text
    assert "3 processes" in run.stderr
    assert_rsyslogd_accepts(out)


def test_with_a_rejected_value_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "x.md"
    run = srcscan("catalog", *ARGS, "--cache-dir", tmp_path / "c", "--with", "-S 9", "-o", out)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "-S 9: not a value -S accepts (0..7)" in run.stderr and not out.exists()
    query = srcscan("query", *ARGS, "--cache-dir", tmp_path / "c", "--with", "-S 3", "--facility", "local3",
                    "--format", "json")
    assert query.returncode == 0, query.stderr
    assert '"report from %s"' in query.stdout


def test_query_by_facility_and_process(tmp_path):
    run = srcscan("query", *ARGS, "--cache-dir", tmp_path / "c", "--facility", "local2", "--format", "md")
    assert run.returncode == 0, run.stderr
    assert "beta running" in run.stdout and "alpha running" not in run.stdout
    run = srcscan("query", *ARGS, "--cache-dir", tmp_path / "c", "--process", "alpha", "--format", "md")
    assert "alpha running" in run.stdout and "report from %s" in run.stdout and "beta running" not in run.stdout
