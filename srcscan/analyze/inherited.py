"""The requirement each function inherits from its call paths: over the calls reaching it from
the entry points, the caller's requirement and the call's guards, iterated to a fixed point
(`dump_list` called under -D in one place and under -d in another needs -D or -d), with what
storing a callback in a field needs for calls through that field. Facts in: the call graph
(analyze.callgraph) and the option index (analyze.optionindex); out: Requirement per function."""

from __future__ import annotations

from collections import defaultdict
from typing import Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.contexts import (choice_requirement, context_requirement, creates_context, guarded_by_context,
                                      takes_context)
from srcscan.analyze.keywordblocks import KEYWORD_LIMIT, kept_one_of
from srcscan.analyze.fdreads import written_need
from srcscan.analyze.keywordobjects import site_objects
from srcscan.analyze.optionindex import Index
from srcscan.analyze.optiontests import guard_requirement
from srcscan.cexpr import CExpr, Name, Unary, strip
from srcscan.model import CallSite
from srcscan.requirement import Atom, Requirement

MAX_ROUNDS = 50

def inherited(graph: CallGraph, index: Index, dead: frozenset[str] = frozenset(),
              unseen_callers: frozenset[str] = frozenset(), objects: Mapping[str, Requirement] | None = None,
              starts: Mapping[str, Atom] | None = None, named: dict[Atom, Requirement] | None = None,
              skipped: Mapping[str, tuple[str, ...]] | None = None) -> tuple[dict[str, Requirement], dict[str, bool]]:
    """For each function, the requirement its call paths from the entry points carry
    (`dump_list` called under -D in one place and under -d in another: -D or -d; FALSE for the
    `dead` ones, never called), and whether resolving calls through function pointers
    mattered. With `objects` (keywordobjects.object_requirements: struct -> what making one
    needs), a call whose arguments or guards read a field of such an object in any case
    (`add_vrrp_to_interface(vrrp, vrrp->ifp, ...)`) needs it too (keywordobjects.site_objects).
    `starts`: function key -> an atom naming what starting that function's process needs
    (childstarts.start_atoms: keepalived's start_vrrp_child, `@start_vrrp_child`): such a
    function's requirement, when it needs something, is that atom, and `named` receives the
    atom's meaning (its callers' requirements and guards; its own restarts, a respawn thread it
    registered, add nothing): the child's messages read `-d && @vrrp`, not `-d` with five
    alternatives of keywords.
    `skipped` (function key -> keys of the functions holding its calls in skipped preprocessor
    branches, skippedcallers): such a function, which no parsed call reaches, needs what one of
    those holders needs."""
    skipped = skipped or {}
    req: dict[str, Requirement | None] = {k: None for k in graph.graph}
    for e in tuple(graph.entry_points) + tuple(unseen_callers):  # unseen_callers: analyze.deadcode.macro_called
        req[e] = index.selected.get(e, Requirement.TRUE)  # the rules' [[config.selected]]
    via_pointer: dict[str, bool] = defaultdict(bool)
    edge_req: dict[tuple, Requirement] = {}
    context_edge: dict[tuple, bool] = {}
    for caller, callee, key, data in graph.graph.edges(keys=True, data=True):
        if data["kind"] == "stored":
            continue  # when a stored callback runs is decided where its field is called
        fn = graph.functions[caller]
        if (caller, callee, key) in index.default_parses:
            # a key's parser given the daemon's own constant default, which parses
            # (analyze.constdefaults: mod_accesslog's built-in format)
            edge_req[(caller, callee, key)] = Requirement.FALSE
        else:
            edge_req[(caller, callee, key)] = Requirement.all_of(guard_requirement(g, index, fn) for g in data["guards"]) \
                & keyword_requirement(index, callee, data)
            if objects and isinstance(data.get("call"), CallSite):
                edge_req[(caller, callee, key)] &= site_objects(data["call"], caller, objects, index.objects)[0]
        context_edge[(caller, callee, key)] = not creates_context(caller, index.context_creators.get(fn.file, ())) \
            and guarded_by_context(data["guards"], index.contexts)
    def store_requirement(node: str, via: str) -> Requirement | None:
        return stored_requirement(graph, index, req, node, via, waits_for=reachable)

    # A context none of whose creators is reached yet: the code using it waits (its answer would
    # otherwise be TRUE for a round, and a cycle of calls, mod_ssi's expression parser calling
    # itself, keeps a TRUE it once had), until the walk settles without them; then it is free.
    waiting = {"free": False, "waited": False}

    def created_by(file: str) -> Requirement | None:
        """What creating `file`'s context needs; None while the code using it waits."""
        creators = index.context_creators.get(file, ())
        created = context_requirement(graph, index, creators, req)
        if created is None and creators and not waiting["free"]:
            waiting["waited"] = True
            return None
        return created if created is not None else Requirement.TRUE

    def chosen_by(file: str, choosing: str) -> Requirement | None:
        """What a module choosing `file`'s handler needs; None while the edge waits."""
        chosen = choice_requirement(graph, index, file, choosing, req)
        if chosen is None and not waiting["free"]:
            waiting["waited"] = True
            return None
        return chosen if chosen is not None else Requirement.TRUE

    def own_requirement(node: str) -> Requirement | None:
        """What a function needs whatever calls it: a context only some of its file's code
        creates (analyze.contexts), a key value the rules select it by; None while the
        context's creators are not reached (yet)."""
        fn = graph.functions[node]
        # a directive's function some C code calls too: the grammar reads the directive only in
        # a file those calls parse (analyze.contexts.directive_functions)
        found = Requirement.TRUE if node in index.directives else index.selected.get(node, Requirement.TRUE)
        creators = index.context_creators.get(fn.file, ())
        if not creates_context(node, creators) and (takes_context(fn, index.contexts)
                                                    or node in index.context_fetchers):
            created = created_by(fn.file)
            if created is None:
                return None
            found = found & created
        return found

    order = sorted(graph.reachable(tuple(graph.entry_points) + tuple(unseen_callers) + tuple(skipped)))
    reachable = frozenset(order)
    # Callbacks named only in file-scope tables (no caller srcscan sees, so entry points here)
    # run once their file's code handed the table over: settled after the other functions.
    table_refs = _table_refs(index)
    tabled = [e for e in graph.entry_points if e not in index.selected
              and (_only_tabled(refs := table_refs.get(e, ())) or _only_stored(refs))]
    for e in tabled:
        req[e] = None
    for e in skipped:  # settled with the tabled callbacks, once their holders are
        req[e] = None
    # Each round evaluates, in `order`, the functions whose inputs changed since their last
    # evaluation (a function's new requirement is a function of its callers' requirements and
    # via_pointer flags only, unless it reads other functions' requirements through a context
    # or a store: those, `indirect`, are evaluated in every round). Skipping the others gives
    # exactly the round-robin iteration's answers, at a fraction of its Requirement algebra.
    indirect = {node for node in order if _reads_others(graph, index, node, context_edge)}
    clock, stamp, evaluated = 1, defaultdict(int), {}
    callers_of = {node: tuple(graph.graph.in_edges(node, keys=True, data=True)) for node in order}  # (read every round)
    # settled: 0 while neither is set, 1 once the tabled callbacks are, 2 once the skipped
    # callers are too: those read their holders' requirements, which may be reached only
    # through a tabled callback, so they are set only after the rounds that follow it
    changed, rounds, settled = True, 0, 0 if tabled else 1 if skipped else 2
    while changed and rounds < MAX_ROUNDS:
        changed, rounds = False, rounds + 1
        for node in order:
            if node in graph.entry_points or node in unseen_callers or node in skipped:
                continue
            edges = callers_of[node]
            if node not in indirect and node in evaluated and all(
                    stamp[caller] <= evaluated[node] for caller, _, _, _ in edges):
                continue  # nothing it reads changed since it was last worked out
            evaluated[node] = clock
            reaching, pointer = [], False
            for caller, _, key, data in edges:
                if req.get(caller) is None or data["kind"] == "stored":
                    continue
                along = req[caller] & edge_req[(caller, node, key)]
                if context_edge[(caller, node, key)]:
                    # a call after `if (NULL == hctx) return ...;` (lighttpd's mod_ssi subrequest
                    # handler reads the context its physical-path handler stored only for a
                    # request whose extension ssi.extension lists): what creating one needs
                    created = created_by(graph.functions[caller].file)
                    if created is None:
                        continue
                    along = along & created
                if data["kind"] == "pointer" and data.get("via"):
                    # A function called through a field runs only after it was stored there:
                    # lighttpd's TLS readers are put in `con->network_read` only on a socket with
                    # ssl.engine on (`if (!srv_sock->is_ssl) return HANDLER_GO_ON;`).
                    stored = store_requirement(node, data["via"])
                    if stored is None:
                        continue  # none of its stores reached yet: waits for one
                    along = along & stored
                    if (choosing := index.handler_selectors.get(data["via"])):
                        # ... and a module's subrequest handler only for a request the module
                        # chose (`r->handler_module = p;`, rules' handler_selectors)
                        chosen = chosen_by(graph.functions[node].file, choosing)
                        if chosen is None:
                            continue
                        along = along & chosen
                reaching.append(along)
                pointer = pointer or data["kind"] != "direct" or via_pointer[caller]
            own = own_requirement(node) if reaching else None
            if own is None:
                continue
            new = few_keywords((Requirement.any_of(reaching) & own).simplified(), index)
            if starts and node in starts:
                new = _named_start(new, starts[node], named)
            flag = pointer and not new.is_true
            if new != req[node] or flag != via_pointer[node]:
                clock += 1
                stamp[node] = clock
                changed = changed or new != req[node]
                req[node] = new
            via_pointer[node] = flag
        if not changed and settled == 0:
            settled, changed = 1 if skipped else 2, True
            for e in tabled:
                req[e] = _tabled_requirement(graph, index, req, e, table_refs.get(e, ()), frozenset(tabled))
                clock += 1
                stamp[e] = clock
        elif not changed and settled == 1:
            settled, changed = 2, True
            for e, holders in sorted(skipped.items()):
                found = [req[h] for h in holders if req.get(h) is not None]
                # ... and what it needs whatever calls it: its file's selection by the rules
                # (lighttpd's mod_mbedtls_SNI(), called only under MBEDTLS_SSL_SERVER_NAME_INDICATION
                # in mod_mbedtls_cert_cb(), still runs only with server.modules=mod_mbedtls)
                own = Requirement.TRUE if e in index.directives else index.selected.get(e, Requirement.TRUE)
                req[e] = ((Requirement.any_of(found) if found else Requirement.TRUE) & own).simplified()
                clock += 1
                stamp[e] = clock
        elif not changed and waiting["waited"] and not waiting["free"]:
            waiting["free"], changed = True, True  # settled with creators never reached: free
    # A function never called (analyze.deadcode) is FALSE, which the conditions' walk reads as
    # "no path this way"; any other function no path reaches is TRUE: the graph may have lost
    # its calls, or code outside the tree may call it.
    out = {k: (Requirement.FALSE if k in dead else v if v is not None else index.selected.get(k, Requirement.TRUE))
           for k, v in req.items()}
    return out, via_pointer


