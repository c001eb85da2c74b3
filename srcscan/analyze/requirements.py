"""Which options each call site needs: its own guards, the guards its function inherits
through the call graph, and option values passed down as parameters.

Facts in (FunctionFacts with guards as typed C expressions, the call graph, the option
table), one answer per call site out: `analyze_requirements` returns a map SiteKey ->
RequirementAnswer (a Requirement formula and its derivation as data). No parser node and no
condition text is read here.

A guard becomes a formula over option atoms by polarity: the code under `cond` runs only
if the necessary formula N(cond) holds, where a test srcscan cannot tie to an option (a
runtime test) is "true" in N and "false" in the sufficient formula S used under `!`:
N(a && b) = N(a) & N(b), N(a || b) = N(a) | N(b), N(!a) = !S(a). So `opt_a || (opt_b &&
runtime)` needs "either option", and `!(opt && runtime)` needs nothing.

A function's requirement is the disjunction, over the calls reaching it from the entry
points, of its caller's requirement and the call's guards (iterated to a fixed point).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping, NamedTuple

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.options import Option, option_to_dict
from srcscan.cexpr import Binary, Call, CExpr, Member, Name, Unary, evaluate, render, root_path, strip, walk
from srcscan.cexpr import Index as Subscript
from srcscan.model import (CallerGuard, CallSite, Guard, DecidedByCallers, Derivation, FunctionFacts, FunctionRef, GuardAt, Inherited,
                           LoggedOnlyIf, NotBuilt, NotCalled, RequirementAnswer, SeveralOptions, SiteKey, ThroughPointer)
from srcscan.requirement import Atom, Requirement

if TYPE_CHECKING:  # context.py names Index (defined here) in its annotations
    from srcscan.analyze.context import Context

COMPARISONS = {">", ">=", "<", "<=", "==", "!="}
MAX_ROUNDS = 50


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
    memo: dict = field(default_factory=dict)  # guard_requirement's answers, by (id(guard), function key)
    bit_array: tuple[str, int] | None = None  # the rules' option bit array: (field, bits per element)
    start_values: dict[str, int] = field(default_factory=dict)  # name -> value set before the getopt loop
    assigned: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)  # file -> name -> lines writing it
    emptiness_tests: frozenset[str] = frozenset()  # the rules' `[config] emptiness_tests`
    by_name: dict[str, Option] = field(default_factory=dict)  # option by its first name
    local_values: dict[tuple[str, str], dict[str, tuple]] = field(default_factory=dict)  # (file, function) -> local -> values (options.find_locals)
    field_stores: dict[tuple[str, str], tuple] = field(default_factory=dict)  # (function key, field) -> FunctionRefs storing it there

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
        found = cls(by_var, by_field, bit_test, {}, labels, cli_file)
        found.by_name = {o.name: o for o in options}
        return found

    def option_case(self, guard: Guard, fn: FunctionFacts) -> Requirement | None:
        """The options a `case` of the command-line parser's switch stands for (`case 'i':`
        runs only with -i), or the config key a case of a key switch stands for; None for any
        other switch, or a label that is no option."""
        if guard.kind != "case" or not guard.labels:
            return None
        switches = self.key_cases.get((fn.file, fn.name), {})
        keys = switches.get(guard.line, switches.get(0))
        if keys and isinstance(guard.expr, Member) and all(label in keys for label in guard.labels):
            return Requirement.any_of(Requirement.atom(keys[label]) for label in sorted(set(guard.labels)))
        if fn.file != self.cli_file:
            return None
        if not any(c.callee in self.getopt_calls for c in fn.calls):
            return None
        names = [self.cli_labels.get(label) if isinstance(label, int) else None for label in guard.labels]
        if not all(names):
            return None
        return Requirement.any_of(Requirement.atom(n) for n in sorted(set(names)))


# ---------------------------------------------------------------------------- one guard

def guard_requirement(guard: Guard, index: Index, fn: FunctionFacts) -> Requirement:
    """What `guard` demands of the options for the code under it; TRUE when it tests no
    option (or is a switch label)."""
    memo = (id(guard), fn.key)
    hit = index.memo.get(memo)
    if hit is not None and hit[0] is guard:
        return hit[1]
    if guard.kind == "case":
        found = index.option_case(guard, fn) or Requirement.TRUE
    elif guard.expr is None or guard.kind == "default":
        found = Requirement.TRUE
    elif guard.negated:
        found = ~_formula(guard.expr, index, fn, necessary=False)
    else:
        found = _formula(guard.expr, index, fn, necessary=True)
    if mandatory(guard, fn, found, index):
        found = Requirement.TRUE
    index.memo[memo] = (guard, found)  # the guard is kept: its id stays its own
    return found


def mandatory_guard(guard: Guard, index: Index, fn: FunctionFacts) -> bool:
    """Whether `guard` is an early return of `main` the daemon does not run past without some
    config keys (mandatory)."""
    if guard.kind != "early-return" or fn.name != "main" or guard.expr is None:
        return False
    found = ~_formula(guard.expr, index, fn, necessary=False) if guard.negated else \
        _formula(guard.expr, index, fn, necessary=True)
    return mandatory(guard, fn, found, index)


def mandatory(guard: Guard, fn: FunctionFacts, found: Requirement, index: Index) -> bool:
    """An early return of `main` unless config keys are given: the daemon does not run without
    them (lighttpd 1.4.19's `if (srv->config_storage[0]->document_root->used <= 1) { ...
    return -1; }` in server.c), so they are no requirement of what it logs afterwards. The
    message about the missing key, under the `if` itself, keeps its `!key`."""
    if guard.kind != "early-return" or fn.name != "main" or found.is_true or found.is_false:
        return False
    atoms = [a for alt in found.alternatives() for a in alt]
    return all(not a.startswith("!") and getattr(index.by_name.get(re.split(r">=|==", a)[0]), "kind", "") == "config"
               for a in atoms)


def _formula(e: CExpr, index: Index, fn: FunctionFacts, necessary: bool) -> Requirement:
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return ~_formula(e.operand, index, fn, not necessary)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        left = _formula(e.left, index, fn, necessary)
        right = _formula(e.right, index, fn, necessary)
        return left & right if e.op == "&&" else left | right
    found = option_test(e, index, fn, unknown=Requirement.TRUE if necessary else Requirement.FALSE, necessary=necessary)
    if found is None:
        return Requirement.TRUE if necessary else Requirement.FALSE
    return found


def option_test(e: CExpr, index: Index, fn: FunctionFacts | None, unknown: Requirement | None = None,
                necessary: bool | None = None) -> Requirement | None:
    """The options a test reads, as a formula (any one of the options reaching the value);
    None when the test reads no option. Recognises `debug & 32`, `__test_bit(BIT, &debug)`
    (a rules' bit_test function), `p->conf.debug > 1` and a plain `debug`. `unknown` stands
    for a run-time test where one is part of the answer (_holds_by_default); by default the
    test itself, as an atom the analyses quantify away."""
    by_default = _holds_by_default(strip(e), index, fn, unknown)
    if by_default is not None:
        return by_default
    atoms = _atoms(strip(e), index, fn)
    if not atoms:
        return None
    if all(a.startswith("!") for a in atoms):  # a value none of the options may have set: all of them not given
        if necessary is not False and _cleared_local(strip(e), index, fn):
            # `NULL == scripts` with `scripts = NULL` on some path: "no key given" is enough for
            # the test to hold (read under `!`, as sufficient), not needed for it
            return None
        # The value is zero (or low) only when none of the options reaching it sets it:
        # `NULL == conf->exts`, which any of six `*.server` keys fills, needs all six not given.
        return Requirement.all_of(_literal(a) for a in sorted(atoms))
    return Requirement.any_of(_literal(a) for a in sorted(atoms))


def _holds_by_default(e: CExpr, index: Index, fn: FunctionFacts | None,
                      unknown: Requirement | None = None) -> Requirement | None:
    """A test of a value set before the getopt loop (Index.start_values) that holds with that
    value (dnsmasq's `daemon->cachesize != 0`, 150 unless -c says otherwise): it holds
    without the options that set the value, and may hold with them (a run-time test there):
    `!(options) | test`. None for any other test (one failing by default needs its options),
    and for a start value of 0 (a flag an option turns on)."""
    if isinstance(e, Binary) and e.op in COMPARISONS:
        target, value, op = _target(e.left), _integer(e.right), e.op
        if target is None:
            target, value, op = _target(e.right), _integer(e.left), _mirror(e.op)
    else:
        target, value, op = _target(e), 0, "!="
    start = index.start_values.get(target.name) if target is not None and target.kind in ("field", "var") else None
    if not start or value is None:
        return None  # no start value, or 0: an option turning a feature on, read as before
    if not _compare(start, op, value):
        return None
    names = _value_options(target, index, fn, by_default=False)
    if not names:
        return None
    given = Requirement.any_of(Requirement.atom(n) for n in names)
    if unknown is None:
        unknown = Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
    return ~given | unknown


def _compare(a: int, op: str, b: int) -> bool:
    return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b, "==": a == b, "!=": a != b}[op]


def _literal(text: str) -> Requirement:
    return Requirement.atom(text[1:], negated=True) if text.startswith("!") else Requirement.atom(text)


def _atoms(e: CExpr, index: Index, fn: FunctionFacts | None) -> set[str]:
    if isinstance(e, Binary) and e.op == "&":
        for side, other in ((e.left, e.right), (e.right, e.left)):
            target, mask = _target(side), _integer(other)
            if target and mask is not None:
                return _bit_atoms(target, mask, index, _enumerators(other))
            if (word := _bit_word(side, index)) is not None and (mask := _word_fold(other, index)) is not None:
                return _bit_atoms(word[0], mask << word[1], index)
        return set()
    if isinstance(e, Call) and e.callee in index.emptiness_tests and len(e.args) == 1:
        return {"!" + name for name in _value_options(_target(e.args[0]), index, fn, by_default=False)}
    if isinstance(e, Call) and e.callee in index.bit_test and len(e.args) >= 2:
        bit, target = _integer(e.args[0]), _target(e.args[1])
        return _bit_atoms(target, 1 << bit, index, _enumerators(e.args[0])) if target and bit is not None and bit >= 0 \
            else set()
    if isinstance(e, Binary) and e.op in COMPARISONS:
        target, value, op = _target(e.left), _integer(e.right), e.op
        if target is None:
            target, value, op = _target(e.right), _integer(e.left), _mirror(e.op)
        if target is None or value is None:
            return set()
        count = _counts_entries(e.left) or _counts_entries(e.right)
        names = _value_options(target, index, fn, by_default=not count)
        if count:  # `b->used <= 1`: a buffer's length, whose only meaning here is "empty" or not
            return {a for n in names for a in [_count_atom(n, op, value)] if a}
        return {a for n in names for a in [_level_atom(n, op, value, _counted(n, index))] if a}
    target = _target(e)
    return set(_value_options(target, index, fn, by_default=not _counts_entries(e))) if target else set()


def _counts_entries(e: CExpr) -> bool:
    """`x->used`: how full a buffer or array is, which a default allocation leaves empty."""
    e = strip(e)
    return isinstance(e, Member) and e.field == "used"


def _integer(e: CExpr) -> int | None:
    """An integer constant (literal, enumerator, macro, folded arithmetic); addresses and
    strings, which evaluate as non-null, are no integers here."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "&" or isinstance(e, Name) and e.ref != "enum":
        return None
    return evaluate(e)


def _bit_word(e: CExpr, index: Index) -> tuple[Target, int] | None:
    """`daemon->options[1]`, an element of the rules' bit array: its target and the shift of its
    first bit (1 * 32): dnsmasq's option_bool(OPT_X) reads options[OPT_X / 32] & 1u << (OPT_X % 32)."""
    e = strip(e)
    if index.bit_array is None or not isinstance(e, Subscript):
        return None
    target, element = _target(e.base), _word_fold(e.index, index)
    if target is None or target.name != index.bit_array[0] or element is None or element < 0:
        return None
    return target, element * index.bit_array[1]


def _word_fold(e: CExpr, index: Index) -> int | None:
    """An integer constant, where a `sizeof` the parse leaves unknown (dnsmasq's OPTION_BITS,
    `sizeof(unsigned int) * 8`) is an element of the rules' bit array."""
    size = index.bit_array[1] // 8 if index.bit_array else None
    return evaluate(e, lambda x: size if isinstance(x, Unary) and x.op == "sizeof" else None)


def _mirror(op: str) -> str:
    return {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(op, op)


def _counted(name: str, index: Index) -> bool:
    """Whether an option's value is a level the user chooses: a value given with it
    (`proxy.debug = 2`, `-S 3`), a count (`-D -D`) or a constant per setting. A flag whose
    effect stores a value of the run (lighttpd's `-1`: `oneshot_fd = dup(0)`, a file
    descriptor) has none: `oneshot_fd > 2` tells only that it was given."""
    option = index.by_name.get(name)
    if option is None or option.takes_value:
        return True
    return any(e.op != "=" or e.mask or e.level > 1 or _integer_text(e.value) for e in option.effects)


def _integer_text(text: str) -> bool:
    return bool(re.fullmatch(r"\(?-?\s*(0[xX][0-9a-fA-F]+|\d+|[A-Z_][A-Z0-9_]*)\)?", text.strip()))


def _count_atom(name: str, op: str, value: int) -> str | None:
    """A test of how full the buffer or array a key fills is: above 0 or 1 (a string's length
    counts its NUL in lighttpd's `buffer->used`) when the key is given, at most that when not."""
    if op in (">", ">=", "!=") and value >= 0:
        return name
    if op in ("<", "<=", "==") and value <= 1:
        return "!" + name
    return None


def _level_atom(name: str, op: str, value: int, counted: bool = True) -> str | None:
    if (op, value) in (("!=", 0), (">", 0), (">=", 1)):
        return name
    if (op, value) in (("==", 0), ("<", 1), ("<=", 0)):
        return "!" + name
    if not counted:
        # A value of the run behind a flag: above a constant only when given; below one or
        # equal to one either way.
        return name if op in (">", ">=") and value >= 0 else None
    if op in (">", ">="):
        return f"{name}>={value + 1 if op == '>' else value}"
    if op in ("<", "<="):
        return f"!{name}>={value if op == '<' else value + 1}"
    return f"{name}=={value}" if op == "==" else None


class Target(NamedTuple):
    """What a test reads: a variable ("var"), a parameter ("param") or a struct field
    ("field"; `root` is the variable it hangs from, `main_pidfile.path`, when there is one)."""

    kind: str
    name: str
    root: str = ""


def _target(e: CExpr) -> Target | None:
    e = strip(e)
    while isinstance(e, Unary) and e.op in ("*", "&"):
        e = strip(e.operand)
    if isinstance(e, Member) and e.field == "used" and isinstance(strip(e.base), Member):
        e = strip(e.base)  # `p->conf.exts->used`: the array a key fills has entries
    if isinstance(e, Member):
        root, field = root_path(e)
        return Target("field", field, root)
    if isinstance(e, Name) and e.ref in ("var", "param"):
        return Target(e.ref, e.name)
    return None


def _pool(target: Target, index: Index) -> list[tuple[Option, object]]:
    """The option effects a tested value may come from. A field tested through a variable
    (`main_pidfile.path`, `global_data->x`) is that variable's field, if an option sets it
    there; otherwise any option setting a field of that name through a local or parameter
    (`p->conf.debug`, whose struct differs per function)."""
    if target.kind == "var":
        return index.by_var.get(target.name, [])
    if target.kind == "field":
        return (index.by_var.get(target.root, []) if target.root else []) + index.by_field.get(target.name, [])
    return []


def _enumerators(e: CExpr) -> frozenset[str]:
    """The enumerators a bit mask is written with (`1UL << MEM_LOG_BIT`, `LOG_DETAIL_BIT`)."""
    return frozenset(x.name for x in walk(e) if isinstance(x, Name) and x.ref == "enum")


_IDENTIFIER = re.compile(r"(?<![\w])[A-Za-z_]\w*")


def _same_bit(effect, mask: int, names: frozenset[str]) -> bool:
    """Whether an option's bit is the one a test reads. Enumerators are compared by name when
    both are written with one: their values differ between build profiles (keepalived's
    MEM_CHECK_BIT exists only in a _MEM_CHECK_ build, where LOG_ADDRESS_CHANGES, -a, moves up
    one), and the test and the option's case may come from parses of different profiles."""
    if not effect.mask:
        return False
    written = frozenset(_IDENTIFIER.findall(effect.value))
    if names and written:
        return bool(names & written)
    return bool(effect.mask & mask)


def _bit_atoms(target: Target, mask: int, index: Index, names: frozenset[str] = frozenset()) -> set[str]:
    """The options whose bits a test reads; for a bit some option clears (keepalived's -B
    clears DAEMON_BFD, which main() sets by default), the bit is on by default and the test
    needs none of the clearing options ("!-B"; the options setting it again are left out)."""
    pool = [(o, e) for o, e in _pool(target, index) if _same_bit(e, mask, names)]
    cleared = {o.name for o, e in pool if e.op == "clear_bit"}
    if cleared:
        return {"!" + name for name in cleared}
    atoms = set()
    for option, effect in pool:
        name = f"{option.name}={effect.when}" if effect.when else option.name  # --log-queries=extra
        atoms.add(name if effect.level == 1 else f"{name}>={effect.level}")
    return atoms


def _value_options(target: Target | None, index: Index, fn: FunctionFacts | None, by_default: bool = True,
                   depth: int = 0) -> list[str]:
    """The options a tested value comes from; with `by_default`, none for a field its module
    sets by default (its test does not tell whether the key was given; an emptiness test
    of a buffer allocated by default does). A local of `fn` holds what is assigned to it."""
    if target is None or depth > 4:
        return []
    if by_default and target.kind == "field" and fn is not None and (fn.file, target.name) in index.defaults:
        return []  # set by default: testing it does not tell whether the key was given
    if target.kind == "param":
        return sorted(index.params.get((fn.key, target.name), ())) if fn is not None else []
    if target.kind == "var" and fn is not None and (values := _local(target.name, index, fn)) is not None:
        return _local_options(values, index, fn, by_default, depth)
    pool = [(o, e) for o, e in _pool(target, index) if not e.mask]  # bit masks are read through `&`, not as values
    local = [o for o, _ in pool if fn is not None and fn.file in o.files]  # the key the function's own module reads
    return sorted({o.name for o in (local or [o for o, _ in pool])})


def _cleared_local(e: CExpr, index: Index, fn: FunctionFacts | None) -> bool:
    """Whether the test reads a local of `fn` that is given 0 (or NULL) on some path: lighttpd's
    magnet_attract_array sets `scripts = NULL` in its switch's default and `event_handler =
    NULL` for "libev", so that `NULL == x` holds whatever the keys say."""
    if fn is None:
        return False
    sides = [e.left, e.right] if isinstance(e, Binary) and e.op in COMPARISONS else \
        [e.args[0]] if isinstance(e, Call) and e.args else [e]
    for side in sides:
        target = _target(side)
        if target is not None and target.kind == "var":
            values = _local(target.name, index, fn)
            if values and any(v is not None and _integer(v) == 0 for v in values):
                return True
    return False


def _local(name: str, index: Index, fn: FunctionFacts) -> tuple | None:
    """The values assigned to `name` if it is a local of `fn` (None for a global)."""
    return index.local_values.get((fn.file, fn.name), {}).get(name)


def _local_options(values: tuple, index: Index, fn: FunctionFacts, by_default: bool, depth: int) -> list[str]:
    """The options a local's value comes from: those of every value assigned to it, when each
    one reads an option (`const int debug_cond = r->conf.log_condition_handling;`) or is 0;
    none when one of them is a value of the run or another constant (the local then tells
    nothing of options). A 0 among them (`default: scripts = NULL;`) leaves only the positive
    reading (option_test)."""
    names: set[str] = set()
    for value in values:
        if value is None or _integer(value) == 0:
            continue  # declared without a value, or cleared: it does not make `if (x)` pass
        found = _value_options(_target(value), index, fn, by_default, depth + 1)
        if not found:
            return []
        names.update(found)
    return sorted(names)


# ---------------------------------------------------------------------------- across functions

def param_options(graph: CallGraph, index: Index) -> dict[tuple[str, str], frozenset[str]]:
    """Parameters that carry an option's value from every caller that passes one: an
    argument reading an option's field (`p->conf.debug`) or a parameter that carries one."""
    found: dict[tuple[str, str], frozenset[str]] = {}
    for _ in range(3):  # values passed on through a parameter of a parameter
        index.params = found
        update: dict[tuple[str, str], set[str]] = defaultdict(set)
        unknown: set[tuple[str, str]] = set()
        for caller, callee, data in graph.graph.edges(data=True):
            call = data.get("call")
            fn = graph.functions.get(callee)
            if call is None or fn is None or data["kind"] != "direct":
                continue
            caller_fn = graph.functions[caller]
            for param, arg in zip(fn.params, call.exprs):
                if _integer(arg) == 0:
                    continue  # "no debugging" passed literally: that path never logs
                names = _carried(arg, caller_fn, index, found)
                if names:
                    update[(callee, param)].update(names)
                else:
                    unknown.add((callee, param))
        found = {k: frozenset(v) for k, v in update.items() if k not in unknown}
    index.params = found
    return found


def _carried(arg: CExpr, caller: FunctionFacts, index: Index, found: Mapping) -> list[str]:
    target = _target(arg)
    if target is None:
        return []
    if target.kind == "field":
        return _value_options(Target("field", target.name), index, caller)
    if target.kind == "param":
        return sorted(found.get((caller.key, target.name), ()))
    if target.kind == "var" and _local(target.name, index, caller) is not None:
        return _value_options(target, index, caller)  # a local holding an option's value
    return []


def inherited(graph: CallGraph, index: Index, dead: frozenset[str] = frozenset(),
              unseen_callers: frozenset[str] = frozenset()) -> tuple[dict[str, Requirement], dict[str, bool]]:
    """For each function, the requirement its call paths from the entry points carry
    (`dump_list` called under -D in one place and under -d in another: -D or -d; FALSE for the
    `dead` ones, never called), and whether resolving calls through function pointers
    mattered."""
    req: dict[str, Requirement | None] = {k: None for k in graph.graph}
    for e in tuple(graph.entry_points) + tuple(unseen_callers):  # unseen_callers: analyze.deadcode.macro_called
        req[e] = Requirement.TRUE
    via_pointer: dict[str, bool] = defaultdict(bool)
    edge_req: dict[tuple, Requirement] = {}
    for caller, callee, key, data in graph.graph.edges(keys=True, data=True):
        if data["kind"] == "stored":
            continue  # when a stored callback runs is decided where its field is called
        fn = graph.functions[caller]
        edge_req[(caller, callee, key)] = Requirement.all_of(guard_requirement(g, index, fn) for g in data["guards"])
    def store_requirement(node: str, via: str) -> Requirement:
        return stored_requirement(graph, index, req, node, via)

    order = sorted(graph.reachable(tuple(graph.entry_points) + tuple(unseen_callers)))
    changed, rounds = True, 0
    while changed and rounds < MAX_ROUNDS:
        changed, rounds = False, rounds + 1
        for node in order:
            if node in graph.entry_points or node in unseen_callers:
                continue
            reaching, pointer = [], False
            for caller, _, key, data in graph.graph.in_edges(node, keys=True, data=True):
                if req.get(caller) is None or data["kind"] == "stored":
                    continue
                along = req[caller] & edge_req[(caller, node, key)]
                if data["kind"] == "pointer" and data.get("via"):
                    # A function called through a field runs only after it was stored there:
                    # lighttpd's TLS readers are put in `con->network_read` only on a socket with
                    # ssl.engine on (`if (!srv_sock->is_ssl) return HANDLER_GO_ON;`).
                    along = along & store_requirement(node, data["via"])
                reaching.append(along)
                pointer = pointer or data["kind"] != "direct" or via_pointer[caller]
            if not reaching:
                continue
            new = Requirement.any_of(reaching).simplified()
            if new != req[node]:
                req[node], changed = new, True
            via_pointer[node] = pointer and not new.is_true
    # A function never called (analyze.deadcode) is FALSE, which the conditions' walk reads as
    # "no path this way"; any other function no path reaches is TRUE: the graph may have lost
    # its calls, or code outside the tree may call it.
    out = {k: (Requirement.FALSE if k in dead else v if v is not None else Requirement.TRUE) for k, v in req.items()}
    return out, via_pointer


def stored_requirement(graph: CallGraph, index: Index, req: Mapping[str, Requirement | None], node: str,
                       via: str) -> Requirement:
    """What storing function `node` in field `via` needs: over the stores (index.field_stores),
    the storing function's requirement (`req`) and the store's guards; TRUE when srcscan sees
    no store (a table, a registration) or one at file scope. Stores in functions not reached
    (yet: `req` is None for them while inherited() iterates) are left out."""
    refs = index.field_stores.get((node, via))
    if not refs:
        return Requirement.TRUE
    parts = []
    for ref in refs:
        holder = graph.key_for(ref.function, ref.file) if ref.function else None
        if holder is None:
            return Requirement.TRUE  # a file-scope initializer: there from the start
        if req.get(holder) is None:
            continue
        parts.append(req[holder] & Requirement.all_of(guard_requirement(g, index, graph.functions[holder])
                                                      for g in ref.guards))
    return Requirement.any_of(parts).simplified() if parts else Requirement.TRUE


# ---------------------------------------------------------------------------- the analysis

def option_index(graph: CallGraph, options: Iterable[Option], rules,
                 key_cases: dict[tuple[str, str], dict[int, dict[int, str]]] | None = None,
                 defaults: frozenset[tuple[str, str]] = frozenset(),
                 start_values: dict[str, int] | None = None,
                 assigned: Mapping[str, Mapping[str, Iterable[int]]] | None = None,
                 local_values: dict[tuple[str, str], dict[str, tuple]] | None = None,
                 refs: Iterable[FunctionRef] = ()) -> Index:
    """Options by what they write, the parameters that carry their values, the config keys
    of key switches' cases, the fields set by default and the values set before the getopt
    loop (analyze.options.find_key_cases, find_defaults, find_start_values); `assigned`: file
    -> name -> lines where the file's text writes the name (the logsetup facts' text_writes),
    which tells two tests of one variable apart."""
    index = Index.of(options, rules.options.bit_test)
    index.assigned = {f: {n: tuple(sorted(ls)) for n, ls in names.items()} for f, names in (assigned or {}).items()}
    index.getopt_calls = rules.options.getopt_calls
    index.key_cases = dict(key_cases or {})
    index.defaults = defaults
    index.start_values = dict(start_values or {})
    index.emptiness_tests = frozenset(rules.config.emptiness_tests)
    index.local_values = dict(local_values or {})
    index.field_stores = field_stores(graph, refs)
    if rules.options.bit_array:
        index.bit_array = (rules.options.bit_array.field, rules.options.bit_array.word_bits)
    param_options(graph, index)
    return index


def field_stores(graph: CallGraph, refs: Iterable[FunctionRef]) -> dict[tuple[str, str], tuple[FunctionRef, ...]]:
    """(function key, field) -> the places storing that function's address in a field of
    that name (`con->network_read = connection_read_cq_ssl;`, or a static table's
    initializer, which has no enclosing function)."""
    out: dict[tuple[str, str], list[FunctionRef]] = defaultdict(list)
    for ref in refs:
        if ref.context in ("field", "initializer"):
            target = graph.key_for(ref.target, ref.file)
            if target:
                out[(target, ref.via)].append(ref)
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class Site:
    """A call site to answer for: the call and the function holding it."""

    call: CallSite
    function: FunctionFacts


def answer_requirements(sites: Iterable[Site], graph: CallGraph, index: Index,
                        log_functions: Mapping[str, object] | None = None,
                        dead: frozenset[str] = frozenset(),
                        unseen_callers: frozenset[str] = frozenset()) -> dict[SiteKey, RequirementAnswer]:
    """SiteKey -> the options the site needs and why. `log_functions` (as
    logfuncs.infer_log_functions gives them) let a log function's own conditions on its
    parameters and its early returns count at each call (analyze.conditions); a site in a
    function of `dead` (analyze.deadcode.never_called) is never logged."""
    from srcscan.analyze.conditions import BUDGET, Conditions, guard_condition, keep_params, param_test, translate
    from srcscan.analyze.logfuncs import log_function_of

    from_callers, via_pointer = inherited(graph, index, dead, unseen_callers)
    known = dict(log_functions or {})
    conditions = Conditions(graph, index, lambda fn, c: log_function_of(known, fn.file, c.callee) is not None,
                            from_callers)
    answers = {}
    for site in sites:
        call, fn = site.call, site.function
        key = graph.key_for(fn.name, fn.file) or fn.key
        if key in dead:
            answers[call.key] = RequirementAnswer(Requirement.FALSE, (NotCalled(fn.name),))
            continue
        own = [(g, guard_requirement(g, index, fn)) for g in call.guards]
        need = Requirement.all_of(guard_condition(g, index, fn) for g in call.guards).simplified()
        contradiction = ()
        if need.is_false:
            # The guards contradict each other as srcscan reads them: a variable tested both
            # ways was assigned in between (`ret = fcntl(...); if (ret < 0) return; ret = bind();
            # if (ret < 0) log`), or a local has an option variable's name. Read each guard on its
            # own, and say so.
            need = Requirement.all_of(r for _, r in own).simplified()
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
        unsure = unsure + contradiction
        deciding = conditions.callers_deciding(key, start, sinkish)
        if requirement.is_false and (deciding or unsure):
            # No call path srcscan follows makes the parameters' test hold: rather than "never",
            # say what the guards alone need, and that the parameters' values were not decided.
            requirement = (need.exists(lambda a: a.is_test) & sink.exists(lambda a: a.is_test)
                           & from_callers.get(key, Requirement.TRUE)).simplified()
            unsure = unsure + (f"no call path to {fn.name}() that srcscan follows gives its parameters values "
                               f"that log this; shown with its guards alone",)
        upstream = from_callers.get(key, Requirement.TRUE)
        if requirement.is_false and not need.is_false and not upstream.is_false and _config_atoms(need, index):
            # The site's guards test a config key its callers need the other way (lighttpd's
            # mod_openssl_cert_cb: registered where the socket's `conf.pc` is set, logging where
            # the connection's `hctx->conf.pc` is not). Config is per condition block and fields
            # are told apart by name only: not "never", but the callers' requirement, and said.
            requirement = upstream.simplified()
            unsure = unsure + (f"its guards test config keys against what its callers need "
                               f"({_sink_text(need)}); a key's value differs per condition block and fields "
                               f"of one name are not told apart by struct: shown with its callers' requirement",)
        # The log function's own option tests (keepalived's vlog_message returns under -t) hold
        # for every message it writes: they rule alternatives out (-R or -t, but nothing is
        # logged with -t: -R) and are not listed with each message.
        muted = {a for a in sink.atoms() if not a.is_test}
        if muted:
            requirement = requirement.exists(lambda a: a in muted).simplified()
        derivation: list[Derivation] = [GuardAt(call.file, g.line, g.describe()) for g, r in own if not r.is_true]
        if not upstream.is_true:
            paths = len(upstream.alternatives())
            derivation.append(Inherited(fn.name, paths, tuple(_guard_sites(graph, index, key))))
            if via_pointer.get(key):
                derivation.append(ThroughPointer())
        if _several(own, index, fn):
            derivation.append(SeveralOptions())
        if not sink.is_true and (deciding or not (requirement == (lexical_only := upstream & Requirement.all_of(
                r for _, r in own)).simplified())):
            derivation.append(LoggedOnlyIf(call.callee, _sink_text(sink)))
        if deciding:
            derivation.append(DecidedByCallers(fn.name, _sink_text(start), deciding))
        answers[call.key] = RequirementAnswer(requirement, tuple(derivation) if not requirement.is_true else (), unsure)
    return answers


