"""The audit trees of processes, facilities, callbacks and idents (tests/fixtures/precision):
each case's catalog gives the answers its expected.json entry states, field by field."""

import json
from pathlib import Path

import pytest

from rsyslog_live import LiveRsyslog
from srcscan.model import NotInProcess
from srcscan.render.common import derivation_text
from srcscan.rsyslog import rsyslog_config
from tests.conftest import assert_rsyslogd_accepts, tree_catalog, write_tree

PRECISION = Path(__file__).parent.parent / "fixtures" / "precision"
EXPECTED = json.loads((PRECISION / "expected.json").read_text())["cases"]
CASES = ("callback-by-container", "per-process-state", "facility-in-priority", "openlog-in-header",
         "feature-build-process", "ident-built-at-runtime")


def build_case(name, tmp_path, with_options=()):
    case = EXPECTED[name]
    rules_file = case["rules"]
    return tree_catalog(PRECISION / name, PRECISION / rules_file, tmp_path / "cache", tuple(with_options))


def expected_rows(name):
    """(case, file, format, field, expected value) for every field an expected message states."""
    rows = []
    for m in EXPECTED[name]["messages"]:
        for field, value in m.items():
            if field in ("file", "format") or field.startswith("facility_with"):
                continue
            rows.append((name, m["file"], m["format"], field, value))
    return rows


def actual(catalog, file, fmt, field):
    """The catalog's answer for one field of one message; a message the catalog does not
    list is unreachable."""
    found = [m for m in catalog.messages if m.file == file and m.format == fmt]
    if field == "reachable":
        return bool(found)
    assert len(found) == 1, f"{file}: {fmt!r} found {len(found)} times"
    value = getattr(found[0], field)
    if field == "requires":
        return sorted(sorted(alt) for alt in value)
    if field == "build":
        return value.replace("defined(", "").replace(")", "")  # the catalog writes `defined(WITH_PERF)`
    return list(value)


# Not yet right (strict: each turns into a failure once fixed, so that it is taken off).
NOT_YET: dict[tuple, str] = {}
ROWS = [pytest.param(*row, marks=pytest.mark.xfail(reason=NOT_YET.get((row[0], row[3])) or NOT_YET[row[0], row[2], row[3]], strict=True))
        if (row[0], row[3]) in NOT_YET or (row[0], row[2], row[3]) in NOT_YET else row for name in CASES for row in expected_rows(name)]
IDS = [f"{r[0]}:{r[2]}:{r[3]}" for name in CASES for r in expected_rows(name)]


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory):
    built = {}

    def get(name):
        if name not in built:
            built[name] = build_case(name, tmp_path_factory.mktemp(name))
        return built[name]

    return get


@pytest.mark.parametrize("case,file,fmt,field,value", ROWS, ids=IDS)
def test_expected_answer(catalogs, case, file, fmt, field, value):
    got = actual(catalogs(case), file, fmt, field)
    if field == "requires":
        value = sorted(sorted(alt) for alt in value)
    assert got == value


def test_facility_in_the_priority_wins_over_any_option(tmp_path):
    """facility-in-priority: -S changes openlog's facility, which no message uses (the log
    function ORs LOG_USER into every priority without one)."""
    catalog = build_case("facility-in-priority", tmp_path, ("-S 3",))
    assert {m.format: m.facility for m in catalog.messages} == {"started": ("user",),
                                                                 "auth failure for %s": ("auth",)}


def test_idents_built_at_run_time_are_patterns(catalogs):
    procs = catalogs("ident-built-at-runtime").sections.to_dict()["processes"]
    assert {p["name"]: p["idents"] for p in procs} == EXPECTED["ident-built-at-runtime"]["idents"]
    assert {p["name"]: p["ident_patterns"] for p in procs} == {"parent": ["demo[_<-i>]"],
                                                              "worker": ["demo_worker[_<-i>]"]}


def test_rsyslog_files_every_ident_form_under_its_process(catalogs, tmp_path):
    """The real rsyslogd with the generated rules: a line under each ident form lands in
    its process's file (demo_worker_east under the worker, demo_east under the parent)."""
    text = rsyslog_config(catalogs("ident-built-at-runtime"), str(tmp_path / "logs"))
    conf = tmp_path / "rules.conf"
    conf.write_text(text)
    assert_rsyslogd_accepts(conf)
    sent = {"demo": "parent", "demo_east": "parent", "demo_worker": "worker", "demo_worker_east": "worker",
            "demo_worker_west_2": "worker"}
    with LiveRsyslog(tmp_path, text) as rsyslogd:
        for ident in sent:
            rsyslogd.send(ident, f"line from {ident}.")
        assert {ident: rsyslogd.where(f"line from {ident}.") for ident in sent} == {
            ident: [process] for ident, process in sent.items()}


