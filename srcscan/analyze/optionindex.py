"""The option index: the options by what they write (variables, fields, bits), with what
else reading a guard needs of the tree (key switches' cases, fields set by default, values
set before the getopt loop, locals' values, functions stored in fields, parameters carrying
option values).

Built once per catalog by `option_index`; analyze.optiontests reads guards with it. No I/O,
no parser node.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.codetests import bit_stores
from srcscan.analyze.globalflags import flag_stores, handler_only
from srcscan.analyze.localflow import flow_writes
from srcscan.analyze.keytypes import KeyTableValues
from srcscan.analyze.contexts import (context_creators, context_fetchers, directive_functions, handler_choices, module_keys,
                                      selected_requirements)
from srcscan.analyze.constdefaults import default_parses
from srcscan.analyze.defaultbits import default_bits
from srcscan.analyze.sharedfills import shared_fills
from srcscan.analyze.zerofields import zero_fills
from srcscan.analyze.storeindex import field_copies, local_lines, other_fills, state_stores, writes_after_loop
from srcscan.analyze.features import feature_options
from srcscan.analyze.fieldcopies import pointer_copies
from srcscan.analyze.foldedbits import folded_bits
from srcscan.analyze.foldedflags import folded_options
from srcscan.analyze.guardedlocals import find_global_writes, find_local_guards, find_local_writes
from srcscan.analyze.keyselections import entry_selections, key_selections
from srcscan.analyze.keywordblocks import nonzero_stores
from srcscan.analyze.keywordobjects import Objects, object_makers
from srcscan.analyze.keywords import Levels, keyword_handlers, keyword_installs, replay_levels
from srcscan.analyze.keywordsides import field_paths, handler_sides
from srcscan.analyze.lastwrite import local_assignments
from srcscan.analyze.eventcodes import sendable_codes
from srcscan.analyze.ondefaults import default_owners
from srcscan.analyze.optiontypes import Option
from srcscan.analyze.optionvalues import integer_of, param_options
from srcscan.model import CallSite, FunctionFacts, FunctionRef, Guard, Write
from srcscan.cexpr import Binary, Call, CExpr, Member, Name, strip
from srcscan.requirement import Requirement

@dataclass
class Index:
    """Options by what they write, for reading guards; `params` maps (function key,
    parameter) to the options whose value every caller passes in it."""

    by_var: dict[str, list[tuple[Option, object]]]
    by_field: dict[str, list[tuple[Option, object]]]
    bit_test: frozenset[str]
    params: dict[tuple[str, str], frozenset[str]]
    cli_labels: dict[int, str] = field(default_factory=dict)  # option character -> the option's name
    cli_file: str = ""  # the file of the command-line parser
    getopt_calls: frozenset[str] = frozenset()  # the rules' calls returning the next option (getopt)
    key_cases: dict[tuple[str, str], dict[int, dict[int, str]]] = field(default_factory=dict)  # (file, function) -> switch line -> label -> key
    defaults: frozenset[tuple[str, str]] = frozenset()  # (file, field) set by default, without its key
    defaults_functions: tuple[str, ...] = ()  # the rules' `[config] defaults_functions` patterns (ondefaults)
    default_owners: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)  # (file, field) -> structs set by default (ondefaults)
    given_by_default: frozenset[str] = frozenset()  # the rules' `[config] given_by_default` keys
    local_assignments: dict[tuple[str, str], dict[str, tuple[Write, ...]]] = field(default_factory=dict)  # (file, function) -> local -> its writes by line (lastwrite)
    memo: dict = field(default_factory=dict)  # guard_requirement's answers by (id(guard), function key); guard_condition's by ("condition", ..)
    bit_array: tuple[str, int] | None = None  # the rules' option bit array: (field, bits per element)
    start_values: dict[str, int] = field(default_factory=dict)  # name -> value set before the getopt loop
    initial_values: dict[str, int] = field(default_factory=dict)  # file-scope variable -> its initializer's constant other than 0 (initialvalues.initial_values)
    default_bits: dict[str, tuple] = field(default_factory=dict)  # name -> bits set before the command line is read (defaultbits)
    assigned: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)  # file -> name -> lines writing it
    emptiness_tests: frozenset[str] = frozenset()  # the rules' `[config] emptiness_tests`
    equality_tests: frozenset[str] = frozenset()  # the rules' `[config] equality_tests`
    by_name: dict[str, Option] = field(default_factory=dict)  # option by its first name
    local_values: dict[tuple[str, str], dict[str, tuple]] = field(default_factory=dict)  # (file, function) -> local -> values (options.find_locals)
    broken: frozenset[tuple[str, str]] = frozenset()  # (file, function) parsed with errors (nevernull.broken_functions)
    conditional: frozenset[tuple[str, str]] = frozenset()  # (file, function) with lines another build compiles (nevernull.conditional_functions)
    field_stores: dict[tuple[str, str], tuple] = field(default_factory=dict)  # (function key, field) -> FunctionRefs storing it there
    contexts: frozenset[str] = frozenset()  # the rules' `[config] contexts` (analyze.contexts)
    handler_selectors: dict[str, str] = field(default_factory=dict)  # pointer field -> choosing field (rules)
    choices: dict[tuple[str, str], tuple[Write, ...]] = field(default_factory=dict)  # (file, choosing field) -> its non-NULL stores (contexts.handler_choices)
    context_creators: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # file -> (function, callee) creating a context
    context_fetchers: frozenset[str] = frozenset()  # functions handed a context made elsewhere (contexts.context_fetchers)
    selected: dict[str, Requirement] = field(default_factory=dict)  # function key -> `key=value` the rules select it by
    directives: frozenset[str] = frozenset()  # function keys selected only by a directive (an entry without a value)
    users: dict[str, frozenset[str]] = field(default_factory=dict)  # file -> the other files calling its functions
    loading: tuple = ()  # the rules' `[[config.selected]]` entries with `also_keys` (contexts.loaded_across)
    module_keys: dict[str, frozenset[str]] = field(default_factory=dict)  # file -> its keys' names after the prefix
    key_switch: str = ""  # the rules' `[config] key_switch` field (`k_id`)
    handlers: frozenset[str] = frozenset()  # functions the getopt loop hands each option to (option_handlers)
    marker_needs: dict[int, Requirement] = field(default_factory=dict)  # code no option names -> what the calls handing it on need (markercodes)
    stores: dict[str, tuple[tuple[str, tuple[Guard, ...]], ...]] = field(default_factory=dict)  # global state's field path -> (function storing in it, the store's guards) (state_stores)
    set_by: dict[str, Requirement] = field(default_factory=dict)  # field path -> what its stores need (callneeds.set_by_code)
    fd_reads: dict = field(default_factory=dict)  # a registering call's key -> (callback, descriptor variable) (fdreads.fd_reads)
    fd_writes: dict[str, tuple] = field(default_factory=dict)  # descriptor variable -> (function, guards) of each call writing to it (fdreads.fd_writes)
    value_paths: frozenset[str] = frozenset()  # the stores' variables holding stored values (valuestores.value_stores)
    pointer_tables: Any = None  # constant tables of pointers to variables (pointertables.pointer_tables)
    local_steps: dict[tuple[str, str], dict[str, tuple]] = field(default_factory=dict)  # (file, function) -> local -> its `++`/`--` (steppedlocals.local_steps)
    bit_stores: dict[tuple[str, str, str], tuple] = field(default_factory=dict)  # (struct, field, macro) -> (function, guards) storing it (codetests.bit_stores)
    locals_declared: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)  # (file, function) -> its locals (inherited._file_requirement)
    bits_set_by: dict[tuple[str, str, str], Requirement] = field(default_factory=dict)  # the same -> what those stores need (callneeds.set_by_code)
    events: dict[str, dict[int, tuple[tuple[str, CallSite], ...]]] = field(default_factory=dict)  # receiver -> code -> (caller key, call) sending it (event_sends)
    sendable: dict[str, frozenset[int] | None] = field(default_factory=dict)  # receiver -> every code a call can send it (eventcodes)
    copies: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)  # (field, struct) -> structs its value is copied to (field_copies)
    local_guards: dict[tuple[str, str], dict[str, tuple]] = field(default_factory=dict)  # (file, function) -> local -> guards of each write setting it (guardedlocals)
    reading_locals: set[tuple[str, str]] = field(default_factory=set)  # (function key, local) whose guards are being read
    default_parses: frozenset[tuple[str, str, object]] = frozenset()  # call edges parsing the daemon's constant default (constdefaults)
    feature: tuple[str, frozenset[str]] = ("", frozenset())  # the rules' feature_key and feature_functions (analyze.features)
    local_lines: dict[tuple[str, str], dict[str, tuple[tuple[int, object], ...]]] = field(default_factory=dict)  # (file, function) -> local -> (line, value) of each `=` and initializer
    flow: dict[tuple[str, str], dict[str, tuple[Write, ...]]] = field(default_factory=dict)  # (file, function) -> parameter or constant-only local -> its writes (localflow.flow_writes)
    key_values: KeyTableValues = field(default_factory=KeyTableValues)  # the key tables' names and their fields' constants (keytypes)
    parsed: tuple = ()  # the rules' `[[config.parsed]]`: values parsed out of keys' strings (parsedvalues)
    parser_fills: dict[str, Requirement] = field(default_factory=dict)  # field path -> what the parser's own calls after its loop filling it need (parserfills.parser_fills)
    other_fills: dict[str, tuple[tuple[str, tuple[Guard, ...]], ...]] = field(default_factory=dict)  # field an option fills -> stores outside the parser's file (other_fills)
    also_filled: dict[str, Requirement] = field(default_factory=dict)  # field -> what those stores need (callneeds.set_by_code)
    shared_fills: dict[tuple[str, str], tuple] = field(default_factory=dict)  # (field, struct) keyword handlers and other code store in -> (function, guards) (sharedfills)
    table_handovers: dict[tuple[str, int], tuple] = field(default_factory=dict)  # (file, line) of a table's initializer -> (function, guards) handing it over (tablehandover)
    shared_by: dict[tuple[str, str], Requirement] = field(default_factory=dict)  # the same -> what one of those stores needs (callneeds.set_by_code)
    zero_fills: dict[tuple[str, str], tuple] = field(default_factory=dict)  # (field, struct) only zeroing allocations make -> (function, guards) storing non-zero (zerofields)
    whole_filled: frozenset[str] = frozenset()  # structs some object of which is filled whole (wholefills.filled_whole)
    stepped_fields: frozenset[str] = frozenset()  # field names some text steps or changes by a compound assignment (wholefills.stepped_fields)
    field_values: Any = None  # the values each struct field's stores can put in it (fieldvalues.FieldValues)
    dead_slots: dict[tuple[str, str], str] = field(default_factory=dict)  # (field, struct) only never-run code sets -> where (deadstores)
    zero_by: dict[tuple[str, str], Requirement] = field(default_factory=dict)  # the same -> what one of those stores needs (zerofields.zero_need)
    var_writes: tuple[Write, ...] = ()  # the assignments to whole file-scope variables (`log_fac = LOG_LOCAL0`; analyze.facilityflow)
    param_needs: dict[tuple[str, str], Requirement | None | object] = field(default_factory=dict)  # (function key, parameter) -> what its being set needs (guardedlocals.param_set_only_under; its _NONE: only a cycle passes one)
    graph: CallGraph | None = None  # the call graph the index was built on
    programs: tuple[str, ...] = ()  # the names the daemon is started under (rules' `[project] programs`; analyze.progname)
    string_compares: frozenset[str] = frozenset()  # the rules' `[config] string_compares` (strcmp and kin)
    string_lengths: frozenset[str] = frozenset()  # the rules' `[config] string_lengths` (strlen)
    string_copies: frozenset[str] = frozenset()  # the rules' `[config] string_copies` (strcpy; analyze.arraystores)
    string_appends: frozenset[str] = frozenset()  # the rules' `[config] string_appends` (strcat)
    pointer_reads: frozenset[str] = frozenset()  # the rules' `[config] pointer_reads` (if_nametoindex)
    log_names: frozenset[str] = frozenset()  # the log functions' names (their arguments are only read)
    element_writes: frozenset[str] = frozenset()  # names some text writes an element of (arraystores.element_written)
    run_needs: dict = field(default_factory=dict)  # function key -> its call paths' requirement, first reading (analyze.nonempty)
    zeroing: frozenset[str] = frozenset()  # functions returning a zeroed allocation (analyze.zeroed)
    local_writes: dict[tuple[str, str], dict[str, tuple]] = field(default_factory=dict)  # (file, function) -> local -> (value, guards) of each write (guardedlocals.find_local_writes)
    field_writes: dict[str, tuple[Write, ...]] = field(default_factory=dict)  # field name -> the writes to it through locals and parameters (`.tftpfd`) and through globals
    after_loop: dict[tuple[str, str], dict[str, tuple[int, ...]]] = field(default_factory=dict)  # (file, function) -> field -> lines the function calling getopt writes it after its loop (writes_after_loop)
    global_writes: dict[str, tuple] = field(default_factory=dict)  # file-scope variable -> (function, Write) writing it (guardedlocals)
    selections: dict[str, tuple] = field(default_factory=dict)  # stored name -> Selections a key's value picks (analyze.keyselections)
    entry_fields: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (struct, field) -> `key=entry` atoms filling it (keyselections.entry_selections)
    keyword_names: frozenset[str] = frozenset()  # every configuration keyword installed by name (a block's without a handler too: global_defs)
    keyword_blocks: frozenset[str] = frozenset()  # the keywords other keywords are installed in (keywords.replay_levels)
    keyword_fields: dict[tuple[str, str, str], frozenset] = field(default_factory=dict)  # (keyword, field, struct) -> paths of the handlers filling it (keywordsides.field_paths)
    keyword_paths: dict[str, frozenset] = field(default_factory=dict)  # keyword -> the paths of all its installs (KeywordInstall.paths)
    keyword_sides: dict[str, frozenset[str]] = field(default_factory=dict)  # function key -> keywords whose handlers run it (keywordsides.handler_sides)
    keyword_nonzero: frozenset[tuple[str, str]] = frozenset()  # (keyword, field) never stored 0 (keywordblocks.nonzero_stores)
    objects: Objects = field(default_factory=Objects)  # structs' allocations (keywordobjects.object_makers)
    keyword_handlers: dict[str, dict] = field(default_factory=dict)  # handler key -> installing call's key (None: any) -> the keywords' alternatives (keywords.keyword_handlers)
    keyword_ended: frozenset[str] = frozenset()  # the block keywords an end handler is registered for (keywords.replay_levels)

    @classmethod
    def of(cls, options: Iterable[Option], bit_test: frozenset[str]) -> "Index":
        by_var, by_field = defaultdict(list), defaultdict(list)
        labels, cli_file = {}, ""
        options = list(options)
        for o in options:
            for e in o.effects:
                (by_field if e.target.startswith(".") else by_var)[e.target.lstrip(".")].append((o, e))
            if o.kind == "cli":
                cli_file = cli_file or o.file
                labels.update({ord(n[1]): o.name for n in o.names if len(n) == 2 and n[0] == "-"})
        for o in options:
            # a long-only option's code: dnsmasq's LOPT_* (above 255), keepalived's `{"config-fd",
            # required_argument, NULL, 8}` (below ' '); not one a short option's letter or getopt's
            # own '?' and ':' (or 0, a flag option's) stand for
            if o.kind == "cli" and o.code and o.code not in labels and o.code not in (ord("?"), ord(":")) \
                    and not any(len(n) == 2 and n[0] == "-" for n in o.names):
                labels[o.code] = o.name
        found = cls(by_var, by_field, bit_test, {}, labels, cli_file)
        found.by_name = {o.name: o for o in options}
        return found

    def option_case(self, guard: Guard, fn: FunctionFacts) -> Requirement | None:
        """The options a `case` of the command-line parser's switch stands for (`case 'i':`
        runs only with -i; also a switch on the option parameter of a function the getopt
        loop hands the option to, dnsmasq's one_opt), or the config key a case of a key switch stands for; None for any
        other switch, or a label that is no option."""
        if guard.kind != "case" or not guard.labels:
            return None
        switches = self.key_cases.get((fn.file, fn.name), {})
        keys = switches.get(guard.line, switches.get(0))
        if keys and isinstance(guard.expr, Member) and all(keys.get(label) for label in guard.labels):
            return Requirement.any_of(Requirement.atom(k) for label in sorted(set(guard.labels))
                                      for k in keys[label].split("|"))
        if fn.file != self.cli_file:
            return None
        if not self.option_switch(guard.expr, fn) and not (
                fn.key in self.handlers and isinstance(guard.expr, Name) and guard.expr.ref == "param"):
            return None
        names = [self.cli_labels.get(label) if isinstance(label, int) else None for label in guard.labels]
        named = Requirement.any_of(Requirement.atom(n) for n in sorted({n for n in names if n}))
        if all(names):
            return named
        # `case LOPT_BANK: case 'G':` in the handler: a marker code only the tree's calls hand
        # on (analyze.markercodes) runs the case after one of them
        markers = [self.marker_needs.get(label) for label, n in zip(guard.labels, names) if not n]
        if not (fn.key in self.handlers and isinstance(guard.expr, Name) and guard.expr.ref == "param") \
                or not all(m is not None for m in markers):
            return None
        return named | Requirement.any_of(markers)

    def option_switch(self, e: CExpr | None, fn: FunctionFacts) -> bool:
        """Whether `e`, a switch's expression in `fn`, is the result of a getopt call (the rules'
        `getopt_calls`): the call itself (`switch (getopt(argc, argv, "f:"))`) or a variable `fn`
        assigns it to (`while ((c = getopt_long(...)) != -1) switch (c)`). Another switch of the
        function (on a mode, a level) is none, whatever its case labels: `case 5:` there is not
        the long option whose code is 5."""
        return self._from_getopt(e, fn, frozenset())

    def _from_getopt(self, e: CExpr | None, fn: FunctionFacts, seen: frozenset[str]) -> bool:
        """option_switch() through an assignment written in the switch (`switch (c =
        getopt(...))`) and through local copies (`opt = c; switch (opt)`), each variable once."""
        e = strip(e) if e is not None else None
        if isinstance(e, Binary) and e.op == "=":
            return self._from_getopt(e.right, fn, seen) or self._from_getopt(e.left, fn, seen)
        if isinstance(e, Call):
            return self._getopt_call(e)
        if not isinstance(e, Name) or e.name in seen:
            return False
        values = [v for _, v in self.local_lines.get((fn.file, fn.name), {}).get(e.name, ())]
        values += [w.value for w in self.var_writes if w.target == e.name and w.function == fn.name and w.file == fn.file]
        return any(self._from_getopt(v, fn, seen | {e.name}) for v in values if v is not None)

    def _getopt_call(self, e: CExpr) -> bool:
        return isinstance(e, Call) and isinstance(e.function, Name) and e.function.name in self.getopt_calls

    def code_test(self, e: CExpr, fn: FunctionFacts) -> Requirement | None:
        """The option a test `param == CODE` of the option parameter of a function the getopt
        loop hands the option to stands for (`CODE == param` alike), inside that function's
        switch on it: dnsmasq's one_opt() shares `case LOPT_DHCP_INOTIFY: case
        LOPT_DHOPT_INOTIFY: case LOPT_HOST_INOTIFY:` and marks each directory with its own bit,
        `else if (option == LOPT_HOST_INOTIFY) new->flags |= AH_HOSTS;`: that store runs only
        for --hostsdir. None for any other test, a parameter the function does not switch on,
        or a code no option has. A necessary condition only: the test failing tells nothing of
        the options given (each occurrence of an option is parsed on its own)."""
        if fn.key not in self.handlers or fn.file != self.cli_file:
            return None
        e = strip(e)
        if not isinstance(e, Binary) or e.op != "==":
            return None
        for side, other in ((strip(e.left), e.right), (strip(e.right), e.left)):
            code = integer_of(other)
            if isinstance(side, Name) and side.ref == "param" and code is not None \
                    and self.cli_labels.get(code) and _switched_on(fn, side.name):
                return Requirement.atom(self.cli_labels[code])
        return None


def _switched_on(fn: FunctionFacts, name: str) -> bool:
    """Whether some call of `fn` is under a `case` of a switch on its variable `name`."""
    return any(g.kind == "case" and isinstance(g.expr, Name) and g.expr.name == name
               for c in fn.calls for g in c.guards)


def option_index(graph: CallGraph, options: Iterable[Option], rules,
                 key_cases: dict[tuple[str, str], dict[int, dict[int, str]]] | None = None,
                 defaults: frozenset[tuple[str, str]] = frozenset(),
                 start_values: dict[str, int] | None = None,
                 assigned: Mapping[str, Mapping[str, Iterable[int]]] | None = None,
                 local_values: dict[tuple[str, str], dict[str, tuple]] | None = None,
                 refs: Iterable[FunctionRef] = (), writes: Iterable[Write] = (),
                 base_writes: Iterable[Write] | None = None, key_values: KeyTableValues | None = None,
                 base_functions: Iterable[FunctionFacts] | None = None,
                 zero_globals: frozenset[str] = frozenset(),
                 broken: frozenset[tuple[str, str]] = frozenset(),
                 conditional: frozenset[tuple[str, str]] = frozenset(),
                 steps: Iterable[Write] = (), initial_values: Mapping[str, int] | None = None) -> Index:
    """Options by what they write, the parameters that carry their values, the config keys
    of key switches' cases, the fields set by default and the values set before the getopt
    loop (analyze.options.find_key_cases, find_defaults, find_start_values); `assigned`: file
    -> name -> lines where the file's text writes the name (the logsetup facts' text_writes),
    which tells two tests of one variable apart; `writes`: every file's writes (extract.writes),
    for the fields of global state that code stores in (state_stores); `base_writes`: those of the
    base build's parse alone (other_fills: a store only another build compiles fills nothing
    in this one), `writes` when not given; `base_functions`: the base build's functions (the
    option bits code sets, analyze.foldedbits), the call graph's when not given; `key_values`: the key tables' names and their
    fields' constants (keytypes.key_table_values: a key type no table has is never logged),
    none when not given; `zero_globals`: the file-scope variables zero at start
    (optionflow.zero_at_start), for the flags only code under options sets (globalflags);
    `broken`: functions parsed with errors (nevernull.broken_functions), never judged never NULL;
    `conditional`: functions with lines another build compiles (nevernull.conditional_functions),
    never judged always NULL; `initial_values`: file-scope variables' non-zero initializers
    (initialvalues.initial_values), the value a test of one fails before any write ran."""
    writes = tuple(writes)
    feature = (rules.config.feature_key, frozenset(rules.config.feature_functions))
    # keys whose fields, alone, make code set another key's field (analyze.foldedflags)
    # and options whose bits make code set another option's bit (analyze.foldedbits)
    bits = (rules.options.bit_array.field, rules.options.bit_array.word_bits) if rules.options.bit_array else None
    # (calls the base build compiles: dnsmasq's BSD fallback `set_option_bool(OPT_NOWILD)` under
    # OPT_CLEVERBIND, in `#ifndef HAVE_LINUX_NETWORK`, is no effect of --bind-dynamic in its build)
    options = folded_bits(options, graph.functions.values() if base_functions is None else base_functions,
                          rules.options.bit_set, bits)
    index = Index.of(folded_options(options, writes) + feature_options(writes, *feature), rules.options.bit_test)
    index.feature = feature
    index.graph = graph
    index.programs = rules.programs or (rules.project,)
    index.string_compares = frozenset(rules.config.string_compares)
    index.string_lengths = frozenset(rules.config.string_lengths)
    index.string_copies = frozenset(rules.config.string_copies)
    index.string_appends = frozenset(rules.config.string_appends)
    index.pointer_reads = frozenset(rules.config.pointer_reads)
    index.assigned = {f: {n: tuple(sorted(ls)) for n, ls in names.items()} for f, names in (assigned or {}).items()}
    index.getopt_calls = rules.options.getopt_calls
    # the variables a getopt call's result is assigned to (Index.option_switch), before any guard is read
    index.local_lines = local_lines(writes)
    index.var_writes = tuple(w for w in writes if not w.local and w.op == "=" and "." not in w.target)
    index.key_cases = dict(key_cases or {})
    index.parsed = rules.config.parsed
    index.defaults = defaults
    index.defaults_functions = tuple(rules.config.defaults_functions)
    index.default_owners = default_owners(writes, defaults, index.defaults_functions)
    index.given_by_default = frozenset(rules.config.given_by_default)
    index.start_values = dict(start_values or {})
    index.initial_values = dict(initial_values or {})
    index.default_bits = default_bits(graph.functions.values(), rules.options.getopt_calls, rules.options.bit_set)
    index.emptiness_tests = frozenset(rules.config.emptiness_tests)
    index.equality_tests = frozenset(rules.config.equality_tests)
    index.local_values = dict(local_values or {})
    index.broken = frozenset(broken)
    index.conditional = frozenset(conditional)
    index.key_values = key_values if key_values is not None else KeyTableValues()
    # Registered callbacks run only once registered, in any daemon: keepalived's scheduler
    # threads registered where a keyword's field is set, lighttpd's stat_cache_handle_fdevent
    # stored in `fdn->handler` by fdevent_register() only under server.stat-cache-engine=inotify.
    index.field_stores = field_stores(graph, refs, registrations=True)
    index.contexts = frozenset(rules.config.contexts)
    index.handler_selectors = dict(rules.config.handler_selectors)
    index.choices = handler_choices(writes, frozenset(index.handler_selectors.values()))
    index.context_creators = context_creators(graph, index.local_values, index.contexts)
    index.context_fetchers = context_fetchers(graph, index.local_values, index.contexts, index.context_creators)
    index.selected = selected_requirements(graph, rules.config.selected)
    index.directives = directive_functions(graph, rules.config.selected)
    index.loading = tuple(e for e in rules.config.selected if e.also_keys)
    index.users = file_users(graph)
    index.module_keys = module_keys(index.by_name.values())
    index.key_switch = rules.config.key_switch
    index.handlers = option_handlers(graph, index)
    writes = tuple(writes)
    index.stores = state_stores(graph, writes, index)
    levels = Levels.of(rules.config)
    installs = keyword_installs(graph.functions.values(), rules.config.keyword_calls, levels)
    _, ends = replay_levels(graph.functions.values(), rules.config.keyword_calls, levels)
    index.keyword_handlers = keyword_handlers(installs, ends)
    index.keyword_ended = frozenset(path[-1] for e in ends for path in e.paths if path)
    index.stores.update(flag_stores(graph, writes, index, zero_globals, index.assigned,
                                    handler_only(graph, index.keyword_handlers)))
    index.bit_stores = bit_stores(graph, writes, frozenset(rules.options.bit_set),
                                  frozenset(rules.options.bit_test) | frozenset(rules.options.bit_clear))
    index.other_fills = other_fills(graph, writes if base_writes is None else tuple(base_writes), index)
    index.events = event_sends(graph, getattr(rules, "events", ()))
    index.copies = field_copies(writes)
    index.local_guards = find_local_guards(writes)
    index.local_writes = find_local_writes(writes)
    index.local_assignments = local_assignments(writes)
    index.sendable = sendable_codes(graph, getattr(rules, "events", ()), index.local_assignments)
    fields: dict[str, list[Write]] = defaultdict(list)
    for w in writes:
        if not w.local and "." in w.target:
            fields[w.target.rsplit(".", 1)[-1]].append(w)
    index.field_writes = {name: tuple(ws) for name, ws in fields.items()}
    index.global_writes = find_global_writes(writes, {(f.file, f.name): f for f in graph.functions.values()})
    index.default_parses = default_parses(graph, index)
    index.after_loop = writes_after_loop(graph, writes, index.getopt_calls)
    declared: dict[tuple[str, str], set[str]] = defaultdict(set)
    for w in writes:
        if w.local:
            declared[(w.file, w.function)].add(w.target)
    index.locals_declared = {k: frozenset(v) for k, v in declared.items()}
    index.flow = flow_writes(writes, steps)  # `steps`: the locals' `++`/`--` (extract_steps)
    index.selections = key_selections(graph.functions, graph.key_for, index.key_cases, writes)
    index.entry_fields = entry_selections(graph.functions, graph.key_for, index.key_cases, writes, index.local_values,
                                          rules.config.entry_name_field)
    index.keyword_blocks = frozenset(k for i in installs for chain in i.within for k in chain)
    index.keyword_names = frozenset(i.keyword for i in installs) | index.keyword_blocks
    if index.keyword_blocks:
        index.keyword_fields = field_paths(graph.functions, installs, writes, rules.options.bit_set)
        paths: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for install in installs:
            paths[install.keyword].update(install.paths)
        index.keyword_paths = {k: frozenset(v) for k, v in paths.items()}
    index.keyword_sides = handler_sides(graph.functions, installs)
    index.shared_fills = shared_fills(writes, index.keyword_sides, graph.key_for)
    index.zero_fills = zero_fills(graph.functions.values(), writes, graph.key_for)
    index.keyword_nonzero = nonzero_stores(graph.functions, writes, index.keyword_sides, index.local_values,
                                           index.broken)
    index.objects = object_makers(graph.functions.values(), writes, rules.config.allocation_calls, graph.key_for)
    if rules.options.bit_array:
        index.bit_array = (rules.options.bit_array.field, rules.options.bit_array.word_bits)
    param_options(graph, index)
    return index