def _config_atoms(r: Requirement, index: Index) -> bool:
    """Whether `r` tests a config-file key (not a command-line option)."""
    return any(not a.is_test and getattr(index.by_name.get(a.name), "kind", "") == "config" for a in r.atoms())


def _sink_text(sink: Requirement) -> str:
    """A log function's condition for logging, as C-like text: runtime tests by their C text."""
    text = str(sink)
    for a in sink.atoms():
        if a.is_test:
            text = text.replace(a.name, render(a.test))
    return text


def _several(own: list[tuple[Guard, Requirement]], index: Index, fn: FunctionFacts) -> bool:
    """A test of the site's own guards that any one of several options passes."""
    for g, r in own:
        if r.is_true or g.expr is None:
            continue
        for e in _tests(g.expr):
            found = option_test(e, index, fn, unknown=Requirement.TRUE)
            if found is not None and len(found.atoms()) > 1:
                return True
    return False


def _tests(e: CExpr) -> list[CExpr]:
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return _tests(e.operand)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        return _tests(e.left) + _tests(e.right)
    return [e]


def _guard_sites(graph: CallGraph, index: Index, key: str, limit: int = 3) -> list[CallerGuard]:
    """The nearest calls up the call graph whose guards test an option."""
    found: list[CallerGuard] = []
    todo: list[tuple[str, tuple[str, ...]]] = [(key, ())]
    seen = {key}
    while todo and len(found) < limit:
        node, via = todo.pop(0)
        for caller, _, data in sorted(graph.graph.in_edges(node, data=True), key=lambda e: (e[0], e[2]["line"])):
            if data["kind"] == "stored":
                continue
            for ref in index.field_stores.get((node, data.get("via") or ""), ()) if data["kind"] == "pointer" else ():
                holder = graph.key_for(ref.function, ref.file) if ref.function else None
                store_fn = graph.functions.get(holder) if holder else None
                stored_under = [g for g in ref.guards if store_fn and not guard_requirement(g, index, store_fn).is_true]
                if stored_under:  # the guard under which the function was put in the field
                    site = CallerGuard(ref.file, ref.line, store_fn.name, via, f"stored in {data['via']}",
                                       stored_under[0].describe())
                    if site not in found:
                        found.append(site)
            fn = graph.functions[caller]
            tested = [g for g in data["guards"] if not guard_requirement(g, index, fn).is_true]
            if tested:
                pointer = "" if data["kind"] == "direct" else f"{data['kind']} through {data['via']}"
                site = CallerGuard(fn.file, data["line"], fn.name, via, pointer, tested[0].describe())
                if site not in found:
                    found.append(site)
            elif caller not in seen:
                seen.add(caller)
                todo.append((caller, (fn.name,) + via))
    return found[:limit]


