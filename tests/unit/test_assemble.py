"""Messages are assembled once, at the end, from the log sites and the analyses' answers
keyed by SiteKey: no libclang, hand-built facts only."""

from srcscan.analyze.sites import find_log_sites, site_texts
from srcscan.catalog import assemble, message_from_dict, message_to_dict
from srcscan.formats.template import Arg, render_normal
from srcscan.model import (CallSite, FacilityInPriority, FunctionFacts, Guard, GuardAt, LogSite, NotInProcess,
                           ProcessesFrom, ProcessAnswer, RequirementAnswer, derivation_from_dict, derivation_to_dict)
from srcscan.requirement import Requirement
from srcscan.rules import LogFunction, load_rules

LOG = LogFunction("log_message", format_arg=1, dialect="printf", priority_arg=0)


def call(line: int, *args: Arg, function: str = "f", guards: tuple[Guard, ...] = ()) -> CallSite:
    return CallSite(function=function, callee="log_message", indirect="", file="a.c", line=line, col=5,
                    written="log_message", args=(Arg("LOG_INFO", integer=6),) + args,
                    arg_refs=tuple(() for _ in range(len(args) + 1)), guards=guards, text="log_message(...)")


def test_every_text_of_a_site_gets_that_sites_answers_and_nothing_is_joined_by_line():
    # Two sites on the same line and function: only their columns tell them apart.
    choice = Arg('up ? "link up" : "link down"', choices=(Arg('"link up"', string="link up"),
                                                         Arg('"link down"', string="link down")), choice_of="up")
    first = call(10, Arg('"%s"', string="%s"), choice, guards=(Guard("if", None, "debug", 9),))
    second = CallSite(**{**first.__dict__, "col": 40, "args": (Arg("LOG_ERR", integer=3), Arg('"failed"', string="failed")),
                         "guards": ()})
    sites = [LogSite(first, LOG, "f"), LogSite(second, LOG, "f")]
    fn = FunctionFacts("f", "a.c", 1, False, ("up",), False, (first, second))
    texts = site_texts(sites, load_rules("keepalived"), [fn], {"log_message": LOG})
    assert [render_normal(t.template) for t in texts[first.key]] == ["link up", "link down"]
    need = Requirement.parse("-D")
    requirements = {first.key: RequirementAnswer(need, (GuardAt("a.c", 9, "debug"),))}
    processes = {first.key: ProcessAnswer(("vrrp",), ("daemon",), (("-S", "local1"),), (NotInProcess("parent", "x is 0"),)),
                 second.key: ProcessAnswer(("parent",), ("local2",), (), (FacilityInPriority("local2", "LOG_LOCAL2|LOG_ERR"),))}
    messages = {render_normal(m.template): m for m in assemble(sites, texts, {second.key: "defined(X)"}, requirements, processes)}
    assert set(messages) == {"link up", "link down", "failed"}
    for text in ("link up", "link down"):
        m = messages[text]
        assert (m.requires, m.requires_formula, m.processes, m.facility, m.build) == ((("-D",),), "-D", ("vrrp",), ("daemon",), "")
        assert m.derivation == (GuardAt("a.c", 9, "debug"), NotInProcess("parent", "x is 0"))
        assert m.conditions == ("debug",)
    failed = messages["failed"]
    assert (failed.requires, failed.processes, failed.facility, failed.build, failed.priority) == \
        ((), ("parent",), ("local2",), "defined(X)", "LOG_ERR")
    assert len({m.id for m in messages.values()}) == 3


def test_a_site_read_from_the_text_with_a_parsed_copys_id_gets_a_plus():
    parsed = call(10, Arg('"same"', string="same"))
    text = CallSite(**{**parsed.__dict__, "line": 20, "col": 0})
    sites = [LogSite(parsed, LOG, "f"), LogSite(text, LOG, "f", extracted="text")]
    texts = site_texts(sites, load_rules("keepalived"), [], {"log_message": LOG})
    messages = assemble(sites, texts, {}, {}, {})
    ids = sorted(m.id for m in messages)
    assert ids[1] == ids[0] + "+"
    assert {m.extracted for m in messages} == {"parse", "text"}