def file_users(graph: CallGraph) -> dict[str, frozenset[str]]:
    """file -> the other files whose functions call one of its functions directly."""
    out: dict[str, set[str]] = defaultdict(set)
    for caller, callee, data in graph.graph.edges(data=True):
        if data["kind"] != "direct":
            continue
        a, b = graph.functions.get(caller), graph.functions.get(callee)
        if a is not None and b is not None and a.file != b.file:
            out[b.file].add(a.file)
    return {f: frozenset(v) for f, v in out.items()}


def event_sends(graph: CallGraph, channels: Iterable) -> dict[str, dict[int, tuple[tuple[str, CallSite], ...]]]:
    """Receiver function -> event code -> the calls sending it (caller key, call), for the
    rules' `[[events]]` (rules.schema.EventChannel: dnsmasq's send_event(fd, EVENT_TFTP_ERR,
    errno, dir) under `if (option_bool(OPT_TFTP))`); codes are the calls' constant arguments."""
    out: dict[str, dict[int, list[tuple[str, CallSite]]]] = {}
    for channel in channels:
        codes: dict[int, list[tuple[str, CallSite]]] = defaultdict(list)
        for key, fn in graph.functions.items():
            for call in fn.calls:
                if call.indirect or call.callee != channel.send or channel.code_arg >= len(call.args):
                    continue
                code = call.args[channel.code_arg].integer
                if code is not None:
                    codes[code].append((key, call))
        for receiver in channel.receivers:
            merged = out.setdefault(receiver, {})
            for code, sends in codes.items():
                merged.setdefault(code, []).extend(sends)
    return {r: {c: tuple(v) for c, v in codes.items()} for r, codes in out.items()}