def _named_start(requirement: Requirement, atom: Atom, named: dict[Atom, Requirement] | None) -> Requirement:
    """A process start's requirement as its atom (inherited's `starts`), its meaning put in
    `named`; the requirement itself when it needs nothing, can never hold or is one conjunction
    (a child started only without -t reads `!-t`, as short as its name)."""
    meaning = requirement.replace({atom: Requirement.FALSE}).simplified()
    if meaning.is_true or meaning.is_false or len(meaning.alternatives()) < 2:
        return meaning
    if named is not None:
        named[atom] = meaning
    return Requirement.atom(atom)


def few_keywords(requirement: Requirement, index: Index) -> Requirement:
    """`requirement` with fewer configuration keyword atoms when it names more than
    KEYWORD_LIMIT of them: a keyword it needs in every alternative stays; of the others, those
    of blocks (Index.keyword_blocks) are made free (whatever they are), and when more than
    KEYWORD_LIMIT keywords of no block remain (shared parsing code), all of them. A checker's
    common keyword installed in each of ten checkers' blocks keeps `connect_timeout`,
    `real_server` and `virtual_server`; set_string(), called by the handlers of seven keywords
    of five blocks, keeps the seven. What it needs with no keyword given stays as it was: when
    freeing the keywords would let it hold with none (every alternative of system_call_script(),
    run for some thirty script keywords of many blocks, needs one of them), it needs one of the
    keywords its alternatives need given, or what it needed without any (keywordblocks.kept_one_of)."""
    if not index.keyword_names:
        return requirement
    named = {a.name for a in requirement.atoms()} & index.keyword_names
    if len(named) <= KEYWORD_LIMIT:
        return requirement
    needed = {a.name for a in requirement.atoms() if a.name in named
              and (requirement & Requirement.atom(a, negated=True)).is_false}
    blocks = index.keyword_blocks
    free = named - needed if len(named - blocks) > KEYWORD_LIMIT else (named & blocks) - needed
    fewer = requirement.exists(lambda a: a.name in free).simplified()
    return kept_one_of(requirement, fewer, index.keyword_names, blocks)