def test_process_derivations_are_data_in_json_never_a_plain_string():
    for d in (NotInProcess("parent", "worker_data is false"), ProcessesFrom("skipped-branch", "run_perf() at a.c:3"),
              FacilityInPriority("local7", "LOG_LOCAL7|LOG_INFO")):
        assert derivation_from_dict(derivation_to_dict(d)) == d
    try:
        derivation_to_dict("not in process parent: ...")  # the old form, written as "several" before
    except TypeError:
        pass
    else:
        raise AssertionError("a plain string was accepted as a derivation")
    site = call(3, Arg('"x"', string="x"))
    texts = site_texts([LogSite(site, LOG, "f")], load_rules("keepalived"), [], {"log_message": LOG})
    [m] = assemble([LogSite(site, LOG, "f")], texts, {}, {},
                   {site.key: ProcessAnswer(("a",), ("daemon",), (), (ProcessesFrom("skipped-branch", "g() at a.c:1"),))})
    d = message_to_dict(m)
    assert d["derivation"] == [{"kind": "processes-from", "from": "skipped-branch", "where": "g() at a.c:1"}]
    assert message_from_dict(d) == m


def test_a_call_two_profiles_saw_with_different_arguments_is_one_site_with_both_texts():
    # `log_message(LOG_INFO, "a=%d" #ifdef T " t=%u" #endif, ...)`: one place, two formats.
    plain = call(7, Arg('"a=%d"', string="a=%d"), Arg("a"))
    timers = CallSite(**{**plain.__dict__, "args": plain.args[:1] + (Arg('"a=%d" " t=%u"', string="a=%d t=%u"),
                                                                     Arg("a"), Arg("t"))})
    fn = FunctionFacts("f", "a.c", 1, False, (), False, (plain, timers))
    rules = load_rules("keepalived")
    functions, sites = find_log_sites(rules, [fn])
    [site] = sites
    assert site.alternates == ((timers, LOG),)
    texts = site_texts(sites, rules, [fn], functions)
    messages = assemble(sites, texts, {}, {}, {})
    assert sorted(m.format for m in messages) == ["a=%d", "a=%d t=%u"]
    assert all("#" not in m.id for m in messages)


def test_defaults_functions_come_from_the_rules():
    """find_defaults reads the functions the rules' `[config] defaults_functions` patterns
    name: a field one sets to non-0 is set without its key; another function's write is not."""
    from srcscan.analyze.options import find_defaults
    from srcscan.cexpr import Const
    from srcscan.model import FileFacts, Write

    writes = (Write("mod_x_set_defaults", "m.c", 3, "p.defaults.store_creds", "=", Const(1, "1"), "1"),
              Write("mod_x_set_defaults", "m.c", 4, "p.defaults.debug", "=", Const(0, "0"), "0"),
              Write("mod_x_init", "m.c", 9, "p.defaults.level", "=", Const(2, "2"), "2"))
    facts = FileFacts("m.c", "default", (), (), (), (), (), writes=writes)
    assert find_defaults([facts], load_rules("lighttpd").config.defaults_functions) == {("m.c", "store_creds")}
    assert find_defaults([facts], ("*_init",)) == {("m.c", "level")}
    assert find_defaults([facts], load_rules("keepalived").config.defaults_functions) == frozenset()


def test_a_site_no_process_can_run_gives_no_message():
    site = call(5, Arg('"gone"', string="gone"))
    sites = [LogSite(site, LOG, "f")]
    texts = site_texts(sites, load_rules("keepalived"), [], {"log_message": LOG})
    never = ProcessAnswer((), (), (), (), never="only stored in a field nothing calls")
    assert assemble(sites, texts, {}, {}, {site.key: never}) == []
    assert len(assemble(sites, texts, {}, {}, {site.key: ProcessAnswer(("a",), (), ())})) == 1