def analyze_requirements(context: Context, build: Mapping[SiteKey, str]) \
        -> tuple[dict[SiteKey, RequirementAnswer], dict[str, object]]:
    """The pipeline's step: an answer for every log site (pipeline.Context.sites), and the
    option table as the catalog's `options` section. Sites read from the text have no guards
    srcscan knows: they get what their enclosing function inherits, when a parse holds that
    function. A site whose build condition (`build`, the build analysis' answers) needs a
    macro of the rules' `[preprocessor] never` is never logged (NotBuilt); one in a function
    no call path reaches, never either (NotCalled)."""
    from srcscan.analyze.deadcode import macro_called, never_called

    functions = {(fn.file, fn.name): fn for fn in context.functions}
    sites = [Site(s.call, functions[(s.call.file, s.call.function)]) for s in context.sites
             if (s.call.file, s.call.function) in functions]
    text = context.tree.text(context.rules.exclude)
    texts = {rel: _read(text, rel) for rel in text.files}
    dead = never_called(context.graph, texts)
    answers = answer_requirements(sites, context.graph, context.index, context.log_functions, dead,
                                  macro_called(context.graph, texts))
    never = _never_built(context)
    for site in context.sites:
        unbuilt = never(build.get(site.key, ""))
        if unbuilt:  # also a site read from the text, which no parse holds
            answers[site.key] = RequirementAnswer(Requirement.FALSE, (NotBuilt(unbuilt),))
    return answers, {"options": [option_to_dict(o) for o in context.options]}


def _never_built(context):
    """build condition -> the macros of the rules' `[preprocessor] never` it needs defined
    (none when some build without them compiles it)."""
    from srcscan.preprocessor import build_holds
    from fnmatch import fnmatchcase

    patterns = context.rules.preprocessor.never
    memo: dict[str, tuple[str, ...]] = {}

    def needs(build: str) -> tuple[str, ...]:
        if not patterns or not build:
            return ()
        if build not in memo:
            named = sorted({w for w in re.findall(r"[A-Za-z_]\w*", build) if any(fnmatchcase(w, p) for p in patterns)})
            memo[build] = tuple(named) if named and not build_holds(build, (), named) else ()
        return memo[build]
    return needs


def _read(text, rel: str) -> str:
    try:
        return text.text(rel)
    except OSError:
        return ""  # vanished since the listing: nothing it calls