def keyword_requirement(index: Index, callee: str, data: Mapping) -> Requirement:
    """What a call reaching a configuration keyword's handler other than directly needs: the
    keyword the registering call installs it for (its edge's `registration`) with the keywords
    of the blocks it is installed in (`virtual_server && real_server && weight`), else those of
    any call installing it (a call through the parser's table of keywords); for an end handler,
    its block's keywords; TRUE for any other call."""
    installs = index.keyword_handlers.get(callee)
    if not installs or data["kind"] == "direct":
        return Requirement.TRUE
    paths = installs.get(data.get("registration")) or installs[None]
    return Requirement.any_of(Requirement.all_of(Requirement.atom(k) for k in path) for path in paths)


def _reads_others(graph: CallGraph, index: Index, node: str, context_edge: Mapping[tuple, bool]) -> bool:
    """Whether inherited() reads, for `node`, the requirements of functions other than its
    callers: a context's creators (own_requirement, a context edge) or a callback's stores (a
    call through a field)."""
    fn = graph.functions[node]
    creators = index.context_creators.get(fn.file, ())
    if not creates_context(node, creators) and (takes_context(fn, index.contexts) or node in index.context_fetchers):
        return True
    return any(context_edge.get((caller, node, key)) or (data["kind"] == "pointer" and data.get("via"))
               for caller, _, key, data in graph.graph.in_edges(node, keys=True, data=True))