def option_handlers(graph: CallGraph, index: Index) -> frozenset[str]:
    """Keys of the functions of the command-line parser's file that a function calling getopt
    there calls directly (dnsmasq's read_opts -> one_opt(option, arg, ...)): a switch on their
    parameter holding the option's code stands for the options (Index.option_case)."""
    out = set()
    for key, fn in graph.functions.items():
        if fn.file != index.cli_file or not any(c.callee in index.getopt_calls for c in fn.calls):
            continue
        for call in fn.calls:
            callee = graph.key_for(call.callee, call.file) if not call.indirect else None
            if callee and callee != key and getattr(graph.functions.get(callee), "file", "") == index.cli_file:
                out.add(callee)
    return frozenset(out)


def field_stores(graph: CallGraph, refs: Iterable[FunctionRef], registrations: bool = False) \
        -> dict[tuple[str, str], tuple[FunctionRef, ...]]:
    """(function key, field) -> the places storing that function's address in a field of
    that name (`con->network_read = connection_read_cq_ssl;`, or a static table's
    initializer, which has no enclosing function); with `registrations`, also the calls handing
    it to a function that stores it there (a "stored" call-graph edge); and the stores of a
    field a call copies into that one (analyze.fieldcopies.pointer_copies)."""
    refs = list(refs)
    out: dict[tuple[str, str], list[FunctionRef]] = defaultdict(list)
    for ref in refs:
        if ref.context in ("field", "initializer"):
            target = graph.key_for(ref.target, ref.file)
            if target:
                out[(target, ref.via)].append(ref)
    for _, target, data in graph.graph.edges(data=True) if registrations else ():
        # a registration storing its argument in a field (keepalived's thread_add_read(master,
        # inotify_event_thread, ...) putting it in `thread->func`): a store at the call
        if data["kind"] == "stored" and data.get("registration") is not None:
            at = data["registration"]
            for name in data.get("fields", ()):
                out[(target, name)].append(FunctionRef(at.function, target, "argument", name, at.file, data["line"],
                                                       tuple(data["guards"]), at))
    for name, sources in pointer_copies(graph, refs).items():
        # a call copying a field's function into another field (`thread_add_timer(m,
        # checker->launch, ...)`): a store in the first is a store in the second too
        for (target, via), found in list(out.items()):
            if via in sources:
                out[(target, name)].extend(r for r in found if r not in out[(target, name)])
    return {k: tuple(v) for k, v in out.items()}
