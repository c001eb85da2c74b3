"""Which options each call site needs: its own guards (analyze.optiontests), the guards
its function inherits through the call graph, and option values passed down as parameters.

Facts in (FunctionFacts with guards as typed C expressions, the call graph, analyze.optionindex's
index), one answer per call site out: `analyze_requirements` returns SiteKey -> RequirementAnswer
(a Requirement formula and its derivation as data). No parser node or condition text is read.

A function's requirement is the disjunction, over the calls reaching it from the entry
points, of its caller's requirement and the call's guards (iterated to a fixed point).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.tablehandover import table_handovers
from srcscan.analyze.fdreads import fd_reads, fd_writes
from srcscan.analyze.pointertables import pointer_tables
from srcscan.analyze.wholefills import filled_whole, stepped_fields, unmodelled
from srcscan.analyze.arraystores import element_written
from srcscan.analyze.steppedlocals import local_steps
from srcscan.analyze.valuestores import value_stores
from srcscan.analyze.zerofields import add_counts, counted_fields, settled_zero_by
from srcscan.analyze.childstarts import start_atoms
from srcscan.analyze.exitingoptions import config_read_after, exiting_options, without_exited
from srcscan.analyze.contexts import (context_requirement, creates_context, file_selection, guarded_by_context,
                                      loaded_by_keys, one_module)
from srcscan.analyze.configtext import config_text_notes
from srcscan.analyze.condblocks import condition_block_notes  # `dc->comp`: which condition block
from srcscan.analyze.keytypes import typed_case_need, unused_case_test
from srcscan.analyze.deadstores import dead_slots, dead_store_test
from srcscan.analyze.fieldvalues import FieldValues, dead_field_test, field_notes, never_choices
from srcscan.analyze.guardsites import guard_sites
from srcscan.analyze.inherited import inherited, stored_requirement
from srcscan.analyze.keywordblocks import keyword_blocks, with_blocks
from srcscan.analyze.keywordobjects import object_requirements, site_objects
from srcscan.analyze.optionindex import Index, option_index
from srcscan.analyze.optiontypes import option_to_dict
from srcscan.analyze.optiontests import guard_requirement, mandatory_guard, option_test, several_options
from srcscan.analyze.parserfills import parser_fills
from srcscan.analyze.eventprocs import SENT
from srcscan.analyze.eventcodes import case_line, unsent_case
from srcscan.analyze.sitesteps import (after_check, checked_before, configuring_functions, definition_parsed, never_built,
                                       with_implied)
from srcscan.cexpr import Binary, CExpr, Unary, render, strip
from srcscan.model import (CallSite, Guard, DecidedByCallers, Derivation, FunctionFacts, GuardAt, Inherited,
                           LoggedOnlyIf, MessageText, NotBuilt, NotCalled, RequirementAnswer, SeveralOptions, SiteKey,
                           ThroughPointer, Write)
from srcscan.requirement import Atom, Requirement
from srcscan.analyze.conditions import BUDGET, Conditions, keep_params, param_test, site_condition, translate
from srcscan.analyze.deadcode import macro_called, never_called
from srcscan.analyze.optionflow import zero_at_start
from srcscan.analyze.callneeds import case_sends, fill_store_needs, sends_requirement, stores_need, text_answers
from srcscan.analyze.skippedcallers import (dropped_callers, dropped_note, only_through, skipped_callers, skipped_note,
                                            through_skipped_note)
from srcscan.analyze.logfuncs import log_function_of
from srcscan.analyze.markercodes import marker_calls
from srcscan.analyze.moduleconstants import key_files, module_constants, store_needs
from srcscan.analyze.unsuretests import unsure_tests
from srcscan.analyze.nonempty import stored_string_tests
from srcscan.analyze.deadtests import bounded_test, layout_test, null_result_test, null_test, set_bit_test, zeroed_test
from srcscan.analyze.nevernull import always_null, never_null
from srcscan.analyze.zeroed import zeroing_functions

if TYPE_CHECKING:  # context.py names Index in its annotations
    from srcscan.analyze.context import Context

__all__ = ["Index", "Site", "analyze_requirements", "answer_requirements", "guard_requirement", "inherited",
           "mandatory_guard", "option_index", "option_test", "stored_requirement"]

@dataclass(frozen=True)
class Site:
    """A call site to answer for: the call and the function holding it."""

    call: CallSite
    function: FunctionFacts


def answer_requirements(sites: Iterable[Site], graph: CallGraph, index: Index,
                        log_functions: Mapping[str, object] | None = None, dead: frozenset[str] = frozenset(),
                        unseen_callers: frozenset[str] = frozenset(),
                        writes: Iterable[Write] = (),
                        texts: Mapping[SiteKey, tuple[MessageText, ...]] | None = None,
                        starts: Mapping[str, Atom] | None = None, named: dict[Atom, Requirement] | None = None,
                        skipped: Mapping[str, tuple[tuple[str, int, str], ...]] | None = None,
                        dropped: frozenset[str] = frozenset()) \
        -> dict[SiteKey, RequirementAnswer]:
    """SiteKey -> the options the site needs and why. `log_functions` (as
    logfuncs.infer_log_functions gives them) let a log function's own conditions on its
    parameters and its early returns count at each call (analyze.conditions); a site in a
    function of `dead` (analyze.deadcode.never_called) is never logged, and so is one under a
    test that a variable holding the result of a function that never returns NULL is NULL
    (analyze.nevernull; `writes`, extract.writes' facts, say what a variable holds). `texts`
    (the sites' texts, analyze.sites.site_texts): a text builder's texts get answers of their
    own (text_answers). `starts`, `named`: child process starts named by atoms, and what each
    atom means (inherited.inherited, analyze.childstarts). `skipped` (skippedcallers.skipped_callers):
    functions only calls in skipped preprocessor branches reach, which need what the functions
    holding those calls need, and say so; those of `dropped` (keys) are reached by uses a parse
    with errors dropped instead (skippedcallers.dropped_callers), and say that."""
    skipped = skipped or {}
    holders = {k: tuple(h for _, _, h in places) for k, places in skipped.items()}
    from_callers, via_pointer = inherited(graph, index, dead, unseen_callers, starts=starts, named=named, skipped=holders)
    non_null = never_null(graph.functions.values(), index.local_values, index.broken)
    null_keys = always_null(graph.functions.values(), index.broken | index.conditional)
    null_names = frozenset(graph.functions[k].name for k in null_keys if k in graph.functions)
    null_by_file: dict[str, frozenset[str]] = {}

    def null_in(file: str) -> frozenset[str]:
        """The names that, used in `file`, call an always-NULL function (a static function of
        another file with the same name is another function)."""
        if file not in null_by_file:
            null_by_file[file] = frozenset(n for n in null_names if graph.key_for(n, file) in null_keys)
        return null_by_file[file]
    written: dict[tuple[str, str], list[Write]] = defaultdict(list)
    for w in writes:
        written[(w.file, w.function)].append(w)
    zeroing = zeroing_functions(graph.functions.values(), written)
    defined = frozenset(f.name for f in graph.functions.values()).__contains__
    if not index.parser_fills and index.getopt_calls:
        index.parser_fills = parser_fills(graph, index, writes)

    def again():
        """The callers' requirements read once more, from scratch, now that tests read more."""
        index.memo.clear()
        index.param_needs.clear()
        return inherited(graph, index, dead, unseen_callers, starts=starts, named=named, skipped=holders)

    if (index.stores or index.other_fills or index.bit_stores or index.shared_fills or index.zero_fills) \
            and not (index.set_by or index.also_filled or index.bits_set_by or index.shared_by or index.zero_by):
        fill_store_needs(index, from_callers, graph)  # set_by, also_filled, bits_set_by, shared_by, zero_by
        if index.zero_by:  # a store reached only through a test of its own field waits on another store
            settled_zero_by(index.zero_fills, index, lambda: again()[0],
                            lambda stores, callers: stores_need(stores, index, callers, graph))
        if index.set_by or index.also_filled or index.bits_set_by or index.shared_by or index.zero_by:  # the tests of those fields now read options: once more
            from_callers, via_pointer = again()
    if not index.marker_needs and (markers := marker_calls(graph, index, writes)):  # `case LOPT_BANK:` (markercodes)
        index.marker_needs = {code: sends_requirement(calls, graph, index, from_callers, dead)[0]
                              for code, calls in markers.items()}
        from_callers, via_pointer = again()
    index.log_names = frozenset(k.rsplit(":", 1)[-1] for k in (log_functions or {}))  # analyze.arraystores
    if not index.run_needs and stored_string_tests(graph, index):
        # `strlen(serv->domain) != 0`: read with the call paths of the functions storing the
        # field and passing its value (analyze.nonempty), then the callers once more
        index.zeroing, index.run_needs = zeroing, dict(from_callers)
        from_callers, via_pointer = again()
    objects = object_requirements(index.objects, from_callers, index.keyword_names)  # structs only some configuration makes
    if objects:  # a call reading a field of one runs only with it: once more, the calls' own reads counted
        from_callers, via_pointer = inherited(graph, index, dead, unseen_callers, objects, starts, named, holders)
    known = dict(log_functions or {})
    conditions = Conditions(graph, index, lambda fn, c: log_function_of(known, fn.file, c.callee) is not None,
                            from_callers, objects=objects, starts=frozenset(skipped))
    beyond = only_through(graph, skipped, unseen_callers)
    store_need, keys_in = store_needs(graph, index, from_callers), key_files(index)
    answers = {}
    for site in sites:
        call, fn = site.call, site.function
        key = graph.key_for(fn.name, fn.file) or fn.key
        if key in dead:
            answers[call.key] = RequirementAnswer(Requirement.FALSE, (NotCalled(fn.name),))
            continue
        dead_test = (null_test(call, written.get((fn.file, fn.name), ()), non_null)
                     or null_result_test(call, written.get((fn.file, fn.name), ()), null_in(fn.file))
                     or zeroed_test(call, fn, written.get((fn.file, fn.name), ()), zeroing)
                     or bounded_test(call, fn, written.get((fn.file, fn.name), ()), defined)
                     or set_bit_test(call, fn, written.get((fn.file, fn.name), ()), defined)
                     or unused_case_test(call, index.key_values)
                     or dead_store_test(call, index.dead_slots, index.key_values)
                     or dead_field_test(call, index.field_values))
        if dead_test is not None:  # `name = MALLOC(len); if (!name) log_message(...)`: never
            answers[call.key] = RequirementAnswer(Requirement.FALSE, (dead_test,))
            continue
        own = [(g, guard_requirement(g, index, fn)) for g in call.guards]
        need = Requirement.all_of(site_condition(g, index, fn) for g in call.guards).simplified()
        contradiction = ()
        if need.is_false:
            # The guards contradict each other as srcscan reads them: a variable tested both
            # ways was assigned in between (`ret = fcntl(...); if (ret < 0) return; ret = bind();
            # if (ret < 0) log`), or a local has an option variable's name. Read each guard on its
            # own, and say so.
            need = Requirement.all_of(r for _, r in own).simplified()
            if need.is_false:
                # an else branch's option reads against a value atom (dnsmasq's `if
                # (option_bool(OPT_LOCAL_SERVICE)) ... else if (option_bool(OPT_LOCALHOST_SERVICE))`,
                # both --local-service's bits, `=host` for the second): what the tests it must
                # pass need, a necessary condition still
                need = Requirement.all_of(r for g, r in own if not g.negated).simplified()
            if need.is_false:
                need = Requirement.TRUE
            contradiction = ("its guards contradict as srcscan reads them (a variable assigned between two "
                             "tests, or a local named like an option's variable); each guard read on its own",)
        sink_key = graph.key_for(call.callee, call.file) if not call.indirect else None
        sink = conditions.sink_of(sink_key) if known else Requirement.TRUE
        sinkish: frozenset = frozenset()
        if not sink.is_true:
            callee = graph.functions[sink_key]
            own_tests = frozenset(a for a in sink.atoms() if param_test(a, callee))
            sink, sinkish = translate(sink, callee, call.exprs, index, fn, own_tests, call.line)
            sinkish = frozenset(a for a in sinkish if param_test(a, fn))
        start = keep_params(need & sink, fn).simplified()
        conditions.budget = BUDGET
        requirement, unsure = conditions.reaching(key, start, sinkish=sinkish)
        unsure = unsure + contradiction + (((dropped_note if key in dropped else skipped_note)(fn.name, skipped[key], graph),)
                                           if key in skipped else ())
        deciding, above = conditions.callers_deciding(key, start, sinkish), conditions.deciding_tree(key, start, sinkish)
        unsure = unsure + through_skipped_note(fn.name, key, deciding, beyond, skipped, dropped, graph)
        if requirement.is_false and unsure:
            # No call path srcscan follows makes the parameters' test hold, and on some of them it
            # could not know a value (a path that only decided values rule out stays "never"): rather than "never",
            # say what the guards alone need, and that the parameters' values were not decided.
            requirement = (need.exists(lambda a: a.is_test) & sink.exists(lambda a: a.is_test)
                           & from_callers.get(key, Requirement.TRUE)).simplified()
            unsure = unsure + (f"no call path to {fn.name}() that srcscan follows gives its parameters values "
                               f"that log this; shown with its guards alone",)
        upstream = from_callers.get(key, Requirement.TRUE)
        if requirement.is_false and not need.is_false and not upstream.is_false and not start.is_false \
                and _config_atoms(need, index):
            # The site's guards test a config key its callers need the other way (lighttpd's
            # mod_openssl_cert_cb: registered where the socket's `conf.pc` is set, logging where
            # the connection's `hctx->conf.pc` is not). Config is per condition block and fields
            # are told apart by name only: not "never", but the callers' requirement, and said.
            # (Not when the log function's own test rules the guards out whatever the callers
            # give: keepalived's `if (fp) conf_write(fp, ...)` writes only to the file.)
            requirement = upstream.simplified()
            unsure = unsure + (f"its guards test config keys against what its callers need "
                               f"({_sink_text(need)}); a key's value differs per condition block and fields "
                               f"of one name are not told apart by struct: shown with its callers' requirement",)
        creators = index.context_creators.get(fn.file, ())
        if not creates_context(key, creators) and guarded_by_context(call.guards, index.contexts):
            # after `if (NULL == hctx) return ...;`: only where the file created a context
            created = context_requirement(graph, index, creators, from_callers)
            if created is not None and not created.is_true:
                requirement = (requirement & created).simplified()
                upstream = upstream & created
        sent = case_sends(call.guards, fn, index)
        unsent = unsent_case(call.guards, fn, index) if not sent else ()
        if unsent:  # a case of codes no call in the build read can send (dnsmasq's EVENT_LUA_ERR)
            answers[call.key] = RequirementAnswer(Requirement.FALSE, (DecidedByCallers(
                fn.name, f"{SENT}: no call srcscan parsed sends code {' or '.join(unsent)} "
                f"(the case at {call.file}:{case_line(call.guards)})", ()),))
            continue
        if sent:
            # a case of a receiver's switch on an event code: logged only after a call sent it
            need, sent_paths = sends_requirement(sent, graph, index, from_callers, dead)
            requirement = (requirement & need).simplified()
        made, made_by = site_objects(call, key, objects, index.objects)  # it reads a field of one
        typed, typed_by, typed_unsure = typed_case_need(call, index.key_values)  # `case T_CONFIG_ARRAY_KVANY:`
        unsure = unsure + typed_unsure
        requirement = one_module((requirement & made & typed).simplified(), fn.file, index)
        # `opts->backend == BACKEND_PROXY`: per alternative, the constant its module stores
        requirement, constant_by = module_constants(requirement, call.guards, index.field_values, store_need, keys_in)
        # The log function's own option tests (keepalived's vlog_message returns under -t) hold
        # for every message it writes: they rule alternatives out (-R or -t, but nothing is
        # logged with -t: -R) and are not listed with each message.
        muted = {a for a in sink.atoms() if not a.is_test}
        if muted:
            requirement = requirement.exists(lambda a: a in muted).simplified()
        # ... but the message is still not written under them: `--with -t` leaves it out
        # (Message.logged_only_if, pipeline._appears, query.as_run_with).
        silent = sink.exists(lambda a: a.is_test).simplified() if muted else Requirement.TRUE
        bits = _facility_bits(known, fn, call)
        if bits is not None and bits.requires:
            # The log function returns at once for this facility unless an option is given
            # (rules' facility_bits: dnsmasq's my_syslog drops MS_DEBUG without --log-debug).
            requirement = (requirement & Requirement.atom(bits.requires)).simplified()
        derivation: list[Derivation] = [GuardAt(call.file, g.line, g.describe()) for g, r in own if not r.is_true]
        derivation += [GuardAt(call.file, call.line, why) for why in made_by] + list(typed_by)
        derivation += [GuardAt(call.file, line, why) for line, why in constant_by]
        if bits is not None and bits.requires:
            derivation.append(LoggedOnlyIf(call.callee, f"{bits.requires} (its priority's facility bits are "
                                                        f"LOG_{bits.facility.upper()})"))
        if not upstream.is_true:
            paths = len(upstream.alternatives())
            derivation.append(Inherited(fn.name, paths, guard_sites(graph, index, key)))
            if via_pointer.get(key):
                derivation.append(ThroughPointer())
        if several_options(own, index, fn):
            derivation.append(SeveralOptions())
        if not sink.is_true and (deciding or requirement != (upstream & Requirement.all_of(r for _, r in own)).simplified()):
            derivation.append(LoggedOnlyIf(call.callee, _sink_text(sink)))
        if deciding:
            derivation.append(DecidedByCallers(fn.name, _sink_text(start), deciding))
        if sent:
            derivation.append(DecidedByCallers(fn.name, SENT, sent_paths))
        unsure = unsure + tuple(filter(None, (layout_test(call),)))  # `offsetof(a) != offsetof(b)`: maybe never
        unsure = unsure + unsure_tests(call, fn, index)  # `strlen(serv->domain) != 0`, `errno != 0`: not followed
        unsure = unsure + field_notes(call, index.field_values)  # a default or bit test the parsed stores rule out
        answers[call.key] = RequirementAnswer(requirement, tuple(derivation) if not requirement.is_true else (), unsure,
                                              None if silent.is_true else silent, silent_calls=above)
        if texts and any(t.producers for t in texts.get(call.key, ())):
            calls_noted = {n: (f, line) for n, (callee, f, line) in conditions.path_notes.items() if callee == key}
            answers[call.key] = text_answers(answers[call.key], texts[call.key], fn, graph, index, from_callers, dead,
                                             frozenset(muted), calls_noted)
    return answers


def _facility_bits(known: Mapping[str, object], fn: FunctionFacts, call: CallSite):
    """The rules' facility_bits entry the call's priority selects (rules.schema.FacilityBits), or None."""
    target = log_function_of(dict(known), fn.file, call.callee) if known and not call.indirect else None
    if target is None or not getattr(target, "facility_bits", ()) or target.priority_arg is None \
            or target.priority_arg >= len(call.args):
        return None
    return target.bits_of(call.args[target.priority_arg].integer)


def _config_atoms(r: Requirement, index: Index) -> bool:
    """Whether `r` tests a config-file key (not a command-line option)."""
    return any(not a.is_test and getattr(index.by_name.get(a.name), "kind", "") == "config" for a in r.atoms())


def _sink_text(sink: Requirement) -> str:
    """A log function's condition for logging, as C-like text: runtime tests by their C text."""
    text = str(sink)  # longest names first: `?f:x` is a prefix of `?f:x@x:12` (conditions._versions)
    for a in sorted(sink.atoms(), key=lambda a: (-len(a.name), a.name)):
        if a.is_test:
            if isinstance(a.test, Binary) and a.test.op == "==":  # `!a == b` reads as `(!a) == b` in C
                text = text.replace("!" + a.name, render(Binary("!=", a.test.left, a.test.right)))
            text = text.replace(a.name, render(a.test))
    return text


def analyze_requirements(context: Context, build: Mapping[SiteKey, str]) \
        -> tuple[dict[SiteKey, RequirementAnswer], dict[str, object]]:
    """The pipeline's step: an answer for every log site (pipeline.Context.sites), and the
    option table as the catalog's `options` section, with `starts`: what each child start's
    atom means (analyze.childstarts.with_child_starts reads it). Sites read from the text have no guards
    srcscan knows: they get what their enclosing function inherits, when a parse holds that
    function. A site whose build condition (`build`, the build analysis' answers) needs a
    macro of the rules' `[preprocessor] never` is never logged (NotBuilt); one in a function
    no call path reaches, never either (NotCalled)."""
    functions = {(fn.file, fn.name): fn for fn in context.functions}
    sites = [Site(s.call, fn) for s in context.sites
             if (fn := functions.get((s.call.file, s.call.function)) or definition_parsed(s, context.graph))]
    text = context.tree.text(context.rules.exclude)
    texts = {rel: _read(text, rel) for rel in text.files}
    # a grammar's actions call functions too (lighttpd's configparser.y: config_parse_file)
    dead = never_called(context.graph, {**texts, **{rel: _read(text, rel) for rel in text.grammars}},
                        dict(context.rules.callgraph.library_macros))
    writes = [w for f in context.scan.all_files for w in f.writes]  # every parse's, every file's
    zero = zero_at_start(context.scan.all_files)
    if context.rules.config.keyword_calls:  # registered callbacks are read so for keyword daemons (field_stores)
        context.index.table_handovers = table_handovers(
            context.graph, (r for refs in context.index.field_stores.values() for r in refs), writes, texts)
    context.index.pointer_tables = pointer_tables(context.scan.all_files, texts)  # `*children_term[i].pid_p`
    # what zerofields and nonempty leave out
    context.index.whole_filled = filled_whole(context.graph.functions.values(), writes, texts,
                                               context.rules.callgraph.library_keeps)
    context.index.zero_fills = unmodelled(context.index.zero_fills, stepped := stepped_fields(texts), context.index.whole_filled)
    context.index.stepped_fields = stepped  # what neverstored leaves out
    context.index.element_writes = element_written(texts)  # what arraystores leaves out
    context.index.dead_slots = dead_slots(context.functions, writes, context.graph.key_for, context.index.key_values,
                                          context.index.whole_filled, stepped)  # `srv->srvconf.config_unsupported`
    context.index.field_values = FieldValues(context.functions, writes, texts, context.graph.key_for, context.index.whole_filled,
                                             stepped, frozenset(r.target for f in context.scan.all_files for r in f.refs))
    context.index.local_steps = local_steps(w for f in context.scan.all_files for w in f.steps)  # `wait_count++`
    stored = value_stores(context.graph, writes, context.index, zero, texts)  # statics holding stored values
    context.index.stores.update(stored)
    context.index.value_paths = frozenset(stored)
    # fields a file-scope struct counts up (zerofields)
    add_counts(context.index, counted_fields((s for f in context.scan.all_files if f.logsetup is not None
                                              for s in f.logsetup.state_writes), writes, context.functions,
                                             zero, context.graph.key_for), writes)
    if (calls := context.rules.callgraph).fd_readers:  # callbacks reading a descriptor only some code writes
        context.index.fd_reads = fd_reads(context.graph, dict(calls.fd_readers))
        context.index.fd_writes = fd_writes(context.graph, writes,
                                            dict(calls.fd_readers), dict(calls.fd_writers), calls.fd_users,
                                            calls.fd_creators, {v for _, v in context.index.fd_reads.values()})
    named: dict[Atom, Requirement] = {}  # a child's start, as an atom (analyze.childstarts)
    skipped = skipped_callers(context.graph, (c for f in context.scan.all_files if f.logsetup is not None
                                              for c in f.logsetup.skipped_calls[0]), dead, texts)
    dropped = dropped_callers(context.graph, context.index.broken, texts, dead, skipped)  # uses a parse left out
    answers = answer_requirements(sites, context.graph, context.index, context.log_functions, dead,
                                  macro_called(context.graph, texts), writes,
                                  context.texts, start_atoms(context.scan.all_files, context.graph), named,
                                  {**skipped, **dropped}, frozenset(dropped))
    answers.update(_unparsed_answers(context, frozenset(s.call.key for s in sites)))
    answers = never_choices(answers, context.sites, context.index.field_values, context.rules)  # `f & M ? "en" : "dis"`
    implies = context.rules.options.implies
    if implies:
        # not in the entry points (main), where the start-up check itself logs (dnsmasq's "no
        # root trust anchor provided for DNSSEC")
        # (the program's own entry points: lighttpd's connection hooks a plugin table names run later)
        entry = {fn.name for k in context.graph.entry_points if (fn := context.graph.functions.get(k)) is not None
                 and (fn.name == "main" or any(fnmatchcase(fn.name, p) for p in context.rules.callgraph.entry_points))}
        # nor in code run while the configuration is read, before that check: under the case
        # reading a (lighttpd's configfile.c `case 30: /* ssl.engine */` 'ssl support is
        # missing'), or in what the defaults functions call (mod_gnutls_set_defaults loading
        # ssl.ca-file before mod_gnutls_set_defaults_sockets stops for a missing ssl.pemfile)
        configuring = configuring_functions(context.graph, context.rules.config.defaults_functions)
        # ... and what the option handler calls (dnsmasq's one_opt -> canonicalise_opt's 'could
        # not get memory' for --auth-zone's value, before main() stops without --auth-server)
        configuring |= context.graph.reachable(list(context.index.handlers), kinds=frozenset({"direct"}))
        reading = {s.call.key: {x.name for g in s.call.guards if g.kind == "case"
                                for x in (context.index.option_case(g, s.function) or Requirement.TRUE).atoms()}
                   for s in sites}
        # nor in the function holding the check itself (a message needing a without b: lighttpd
        # 1.4.19's network_server_init logs cipher-list errors before 'ssl.pemfile has to be set')
        checking = {(k.file, k.function, a) for k, answer in answers.items() for a, b in implies
                    if any(x.name == a for x in answer.requirement.atoms())
                    and (answer.requirement & Requirement.atom(b)).simplified().is_false}
        # in an entry function, after its start-up check (a noreturn call needing a) only
        stops = checked_before(sites, answers, implies, context.rules.callgraph.noreturn, entry, build)
        answers = {key: with_implied(answer, [(a, b) for a, b in implies if after_check(key, a, stops, build)])
                   if key.function in entry
                   else answer if context.graph.key_for(key.function, key.file) in configuring
                   else with_implied(answer, [(a, b) for a, b in implies if a not in reading.get(key, ())
                                              and (key.file, key.function, a) not in checking])
                   for key, answer in answers.items()}
    # after the implied pairs: a module's loading keys are alternatives of their own
    # (ssl.engine alone loads mod_openssl), not settings the start-up checks ask more of
    answers.update(_loaded_answers(context, answers))
    if context.index.keyword_paths:
        blocks = keyword_blocks(context.index.keyword_paths)
        answers = {key: with_blocks(answer, blocks) for key, answer in answers.items()}
    exiting = exiting_options(context.graph, context.index, context.rules.callgraph.noreturn,
                              context.rules.callgraph.library_exits)
    if exiting:  # `-T && @checker`: the option exits before the children start (and the configuration is read)
        after = config_read_after(context.graph, context.index, context.rules.config.readers,
                                  context.rules.config.keyword_calls)
        answers = {key: without_exited(answer, exiting, context.index, after) for key, answer in answers.items()}
    if context.rules.config.readers:  # logged for a line of a form no keyword names (a `~SEQ` line)
        answers.update(config_text_notes(answers, ((s.call, context.graph.key_for(s.call.function, s.call.file)) for s in
                       context.sites), context.graph, context.rules.config.readers,
                       context.rules.config.string_compares, context.index.getopt_calls))
    answers.update(condition_block_notes(answers, (s.call for s in context.sites), context.rules.config.condition_fields))
    never = never_built(context)
    for site in context.sites:
        unbuilt = never(build.get(site.key, ""))
        if unbuilt:  # also a site read from the text, which no parse holds
            answers[site.key] = RequirementAnswer(Requirement.FALSE, (NotBuilt(unbuilt),))
    return answers, {"options": [option_to_dict(o) for o in context.options], "starts": named}


def _unparsed_answers(context: Context, answered: frozenset[SiteKey]) -> dict[SiteKey, RequirementAnswer]:
    """SiteKey -> an answer for each site read from the text of a function no parse holds
    (wholly inside an `#if` branch the build skips: lighttpd 1.4.85's
    mod_gnutls_ssl_conf_dhparameters() under `GNUTLS_VERSION_NUMBER < 0x030600`) whose file the
    rules select (contexts.file_selection: mod_gnutls.c runs only with
    `server.modules=mod_gnutls`): that selection, said to be all srcscan knows. Sites of other
    files keep no answer (nothing known)."""
    out: dict[SiteKey, RequirementAnswer] = {}
    for site in context.sites:
        if site.key in answered:
            continue
        need, atoms = file_selection(context.rules.config.selected, site.call.file)
        if need.is_true:
            continue
        why = f"in {site.call.file}, which runs only with {' or '.join(atoms)} (the rules' [[config.selected]])"
        out[site.key] = RequirementAnswer(need, (GuardAt(site.call.file, site.call.line, why),), (
            f"no parse holds {site.call.function}() (a preprocessor branch this build skips): shown with what "
            f"its file needs, without its callers' conditions",))
    return out


def _loaded_answers(context: Context, answers: Mapping[SiteKey, RequirementAnswer]) \
        -> dict[SiteKey, RequirementAnswer]:
    """SiteKey -> the answer of each site in a file of a `[[config.selected]]` entry with
    `also_keys` (lighttpd's mod_openssl.c, loaded by `server.modules=mod_openssl` or any `ssl.*`
    key) as run only once that module is loaded (contexts.loaded_by_keys), said so where it
    adds atoms; a site without an answer (its function no parse holds) starts from TRUE."""
    entries = [e for e in context.rules.config.selected if e.also_keys]
    if not entries:
        return {}
    keys = sorted({o.name for o in context.options if o.kind == "config"})
    out: dict[SiteKey, RequirementAnswer] = {}
    for site in context.sites:
        entry = next((e for e in entries if any(fnmatchcase(site.call.file, p) for p in e.files)), None)
        if entry is None:
            continue
        answer = answers.get(site.key, RequirementAnswer(Requirement.TRUE, ()))
        out[site.key] = _loaded_answer(answer, entry, keys, site.call)
    return out


def _loaded_answer(answer: RequirementAnswer, entry, keys: list[str], call: CallSite) -> RequirementAnswer:
    requirement = loaded_by_keys(answer.requirement, entry, keys)
    texts = tuple((t, _loaded_answer(a, entry, keys, call)) for t, a in answer.texts)
    if requirement == answer.requirement and texts == answer.texts:
        return answer
    why = (f"in {call.file}, which runs only once its module is loaded: {entry.key}={entry.value} or any key "
           f"matching {' or '.join(entry.also_keys)} (the rules' [[config.selected]])")
    return replace(answer, requirement=requirement, texts=texts,
                   derivation=answer.derivation + (GuardAt(call.file, call.line, why),))


def _read(text, rel: str) -> str:
    try:
        return text.text(rel)
    except OSError:
        return ""  # vanished since the listing: nothing it calls