def _only_tabled(refs: tuple) -> bool:
    """Whether a function whose references in field stores are `refs` (_table_refs) is named
    only in initializers of tables (a callback in a static table such as dnsmasq's
    ubus_object_methods[], or in one local to the function handing it over, dbus_init's
    `DBusObjectPathVTable dnsmasq_vtable = {NULL, &message_handler, ...}`) and nowhere else
    srcscan sees."""
    return bool(refs) and all(ref.context == "initializer" for ref in refs)


def _only_stored(refs: tuple) -> bool:
    """Whether a function no call in the tree reaches (an entry point) is named only where
    functions store it in a struct field, or in tables: a callback code outside the tree calls
    through that field (dnsmasq's `ubus->connection_lost = ubus_disconnect_cb;` in ubus_init(),
    under --enable-ubus, which libubus calls), run only once a store ran: it needs what one of
    the storing functions needs, with the store's guards (_tabled_requirement)."""
    return bool(refs) and all(ref.context in ("field", "initializer") for ref in refs) \
        and any(ref.context == "field" and ref.function for ref in refs)


def _table_refs(index: Index) -> dict[str, tuple]:
    """Function key -> the FunctionRefs storing it in any field (index.field_stores by target)."""
    out: dict[str, list] = defaultdict(list)
    for (target, _), found in index.field_stores.items():
        out[target].extend(found)
    return {k: tuple(v) for k, v in out.items()}


def _tabled_requirement(graph: CallGraph, index: Index, req: Mapping[str, Requirement | None], key: str,
                        refs: tuple, tabled: frozenset[str]) -> Requirement:
    """What a tabled callback (_only_tabled) needs: for a table local to a function, that
    function's requirement and the guards of its initializer (the function hands the table over);
    for a file-scope one, _file_requirement; any of them."""
    parts = []
    for ref in refs:
        holder = graph.key_for(ref.function, ref.file) if ref.function else None
        if holder is None:
            parts.append(_file_requirement(graph, index, req, graph.functions[key].file, tabled))
        elif req.get(holder) is not None:
            parts.append(req[holder] & Requirement.all_of(guard_requirement(g, index, graph.functions[holder])
                                                          for g in ref.guards))
    return Requirement.any_of(parts).simplified() if parts else Requirement.TRUE