KEYWORD_IDENT = {"main.c": r'''
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
void log_message(int prio, const char *fmt, ...);
typedef struct keyword { const char *name; void (*handler)(const char *); } keyword;
static keyword table[4];
static int n;
static char *instance_name;
static void install_keyword(const char *name, void (*handler)(const char *))
{ table[n].name = name; table[n].handler = handler; n++; }
static char *get_value(const char *v) { return strdup(v); }
static void instance_handler(const char *v) { instance_name = get_value(v); }
static char *make_ident(const char *name)
{
	char *ident = malloc(64);
	if (!ident)
		return NULL;
	strcpy(ident, name);
	if (instance_name) { strcat(ident, "_"); strcat(ident, instance_name); }
	return ident;
}
int main(void)
{
	install_keyword("instance", instance_handler);
	openlog(make_ident("demo"), LOG_PID, LOG_DAEMON);
	log_message(LOG_INFO, "running");
	return 0;
}
'''}


def test_an_ident_part_set_by_a_configuration_keyword_is_named_by_the_keyword(tmp_path):
    """instance_name = get_value(v) in the handler installed for "instance": the hole is
    <instance>, not the call; the allocation check (`if (!ident) return NULL;`) adds nothing."""
    root = write_tree(tmp_path / "tree", KEYWORD_IDENT)
    catalog = tree_catalog(root, PRECISION / "daemon-rules.toml", tmp_path / "cache")
    (proc,) = catalog.sections.to_dict()["processes"]
    assert (proc["idents"], proc["ident_patterns"]) == (["demo", "demo_<instance>"], ["demo[_<instance>]"])


UNSEEN_WRITE = {"main.c": r'''
#include <stdlib.h>
#include <unistd.h>
#include <syslog.h>
void log_message(int prio, const char *fmt, ...);
static int do_debug;        /* set only in a build with DEBUG_OPTIONS */
static int *worker_data;    /* allocated only by the worker */
static void set_options(void)
{
#ifdef DEBUG_OPTIONS
	do_debug = 1;
#endif
}
static void report(void)
{
	if (do_debug)
		log_message(LOG_INFO, "debug report");
	if (worker_data)
		log_message(LOG_INFO, "worker report");
}
static void start_worker(void)
{
	if (fork())
		return;
	openlog("demo_worker", LOG_PID, LOG_DAEMON);
	worker_data = malloc(4);
	report();
	exit(0);
}
int main(void)
{
	openlog("demo", LOG_PID, LOG_DAEMON);
	set_options();
	report();
	start_worker();
	return 0;
}
'''}


def test_state_written_where_no_parse_sees_it_prunes_nothing(tmp_path):
    """do_debug is written only in a branch this build skips: unknown, so `if (do_debug)`
    keeps both processes; worker_data is written only by the worker: its report is the
    worker's, and the derivation says why the parent has none."""
    root = write_tree(tmp_path / "tree", UNSEEN_WRITE)
    catalog = tree_catalog(root, PRECISION / "daemon-rules.toml", tmp_path / "cache")
    by_format = {m.format: m for m in catalog.messages}
    assert by_format["debug report"].processes == ("parent", "worker")
    assert by_format["worker report"].processes == ("worker",)
    assert any(isinstance(d, NotInProcess) and d.process == "parent" and d.why.startswith("worker_data is false")
               for d in by_format["worker report"].derivation)
    shown = [derivation_text(d) for d in by_format["worker report"].derivation]
    assert any(t.startswith("not in process parent: worker_data is false") for t in shown)


def test_the_markdown_catalog_lists_call_sites_no_process_runs(tmp_path):
    from srcscan.render.markdown import render_markdown

    catalog = build_case("callback-by-container", tmp_path)
    gone = catalog.sections.to_dict()["unreachable"]
    assert gone, "the case has a callback nothing calls"
    text = render_markdown(catalog)
    section = text[text.index("## Call sites no process runs"):]
    for u in gone:
        assert f"{u['file']}:{u['line']}" in section and u["function"] in section
