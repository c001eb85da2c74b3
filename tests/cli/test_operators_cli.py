"""What an operator sees: the one-line summary, positional arguments, names checked against
the catalog (process, ident, facility, option), OPTION=VALUE, and the table and TSV formats."""

import json
from pathlib import Path

from test_catalog_cli import srcscan

FIXTURES = Path(__file__).parent.parent / "fixtures"
DEMO = ["--path", FIXTURES / "demo", "--rules", FIXTURES / "demo.toml"]
OPTIONS = ["--path", FIXTURES / "options", "--rules", FIXTURES / "options.toml"]
PROCS = ["--path", FIXTURES / "procs", "--rules", FIXTURES / "procs.toml"]


def test_catalog_says_one_line_with_the_full_path_and_details_behind_v(tmp_path):
    reports = tmp_path / "out"
    run = srcscan("catalog", *DEMO, "--cache-dir", tmp_path / "c", cwd=tmp_path, env={"SRCSCAN_REPORTS": str(reports)})
    assert run.returncode == 0, run.stderr
    assert run.stderr == f"srcscan: 7 messages -> {reports / 'demo-tree.md'}\n"
    assert (reports / "demo-tree.md").is_file()
    relative = srcscan("catalog", *DEMO, "--cache-dir", tmp_path / "c", "-o", "x.json", "-v", cwd=tmp_path)
    first, second = relative.stderr.splitlines()
    assert first == f"srcscan: 7 messages -> {tmp_path / 'x.json'}"
    assert "files (" in second and "from cache" in second and "coverage:" in second


def test_positional_arguments_mean_project_version_with_or_without_rules(tmp_path):
    out = tmp_path / "x.md"
    run = srcscan("catalog", "dnsmasq", "--rules", FIXTURES / "demo.toml", "--cache-dir", tmp_path / "c", "-o", out)
    assert run.returncode == 2 and not out.exists() and "Traceback" not in run.stderr
    assert f"--rules {FIXTURES / 'demo.toml'} describes 'demo', not 'dnsmasq'" in run.stderr
    named = srcscan("catalog", "demo", *DEMO, "--cache-dir", tmp_path / "c", "-o", out)
    assert named.returncode == 0, named.stderr


def test_process_by_name_or_syslog_ident_and_unknown_ones_exit_2(tmp_path):
    by_name = srcscan("query", *PROCS, "--cache-dir", tmp_path / "c", "--process", "beta", "--format", "json")
    by_ident = srcscan("query", *PROCS, "--cache-dir", tmp_path / "c", "--process", "Demo_beta", "--format", "json")
    assert by_name.returncode == by_ident.returncode == 0, by_ident.stderr
    names = json.loads(by_name.stdout)["messages"]
    assert names and names == json.loads(by_ident.stdout)["messages"]
    bad = srcscan("query", *PROCS, "--cache-dir", tmp_path / "c", "--process", "vrp")
    assert bad.returncode == 2 and bad.stdout == "" and "Traceback" not in bad.stderr
    assert "unknown process 'vrp'" in bad.stderr and "beta (Demo_beta)" in bad.stderr and "alpha (Demo_alpha)" in bad.stderr


def test_unknown_facility_exits_2_naming_those_in_use(tmp_path):
    bad = srcscan("query", *PROCS, "--cache-dir", tmp_path / "c", "--facility", "local9")
    assert bad.returncode == 2 and bad.stdout == ""
    assert "unknown facility 'local9'; this catalog's: daemon, local1, local2" in bad.stderr
    known = srcscan("query", *PROCS, "--cache-dir", tmp_path / "c", "--facility", "LOG_LOCAL1", "--format", "tsv")
    assert known.returncode == 0 and "alpha running" in known.stdout


def test_unknown_option_names_the_five_closest_not_all(tmp_path):
    run = srcscan("query", *OPTIONS, "--cache-dir", tmp_path / "c", "--adds", "alpha.debg")
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    closest = run.stderr.split("closest: ")[1].split(";")[0].split(", ")
    assert len(closest) == 5 and closest[0] == "alpha.debug"
    assert "lists all 16" in run.stderr


def test_adds_option_equals_value_answers_for_that_value(tmp_path):
    def adds(spec):
        run = srcscan("query", *OPTIONS, "--cache-dir", tmp_path / "c", "--adds", spec, "--format", "json")
        assert run.returncode == 0, run.stderr
        data = json.loads(run.stdout)
        return sorted(m["format"] for m in data["messages"]), sorted(m["format"] for m in data["removed"])

    # shared_helper(conf->debug, "alpha") and (..., "beta") write "helper for alpha" and "helper for
    # beta": one message per constant, same format, each (for now) with the helper's requirement
    assert adds("alpha.debug=1") == (["helper for %s", "helper for %s"], [])
    assert adds("alpha.debug=2") == adds("alpha.debug") == (["alpha at level 2", "helper for %s", "helper for %s"], [])
    assert adds("-D") == (["detail", "extra detail"], ["only without -D"])  # what -D takes away too


def test_with_option_equals_value(tmp_path):
    out = tmp_path / "c1.json"
    run = srcscan("catalog", *OPTIONS, "--cache-dir", tmp_path / "c", "--with", "alpha.debug=1", "-o", out)
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    formats = {m["format"] for m in data["messages"]}
    assert "helper for %s" in formats and "alpha at level 2" not in formats
    assert data["run"] == {"with": ["alpha.debug=1"], "provider": "path"}  # the header's --with and provider, as data