def _file_requirement(graph: CallGraph, index: Index, req: Mapping[str, Requirement | None], file: str,
                      tabled: frozenset[str]) -> Requirement:
    """What a callback no call path reaches, tabled at file scope in `file`, needs: the table is
    handed over (to a library that calls back) by the file's own code. Where the file's
    functions pass a variable of file scope (`&ubus_object`, which holds the method table) to a
    function the tree does not define (ubus_add_object in ubus_init, under --enable-ubus), one
    of those calls ran: what each needs (its function's requirement and its guards, run-time
    tests left out), any of them. Without such a call, one of the file's reached functions
    (not the `tabled` callbacks themselves) ran: their disjunction; TRUE when none is."""
    handing = []
    for k, fn in graph.functions.items():
        if fn.file != file or k in tabled or req.get(k) is None:
            continue
        own = index.locals_declared.get((fn.file, fn.name), frozenset())
        for call in fn.calls:
            if call.indirect or graph.key_for(call.callee, fn.file) is not None \
                    or not any(_file_variable(e, own) for e in call.exprs):
                continue
            need = req[k] & Requirement.all_of(guard_requirement(g, index, fn) for g in call.guards)
            handing.append(need.exists(lambda a: a.is_test))
    if handing:
        return Requirement.any_of(handing).simplified()
    reached = [r for k, r in req.items() if r is not None and k not in tabled and graph.functions[k].file == file]
    return Requirement.any_of(reached).simplified() if reached else Requirement.TRUE


def _file_variable(e: CExpr, own: frozenset[str]) -> bool:
    """`var` or `&var` for a variable that is not one of the function's locals (`own`)."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "&":
        e = strip(e.operand)
    return isinstance(e, Name) and e.ref == "var" and e.name not in own


def stored_requirement(graph: CallGraph, index: Index, req: Mapping[str, Requirement | None], node: str,
                       via: str, waits_for: frozenset[str] = frozenset()) -> Requirement | None:
    """What storing function `node` in field `via` needs: over the stores (index.field_stores),
    the storing function's requirement (`req`) and the store's guards; TRUE when srcscan sees
    no store (a table, a registration) or one at file scope, unless that file-scope table is
    one only some functions hand over (Index.table_handovers: what each of them needs, with the
    guards of its naming the table). Stores in functions not reached
    (yet: `req` is None for them while inherited() iterates) are left out, and so is a
    function's registration of itself (keepalived's inotify_event_thread registers itself again:
    it runs again only because start_reload_monitor() registered it first). When none of the
    stores is reached yet but some is in a function of `waits_for` (those a call path reaches),
    or the only stores are its own: None, and inherited() waits for one, or leaves the call out
    (callbacks that register each other, keepalived's icmp_connect_thread and icmp_ping_thread,
    would otherwise keep the TRUE one of them had before the keyword handler storing the first
    was reached; smtp_put_line_cb, called directly, registers only itself again); TRUE when no
    store is."""
    refs = index.field_stores.get((node, via))
    if not refs:
        return Requirement.TRUE
    parts, pending = [], False
    for ref in refs:
        holder = graph.key_for(ref.function, ref.file) if ref.function else None
        if holder is None and not (handed := index.table_handovers.get((ref.file, ref.line))):
            return Requirement.TRUE  # a file-scope initializer: there from the start
        if holder is None:
            # ... unless only some functions hand its table over (analyze.tablehandover:
            # `queue_checker(&tcp_checker_funcs, ...)` in TCP_CHECK's handler)
            for key, guards in handed:
                if req.get(key) is None:
                    pending = pending or key in waits_for
                    continue
                parts.append(req[key] & Requirement.all_of(guard_requirement(g, index, graph.functions[key])
                                                           for g in guards))
            continue
        if holder == node and ref.context == "argument":
            pending = pending or bool(waits_for)  # it runs this way only after it ran another way
            continue
        if req.get(holder) is None:
            pending = pending or holder in waits_for
            continue
        # a callback waiting to read a descriptor: also what writing to it needs (analyze.fdreads)
        written = written_need(index, ref, graph.functions[node].name, req, graph.functions, waits_for) \
            if ref.context == "argument" and index.fd_reads else Requirement.TRUE
        if written is None or written.is_false:
            pending = pending or written is None
            continue
        parts.append(req[holder] & written & Requirement.all_of(guard_requirement(g, index, graph.functions[holder])
                                                                for g in ref.guards))
    return Requirement.any_of(parts).simplified() if parts else None if pending else Requirement.TRUE
