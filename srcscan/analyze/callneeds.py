"""What one call or store running needs, for requirements.answer_requirements: the calls
selecting a text builder's text (text_answers), the calls sending the event codes a site's
`case` reads (case_sends, sends_requirement), and the stores filling a field whose tests then
read options (set_by_code, stores_need). Each is the calling function's inherited requirement
and the call's or store's own guards, run-time tests left out."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.optiontests import guard_requirement
from srcscan.analyze.textprocs import SELECTED
from srcscan.analyze.valuestores import argument_need, settled_set_by
from srcscan.cexpr import Binary, Member, Name, evaluate, render, strip, substitute, walk
from srcscan.model import CallSite, DecidedByCallers, FunctionFacts, Guard, MessageText, RequirementAnswer
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

_PASSED_ON = 2  # levels of callers passing a parameter on that a store's guard is read through


def text_answers(answer: RequirementAnswer, texts: Iterable[MessageText], fn: FunctionFacts, graph: CallGraph,
                 index: Index, from_callers: Mapping[str, Requirement],
                 dead: frozenset[str] = frozenset(), muted: frozenset = frozenset(),
                 calls_noted: Mapping[str, tuple[str, int]] | None = None) -> RequirementAnswer:
    """A text builder's site (analyze.builttext), or a helper's writing its callers' constants
    (analyze.constants), with one answer per text: the site's answer
    and what one of the calls selecting the text needs (its function's inherited requirement
    and its own guards, run-time tests left out). dnsmasq's log_query prints `reply %s is
    duplicate` through its plain form (`!--log-queries=extra`) only for the call in forward.c,
    which is under `option_bool(OPT_EXTRALOG)`: never; `reply %s is BOGUS DS` only for calls
    in DNSSEC validation code. `muted`: the log function's own option atoms, left out as from
    the site's answer (keepalived's `!-t`). `calls_noted`: notes of the site's answer about one
    direct call of its function (note -> file, line; Conditions.path_notes), kept for a text only
    when that call selects it (fdevent_load_file()'s `/dev/stdin`, only configfile.c:2275's, says
    nothing of mod_openssl.c:905's path)."""
    per_text = []
    for text in texts:
        if not text.producers:
            continue
        paths, needs, opened = [], [], []  # opened: per call needing nothing, _open_param_test's note
        for producer in text.producers:
            caller = graph.key_for(producer.function, producer.file)
            facts = graph.functions.get(caller) if caller else None
            call = next((c for c in facts.calls if c.key == producer), None) if facts is not None else None
            # a call srcscan cannot place may select the text anywhere
            need = Requirement.TRUE if call is None else _call_need(caller, facts, call, index, from_callers, dead, graph)
            for key, test, negated in text.choices:  # `rapid_commit ? "NOANSWER" : "DHCPNAK"`: one way only
                if call is not None and key == producer:
                    way = Guard("ternary", None, render(test), call.line, negated, expr=test)
                    need = (need & guard_requirement(way, index, facts)).exists(lambda a: a.is_test).simplified()
            needs.append(need)
            paths.append((producer.file, producer.line, producer.function, str(need)))
            if need.is_true:
                opened.append(_open_param_test(facts, call, graph) if call is not None else None)
        requirement = (answer.requirement & Requirement.any_of(needs)).exists(lambda a: a in muted).simplified()
        notes = tuple(opened) if opened and all(opened) else ()
        selecting = {(p.file, p.line) for p in text.producers}
        noted = calls_noted or {}
        kept = tuple(n for n in answer.uncertain if n not in noted or noted[n] in selecting)
        if requirement == answer.requirement and not notes and kept == answer.uncertain:
            continue
        derivation = answer.derivation + (DecidedByCallers(
            fn.name, SELECTED, tuple(paths)),)
        per_text.append((text.template, replace(answer, requirement=requirement, derivation=derivation,
                                                uncertain=kept + notes)))
    return replace(answer, texts=tuple(per_text)) if per_text else answer


def _open_param_test(facts: FunctionFacts, call: CallSite, graph: CallGraph) -> str | None:
    """A note for a text's call that needs nothing only because srcscan does not follow what
    its function's callers pass: the first guard of the call testing a parameter of `facts`
    that some direct caller hands a value of the run (a local, a call's result; not a constant,
    not a parameter of its own). dnsmasq's make_local_answer logs `config <name> is NODATA-IPv4`
    under `flags & (F_NXDOMAIN | F_NOERR)`, and its callers pass a local holding
    is_local_answer()'s result, set only for names configured by options. None otherwise."""
    for g in call.guards:
        if g.expr is None or g.kind in ("case", "default"):
            continue
        tested = _flag_test(g.expr, facts)
        if tested is None:
            continue
        position = facts.params.index(tested)
        passing = []
        for caller, _, data in graph.graph.in_edges(facts.key, data=True):
            c = data.get("call")
            if data["kind"] != "direct" or c is None or position >= len(c.exprs):
                continue
            arg = strip(c.exprs[position])
            if isinstance(arg, Name) and arg.ref == "var":
                passing.append(f"{c.file}:{c.line}")
        if passing:
            return (f"the call at {call.file}:{call.line} selecting this text runs only when `{render(g.expr)}` "
                    f"holds, and {facts.name}()'s callers ({', '.join(sorted(set(passing)))}) pass "
                    f"`{tested}` a local holding a value of the run srcscan does not follow to the options setting it: "
                    f"options this text needs may be missing")
    return None


def _flag_test(e, facts: FunctionFacts) -> str | None:
    """The parameter of `facts` a test reads as a flag word: `p`, `p & K`, `p == K`, `p != K`
    (K a constant); None for any other test (of data a parameter points to, of a call)."""
    e = strip(e)
    if isinstance(e, Binary) and e.op in ("&", "==", "!="):
        if evaluate(e.right) is not None:
            e = strip(e.left)
        elif evaluate(e.left) is not None:
            e = strip(e.right)
        else:
            return None
    return e.name if isinstance(e, Name) and e.ref == "param" and e.name in facts.params else None


def case_sends(guards: Iterable[Guard], fn: FunctionFacts, index: Index) -> tuple[tuple[str, CallSite], ...]:
    """The calls sending the event codes of the innermost `case` among `guards` whose labels
    are all codes sent to `fn` (Index.events); () for a site under no such case."""
    codes = index.events.get(fn.name)
    if not codes:
        return ()
    for g in reversed(tuple(guards)):
        if g.kind == "case" and g.labels and all(isinstance(label, int) and label in codes for label in g.labels):
            return tuple(s for label in dict.fromkeys(g.labels) for s in codes[label])
    return ()


def sends_requirement(sends, graph: CallGraph, index: Index, from_callers: Mapping[str, Requirement],
                      dead: frozenset[str]) -> tuple[Requirement, tuple[tuple[str, int, str, str], ...]]:
    """Over the calls sending an event code: what one of them needs (its function's inherited
    requirement and its guards, run-time tests left out), with a path per call for DecidedByCallers."""
    needs, paths = [], []
    for caller, call in sends:
        facts = graph.functions[caller]
        need = _call_need(caller, facts, call, index, from_callers, dead)
        needs.append(need)
        paths.append((call.file, call.line, facts.name, str(need)))
    return Requirement.any_of(needs).simplified(), tuple(paths)


def _call_need(caller: str, facts: FunctionFacts, call: CallSite, index: Index,
               from_callers: Mapping[str, Requirement], dead: frozenset[str],
               graph: CallGraph | None = None) -> Requirement:
    """What one call needs to run: its function's inherited requirement and its own guards, with
    run-time tests left out (existentially); FALSE in a function never called. With `graph`, a
    guard testing the function's parameters is read at each of its callers with their
    arguments (_callers_passing): dnsmasq's return_reply logs `validation ...` under
    `!STAT_ISEQUAL(status, STAT_OK)`, which reply_query's `return_reply(..., STAT_OK)` never
    passes, dnssec_validate's call (under --dnssec) may. Only calls whose constant arguments
    rule the guard out are left out; the others' arguments are not read."""
    if caller in dead:
        return Requirement.FALSE
    inherited = from_callers.get(caller, Requirement.TRUE)
    if graph is not None:
        inherited = _callers_passing(caller, facts, call.guards, graph, index, from_callers, inherited, False)
    need = (inherited & Requirement.all_of(guard_requirement(g, index, facts) for g in call.guards)
            & Requirement.all_of(guard_requirement(g, index, facts) for g in dereferenced(call, facts, index)))
    return need.exists(lambda a: a.is_test).simplified()


def dereferenced(call: CallSite, facts: FunctionFacts, index: Index) -> tuple[Guard, ...]:
    """The locals of `facts` the call's arguments read a field through (`zone->domain`), each
    as a test that it is set at the call: the call runs only with such a pointer non-NULL (its
    arguments are evaluated first; C11 6.5.3.2: `*` of a null pointer is undefined, the daemon
    does not go on). dnsmasq 2.90's answer_auth() writes `log_query(F_RRNAME | F_AUTH,
    zone->domain, NULL, "<NS>", 0)` after a walk `for (zone = daemon->auth_zones; zone; zone =
    zone->next)` and an `if (!zone) continue;` nested where the call's guards do not reach (auth.c):
    `zone` is set only when --auth-zone filled the list (optiontests._necessary_only's walk)."""
    declared = index.locals_declared.get((facts.file, facts.name), frozenset())
    names = []
    for e in call.exprs:
        for x in walk(e):
            if isinstance(x, Member) and x.arrow and isinstance(base := strip(x.base), Name) and base.ref == "var" \
                    and base.name in declared and base.name not in facts.params and base.name not in names:
                names.append(base.name)
    return tuple(Guard("if", None, name, call.line, False, expr=Name(name, "var")) for name in names)


def fill_store_needs(index: Index, from_callers: Mapping[str, Requirement], graph: CallGraph) -> None:
    """Index.set_by (set_by_code), then what the stores of Index.other_fills, bit_stores,
    shared_fills and zero_fills need (also_filled, bits_set_by, shared_by, zero_by), then
    Index.set_by read once more when one of those is not empty: a store's guards may test such
    a field (keepalived 2.3.4's main() sets `use_pid_dir = true` under `global_data->
    instance_name || global_data->network_namespace`, the second filled by the net_namespace
    keyword and by main() under -s: sharedfills)."""
    index.set_by = set_by_code(index, from_callers, graph)
    index.also_filled, index.bits_set_by, index.shared_by, index.zero_by = ({k: need for k, stores in table.items() if (
        need := stores_need(stores, index, from_callers, graph)) is not None and not need.is_true}
        for table in (index.other_fills, index.bit_stores, index.shared_fills, index.zero_fills))
    settle_chained_bits(index, from_callers, graph)
    if index.also_filled or index.bits_set_by or index.shared_by or index.zero_by:
        index.set_by = set_by_code(index, from_callers, graph)


def settle_chained_bits(index: Index, from_callers: Mapping[str, Requirement], graph: CallGraph) -> None:
    """Index.bits_set_by read again while it changes: a bit stored only under a test of another
    bit needs what that bit's stores need (keepalived 2.3.4's check_vrid_conflicts() sets
    VRRP_FLAG_UNICAST_DUPLICATE_VRID, vrrp.c:4634, only under `__test_bit(VRRP_FLAG_UNICAST,
    ...)`, which vrrp_complete_instance() sets only for a non-empty unicast_peer list,
    vrrp.c:3246: a test of the first bit needs unicast_peer). The first reading took every bit test
    in a store's guards for a test of the run; each round reads them with the bits found so far,
    at most one round per bit (a chain is no longer than the bits stored). Index.memo is cleared
    before each: it keeps the guards' answers read with the bits as they were."""
    for _ in range(len(index.bit_stores) if index.bits_set_by else 0):
        index.memo.clear()
        found = {k: need for k, stores in index.bit_stores.items()
                 if (need := stores_need(stores, index, from_callers, graph)) is not None and not need.is_true}
        if found == index.bits_set_by:
            return
        index.bits_set_by = found
    index.memo.clear()  # the last round's answers were read with the bits before it


def set_by_code(index: Index, from_callers: Mapping[str, Requirement], graph: CallGraph) -> dict[str, Requirement]:
    """Field path -> the options under which some store in it runs (its function's inherited
    requirement and the store's own guards, run-time tests left out), for the fields of
    Index.stores whose every store needs some option; a function no call path reaches stores
    nothing. The variables of valuestores.value_stores are worked out to a fixed point, their
    stores' functions read at their calls each round (stores_need's `own`)."""
    return settled_set_by(index, index.value_paths, lambda path: stores_need(
        index.stores[path], index, from_callers, graph, path if path in index.value_paths else ""))


def stores_need(stores: Iterable[tuple[str, tuple[Guard, ...]]], index: Index, from_callers: Mapping[str, Requirement],
                graph: CallGraph, own: str = "") -> Requirement | None:
    """What one of the stores (function key, the store's guards) running needs: its function's
    inherited requirement and its guards, run-time tests left out; None when none can run.
    `own`: the variable stored, when its requirement is being worked out to a fixed point
    (valuestores.settled_set_by): a function called under a test of it is read at its calls
    (reached_now)."""
    needs = []
    for k, guards in stores:
        need, fn = from_callers.get(k), graph.functions.get(k)
        if own and need is not None and (now := reached_now(k, own, graph, index, from_callers)) is not None:
            need = now
        if need is None or need.is_false or fn is None:
            continue
        needs.append(_store_need(k, fn, guards, graph, index, from_callers, need))
    return Requirement.any_of(needs).exists(lambda a: a.is_test).simplified() if needs else None


def reached_now(key: str, name: str, graph: CallGraph, index: Index,
                from_callers: Mapping[str, Requirement]) -> Requirement | None:
    """What reaching function `key` needs, read at its direct calls (each caller's inherited
    requirement and the call's guards, with Index.set_by as it stands), when one of those calls
    is under a test of file-scope variable `name` and every call is a direct one srcscan sees;
    None otherwise (Index.from_callers' answer stands). The first store of a variable zero at
    start runs before any such test held, so while `name`'s stores are worked out from "never
    set" up, that call adds nothing until another store sets it: keepalived 2.3.4's
    update_core_dump_pattern() stores `orig_core_dump_pattern`, and is called from core_dump_init()
    under -M's flag and at exit under `if (orig_core_dump_pattern)`: the variable, and the exit
    call, need -M."""
    edges = list(graph.graph.in_edges(key, data=True))
    if not any(data.get("call") is not None and any(
            g.kind == "if" and not g.negated and g.expr is not None and _tests_set(g.expr, name)
            for g in data["call"].guards) for _, _, data in edges):
        return None
    found = []
    for caller, _, data in edges:
        call, caller_fn = data.get("call"), graph.functions.get(caller)
        if data["kind"] != "direct" or call is None or call.indirect or caller_fn is None:
            return None
        upstream = from_callers.get(caller)
        if upstream is None:
            continue  # a caller no call path reaches
        found.append(upstream & Requirement.all_of(guard_requirement(g, index, caller_fn) for g in call.guards))
    return Requirement.any_of(found) if found else None


def _tests_set(e, name: str) -> bool:
    """Whether test `e` holds only while file-scope variable `name` is set: `name`, `name > 0`,
    `name != 0`, or such a test joined to others by `&&`. (propagate_signal()'s `else if
    (running_bfd()) start_bfd_child();` runs while `bfd_child > 0` fails: no such test.)"""
    e = strip(e)
    if isinstance(e, Binary) and e.op == "&&":
        return _tests_set(e.left, name) or _tests_set(e.right, name)
    if isinstance(e, Binary) and e.op in ("!=", ">") and evaluate(e.right) == 0:
        e = strip(e.left)
    return isinstance(e, Name) and e.ref == "var" and e.name == name


def _store_need(key: str, fn: FunctionFacts, guards: tuple[Guard, ...], graph: CallGraph, index: Index,
                from_callers: Mapping[str, Requirement], need: Requirement) -> Requirement:
    """What one store (in function `key`, under `guards`) running needs: the calls that may
    pass its guards (_callers_passing, from `need`, fn's own requirement) and the guards.
    Kept in index.memo by (key, the guards' ids, from_callers' id), cleared with the rest of it
    whenever Index.set_by changes: the fields a function stores under the same guards share one
    answer (keepalived 2.3.4: 3768 -> 3341 calls of _callers_passing)."""
    memo = ("store need", key, tuple(map(id, guards)), id(from_callers))
    kept = index.memo.get(memo)
    if kept is not None and kept[1] is from_callers and kept[2] is need:
        return kept[3]
    found = (_callers_passing(key, fn, guards, graph, index, from_callers, need)
             & Requirement.all_of(guard_requirement(g, index, fn) for g in guards))
    index.memo[memo] = (guards, from_callers, need, found)  # kept: their ids stay their own
    return found


def _callers_passing(key: str, fn: FunctionFacts, guards: Iterable[Guard], graph: CallGraph, index: Index,
                     from_callers: Mapping[str, Requirement], need: Requirement,
                     arguments: bool = True, depth: int = 0) -> Requirement:
    """What the calls of `fn` whose arguments may make a store's guards on its parameters hold
    need (each caller's requirement and the call's guards): dnsmasq's add_update_server stores in
    `daemon->local_domains` under `if (flags & SERV_IS_LOCAL)`, which reload_servers'
    `add_update_server(SERV_FROM_RESOLV, ...)` never passes, one_opt's `-S`/`-A`/`--local` cases
    and the D-Bus handlers may. `need` (fn's own requirement) when no guard tests a parameter,
    or when a call is not a direct one srcscan can read. Without `arguments`, `need` also when
    no call's constant arguments rule a guard out, and the other calls' arguments are not read.
    A call passing on its own function's parameters (keepalived's read_config_file(bool
    write_config_copy) calling `init_data(..., write_config_copy)`, which stores `read_conf_copy =
    true` under `!copy_config && conf_copy`) is read at that function's callers in turn (up to
    _PASSED_ON levels; not when the function assigns the parameter): main's
    `read_config_file(true)` rules the store out."""
    tested = [g for g in guards if g.expr is not None and g.kind not in ("case", "default")
              and any(isinstance(x, Name) and x.ref == "param" and x.name in fn.params for x in walk(g.expr))]
    if not tested:
        return need
    found, ruled_out = [], False
    for caller, _, data in graph.graph.in_edges(key, data=True):
        call, caller_fn = data.get("call"), graph.functions.get(caller)
        if data["kind"] == "stored" or caller_fn is None:
            continue
        if data["kind"] != "direct" or call is None or call.indirect:
            return need
        values = dict(zip(fn.params, call.exprs))
        held = [evaluate(substitute(g.expr, values)) for g in tested]
        if any(v is not None and bool(v) == g.negated for g, v in zip(tested, held)):
            ruled_out = True
            continue  # a constant argument the guard rules out
        upstream = from_callers.get(caller, Requirement.TRUE)
        passed = [replace(g, expr=substitute(g.expr, values)) for g in tested]
        if arguments and depth < _PASSED_ON and _passes_on(passed, caller_fn, index):
            upstream = _callers_passing(caller, caller_fn, passed, graph, index, from_callers, upstream, True, depth + 1)
            # the call above says "ruled out" with FALSE itself: compared as a diagram, not
            # decided under the care set (is_false on a whole program's inherited requirement
            # took minutes per store on lighttpd 1.4.69)
            if upstream == Requirement.FALSE:
                ruled_out = True
                continue  # every call of the caller passes on a value the guard rules out
        found.append(upstream
                     & Requirement.all_of(guard_requirement(g, index, caller_fn) for g in call.guards)
                     & (argument_need(tested, fn, call, caller_fn, index) if arguments else Requirement.TRUE))
    if not arguments and not ruled_out:
        return need
    if depth and not found and ruled_out:
        return Requirement.FALSE
    return Requirement.any_of(found).simplified() if found else need


def _passes_on(guards: Iterable[Guard], fn: FunctionFacts, index: Index) -> bool:
    """Whether `guards` (a callee's, with a call's arguments put in) test parameters of `fn`, the
    caller, none of which `fn` assigns (Index.flow)."""
    tested = {x.name for g in guards for x in walk(g.expr) if isinstance(x, Name) and x.ref == "param"
              and x.name in fn.params}
    written = index.flow.get((fn.file, fn.name), {})
    return bool(tested) and not any(written.get(name) for name in tested)
