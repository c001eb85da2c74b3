"""srcscan history over a fixture repository with four tagged releases written here: a message
added, reworded twice, its priority and option changed, removed; another moved to another
file; a third reusing the first one's old text after its removal."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from diff_support import daemon_head

from srcscan.cli import cli
from srcscan.history import select_releases
from srcscan.render.history import render_history_markdown
from srcscan.errors import InputError
from srcscan.sources.git import version_key

RULES = str(Path(__file__).parent.parent / "fixtures" / "history" / "rules.toml")
HEAD = daemon_head()  # syslog, log_message() and a getopt loop where -d sets debug |= 4
LOAD = """void load_config(const char *path)
{
%s
}
"""
LISTEN = """void listen_port(int port)
{
	log_message(LOG_INFO, "Listening on port %d", port);
}
"""
NET = "#include <syslog.h>\nvoid log_message(int priority, const char *format, ...);\n" + LISTEN
RELEASES = {
    "1.0": {"main.c": HEAD + LOAD % '\tlog_message(LOG_ERR, "Unable to open config file %s", path);' + "\n" + LISTEN},
    "1.1": {"main.c": HEAD + LOAD % '\tlog_message(LOG_ERR, "Unable to open the config file %s", path);',
            "net.c": NET},
    "1.2": {"main.c": HEAD + LOAD % '\tif (debug & 4)\n\t\tlog_message(LOG_WARNING, "Unable to open the configuration file %s", path);',
            "net.c": NET},
    "1.3": {"main.c": HEAD + LOAD % "\t(void)path;",
            "net.c": NET
                     + 'void reload(const char *file)\n{\n\tlog_message(LOG_ERR, "Unable to open config file %s", file);\n}\n'},
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    base = tmp_path_factory.mktemp("hist")
    repo = base / "histdemo"
    repo.mkdir()

    def git(*args):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    for version, files in RELEASES.items():
        for old in repo.glob("*.c"):
            old.unlink()
        for name, text in files.items():
            (repo / name).write_text(text)
        git("add", "-A")
        git("commit", "-q", "-m", version)
        git("tag", f"v{version}")
    git("tag", "v1.4-rc1")  # a release candidate: never a release
    return repo


def run(repo, cache, *args):
    result = CliRunner().invoke(cli, ["history", "--rules", RULES, "histdemo", "--source", str(repo),
                                      "--cache-dir", str(cache), *args], catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def report(repo, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    result = run(repo, cache, "--format", "json")
    assert result.exit_code == 0, result.output
    costs = [line for line in result.stderr.splitlines() if line.startswith("srcscan: cost: 1.")]
    assert len(costs) == 4 and all("prefetched" in line for line in costs[1:])  # the next release scanned meanwhile
    assert "4 releases: " in result.stderr and "files parsed" in result.stderr
    return json.loads(result.stdout), cache


def by_text(report, text):
    (m,) = [m for m in report["messages"] if any(e.get("new", {}).get("text") == text for e in m["events"])]
    return m


def events(m):
    return [(e["release"], e["kind"], tuple(e.get("fields", ()))) for e in m["events"]]


def test_every_event_of_the_reworded_message(report):
    data, _ = report
    assert [r["release"] for r in data["releases"]] == ["1.0", "1.1", "1.2", "1.3"]  # no release candidate
    config = by_text(data, "Unable to open the configuration file %s")
    assert events(config) == [("1.0", "added", ()), ("1.1", "changed", ("template",)),
                              ("1.2", "changed", ("template", "priority", "requires", "conditions")),
                              ("1.3", "removed", ())]
    change = config["events"][2]
    assert (change["old"]["priority"], change["new"]["priority"]) == ("LOG_ERR", "LOG_WARNING")
    assert (change["old"]["requires"], change["new"]["requires"]) == ([], [["-d"]])
    assert config["events"][1]["old"]["text"] == "Unable to open config file %s"
    # a changed guard shows the guards before and after, as every other changed field does
    assert (change["old"]["conditions"], change["new"]["conditions"]) == ([], ["debug & 4"])
    assert "conditions: (none) -> (debug & 4)" in render_history_markdown(data)


def test_a_move_to_another_file_keeps_the_id(report):
    data, _ = report
    listen = [m for m in data["messages"] if m["text"] == "Listening on port %d"]
    assert len(listen) == 1
    assert events(listen[0]) == [("1.0", "added", ()), ("1.1", "changed", ("location",))]
    assert listen[0]["file"] == "net.c" and listen[0]["removed"] is None


def test_ids_are_stable_and_never_reused(report):
    data, _ = report
    config = by_text(data, "Unable to open the configuration file %s")
    reuse = [m for m in data["messages"] if m["first"] == "1.3"]
    assert [m["text"] for m in reuse] == ["Unable to open config file %s"]  # the first one's old text
    sids = [m["sid"] for m in data["messages"]]
    assert len(set(sids)) == len(sids)
    assert reuse[0]["sid"] != config["sid"]
    assert int(reuse[0]["sid"][1:]) > max(int(s[1:]) for s in sids if s != reuse[0]["sid"])


def test_an_interrupted_history_resumes_and_gives_the_same_ids(repo, report, tmp_path):
    data, _ = report
    partial = run(repo, tmp_path, "--to", "1.1", "--format", "json")
    assert partial.exit_code == 0
    full = json.loads(run(repo, tmp_path, "--format", "json").stdout)
    assert full["messages"] == data["messages"]
    assert "1.0 (" not in run(repo, tmp_path, "--format", "json").stderr  # nothing built again


def test_one_message_and_a_sub_range(repo, report):
    data, cache = report
    one = json.loads(run(repo, cache, "--message", "Listening", "--format", "json").stdout)
    assert [m["text"] for m in one["messages"]] == ["Listening on port %d"]
    late = json.loads(run(repo, cache, "--from", "1.2", "--to", "1.3", "--format", "json").stdout)
    assert [r["release"] for r in late["releases"]] == ["1.2", "1.3"]
    assert all(e["release"] in ("1.2", "1.3") for m in late["messages"] for e in m["events"])
    md = run(repo, cache, "--format", "md").stdout
    assert "# histdemo 1.0 -> 1.3: message history" in md and "| s" in md
    tsv = run(repo, cache).stdout.splitlines()  # in a pipe
    assert tsv[0].split("\t")[:3] == ["sid", "release", "event"]
    assert any(line.split("\t")[1:4] == ["1.1", "changed", "location"] for line in tsv)


def test_every_nth_release_keeps_the_first_and_the_last(repo, tmp_path):
    result = run(repo, tmp_path, "--every", "2", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [r["release"] for r in json.loads(result.stdout)["releases"]] == ["1.0", "1.2", "1.3"]
    assert [line.split()[2] for line in result.stderr.splitlines() if line.startswith("srcscan: cost: 1.")] == \
        ["1.0:", "1.2:", "1.3:"]  # 1.1 not built


@pytest.mark.parametrize("args, message", [
    (("--from", "1.3", "--to", "1.0"), "--from 1.3 comes after --to 1.0"),
    (("--message", "no such text"), "no message of histdemo matches 'no such text'"),
    (("--from", "9.9"), "--from 9.9 is not a release tag"),
])
def test_bad_input_is_one_line_and_exit_2(repo, report, args, message):
    _, cache = report
    result = subprocess.run([sys.executable, "-m", "srcscan", "history", "--rules", RULES, "histdemo", "--source",
                             str(repo), "--cache-dir", str(cache), *args], capture_output=True, text=True)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"srcscan: error: {message}") and result.stdout == ""


def test_select_releases_refuses_an_empty_range():
    with pytest.raises(InputError, match="no releases in that range"):
        select_releases(["1.0-rc1", "1.0beta"], None, None, version_key)


def test_catalog_and_diff_show_the_stable_id(repo, report, tmp_path):
    data, cache = report
    listen = next(m for m in data["messages"] if m["text"] == "Listening on port %d")
    out = tmp_path / "c.json"
    result = CliRunner().invoke(cli, ["catalog", "--rules", RULES, "histdemo", "1.3", "--source", str(repo), "--cache-dir", str(cache),
                                      "--format", "json", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    catalog = json.loads(out.read_text())
    assert {m["format"]: m["sid"] for m in catalog["messages"]}["Listening on port %d"] == listen["sid"]
    result = CliRunner().invoke(cli, ["diff", "--rules", RULES, "histdemo", "1.0", "1.1", "--source", str(repo), "--cache-dir", str(cache),
                                      "--format", "json"], catch_exceptions=False)
    diff = json.loads(result.stdout)
    (moved,) = [c for c in diff["moved"] if c["fields"] == ["location"]]
    assert moved["old"]["sid"] == moved["new"]["sid"] == listen["sid"]


def test_a_copy_merged_into_a_surviving_message_keeps_the_survivors_id(tmp_path):
    from srcscan.history import add_release, empty_index, message_events
    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources import Provenance, SourceTree

    rules = load_rules(str(Path(__file__).parent.parent / "fixtures" / "demo.toml"))
    two = "void log_message(int p, const char *f, ...);\nvoid a(void) { log_message(6, \"disk full\"); }\n" \
          "void b(void) { log_message(6, \"disk full\"); }\nvoid c(void) { log_message(6, \"started\"); }\n"
    # b() now leaves the logging to a(): its copy folded into a's (a copy whose function is gone
    # altogether went with it, and is removed, not merged)
    one = "void log_message(int p, const char *f, ...);\nvoid a(void) { log_message(6, \"disk full\"); }\n" \
          "void b(void) { a(); }\nvoid c(void) { log_message(6, \"started\"); }\n"
    index = empty_index("demo", rules.sha256)
    for version, text in (("1.0", two), ("1.1", one)):
        root = tmp_path / version
        root.mkdir()
        (root / "d.c").write_text(text)
        catalog = build_from_tree(rules, SourceTree(root, Provenance("path", str(root), version)), tmp_path / "c").catalog
        texts = lambda side, f, r=root, prev=tmp_path / "1.0": ((prev if side == "old" else r) / f).read_text()
        index = add_release(index, catalog, version, texts=texts if version == "1.1" else None)
    entries = sorted(index["messages"].values(), key=lambda e: e["sid"])
    full = [e for e in entries if e["states"][0]["text"] == "disk full"]
    survivor, copy = sorted(full, key=lambda e: e["removed"] is not None)
    assert survivor["removed"] is None and copy["removed"] == "1.1" and copy["merged_into"] == survivor["sid"]
    assert index["next_sid"] == 4  # no new id: the survivor kept its own
    assert [(e.release, e.kind) for e in message_events(survivor)] == [("1.0", "added"), ("1.1", "merged")]


def test_a_call_split_by_build_keeps_one_id_and_the_other_builds_call_is_new(tmp_path):
    """The diff pairs an old call with each of the calls a release split it into, one per build
    (lighttpd 1.4.79's accept() under `#ifdef _WIN32` / `#else`): one keeps the old sid, the
    other is a new message (a split), so every message of the release has an id of its own."""
    from srcscan.history import add_release, empty_index

    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources import Provenance, SourceTree

    rules = load_rules(str(Path(__file__).parent.parent / "fixtures" / "demo.toml"))
    head = "void log_message(int p, const char *f, ...);\nint err(void);\nint wsa(void);\n"
    old = head + "void a(void) {\n\tswitch (err()) {\n\tcase 1: break;\n\tdefault: log_message(3, \"accept()\");\n\t}\n}\n"
    new = head + ("void a(void) {\n#ifdef _WIN32\n\tswitch (wsa()) {\n\tcase 2: break;\n\tdefault: log_message(3, \"accept()\");\n\t}\n"
                  "#else\n\tswitch (err()) {\n\tcase 1: break;\n\tdefault: log_message(3, \"accept()\");\n\t}\n#endif\n}\n")
    index = empty_index("demo", rules.sha256)
    for version, text in (("1.0", old), ("1.1", new)):
        root = tmp_path / version
        root.mkdir()
        (root / "d.c").write_text(text)
        catalog = build_from_tree(rules, SourceTree(root, Provenance("path", str(root), version)), tmp_path / "c").catalog
        texts = lambda side, f, r=root, prev=tmp_path / "1.0": ((prev if side == "old" else r) / f).read_text()
        index = add_release(index, catalog, version, texts=texts if version == "1.1" else None)
    assert len(catalog.messages) == 2 and {m.build for m in catalog.messages} == {"defined(_WIN32)", "!defined(_WIN32)"}
    alive = [e for e in index["messages"].values() if e["removed"] is None]
    assert len(alive) == 2 and len(index["last_sids"]) == 2 and len(set(index["last_sids"].values())) == 2
    assert index["releases"][1]["added"] == 1 and sorted(e["first"] for e in alive) == ["1.0", "1.1"]


def test_catalogs_made_through_history_equal_single_release_catalogs(repo, report, tmp_path):
    """History scans each next release in a second process while this one is analysed
    (srcscan.releases); the catalogs it makes are the results cache's entries, which a
    `catalog` run with the same cache reads back. Each must equal a catalog made alone."""
    data, cache = report
    assert [r["release"] for r in data["releases"]] == ["1.0", "1.1", "1.2", "1.3"]

    def catalog(version, where):
        out = tmp_path / f"{where.name}-{version}.json"
        result = CliRunner().invoke(cli, ["catalog", "-v", "--rules", RULES, "histdemo", version, "--source", str(repo),
                                          "--cache-dir", str(where), "--format", "json", "-o", str(out)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        data = json.loads(out.read_text())
        for m in data["messages"]:
            m.pop("sid", None)
        return data, result.output

    for version in ("1.0", "1.1", "1.2", "1.3"):
        through_history, said = catalog(version, cache)
        assert "the whole run from cache" in said  # the history run's own catalog, read back
        alone, said = catalog(version, tmp_path / f"alone-{version}")
        assert "the whole run from cache" not in said
        assert through_history["messages"] == alone["messages"] and alone["messages"]
        assert through_history["files"] == alone["files"]


def test_explain_shows_the_stable_id(repo, report, tmp_path):
    data, cache = report
    listen = next(m for m in data["messages"] if m["text"] == "Listening on port %d")
    log = tmp_path / "daemon.log"
    log.write_text("Nov 30 02:00:00 host histdemo[123]: Listening on port 8080\n")
    args = ["explain", "--rules", RULES, "histdemo", "1.3", str(log), "--source", str(repo), "--cache-dir", str(cache)]
    result = CliRunner().invoke(cli, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (line,) = json.loads(result.stdout)["lines"]
    assert [(m["text"], m["sid"]) for m in line["matches"]] == [("Listening on port %d", listen["sid"])]
    md = CliRunner().invoke(cli, [*args, "--format", "md"], catch_exceptions=False).stdout
    assert f"`net.c:5 listen_port ({listen['sid']})`" in md
    other = tmp_path / "other-cache"  # no history index there: no sid, the rest alike
    result = CliRunner().invoke(cli, [*args[:-1], str(other), "--format", "json"], catch_exceptions=False)
    (line,) = json.loads(result.stdout)["lines"]
    assert "sid" not in line["matches"][0] and line["matches"][0]["text"] == "Listening on port %d"


def test_a_change_only_srcscans_reading_made_is_an_analysis_event_not_a_change():
    """keepalived 2.2.7 -> 2.2.8: dump_rs's `SNMP name = %s` lost `snmp_name` from its
    requirement while dump_rs and its callers read the same in both releases (the diff marks it
    analysis only); the history spot check of seed 14502 counted five such events as changes
    the release never made."""
    from srcscan.history import message_events

    state = {"text": "SNMP name = %s", "priority": "LOG_INFO", "requires": [["-d", "snmp_name"]], "release": "2.2.7"}
    entry = {"sid": "s1", "first": "2.2.7", "removed": None, "states": [
        state,
        {**state, "requires": [["-d"]], "release": "2.2.8", "changed": ["requires"], "analysis_only": ["requires"]},
        {**state, "requires": [["-D"]], "text": "SNMP name: %s", "release": "2.3.0", "changed": ["template", "requires"],
         "analysis_only": ["requires"]},
    ]}
    events = message_events(entry)
    assert [(e.release, e.kind) for e in events] == [("2.2.7", "added"), ("2.2.8", "analysis"), ("2.3.0", "changed")]
    assert events[1].note == "analysis only: requires"


def test_texts_a_paired_call_site_stops_or_starts_writing_follow_that_sites_message(tmp_path):
    """keepalived 2.3.3's open_dump_file() writes `Can't open dump file %s` with a path it
    builds, where 2.3.2 wrote one text per caller's constant (`... keepalived_bfd.data ...`):
    the texts it no longer writes went into its message (merged into that sid), not removed
    outright. A text a paired site writes in the new release only (a caller's constant it is
    now read with) is a further text of that site's message, not an added message."""
    from srcscan.history import add_release, empty_index, message_events
    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources import Provenance, SourceTree

    rules = load_rules(str(Path(__file__).parent.parent / "fixtures" / "demo.toml"))
    head = "void log_message(int p, const char *f, ...);\n"
    one = head + "void open_dump(const char *f) { log_message(6, \"Can't open dump file %s\", f); }\n" \
        "void a(void) { open_dump(\"a.data\"); }\nvoid b(void) { open_dump(\"b.data\"); }\n"
    two = head + "char *full_path(const char *f);\n" \
        "void open_dump(const char *f) { char *p = full_path(f); log_message(6, \"Can't open dump file %s\", p); }\n" \
        "void a(void) { open_dump(\"a\"); }\nvoid b(void) { open_dump(\"b\"); }\n"
    index = empty_index("demo", rules.sha256)
    for version, text in (("1.0", one), ("1.1", two)):
        root = tmp_path / version
        root.mkdir()
        (root / "d.c").write_text(text)
        catalog = build_from_tree(rules, SourceTree(root, Provenance("path", str(root), version)), tmp_path / "c").catalog
        texts = lambda side, f, r=root, prev=tmp_path / "1.0": ((prev if side == "old" else r) / f).read_text()
        index = add_release(index, catalog, version, texts=texts if version == "1.1" else None)
    entries = {e["states"][0]["text"]: e for e in index["messages"].values()}
    assert sorted(entries) == ["Can't open dump file a.data", "Can't open dump file b.data"]
    kept = [e for e in entries.values() if not e["removed"]]
    gone = [e for e in entries.values() if e["removed"]]
    assert len(kept) == 1 and len(gone) == 1 and gone[0]["merged_into"] == kept[0]["sid"]
    assert [(e.release, e.kind) for e in message_events(gone[0])] == [("1.0", "added"), ("1.1", "removed")]

    index = empty_index("demo", rules.sha256)
    three = head + "const char *name(void);\nvoid open_dump(const char *f) { log_message(6, \"Can't open dump file %s\", f); }\n" \
        "void a(void) { open_dump(name()); }\n"
    four = three + "void b(void) { open_dump(\"b.data\"); }\n"
    for version, text in (("2.0", three), ("2.1", four)):
        root = tmp_path / version
        root.mkdir()
        (root / "d.c").write_text(text)
        catalog = build_from_tree(rules, SourceTree(root, Provenance("path", str(root), version)), tmp_path / "c").catalog
        texts = lambda side, f, r=root, prev=tmp_path / "2.0": ((prev if side == "old" else r) / f).read_text()
        index = add_release(index, catalog, version, texts=texts if version == "2.1" else None)
    entries = {e["states"][0]["text"]: e for e in index["messages"].values()}
    assert sorted(entries) == ["Can't open dump file %s", "Can't open dump file b.data"]
    further = entries["Can't open dump file b.data"]
    assert further["text_of"] == entries["Can't open dump file %s"]["sid"]
    assert [(e.release, e.kind) for e in message_events(further)] == [("2.1", "further-text")]


def test_a_text_the_old_catalog_read_as_its_sites_hole_was_written_since_that_release(tmp_path):
    """keepalived 2.2.7's catalog reads snmp_register_mib()'s `Unable to register %s MIB` with
    its hole (its callers' calls do not parse: `sizeof(struct variable8)` of a header the tree
    lacks); 2.3.0's calls parse, and its catalog has a text per name the callers pass. A name
    the old callers' files already had was written then too: the text is no further text of
    2.3.0 but written since 2.2.7 (history spot check H6). A name only a new call passes is a
    further text (test_texts_a_paired_call_site_stops_or_starts_writing_follow_that_sites_message)."""
    from srcscan.history import add_release, empty_index, message_events
    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources import Provenance, SourceTree

    rules = load_rules(str(Path(__file__).parent.parent / "fixtures" / "demo.toml"))
    head = "void log_message(int p, const char *f, ...);\nstruct variable8;\n" \
        "void reg(const char *name, int size) { log_message(4, \"Unable to register %s MIB\", name); }\n" \
        "static const char global_name[] = \"Keepalived\";\n"
    one = head + "void a(void) { reg(global_name, sizeof(struct variable8)); }\n" \
        "void b(void) { reg(\"VRRP\", sizeof(struct variable8)); }\n"
    two = head + "void a(void) { reg(global_name, 8); }\nvoid b(void) { reg(\"VRRP\", 8); }\n"
    index = empty_index("demo", rules.sha256)
    for version, text in (("1.0", one), ("1.1", two)):
        root = tmp_path / version
        root.mkdir()
        (root / "d.c").write_text(text)
        catalog = build_from_tree(rules, SourceTree(root, Provenance("path", str(root), version)), tmp_path / "c").catalog
        texts = lambda side, f, r=root, prev=tmp_path / "1.0": ((prev if side == "old" else r) / f).read_text()
        index = add_release(index, catalog, version, texts=texts if version == "1.1" else None)
    events = sorted((entry["states"][-1]["text"], [(e.release, e.kind) for e in message_events(entry)])
                    for entry in index["messages"].values())
    # the site's message (paired with one of the texts) and the other text, both since 1.0
    assert [e for _, e in events] == [[("1.0", "added")]] * 2
    assert events[0][0] == "Unable to register %s MIB"
    (other,) = [e for e in index["messages"].values() if e.get("hole")]
    assert other["first"] == "1.0" and other["hole"] == "Unable to register %s MIB"


def _history_of(tmp_path, sides: list[str], rules_file: str = "demo.toml"):
    """A history index over releases 1.0, 1.1, ... of one file d.c (`sides`: its texts), and
    each release's catalog."""
    from srcscan.history import add_release, empty_index
    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources import Provenance, SourceTree

    rules = load_rules(str(Path(__file__).parent.parent / "fixtures" / rules_file))
    index, catalogs, previous = empty_index("demo", rules.sha256), [], None
    for n, text in enumerate(sides):
        version = f"1.{n}"
        root = tmp_path / version
        root.mkdir()
        (root / "d.c").write_text(text)
        catalog = build_from_tree(rules, SourceTree(root, Provenance("path", str(root), version)), tmp_path / "c").catalog
        texts = lambda side, f, r=root, p=previous: ((p if side == "old" else r) / f).read_text()  # noqa: E731
        index = add_release(index, catalog, version, texts=texts if previous else None)
        catalogs.append(catalog)
        previous = root
    return index, catalogs


def test_literal_messages_a_helper_now_writes_with_its_callers_constants_keep_their_ids(tmp_path):
    """keepalived 2.3.0 took dump_global_data()'s literal ` VRRP notify fifo = %s, ...` (and
    the Global and LVS ones) into write_fifo_details(), which writes ` %s notify fifo = ...`
    with the type its caller passes: the same lines, under the same tests (each call's
    `if (data->vrrp_notify_fifo.name)`). The diff shows one merge ("helper"); the history
    keeps each old message's id on the text it still is, moved into the helper (history spot
    check of seed 16131, H1: the VRRP one was given as first seen in 2.3.0)."""
    from diff_support import two_sides
    from srcscan.history import message_events

    old, new = (HEAD + side for side in two_sides((Path(RULES).parent / "helperconst.c.sides").read_text()))
    index, (_, catalog) = _history_of(tmp_path, [old, new])
    assert len(catalog.messages) == 5 and index["next_sid"] == 6  # no new id
    release = index["releases"][1]
    assert (release["added"], release["removed"], release["merged"]) == (0, 0, 2)
    for entry in index["messages"].values():
        assert entry["first"] == "1.0" and entry["removed"] is None and "text_of" not in entry
        events = [(e.release, e.kind, e.fields) for e in message_events(entry)]
        if "fifo" in entry["states"][0]["text"]:
            # read with the call passing its constant, the guard is the old one
            assert events == [("1.0", "added", ()), ("1.1", "changed", ("location",))], entry["states"][0]["text"]
            assert entry["states"][-1]["text"] == entry["states"][0]["text"] and entry["states"][-1]["function"] == "write_fifo"
        else:
            assert events == [("1.0", "added", ())]


def test_a_change_event_names_only_fields_the_release_changed():
    """History spot check of seed 16131, H8: an event named facility and processes changes
    that did not change. A field the diff names whose shown values are equal (the facility's
    options, the format alone: a helper's `%s` now filled with its caller's constant writes
    the same line) is no field of the event; one changed only in srcscan's reading is in the
    note, not among the release's fields; a state changing nothing shown is no event."""
    from srcscan.history import message_events
    from srcscan.render.history import _event

    state = {"text": "VRRP notify fifo = %s", "format": "VRRP notify fifo = %s", "priority": "LOG_INFO", "call": "conf_write",
             "requires": [["vrrp_notify_fifo"]], "processes": ["vrrp"], "facility": ["daemon"], "build": "",
             "conditions": [], "file": "g.c", "function": "dump", "line": 10, "release": "1.0", "id": "x"}
    entry = {"sid": "s1", "first": "1.0", "removed": None, "states": [
        state,
        # the facility's options and the format changed only: nothing the event shows
        {**state, "format": "%s notify fifo = %s", "release": "1.1", "changed": ["template", "facility"], "analysis_only": []},
        # reworded, while processes changed in srcscan's reading only
        {**state, "text": "VRRP notify FIFO = %s", "processes": ["vrrp", "checker"], "release": "1.2",
         "changed": ["template", "processes", "facility"], "analysis_only": ["processes", "facility"]},
    ]}
    events = message_events(entry)
    assert [(e.release, e.kind, e.fields, e.note) for e in events] == [
        ("1.0", "added", (), ""), ("1.2", "changed", ("template",), "analysis only: processes")]
    shown = _event(events[1])
    assert shown["old"] == {"text": "VRRP notify fifo = %s"} and shown["new"] == {"text": "VRRP notify FIFO = %s"}


def test_a_change_only_srcscans_reading_made_is_counted_not_listed_among_the_events():
    """History spot check of seed 16131, H4: a `requires` change at 2.2.8 with no change in the
    source (the diff's analysis only) was read as the release's. The report leaves such
    changes out of a message's events and lists them apart (`analysis_only`), with a count."""
    from srcscan.render.history import history_report, render_history_markdown

    state = {"text": "SNMP name = %s", "format": "SNMP name = %s", "priority": "LOG_INFO", "call": "log_message",
             "requires": [["-d", "snmp_name"]], "processes": [], "facility": [], "build": "", "conditions": [],
             "file": "a.c", "function": "dump_rs", "line": 3, "release": "2.2.7", "id": "x"}
    entry = {"sid": "s1", "first": "2.2.7", "removed": None, "line": 3, "states": [
        state, {**state, "requires": [["-d"]], "release": "2.2.8", "changed": ["requires"], "analysis_only": ["requires"]}]}
    index = {"project": "demo", "messages": {"s1": entry},
             "releases": [{"release": r, "messages": 1, "added": 0, "removed": 0, "reworded": 0, "changed": 0,
                           "merged": 0, "options_added": {}} for r in ("2.2.7", "2.2.8")]}
    report = history_report(index, ["2.2.7", "2.2.8"])
    (m,) = report["messages"]
    assert [e["kind"] for e in m["events"]] == ["added"]
    assert m["analysis_only"] == [{"release": "2.2.8", "fields": ["requires"]}]
    assert "1 changes of requirements, processes or facility by srcscan's analysis only" in render_history_markdown(report)
