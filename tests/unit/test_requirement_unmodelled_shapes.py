"""Review of session 19's new analyses: a shape a rule does not model makes it give no answer
(the old reading stays). Each case is a fixture of the session (plugzero, dnsm-kinds6,
reqk-childpids) with one shape added; each fails on the code before its fix."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import only_message, tree_catalog, with_keyword_parser

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _variant(tmp_path: Path, fixture: str, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """A copy of tests/fixtures/`fixture` with each file's (old, new) replacements made."""
    tree = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, tree)
    for name, pairs in edits.items():
        text = (tree / name).read_text()
        for old, new in pairs:
            assert old in text, (name, old)
            text = text.replace(old, new, 1)
        (tree / name).write_text(text)
    return tree


def _requires(tree: Path, rules: str, text: str, tmp_path: Path):
    return only_message(tree_catalog(tree, FIXTURES / rules, tmp_path / "cache"), text).requires


def test_a_field_stepped_or_filled_whole_is_no_zero_field(tmp_path):
    # zerofields: `ev->waits++` in ev_poll() is a store of its own (any run), and
    # memcpy(ev, &ev_template, ...) gives `mode` 1 in every run: neither needs cgi.assign.
    tree = _variant(tmp_path, "plugzero", {
        "zr.h": [("int waits; int nfds; }", "int waits; int nfds; int mode; }"),
                 ("void spawner_check(spawner *sp);", "void spawner_check(spawner *sp);\nvoid ev_set(events *ev);")],
        "ev.c": [("#include <unistd.h>", "#include <unistd.h>\n#include <string.h>"),
                 ("events *ev_init(void)\n{", "static const events ev_template = { NULL, 0, 0, 1 };\n\n"
                  "events *ev_init(void)\n{"),
                 ("\tev->nfds = 4;", "\tmemcpy(ev, &ev_template, sizeof(*ev));\n\tev->nfds = 4;"),
                 ("void ev_sched_close(", "void ev_set(events *ev)\n{\n\tev->waits = 7;\n\tev->mode = 2;\n}\n\n"
                  "void ev_sched_close("),
                 ("\tif (ev->nfds)", "\tif (ev->waits)\n\t\tlog_error(\"has waited\");\n\tif (ev->mode)\n"
                  "\t\tlog_error(\"mode set\");\n\tif (ev->nfds)")],
        "mod_cgi.c": [("\tnode *n = calloc", "\tev_set(the_ev);\n\tnode *n = calloc")],
    })
    catalog = tree_catalog(tree, FIXTURES / "plugzero.toml", tmp_path / "cache")
    assert only_message(catalog, "has waited").requires == ()
    assert only_message(catalog, "mode set").requires == ()
    assert only_message(catalog, "close() %d").requires == ()  # its struct filled whole: the old reading
    # memset(3) with 0 in place of the memcpy zeroes it (no field set): only the stepped field is left out
    text = (tree / "ev.c").read_text()
    (tree / "ev.c").write_text(text.replace("\tmemcpy(ev, &ev_template, sizeof(*ev));\n", "\tmemset(ev, 0, sizeof(*ev));\n"))
    catalog = tree_catalog(tree, FIXTURES / "plugzero.toml", tmp_path / "cache2")
    assert only_message(catalog, "has waited").requires == ()
    assert only_message(catalog, "mode set").requires == (("cgi.assign",),)
    assert only_message(catalog, "close() %d").requires == (("cgi.assign",), ("gw.server",))


def test_a_counter_after_its_loop_is_no_loop_guard(tmp_path):
    # optiontests: `if (i != files.used)` after `for (i = 0; i < n; ++i);` is no test that the
    # list has entries: core.errorlog is not needed.
    tree = _variant(tmp_path, "plugzero", {
        "zr.h": [("void spawner_check(spawner *sp);", "void spawner_check(spawner *sp);\nvoid log_files_check(int n);")],
        "core.c": [("\t\tlog_files_cycle();", "\t\tlog_files_cycle();\n\t\tlog_files_check(3);")],
        "logfiles.c": [("void log_files_cycle(void)", "void log_files_check(int n)\n{\n\tunsigned i;\n"
                        "\tfor (i = 0; i < (unsigned)n; ++i)\n\t\t;\n\tif (i != files.used)\n"
                        "\t\tlog_error(\"count mismatch %u\", i);\n}\n\nvoid log_files_cycle(void)")],
    })
    catalog = tree_catalog(tree, FIXTURES / "plugzero.toml", tmp_path / "cache")
    assert only_message(catalog, "count mismatch %u").requires == ()
    assert only_message(catalog, "error cycling log %s").requires == (("core.errorlog",),)


