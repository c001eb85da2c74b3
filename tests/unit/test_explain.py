"""srcscan explain: matching records to call sites, values, processes, options, notes, engines."""

from __future__ import annotations

import gzip
import json
import pickle

import pytest
from explain_support import catalog

from srcscan.explain.catalogview import ident_pattern
from srcscan.explain.explain import Explainer, Summary
from srcscan.explain.lines import parse_line, read_records
from srcscan.explain.matcher import Matcher, available_engine
from srcscan.explain.run import summary_of

ENGINES = [e for e in ("hyperscan", "re2", "re") if available_engine(e) == e]


def explain_one(line: bytes, project: str = "keepalived", engine: str = "re"):
    return Explainer(catalog(project), engine=engine).explain([parse_line(line)])[0]


def site(e):
    return [(h.message.file, h.message.line) for h in e.hits[:e.best]]


@pytest.mark.parametrize("engine", ENGINES)
def test_most_specific_message_wins_and_alternatives_follow(engine):
    e = explain_one(b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: (VI_1) Entering MASTER STATE", engine=engine)
    assert site(e) == [("keepalived/vrrp/vrrp.c", 2179)]
    assert [h.message.line for h in e.hits] == [2179, 900]  # `(%s) Entering %s STATE` is the alternative
    assert e.hits[0].values == {"vrrp->iname": "VI_1"}
    assert e.hits[1].values == {"vrrp->iname": "VI_1", "state": "MASTER"}


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_agree(engine):
    texts = [b"(VI_1) Entering MASTER STATE", b"Open of x failed", b"Stopped", b"TCP connection to [192.0.2.1]:tcp:80 success.",
             b"Config:\n  vrrp 3 instances", b"nothing", b"Starting VRRP child process, pid=  12"]
    c = catalog()
    reference = Matcher([m.template for m in c.messages], engine="re")
    other = Matcher([m.template for m in c.messages], engine=engine)
    assert other.all_matches(texts) == reference.all_matches(texts)
    assert other.best(texts) == reference.best(texts)


def test_values_are_named_by_argument_expression():
    e = explain_one(b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: Discarding bogus packet from 192.0.2.7")
    assert e.hits[0].values == {"inet_sockaddrtopair(&pkt->src_addr)": "192.0.2.7"}


def test_ident_patterns_name_the_process():
    assert ident_pattern("Keepalived_vrrp[_<net_namespace>][_<instance>]") == \
        r"Keepalived_vrrp(?:_[^\s\[\]:]+?)?(?:_[^\s\[\]:]+?)?"
    e = explain_one(b"Nov 29 23:12:17 lb1 Keepalived_vrrp_blue_inst1[9]: (VI_1) Entering BACKUP STATE")
    assert e.daemon and e.processes == ("vrrp",) and e.hits[0].process_ok is True


def test_a_process_that_cannot_write_the_message_is_said():
    e = explain_one(b"Nov 29 23:12:17 lb1 Keepalived_healthcheckers[9]: (VI_1) Entering BACKUP STATE")
    assert e.hits[0].process_ok is False and "does not list" in e.notes[0]


def test_other_programs_are_not_the_daemons():
    e = explain_one(b"Nov 29 23:12:17 lb1 cron[55]: Stopped")
    assert not e.daemon and not e.hits


def test_option_only_lines_say_which_option():
    from srcscan.explain.catalogview import requires_text

    e = explain_one(b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: Discarding bogus packet from 192.0.2.7")
    assert requires_text(e.hits[0].message) == "-D"


def test_line_facility_and_priority_disagreeing_with_the_catalog():
    e = explain_one(b"<150>1 2026-11-29T23:12:17Z lb1 Keepalived_vrrp 9 - - (VI_1) Entering MASTER STATE")
    assert e.notes == ("the line says facility local2; the catalog expects daemon",)
    e = explain_one(b"<27>1 2026-11-29T23:12:17Z lb1 Keepalived_vrrp 9 - - (VI_1) Entering MASTER STATE")
    assert e.notes == ("the line says priority LOG_ERR; the call writes LOG_INFO",)


def test_a_line_matching_two_identical_templates_lists_both():
    e = explain_one(b"Nov 29 23:12:17 lb1 Keepalived[1]: Stopped")
    assert e.best == 2 and sorted(site(e)) == [("keepalived/core/daemon.c", 50), ("keepalived/core/main.c", 400)]


def test_multi_line_message_across_physical_lines():
    records = list(read_records([b"Sun Nov 29 23:12:17 2026: Config:\n", b"  vrrp 3 instances\n"]))
    e = Explainer(catalog(), engine="re").explain(records)[0]
    assert site(e) == [("keepalived/core/main.c", 310)] and e.hits[0].values == {"n": "3"}


@pytest.mark.parametrize("engine", ENGINES)
def test_multi_line_message_escaped_by_rsyslog(engine):
    records = [parse_line(b"Nov 29 23:12:17 lb1 Keepalived[1]: Config:#012  vrrp 3 instances"),
               parse_line(b"Nov 29 23:12:18 lb1 Keepalived[1]: Stopped")]
    done = Explainer(catalog(), engine=engine).explain(records)
    assert [site(e)[0] for e in done] == [("keepalived/core/main.c", 310), ("keepalived/core/daemon.c", 50)]


def test_lighttpd_stamp_pins_the_call_site():
    # `proxy - start` is written in two modules: the stamp says which
    e = explain_one(b"2026-11-29 23:12:17: (../src/mod_fastcgi.c.900) proxy - start", project="lighttpd")
    assert site(e) == [("src/mod_fastcgi.c", 900)] and e.hits[0].pinned
    e = explain_one(b"Nov 29 23:12:17 lb1 lighttpd[3]: (mod_proxy.c.1022) proxy - start", project="lighttpd")
    assert site(e) == [("src/mod_proxy.c", 1022)] and e.hits[0].pinned


def test_lighttpd_stamp_at_another_line_still_matches_by_text():
    e = explain_one(b"2026-11-29 23:12:17: (mod_proxy.c.999) proxy - start", project="lighttpd")
    assert not e.hits[0].pinned and e.hits[0].message.file == "src/mod_proxy.c"


def test_legacy_lighttpd_message():
    # log_error_write(srv, __FILE__, __LINE__, "sd", "server stopped by UID =", uid): a space after each
    e = explain_one(b"2008-03-01 10:00:00: (server.c.1250) server stopped by UID = 0 ", project="lighttpd")
    assert site(e) == [("src/server.c", 1250)] and e.hits[0].values == {"uid": "0"}


def test_matcher_pickles_and_matches_the_same():
    explainer = Explainer(catalog(), engine="auto")
    records = [parse_line(b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: (VI_1) Entering MASTER STATE")]
    before = explainer.summarise(records)
    again = pickle.loads(pickle.dumps(explainer))
    assert again.summarise(records).by_pattern == before.by_pattern


def test_summary_counts_agree_with_the_full_explanations():
    lines = [b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: (VI_1) Entering MASTER STATE",
             b"Nov 29 23:12:18 lb1 Keepalived_vrrp[9]: (VI_2) Entering MASTER STATE",
             b"Nov 29 23:12:19 lb1 cron[9]: (root) CMD",
             b"Nov 29 23:12:20 lb1 Keepalived[9]: no such message"]
    explainer = Explainer(catalog(), engine="re")
    records = list(read_records(lines))
    fast, full = explainer.summarise(records), summary_of(explainer, explainer.explain(records))
    assert (fast.by_pattern, fast.other, fast.unmatched) == (full.by_pattern, full.other, full.unmatched)
    assert list(fast.by_pattern.values()) == [2] and fast.other == 1 and fast.unmatched == 1
    assert fast.first == full.first and fast.last == full.last


def test_json_schema_fields(tmp_path):
    from srcscan.explain.render import render_json

    explainer = Explainer(catalog(), engine="re")
    records = list(read_records([b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: Discarding bogus packet from 192.0.2.7"]))
    done = explainer.explain(records)
    doc = json.loads(render_json(explainer, ["2.3.4"], done, summary_of(explainer, done)))
    assert doc["schema"] == "srcscan.explain/1" and doc["versions"] == ["2.3.4"]
    match = doc["lines"][0]["matches"][0]
    assert {k: match[k] for k in ("file", "line", "function", "priority", "values", "requires", "processes", "facility")} == {
        "file": "keepalived/vrrp/vrrp_scheduler.c", "line": 670, "function": "vrrp_handle", "priority": "LOG_ERR",
        "values": {"inet_sockaddrtopair(&pkt->src_addr)": "192.0.2.7"}, "requires": [["-D"]],
        "processes": ["vrrp"], "facility": ["daemon"]}
    assert doc["summary"]["options"] == ["-D"] and doc["lines"][0]["stamp"] is None


def test_block_summary_equals_record_summary():
    from srcscan.explain.blocks import BlockReader

    lines = [b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: (VI_1) Entering MASTER STATE\n",
             b"Nov 29 23:12:18 lb1 cron[9]: (root) CMD\n",
             b"Sun Nov 29 23:12:17 2026: Config:\n", b"  vrrp 3 instances\n",
             b"Nov 29 23:12:20 lb1 Keepalived[9]: no such message\n",
             b"Nov 29 23:12:21 lb1 Keepalived_vrrp[9]: (VI_2) Entering MASTER STATE\n"]
    explainer = Explainer(catalog(), engine="re")
    reader = BlockReader()
    fast = explainer.summarise_block(reader.read(lines)).merge(explainer.summarise_block(reader.finish()))
    slow = explainer.summarise(list(read_records(lines)))
    assert (fast.by_pattern, fast.other, fast.unmatched, fast.first, fast.last, fast.examples) == \
        (slow.by_pattern, slow.other, slow.unmatched, slow.first, slow.last, slow.examples)


@pytest.mark.parametrize("engine", ENGINES)
def test_leading_blanks_of_a_message_survive_either_rfc5424_writer(engine):
    from explain_support import message

    c = catalog(messages=[message("keepalived/check/check_data.c", 543, "dump_vs", "   %s = [disabled]", ("name",))])
    explainer = Explainer(c, engine=engine)
    for line in (b"<30>1 2026-11-29T23:46:55Z lb1 Keepalived 9 - -    alpha = [disabled]",  # one SP, as RFC 5424
                 b"<30>1 2026-11-29T23:46:55Z lb1 Keepalived 9 - -     alpha = [disabled]"):  # rsyslog's two
        e = explainer.explain([parse_line(line)])[0]
        assert site(e) == [("keepalived/check/check_data.c", 543)] and e.hits[0].values == {"name": "alpha"}


def shared_text_catalog():
    """`Reloading` written by three children's call sites, two of the checker's at two priorities."""
    from explain_support import message

    return catalog(messages=[
        message("keepalived/vrrp/vrrp_daemon.c", 300, "reload_vrrp_thread", "Reloading", processes=("vrrp",)),
        message("keepalived/check/check_daemon.c", 250, "reload_check_thread", "Reloading", processes=("checker",)),
        message("keepalived/check/check_daemon.c", 260, "reload_check_late", "Reloading", processes=("checker",),
                priority="LOG_WARNING"),
    ])


@pytest.mark.parametrize("line,expected", [
    # the ident names the vrrp child: only its call site
    (b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: Reloading", [("keepalived/vrrp/vrrp_daemon.c", 300)]),
    # the checker has two; RFC 5424's PRI says LOG_WARNING: the second
    (b"<28>1 2026-11-29T23:12:17Z lb1 Keepalived_healthcheckers 9 - - Reloading",
     [("keepalived/check/check_daemon.c", 260)]),
    # no priority in the line: both of the checker's sites, nothing tells them apart
    (b"Nov 29 23:12:17 lb1 Keepalived_healthcheckers[9]: Reloading",
     [("keepalived/check/check_daemon.c", 250), ("keepalived/check/check_daemon.c", 260)]),
    # keepalived's own file names no process: all three
    (b"Sun Nov 29 23:12:17.123456789 2026: Reloading",
     [("keepalived/vrrp/vrrp_daemon.c", 300), ("keepalived/check/check_daemon.c", 250),
      ("keepalived/check/check_daemon.c", 260)]),
])
def test_what_the_line_carries_tells_apart_sites_writing_one_text(line, expected):
    from srcscan.explain.blocks import BlockReader

    explainer = Explainer(shared_text_catalog(), engine="re")
    e = explainer.explain([parse_line(line)])[0]
    assert sorted(site(e)) == sorted(expected)
    assert len(e.hits) == 3  # the others stay as alternatives
    # the --summary paths (records and blocks) count the line under the same sites
    reader = BlockReader()
    fast = explainer.summarise_block(reader.read([line + b"\n"])).merge(explainer.summarise_block(reader.finish()))
    slow = explainer.summarise([parse_line(line)])
    rows = {tuple(sorted((m.file, m.line) for m in row[0])) for row in explainer.rows(fast)}
    assert rows == {tuple(sorted(expected))} == {tuple(sorted((m.file, m.line) for m in row[0]))
                                                 for row in explainer.rows(slow)}


def test_a_line_only_messages_without_literal_text_fit_lists_all_of_them():
    """keepalived's `Command line:` continuation (`%*s%.*s`) and `     %s` (spaces only) both fit a
    line of spaces and text: nothing in the line tells them apart, so neither is claimed."""
    from explain_support import message

    c = catalog(messages=[
        message("lib/scheduler.c", 456, "log_options", "%*s%.*s", ('""', "p"), processes=("parent",)),
        message("keepalived/vrrp/vrrp_if.c", 577, "dump_if", "     %s", ("addr",)),
        message("keepalived/check/check_bfd.c", 97, "dump_bfd", "  %s", ("name",), processes=("checker",)),
    ])
    explainer = Explainer(c, engine="re")
    e = explainer.explain([parse_line(b"Mon Nov 30 02:36:03.181957238 2026:               '-r' '/run/v.pid'")])[0]
    assert sorted(site(e)) == [("keepalived/check/check_bfd.c", 97), ("keepalived/vrrp/vrrp_if.c", 577),
                               ("lib/scheduler.c", 456)]
    assert all(h.loose for h in e.hits)
    # with the parent's ident, the parent's call alone
    e = explainer.explain([parse_line(b"Nov 30 02:36:03 lb1 Keepalived[7]:               '-r' '/run/v.pid'")])[0]
    assert site(e) == [("lib/scheduler.c", 456)]


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_take_texts_holding_the_scanners_separators(engine):
    """A block is scanned as `\\x1f text \\n` records: texts holding a newline, \\x1f or both, and
    repeated texts, get what each text alone gets."""
    c = catalog()
    matcher = Matcher([m.template for m in c.messages], engine=engine)
    texts = [b"Config:\n  vrrp 3 instances", b"Stopped", b"Stop\x1fped", b"\x1fStopped", b"Stopped\n\x1f",
             b"Stopped", b"(VI_1) Entering MASTER STATE", b"", b"Config:\n  vrrp 3 instances"]
    alone = [matcher.best([t])[0] for t in texts]
    assert matcher.best(texts) == alone
    assert alone[1] == alone[5] >= 0 and alone[2] == alone[3] == alone[4] == -1 and alone[0] >= 0
    assert [sorted(f) for f in matcher.all_matches(texts)] == [sorted(matcher.all_matches([t])[0]) for t in texts]


def test_summary_over_processes_equals_the_summary_in_one(tmp_path):
    """--summary with several processes: chunks cut where a record starts, summaries merged in
    file order, the same answer (a multi-line record at a chunk's edge stays whole)."""
    from srcscan.explain.run import explain_files, summarise_parallel

    lines = [b"Nov 29 23:12:%02d lb1 Keepalived_vrrp[9]: (VI_%d) Entering MASTER STATE" % (k % 60, k % 7)
             for k in range(300)]
    lines[100:100] = [b"Sun Nov 29 23:12:17 2026: Config:", b"  vrrp 3 instances"] * 40
    lines += [b"Nov 29 23:12:20 lb1 Keepalived[9]: no such message", b"Nov 29 23:12:21 lb1 cron[9]: (root) CMD"]
    log = tmp_path / "messages"
    log.write_bytes(b"\n".join(lines) + b"\n")
    packed = tmp_path / "messages.1.gz"  # read in one stream: its chunks travel as bytes
    packed.write_bytes(gzip.compress(log.read_bytes()))
    explainer = Explainer(catalog(), engine="re")
    _, one = explain_files(explainer, [log], True)
    fields = ("records", "other", "unmatched", "by_pattern", "by_stamp", "first", "last", "examples",
              "unmatched_examples", "unmatched_texts")
    for path in (log, packed):
        many = summarise_parallel(explainer, [path], 2, size=500)
        assert [getattr(many, f) for f in fields] == [getattr(one, f) for f in fields]
    assert (one.records, one.other, one.unmatched) == (342, 1, 1)
    assert (b"Config:\n  vrrp 3 instances", None) in one.examples.values()


@pytest.mark.parametrize("engine", ENGINES)
def test_an_indented_message_matches_when_the_reader_took_its_blanks(engine):
    """`%*s local  %8u` with "" (an indentation): RFC 5424's separator may take the blanks before
    `local`, as it does a leading blank of the text (keepalived bfd/bfd_scheduler.c)."""
    from explain_support import message

    c = catalog(messages=[message("keepalived/bfd/bfd_scheduler.c", 610, "bfd_dump_timers", "%*s local  %8u %7u",
                                  ("indent", '""', "bfd->local_idle_tx_intv", "bfd->local_min_rx_intv"))])
    explainer = Explainer(c, engine=engine)
    for line in (b"<30>1 2026-11-29T23:46:55Z lb1 Keepalived_bfd 9 - -  local  47594 311",
                 b"Nov 29 23:12:17 lb1 Keepalived_bfd[9]:     local     47594     311"):
        e = explainer.explain([parse_line(line)])[0]
        assert site(e) == [("keepalived/bfd/bfd_scheduler.c", 610)]


def _dump_catalog():
    from explain_support import message

    return catalog(messages=[
        message("keepalived/vrrp/dump.c", 10, "dump_script", "Script = %s", ("s",)),
        message("keepalived/vrrp/dump.c", 12, "dump_script", "   Weight = %d", ("w",)),
        message("keepalived/vrrp/dump.c", 13, "dump_script", "   Tracking :"),
        message("keepalived/vrrp/dump.c", 40, "dump_process", "Process = %s", ("p",)),
        message("keepalived/vrrp/dump.c", 42, "dump_process", "   Weight = %d", ("w",)),
        message("keepalived/vrrp/dump.c", 43, "dump_process", "   Tracking :"),
        message("keepalived/core/main.c", 400, "stop", "Stopped", processes=("parent",)),
    ])


# (line, the call sites its text and process give: its answer, the likeliest that the line before of
# its process suggests or None)
DUMP = [
    (b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: Script = chk", ["dump.c:10"], None),
    (b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]:    Weight = 3", ["dump.c:12", "dump.c:42"], "dump.c:12"),  # follows :10
    (b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]:    Tracking :", ["dump.c:13", "dump.c:43"], "dump.c:13"),  # follows :12
    (b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: Process = p", ["dump.c:40"], None),
    (b"Nov 29 23:12:18 lb1 cron[1]: (root) CMD", None, None),  # another program's line in between
    (b"Nov 29 23:12:18 lb1 Keepalived[1]: Stopped", ["main.c:400"], None),  # another process's line in between
    (b"Nov 29 23:12:18 lb1 Keepalived_vrrp[9]:    Weight = 1", ["dump.c:12", "dump.c:42"], "dump.c:42"),  # follows :40
    (b"Nov 29 23:12:18 lb1 Keepalived_vrrp[9]:    Weight = 2", ["dump.c:12", "dump.c:42"], None),  # nothing after :42 writes it
    (b"Nov 29 23:12:18 lb1 Keepalived_vrrp[9]:    Tracking :", ["dump.c:13", "dump.c:43"], None),  # the line before tells nothing
]


def test_the_line_before_orders_call_sites_of_one_text_and_every_one_stays_in_the_answer():
    """Call sites writing one text (a dump's `Weight = %d` in two dump functions): the line before of
    the same process, written in one of their functions just before, says which is likeliest and
    the per-line answer gives it first with a note, but the answer is every site the line fits
    (the line before may come from a run that ended well); the summary counts the set."""
    from srcscan.explain.blocks import BlockReader
    from srcscan.explain.explain import OTHER, PINNED

    explainer = Explainer(_dump_catalog(), engine="re")
    site = lambda i: f"{explainer.messages[i].file.rsplit('/', 1)[-1]}:{explainer.messages[i].line}"  # noqa: E731
    lines = [raw for raw, _, _ in DUMP]
    reader = BlockReader()
    got = []
    for block in (reader.read(lines), reader.finish()):  # the last line alone in its block
        codes, pinned = explainer.attribute_block(block)
        for i, code in enumerate(codes):
            ids = pinned[i] if code == PINNED else (() if code == OTHER else explainer.matcher.patterns[code].messages)
            got.append(sorted(map(site, ids)) or None)
    assert got == [sites for _, sites, _ in DUMP]
    done = explainer.explain(list(read_records(lines)))
    assert [sorted(site(explainer.messages.index(h.message)) for h in e.hits[:e.best]) or None for e in done] == [
        sites for _, sites, _ in DUMP]
    likely = [site(explainer.messages.index(e.hits[0].message)) if e.hits and e.hits[0].likely else None for e in done]
    assert likely == [first for _, _, first in DUMP]
    assert all(not h.likely for e in done for h in e.hits[1:])
    assert any("line before of this process (line 4)" in note for note in done[6].notes)


def _nftables_catalog():
    """keepalived 2.3.4's nftables.c: exchange_nl_msg writes `exchange_nl_msg (%u), len %zu` (:207)
    and, when sending fails, `mnl_socket_send error - %d` (:229); exchange_nl_msg_single writes the
    same error text (:292)."""
    from explain_support import message

    return catalog(messages=[
        message("keepalived/vrrp/vrrp_nftables.c", 207, "exchange_nl_msg", "exchange_nl_msg (%u), len %zu", ("n", "len")),
        message("keepalived/vrrp/vrrp_nftables.c", 229, "exchange_nl_msg", "mnl_socket_send error - %d", ("ret",),
                priority="LOG_INFO"),
        message("keepalived/vrrp/vrrp_nftables.c", 292, "exchange_nl_msg_single", "mnl_socket_send error - %d",
                ("ret",), priority="LOG_INFO"),
    ])


def test_a_call_the_line_before_does_not_suggest_stays_in_every_answer(tmp_path):
    """exchange_nl_msg ends well (:207 written), then exchange_nl_msg_single fails (:292): its error
    line follows :207 as :229's would. Every path answers both sites (the true one, :292, among them);
    the per-line answer gives :229 first as the likeliest and says why."""
    from srcscan.explain.blocks import BlockReader
    from srcscan.explain.run import summarise_parallel

    lines = [b"Nov 29 23:12:%02d lb1 Keepalived_vrrp[9]: %s" % (k % 60, text) for k in range(30)
             for text in (b"exchange_nl_msg (3), len 120", b"mnl_socket_send error - -1")]
    log = tmp_path / "messages"
    log.write_bytes(b"\n".join(lines) + b"\n")
    explainer = Explainer(_nftables_catalog(), engine="re")
    done = explainer.explain(list(read_records(lines)))
    assert [sorted(m for _, m in site(e)) for e in done[:2]] == [[207], [229, 292]]
    assert done[1].hits[0].message.line == 229 and done[1].hits[0].likely and done[1].best == 2
    assert any("the likeliest is keepalived/vrrp/vrrp_nftables.c:229" in n for n in done[1].notes)
    full = summary_of(explainer, done)
    reader = BlockReader()
    fast = explainer.summarise_block(reader.read_bytes(log.read_bytes())).merge(explainer.summarise_block(reader.finish()))
    slow = explainer.summarise(list(read_records(lines)))
    jobs = summarise_parallel(explainer, [log], 2, size=300)
    for s in (full, fast, slow, jobs):
        assert [(sorted(m.line for m in ms), n) for ms, n, _, _ in explainer.rows(s)] == [([207], 30), ([229, 292], 30)]


def test_the_line_before_is_found_across_blocks_and_chunks_alike(tmp_path):
    """The summary does not depend on where a file is cut: small blocks, chunks of 2 processes
    (plain and gzip file) and one block of the whole file give the same summary; the per-line
    path's neighbour rule looks back across blocks, so in blocks of 7 records each line gets the
    answer, order and notes it gets with the whole file at once; a second file starts without a
    line before."""
    import random

    from srcscan.explain.blocks import BlockReader
    from srcscan.explain.neighbours import Context
    from srcscan.explain.run import explain_files, iter_line_blocks, summarise_parallel

    rng = random.Random(14)
    lines = []
    for k in range(250):  # dumps of two functions writing the same texts, other lines between
        head = rng.choice([b"Script = chk%d" % k, b"Process = p%d" % k])
        for text in [head] + [b"   Weight = %d" % rng.randint(0, 9)] * rng.randint(1, 3) + [b"   Tracking :"]:
            lines.append(b"Nov 29 23:12:%02d lb1 Keepalived_vrrp[9]: %s" % (k % 60, text))
            if rng.random() < 0.3:
                lines.append(rng.choice([b"Nov 29 23:12:18 lb1 cron[1]: (root) CMD",
                                         b"Nov 29 23:12:18 lb1 Keepalived[1]: Stopped"]))
    log = tmp_path / "messages"
    log.write_bytes(b"\n".join(lines) + b"\n")
    packed = tmp_path / "messages.1.gz"
    packed.write_bytes(gzip.compress(log.read_bytes()))
    explainer = Explainer(_dump_catalog(), engine="re")
    fields = ("records", "other", "unmatched", "by_pattern", "by_stamp", "first", "last", "examples",
              "unmatched_examples", "unmatched_texts")

    def facts(s):
        return [getattr(s, f) for f in fields]

    reader = BlockReader()
    whole = explainer.summarise_block(reader.read_bytes(log.read_bytes())).merge(explainer.summarise_block(reader.finish()))
    _, one = explain_files(explainer, [log], True)
    assert facts(one) == facts(whole)
    small = Summary()
    for block in iter_line_blocks([log], size=300):  # blocks of 4 or 5 lines
        small = small.merge(explainer.summarise_block(block))
    assert facts(small) == facts(whole)
    for path, size in ((log, 300), (log, 7777), (packed, 1000)):
        assert facts(summarise_parallel(explainer, [path], 2, size=size)) == facts(whole), (path, size)
    _, two = explain_files(explainer, [log, log], True)
    assert facts(summarise_parallel(explainer, [log, log], 2, size=1000)) == facts(two)
    # the per-line path, in blocks of 7 records, gives each line the answer of the whole file in one block
    records = list(read_records(log.read_bytes().splitlines(keepends=True)))
    at_once = explainer.explain(records)
    context = Context()
    in_blocks = [e for k in range(0, len(records), 7) for e in explainer.explain(records[k:k + 7], context)]
    assert [(e.best, [(h.message.line, h.likely) for h in e.hits], e.notes) for e in in_blocks] == [
        (e.best, [(h.message.line, h.likely) for h in e.hits], e.notes) for e in at_once]
    likely = sum(1 for e in at_once if e.hits and e.hits[0].likely)
    assert likely > 250  # the rule orders many dump lines (the test means something)
    assert all(e.best == 2 for e in at_once if e.hits and e.hits[0].likely)  # and keeps both sites
    # a second file starts without a line before: its first records get no likeliest from the first file
    again, _ = explain_files(explainer, [log, log], False)
    assert again is not None and [(e.best, [h.likely for h in e.hits]) for e in again[len(records):]] == [
        (e.best, [h.likely for h in e.hits]) for e in at_once]


def test_a_hole_of_a_constant_matches_only_what_it_prints():
    """A ternary the catalog expanded into one message per branch (`%d` of `4` and of `6`, `%3u` of
    `0`): each matches only the text its constant prints, so a line goes to its own branch alone;
    a call whose argument is a variable still matches any number."""
    from explain_support import message

    from srcscan.explain.matcher import constant_text
    from srcscan.formats.template import Hole

    c = catalog(messages=[
        message("keepalived/vrrp/vrrp.c", 4695, "check_vrid_conflicts", "%s uses IPv%d on %s", ("a", "4", "i")),
        message("keepalived/vrrp/vrrp.c", 4695, "check_vrid_conflicts", "%s uses IPv%d on %s", ("a", "6", "i")),
        message("keepalived/vrrp/vrrp_if.c", 10, "other", "%s uses IPv%d on %s", ("a", "family", "i")),
        message("keepalived/vrrp/vrrp_data.c", 476, "dump_sock", "ifindex(%3u)", ("0",)),
        message("keepalived/vrrp/vrrp_data.c", 476, "dump_sock", "ifindex(%3u)", ("ifp->ifindex",)),
    ])
    for engine in ENGINES:
        explainer = Explainer(c, engine=engine)
        lines = [b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: " + t for t in
                 (b"VI_1 uses IPv4 on eth0", b"VI_1 uses IPv6 on eth0", b"VI_1 uses IPv5 on eth0", b"ifindex(  0)",
                  b"ifindex( 12)")]
        done = explainer.explain(list(read_records(lines)))
        assert [[(h.message.file.rsplit("/", 1)[-1], h.message.template.parts[2].arg if h.message.line == 4695
                  else h.message.line) for h in e.hits[:e.best]] for e in done] == [
            [("vrrp.c", "4")], [("vrrp.c", "6")], [("vrrp_if.c", 10)], [("vrrp_data.c", 476)], [("vrrp_data.c", 476)]]
        assert done[3].hits[0].message.template.parts[1].arg == "0"  # the constant's branch first
        assert done[4].best == 1 and done[4].hits[0].message.template.parts[1].arg == "ifp->ifindex"
        assert done[0].hits[0].values == {"a": "VI_1", "4": "4", "i": "eth0"}
    assert [constant_text(Hole(k, s, a)) for k, s, a in [("int", "%d", "4"), ("uint", "%3u", "0U"), ("int", "%d", "-253"),
                                                         ("int", "%6.6ld", "0"), ("hex", "%x", "0x1f"),
                                                         ("uint", "%u", "-1"), ("int", "%d", "x"), ("str", "%s", "4")]] == [
        "4", "  0", "-253", "000000", "1f", None, None, None]


def tied_catalog():
    """Two dump calls whose templates are as specific as each other (`%u-%u`, `%u-%d`: one rank), a
    parent's call and a child's whose texts differ by a leading blank the pattern lets be missing."""
    from explain_support import message

    return catalog(messages=[
        message("keepalived/check/check_http.c", 245, "dump_status", "   Status codes:", processes=("checker",)),
        message("keepalived/check/check_http.c", 251, "dump_status", "       %u-%u", ("lo", "hi"), processes=("checker",)),
        message("keepalived/check/check_http.c", 258, "dump_status", "       %u-%d", ("lo", "hi"), processes=("checker",)),
        message("keepalived/core/reload_monitor.c", 444, "log_reload", "Reload scheduled for %s", ("when",),
                processes=("parent",)),
        message("keepalived/core/global_data.c", 705, "dump_global", " Reload scheduled for %s%s", ("when", "note")),
    ])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("line,expected", [
    # `12-7` fits both dump templates alike: both sites, in every path
    (b"Nov 29 23:12:17 lb1 Keepalived_healthcheckers[9]:        12-7",
     [("keepalived/check/check_http.c", 251), ("keepalived/check/check_http.c", 258)]),
    # `%u` prints no minus sign: only `%u-%d`
    (b"Nov 29 23:12:17 lb1 Keepalived_healthcheckers[9]:        12--7", [("keepalived/check/check_http.c", 258)]),
    # a blank the line does not hold is no literal text it matched: the call without it first
    (b"Nov 29 23:12:17 lb1 Keepalived[9]: Reload scheduled for 12:00", [("keepalived/core/reload_monitor.c", 444)]),
    (b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]:  Reload scheduled for 12:00", [("keepalived/core/global_data.c", 705)]),
])
def test_templates_as_specific_as_each_other_that_a_line_fits_are_all_its_answer(engine, line, expected):
    from srcscan.explain.blocks import BlockReader

    explainer = Explainer(tied_catalog(), engine=engine)
    e = explainer.explain([parse_line(line)])[0]
    assert sorted(site(e)) == expected
    reader = BlockReader()
    fast = explainer.summarise_block(reader.read([line + b"\n"])).merge(explainer.summarise_block(reader.finish()))
    slow = explainer.summarise([parse_line(line)])
    full = summary_of(explainer, [e])
    for s in (fast, slow, full):
        assert [sorted((m.file, m.line) for m in row[0]) for row in explainer.rows(s)] == [expected]
    assert fast.by_stamp == slow.by_stamp == full.by_stamp and fast.by_pattern == slow.by_pattern == full.by_pattern


@pytest.mark.parametrize("engine", ENGINES + (["hyperscan binding"] if "hyperscan" in ENGINES else []))
def test_engines_agree_on_templates_of_one_rank(engine, monkeypatch):
    if engine == "hyperscan binding":  # Hyperscan through the `hyperscan` binding, not libhs
        monkeypatch.setenv("SRCSCAN_LIBHS", "0")
        engine = "hyperscan"
    c = tied_catalog()
    texts = [b"       12-7", b"       12--7", b"Reload scheduled for x", b" Reload scheduled for x", b"       1-2", b"x"]
    reference = Matcher([m.template for m in c.messages], engine="re").best_sets(texts)
    assert Matcher([m.template for m in c.messages], engine=engine).best_sets(texts) == reference
    best, sets = reference
    # `Reload scheduled for x` fits `Reload scheduled for %s` and ` Reload scheduled for %s%s` (whose blank a
    # reader may have taken): as much literal text, one hole more; the line is either
    assert set(sets) == {0, 2, 4} and all(len(s) == 2 for s in sets.values()) and best[1] >= 0 and 1 not in sets
    # texts left out (another program's lines) get the code asked for, the others their answers
    keep = [True, False, True, True, True, False]
    assert Matcher([m.template for m in c.messages], engine=engine).best_sets(texts, keep, -2) == (
        [b if k else -2 for b, k in zip(best, keep)], {i: s for i, s in sets.items() if keep[i]})


def test_templates_of_one_rank_stay_a_set_in_every_path_and_the_line_before_orders_them(tmp_path):
    """After `   Status codes:` (check_http.c:245), a checker's `       12-7` fits `       %u-%u` (:251)
    and `       %u-%d` (:258) alike: every path counts both sites, with --jobs 2 too; the per-line
    answer gives first the call that follows the line before in dump_status (:251, then :258)."""
    from srcscan.explain.blocks import BlockReader
    from srcscan.explain.run import summarise_parallel

    lines = []
    for k in range(40):
        lines += [b"Nov 29 23:12:%02d lb1 Keepalived_healthcheckers[9]:    Status codes:" % (k % 60),
                  b"Nov 29 23:12:%02d lb1 Keepalived_healthcheckers[9]:        %d-%d" % (k % 60, k, k + 1),
                  b"Nov 29 23:12:%02d lb1 Keepalived_healthcheckers[9]:        %d-%d" % (k % 60, k, k + 2)]
    log = tmp_path / "messages"
    log.write_bytes(b"\n".join(lines) + b"\n")
    explainer = Explainer(tied_catalog(), engine="re")
    records = list(read_records(log.read_bytes().splitlines(keepends=True)))
    done = explainer.explain(records)
    assert [sorted(m for _, m in site(e)) for e in done[:3]] == [[245], [251, 258], [251, 258]]
    assert [e.hits[0].message.line for e in done[1:3]] == [251, 258] and all(e.hits[0].likely for e in done[1:3])
    full = summary_of(explainer, done)
    reader = BlockReader()
    fast = explainer.summarise_block(reader.read_bytes(log.read_bytes())).merge(explainer.summarise_block(reader.finish()))
    jobs = summarise_parallel(explainer, [log], 2, size=300)
    for s in (fast, jobs):
        assert (s.by_pattern, s.by_stamp, s.first, s.last) == (full.by_pattern, full.by_stamp, full.first, full.last)
    assert [(sorted(m.line for m in ms), n) for ms, n, _, _ in explainer.rows(full)] == [([251, 258], 80), ([245], 40)]


def _vs_catalog():
    """keepalived 2.3.4 ipwrapper.c: a virtual server of a group named by its fwmark (`VS [%u]`,
    :801) or by its address (`VS [%s]`, :804, inet_sockaddrtotrio)."""
    from explain_support import message

    return catalog(messages=[
        message("keepalived/check/ipwrapper.c", 801, "clear_diff_vsge", "VS [%u] in group %s no longer exists",
                ("vsge->vfwmark", "vsg->gname"), processes=("checker",)),
        message("keepalived/check/ipwrapper.c", 804, "clear_diff_vsge", "VS [%s] in group %s no longer exists",
                ("inet_sockaddrtotrio(&vsge->addr, vs->service_type)", "vsg->gname"), processes=("checker",)),
    ])


@pytest.mark.parametrize("engine", ENGINES + (["hyperscan binding"] if "hyperscan" in ENGINES else []))
def test_a_hole_kind_alone_does_not_decide_between_templates(engine, monkeypatch):
    """`VS [963] ...` fits `VS [%u]` and `VS [%s]` (a `%s` prints digits too): nothing in the line but
    the hole's kind tells them apart, so both are its answer, `%u` first, in every path; `VS [x]`
    fits only `%s`."""
    from srcscan.explain.blocks import BlockReader

    if engine == "hyperscan binding":  # Hyperscan through the `hyperscan` binding, not libhs
        monkeypatch.setenv("SRCSCAN_LIBHS", "0")
        engine = "hyperscan"
    explainer = Explainer(_vs_catalog(), engine=engine)
    for text, expected in ((b"VS [963] in group g1 no longer exists", [801, 804]),
                           (b"VS [[192.0.2.1]:tcp:80] in group g1 no longer exists", [804])):
        line = b"Nov 29 23:12:17 lb1 Keepalived_healthcheckers[9]: " + text
        e = explainer.explain([parse_line(line)])[0]
        assert [m for _, m in site(e)] == expected
        reader = BlockReader()
        fast = explainer.summarise_block(reader.read([line + b"\n"])).merge(explainer.summarise_block(reader.finish()))
        for s in (fast, explainer.summarise([parse_line(line)]), summary_of(explainer, [e])):
            assert [sorted(m.line for m in row[0]) for row in explainer.rows(s)] == [expected]


def test_a_set_of_call_sites_proves_only_what_each_of_them_needs():
    """A line any of several calls may have written proves one of their requirements (`-D or -d`),
    and nothing when one of them needs nothing: in the per-line table, the summary and its options;
    the JSON marks the likeliest and keeps every site of the set as best."""
    from dataclasses import replace as with_

    from explain_support import message

    from srcscan.explain.render import render_json, render_text

    def run(requires_292):
        msgs = list(_nftables_catalog().messages)
        msgs[1] = with_(msgs[1], requires=(("-D",),))
        msgs[2] = with_(msgs[2], requires=requires_292)
        c = catalog(messages=msgs + [message("keepalived/core/main.c", 9, "f", "Done", requires=(("-D",),))])
        explainer = Explainer(c, engine="re")
        lines = [b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: exchange_nl_msg (3), len 120",
                 b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: mnl_socket_send error - -1",
                 b"Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: Done"]
        done = explainer.explain(list(read_records(lines)))
        s = summary_of(explainer, done)
        return (json.loads(render_json(explainer, ["2.3.4"], done, s)), render_text(explainer, [], done, s, md=False),
                render_text(explainer, [], None, s, md=False))

    doc, table, summary = run((("-d",),))
    line = doc["lines"][1]
    assert [(m["line"], m["best"], m["likely"], m["proves"]) for m in line["matches"]] == [
        (229, True, True, "-D"), (292, True, False, "-d")]
    row = next(r for r in doc["summary"]["messages"] if r["line"] == 229)
    assert row["proves"] == "-D or -d" and [a["line"] for a in row["alternatives"]] == [292]
    assert doc["summary"]["options"] == ["-D"]  # `-D or -d` is proven too, and `-D` alone says more
    assert "one of 2: keepalived/vrrp/vrrp_nftables.c:229 exchange_nl_msg or keepalived/vrrp/vrrp_nftables.c:292" in table
    assert "(likeliest first)" in table and "-D or -d" in table and "-D or -d" in summary
    doc, table, _ = run(())
    row = next(r for r in doc["summary"]["messages"] if r["line"] == 229)
    assert row["proves"] is None and "-D or -d" not in table