def test_table_fits_the_terminal_width_and_tsv_has_one_line_per_message(tmp_path):
    for columns in (50, 72, 100):
        run = srcscan("query", *OPTIONS, "--cache-dir", tmp_path / "c", "--format", "table",
                      env={"COLUMNS": str(columns)})
        assert run.returncode == 0, run.stderr
        lines = run.stdout.splitlines()
        assert lines[0].split() == ["where", "pri", "message", "requires"]
        assert max(len(line) for line in lines) <= columns, (columns, run.stdout)
        assert "tls.c:48" in run.stdout and "plugin.c:45" in run.stdout  # where is never cut
    tsv = srcscan("query", *OPTIONS, "--cache-dir", tmp_path / "c", "--format", "tsv")
    rows = [line.split("\t") for line in tsv.stdout.splitlines()]
    assert rows[0] == ["file", "line", "function", "priority", "processes", "facility", "requires", "build", "message"]
    assert len(rows) == 15 and all(len(r) == 9 for r in rows)  # "helper for alpha" and "helper for beta": two
    assert ["main.c", "69", "main", "INFO", "main", "user", "!-D", "", "only without -D"] in rows


def test_piped_output_defaults_to_tsv(tmp_path):
    run = srcscan("query", *OPTIONS, "--cache-dir", tmp_path / "c", "--adds", "-D")
    assert run.stdout.splitlines()[0].startswith("change\tfile\tline")
    assert "taken away\tmain.c\t69\t" in run.stdout


def test_diff_shows_priority_and_drops_what_needs_options_not_run(tmp_path):
    a = tmp_path / "a.json"
    assert srcscan("catalog", *OPTIONS, "--cache-dir", tmp_path / "c", "-o", a).returncode == 0
    data = json.loads(a.read_text())
    for m in data["messages"]:
        if m["format"] == "detail":
            m["priority"] = "LOG_ERR"
    data["messages"] = [m for m in data["messages"] if m["format"] != "alpha at level 2"]
    b = tmp_path / "b.json"
    b.write_text(json.dumps(data))
    run = srcscan("diff", "--old", a, "--new", b, "--format", "md")
    assert run.returncode == 1, run.stderr
    changed = run.stdout.split("## Changed (1)")[1]
    assert changed.split("\n")[2].split("|")[1:4] == [" where (new)   ", " priority    ", " field    "]
    assert "| main.c:67     | INFO -> ERR | priority |" in changed
    assert "0 added, 1 removed, 1 changed" in run.stderr
    run = srcscan("diff", "--old", a, "--new", b, "--with", "alpha.debug=1", "--format", "tsv")
    assert "0 added, 0 removed, 0 changed" in run.stderr and run.returncode == 0  # -D not run: detail is gone too
    run = srcscan("diff", "--old", a, "--new", b, "--with", "-D", "--with", "alpha.debug=1", "--format", "tsv")
    assert run.returncode == 1 and run.stdout.splitlines()[1:] == ["changed\tmain.c\t67\tLOG_ERR\tpriority\tLOG_INFO\tLOG_ERR"]
    data = json.loads(srcscan("diff", "--old", a, "--new", b, "--with", "-D", "--format", "json").stdout)
    assert data["with"] == ["-D"] and data["old"]["provider"] == data["new"]["provider"] == "path"


def test_diff_only_takes_option_equals_value_like_everywhere_else(tmp_path):
    a = tmp_path / "a.json"
    assert srcscan("catalog", *OPTIONS, "--cache-dir", tmp_path / "c", "-o", a).returncode == 0
    data = json.loads(a.read_text())
    data["messages"] = [m for m in data["messages"] if m["format"] not in ("alpha at level 2", "always")]
    b = tmp_path / "b.json"
    b.write_text(json.dumps(data))
    runs = [srcscan("diff", "--old", a, "--new", b, "--only", spec, "--format", "json") for spec in ("alpha.debug", "alpha.debug=1")]
    assert runs[0].returncode == runs[1].returncode == 1
    assert json.loads(runs[0].stdout)["removed"] == json.loads(runs[1].stdout)["removed"]
    assert [m["format"] for m in json.loads(runs[1].stdout)["removed"]] == ["alpha at level 2"]


def test_diff_and_coverage_tables_fit_the_terminal_width(tmp_path):
    a = tmp_path / "a.json"
    assert srcscan("catalog", *OPTIONS, "--cache-dir", tmp_path / "c", "-o", a).returncode == 0
    data = json.loads(a.read_text())
    long = ("a message added at length " * 6).strip()
    for m in data["messages"]:
        if m["format"] == "detail":
            m["priority"] = "LOG_ERR"
            # a new text (the same text at another line would be a new call site of that message)
            data["messages"].append({**m, "id": "f" * 12, "line": 999, "format": long, "text": long,
                                     "template": {"parts": [long], "dynamic": False}})
            break
    b = tmp_path / "b.json"
    b.write_text(json.dumps(data))
    for columns in (60, 100):
        run = srcscan("diff", "--old", a, "--new", b, "--format", "table", env={"COLUMNS": str(columns)})
        assert run.returncode == 1, run.stderr
        lines = run.stdout.splitlines()
        assert max(len(line) for line in lines) <= columns, (columns, run.stdout)
        assert any("main.c:67" in line for line in lines)  # where is never cut
        assert any("main.c:999" in line for line in lines)
        # the Added table's rows, wrapped to the room left (four lines at most, then an ellipsis):
        # the message whole at 100 columns (six "added"), cut after the first at 60
        added = run.stdout.split("Added (1)\n", 1)[1].split("\n\n", 1)[0]
        assert added.split().count("added") == (6 if columns == 100 else 1) and ("…" in added) == (columns == 60)
    cov = srcscan("coverage", *OPTIONS, "--cache-dir", tmp_path / "c", "--format", "table", env={"COLUMNS": "60"})
    assert cov.returncode == 0, cov.stderr
    assert max(len(line) for line in cov.stdout.splitlines()) <= 80  # the counts table's labels are 70 wide