def test_a_string_field_stored_through_its_address_has_no_answer(tmp_path):
    # nonempty: add_local() stores a domain through `&serv->domain` in every run
    tree = _variant(tmp_path, "dnsm-kinds6", {
        "kinds6.h": [("void dhcp_reply(", "void add_local(void);\nvoid dhcp_reply(")],
        "main.c": [("  add_server(NULL, 53);", "  add_server(NULL, 53);\n  add_local();")],
        "servers.c": [("/* network.c's allocate_sfd()",
                       "static void set_domain(char **dp, const char *s)\n{\n  *dp = strdup(s);\n}\n\n"
                       "void add_local(void)\n{\n  struct server *serv = calloc(1, sizeof(struct server));\n"
                       "  set_domain(&serv->domain, \"lan\");\n  serv->port = 53;\n  serv->next = daemon->servers;\n"
                       "  daemon->servers = serv;\n}\n\n/* network.c's allocate_sfd()")],
    })
    assert _requires(tree, "dnsm-kinds6.toml", "using server for %s", tmp_path) == ()


def test_string_fields_copying_each_other_keep_both_stores(tmp_path):
    # nonempty: copy_b() copies `domain` (-S) into `alias`: "A set" needs -A or -S, whichever
    # field was asked about first
    tree = _variant(tmp_path, "dnsm-kinds6", {
        "kinds6.h": [("  char *domain;", "  char *domain;\n  char *alias;")],
        "main.c": [("struct config *daemon;", "struct config *daemon;\nvoid copy_a(void);\n"
                    "void add_alias(struct server *s);\nvoid copy_b(void);"),
                   ("  { \"server\", 1, 0, 'S' },", "  { \"server\", 1, 0, 'S' },\n  { \"alias\", 1, 0, 'A' },"),
                   ("  case 'Q':", "  case 'A':\n    {\n      struct server *s = calloc(1, sizeof(struct server));\n"
                    "      s->alias = strdup(arg);\n      add_alias(s);\n      break;\n    }\n  case 'Q':"),
                   ("\"m:W:t:S:Q:G:\"", "\"m:W:t:S:Q:G:A:\""),
                   ("  add_server(NULL, 53);", "  add_server(NULL, 53);\n  copy_a();\n  copy_b();")],
        "servers.c": [("/* network.c's allocate_sfd()",
                       "void add_alias(struct server *s)\n{\n  s->next = daemon->servers;\n  daemon->servers = s;\n}\n\n"
                       "void copy_a(void)\n{\n  struct server *s;\n  for (s = daemon->servers; s; s = s->next)\n"
                       "    s->domain = s->alias;\n}\n\nvoid copy_b(void)\n{\n  struct server *s;\n"
                       "  for (s = daemon->servers; s; s = s->next)\n    s->alias = s->domain;\n}\n\n"
                       "/* network.c's allocate_sfd()"),
                      ("void log_servers(void)\n{\n  struct server *serv;",
                       "void log_servers(void)\n{\n  struct server *serv;\n  struct server *sv;\n"
                       "  for (sv = daemon->servers; sv; sv = sv->next)\n    {\n      if (strlen(sv->domain) != 0)\n"
                       "        log_msg(6, \"D set\");\n      if (strlen(sv->alias) != 0)\n        log_msg(6, \"A set\");\n"
                       "    }\n")],
    })
    catalog = tree_catalog(tree, FIXTURES / "dnsm-kinds6.toml", tmp_path / "cache")
    assert set(only_message(catalog, "A set").requires) >= {("-A",), ("-S",)}
    assert set(only_message(catalog, "D set").requires) >= {("-A",), ("-S",)}


def test_an_entry_field_written_elsewhere_has_no_answer(tmp_path):
    # fillvalues: -W's case also stores issrv = 0 under a test of its own, and demote() gives
    # every entry 0: <MX> may come from -W too
    for edit in [("main.c", "      new->issrv = 1;\n", "      new->issrv = 1;\n      if (arg[0] == '_')\n"
                  "        new->issrv = 0;\n"),
                 ("main.c", "static void read_opts(", "static void demote(void)\n{\n  struct rec *r;\n"
                  "  for (r = daemon->recs; r; r = r->next)\n    r->issrv = 0;\n}\n\nstatic void read_opts(")]:
        tree = _variant(tmp_path / str(len(edit[2])), "dnsm-kinds6", {edit[0]: [edit[1:]]})
        if "demote" in edit[2]:
            text = (tree / "main.c").read_text()
            (tree / "main.c").write_text(text.replace("      exit(1);\n", "      exit(1);\n  demote();\n", 1))
        assert ("-W",) in _requires(tree, "dnsm-kinds6.toml", "config %s is <MX>", tmp_path / str(len(edit[2])))


def test_a_table_used_in_a_macro_is_left_out(tmp_path):
    # pointertables: SLOT_PID(i) stores getpid() through a row's pointer, which the text scan
    # of the table's uses did not see
    tree = with_keyword_parser("reqk-childpids", tmp_path)
    text = (tree / "main.c").read_text()
    text = text.replace("#define NUM_SLOTS", "#define SLOT_PID(i) (*child_slots[i].pid_p)\n"
                        "static void adopt(int i) { SLOT_PID(i) = getpid(); }\n#define NUM_SLOTS", 1)
    text = text.replace("\tsignal(SIGTERM, stop_children);", "\tadopt(0);\n\tsignal(SIGTERM, stop_children);", 1)
    (tree / "main.c").write_text(text)
    catalog = tree_catalog(tree, FIXTURES / "reqk-childpids" / "rules.toml", tmp_path / "cache")
    assert only_message(catalog, "worker still known").requires == ()
