"""Where a tested value comes from: the variable, field or parameter a test reads
(`target_of`), the option effects that may have set it, a local's assigned values, and the
parameters every caller passes an option's value in (`param_options`).

Plain data in (typed C expressions, the option index, the call graph), option names out;
no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Mapping, NamedTuple

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.features import feature_atom
from srcscan.analyze.optiontypes import Option
from srcscan.cexpr import Binary, Call, CExpr, Member, Name, Unary, evaluate, root_path, strip
from srcscan.model import FunctionFacts
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

COMPARISONS = {">", ">=", "<", "<=", "==", "!="}

KEY_VALUE = "config-key"  # Name.ref of a key's value assigned to a local in a key switch's case


def integer_of(e: CExpr) -> int | None:
    """An integer constant (literal, enumerator, macro, folded arithmetic); addresses and
    strings, which evaluate as non-null, are no integers here."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "&" or isinstance(e, Name) and e.ref != "enum":
        return None
    return evaluate(e)

class Target(NamedTuple):
    """What a test reads: a variable ("var"), a parameter ("param") or a struct field
    ("field"; `root` is the variable it hangs from, `main_pidfile.path`, when there is one;
    `owner` the struct the field belongs to, cexpr.Member.owner, "" when not known)."""

    kind: str
    name: str
    root: str = ""
    owner: str = ""


def target_of(e: CExpr) -> Target | None:
    e = strip(e)
    while isinstance(e, Unary) and e.op in ("*", "&"):
        e = strip(e.operand)
    if isinstance(e, Member) and e.field == "used" and isinstance(strip(e.base), Member):
        e = strip(e.base)  # `p->conf.exts->used`: the array a key fills has entries
    if isinstance(e, Member):
        root, field = root_path(e)
        return Target("field", field, root, e.owner)
    if isinstance(e, Name) and e.ref in ("var", "param"):
        return Target(e.ref, e.name)
    return None


def option_pool(target: Target, index: Index) -> list[tuple[Option, object]]:
    """The option effects a tested value may come from. A field tested through a variable
    (`main_pidfile.path`, `global_data->x`) is that variable's field, if an option sets it
    there; otherwise any option setting a field of that name through a local or parameter
    (`p->conf.debug`, whose variable differs per function) in a field of the same struct:
    `r->physical.path` is no `userdir.path`, which mod_userdir stores in its plugin_config's
    `path` (a side whose struct the parse did not give matches by name alone), or of a struct
    the key's field is copied to (Index.copies: `hctx->opts.xsendfile_allow =
    host->xsendfile_allow`)."""
    if target.kind == "var":
        return index.by_var.get(target.name, [])
    if target.kind == "field":
        by_field = [(o, e) for o, e in index.by_field.get(target.name, [])
                    if not target.owner or not e.owner or e.owner == target.owner
                    or target.owner in index.copies.get((target.name, e.owner), ())]
        return (index.by_var.get(target.root, []) if target.root else []) + by_field
    return []


def set_by_default(file: str, name: str, owner: str, index: Index) -> bool:
    """Whether a defaults function sets the field `name` of struct `owner` (tested in `file`;
    options.find_defaults, ondefaults.default_owners)."""
    if (file, name) not in index.defaults:
        return False
    owners = index.default_owners.get((file, name))
    return not owner or not owners or "" in owners or owner in owners


def value_options(target: Target | None, index: Index, fn: FunctionFacts | None, by_default: bool = True,
                   depth: int = 0, keep_own: bool = False) -> list[str]:
    """The options a tested value comes from; with `by_default`, none for a field its module
    sets by default (its test does not tell whether the key was given; an emptiness test
    of a buffer allocated by default does). A local of `fn` holds what is assigned to it.
    With `keep_own`, a keyword whose handler `fn` runs under counts too (a test that holds only
    when set: a keyword needed on that path anyway)."""
    if target is None or depth > 4:
        return []
    if by_default and target.kind == "field" and fn is not None and set_by_default(fn.file, target.name, target.owner, index):
        return []  # set by default: testing it does not tell whether the key was given
    if target.kind == "param":
        return sorted(index.params.get((fn.key, target.name), ())) if fn is not None else []
    if target.kind == "var" and fn is not None and (values := local_of(target.name, index, fn)) is not None:
        return _local_options(target.name, values, index, fn, by_default, depth)
    pool = [(o, e) for o, e in option_pool(target, index) if not e.mask]  # bit masks are read through `&`, not as values
    # the key the function's own module reads; a file-scope list head keywords fill (keywordlists:
    # keepalived's `garp_delay`, from garp_group or vrrp_garp_interval) is one object, whoever fills it
    shared = target.kind == "var" and pool and all(e.op == "list_add" for _, e in pool)
    local = [o for o, _ in pool if fn is not None and fn.file in o.files and not shared]
    if not local and not shared and fn is not None and (users := index.users.get(fn.file)):
        # A file without the key (lighttpd's gw_backend.c, testing `hctx->conf.debug`) reads
        # the fields of the modules that call into it (mod_fastcgi.c, mod_proxy.c...), not
        # those of a field of the same name elsewhere (mod_simple_vhost.c's `debug`).
        local = [o for o, _ in pool if users & set(o.files)]
    # A keyword's handler testing the field the keyword fills reads it before (or after) its own
    # store (keepalived's `if (global_data->config_directory) { ... already specified ...}` in
    # config_copy_directory_handler): no test of whether the keyword is given.
    own = index.keyword_sides.get(fn.key, frozenset()) if fn is not None and not keep_own else frozenset()
    # a key the configuration reader gives a value itself (the rules' `given_by_default`) is
    # no requirement of a test of its field
    return sorted({o.name for o in (local or [o for o, _ in pool])} - own - index.given_by_default)


def cleared_local(e: CExpr, index: Index, fn: FunctionFacts | None) -> bool:
    """Whether the test reads a local of `fn` that is given 0 (or NULL) on some path: lighttpd's
    magnet_attract_array sets `scripts = NULL` in its switch's default and `event_handler =
    NULL` for "libev", so that `NULL == x` holds whatever the keys say."""
    if fn is None:
        return False
    sides = [e.left, e.right] if isinstance(e, Binary) and e.op in COMPARISONS else \
        [e.args[0]] if isinstance(e, Call) and e.args else [e]
    for side in sides:
        target = target_of(side)
        if target is not None and target.kind == "var":
            values = local_of(target.name, index, fn)
            if values and any(v is not None and integer_of(v) == 0 for v in values):
                return True
    return False


def local_of(name: str, index: Index, fn: FunctionFacts) -> tuple | None:
    """The values assigned to `name` if it is a local of `fn` (None for a global)."""
    return index.local_values.get((fn.file, fn.name), {}).get(name)


def _local_options(name: str, values: tuple, index: Index, fn: FunctionFacts, by_default: bool, depth: int) -> list[str]:
    """The options a local's value comes from: those of every value assigned to it, when each
    one reads an option (`const int debug_cond = r->conf.log_condition_handling;`) or is 0;
    none when one of them is a value of the run or another constant (the local then tells
    nothing of options). A 0 among them (`default: scripts = NULL;`) leaves only the positive
    reading (option_test). A local also given a value read through itself (a list walk's
    `d = d->next`) has none here: its test is a necessary condition only (null at the end of
    the walk whatever the list holds), read by optiontests."""
    names: set[str] = set()
    for value in values:
        if value is None or integer_of(value) == 0:
            continue  # declared without a value, or cleared: it does not make `if (x)` pass
        if (feature := feature_atom(value, *index.feature)) is not None:
            names.add(feature)  # `const int x = config_feature_bool(srv, "name", 0);` (analyze.features)
            continue
        if isinstance(value, Name) and value.ref == KEY_VALUE:
            names.update(value.name.split("|"))  # the value a key switch's case reads (options.find_locals)
            continue
        if read_through(value, name):
            return []  # a list walk: read by optiontests._necessary_only, non-null only when the list is filled
        if (bound := loop_bound(value)) is not None:
            # set in a counting loop's body: only when the bound is above 0 (`k <
            # p->conf.auth_require->used`: the key's list has entries)
            entries = isinstance(strip(bound), Member) and strip(bound).field == "used"
            found = value_options(target_of(bound), index, fn, by_default=not entries, depth=depth + 1)
            if not found:
                return []
            names.update(found)
            continue
        if (inner := target_of(value)) is not None and index.start_values.get(inner.name):
            return []  # non-zero before any option (a default list): the local tells nothing
        found = value_options(target_of(value), index, fn, by_default, depth + 1)
        if not found:
            return []
        names.update(found)
    return sorted(names)

def loop_bound(value: CExpr) -> CExpr | None:
    """The bound of the loop a constant was given in, as analyze.options._under_loops writes
    it (`k < bound && 1`; the innermost loop for nested ones), or None."""
    e = strip(value)
    while isinstance(e, Binary) and e.op == "&&" and isinstance(strip(e.right), Binary) and strip(e.right).op == "&&":
        e = strip(e.right)
    if not (isinstance(e, Binary) and e.op == "&&" and evaluate(e.right) not in (None, 0)):
        return None
    cond = strip(e.left)
    if isinstance(cond, Binary) and cond.op in ("<", "!=") and isinstance(strip(cond.left), Name):
        return cond.right
    return None


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
                if integer_of(arg) == 0:
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
    target = target_of(arg)
    if target is None:
        return []
    if target.kind == "field":
        return value_options(Target("field", target.name, owner=target.owner), index, caller)
    if target.kind == "param":
        return sorted(found.get((caller.key, target.name), ()))
    if target.kind == "var" and local_of(target.name, index, caller) is not None:
        return value_options(target, index, caller)  # a local holding an option's value
    return []


def read_through(value: CExpr, name: str) -> bool:
    """Whether `value` is a field reached through variable `name` (`d->next` for `d`)."""
    e = strip(value)
    if not isinstance(e, Member):
        return False
    while isinstance(e, (Member, Unary)):
        e = strip(e.base if isinstance(e, Member) else e.operand)
    return isinstance(e, Name) and e.name == name


def above_run_value(greater: CExpr, lesser: CExpr, index: Index, fn: FunctionFacts | None,
                    line: int) -> Requirement | None:
    """`srv->srvconf.max_conns > srv->max_fds / factor` (lighttpd's server.c): a value only
    options set (0 until then: no start value, and the files' text writes it only in the
    options' own cases or after the test in the test's file) above a value of the run, a limit
    or a size, taken as not negative: 0 is never above it, so the test
    needs one of those options (server.max-connections); None for any other test."""
    big = target_of(greater)
    if fn is None or not line or big is None or big.kind not in ("field", "var") or integer_of(greater) is not None \
            or integer_of(lesser) is not None or index.start_values.get(big.name):
        return None
    small = target_of(lesser)
    if small is not None and small.kind in ("field", "var") and value_options(small, index, fn, by_default=True):
        return None  # a value options set on both sides: either of them (the reading below)
    names = value_options(big, index, fn, by_default=True)
    if not names or any(x.mask for n in names for x in getattr(index.by_name.get(n), "effects", ())):
        return None
    homes = {f for n in names for f in getattr(index.by_name.get(n), "files", ())}
    cases = sum(1 for n in names for x in getattr(index.by_name.get(n), "effects", ()) if x.target.endswith(big.name))
    for file, lines in index.assigned.items():
        written = [n for n in lines.get(big.name, ()) if file != fn.file or n <= line]  # after the test: no matter
        if file in homes:
            cases -= len(written)  # the keys' own cases; more writes there: a default, maybe
        elif written:
            return None  # other code gives it a value before the test, maybe
    if cases < 0:
        return None
    return Requirement.any_of(Requirement.atom(n) for n in sorted(names))


def negated_key_test(e: CExpr, index: Index, fn: FunctionFacts | None, necessary: bool | None,
                     unknown: Requirement | None) -> Requirement | None:
    """A test of a field every key case writing it stores the key's value negated into
    (lighttpd's mod_staticfile.c: `pconf->pathinfo = (0 == cpv->v.u); /*(invert)*/` for
    static-file.disable-pathinfo): the field is 0 by default and with the key enabled, non-zero
    only with the key given off. So a test that it is non-zero (`pconf->pathinfo`, `!= 0`) needs
    the key given and nothing is sure of it; a test that it is 0 (`== 0`) needs nothing and
    surely holds without the key. `necessary`, `unknown`: optiontests.option_test's polarities
    (the test itself, when neither, is `unknown` or an atom the caller supplies). None for
    any other test."""
    zero = False
    if isinstance(e, Binary) and e.op in ("==", "!=") and 0 in (integer_of(e.left), integer_of(e.right)):
        zero, e = e.op == "==", strip(e.right if integer_of(e.left) == 0 else e.left)
    target = target_of(e)
    if fn is None or target is None or target.kind != "field":
        return None
    names = value_options(target, index, fn, by_default=False)
    files = {f for n in names if (o := index.by_name.get(n)) is not None for f in o.files}
    writes = [w for w in index.field_writes.get(target.name, ()) if w.file in files and not w.local
              and (w.file, w.function) in index.key_cases and any(g.kind == "case" for g in w.guards)]
    if not names or not writes or not all(_negation(w.value) for w in writes):
        return None
    given = Requirement.any_of(Requirement.atom(n) for n in names)
    if necessary is not None:
        return (Requirement.TRUE if necessary else ~given) if zero else (given if necessary else Requirement.FALSE)
    if unknown is None:
        return None
    return (~given | unknown) if zero else (given & unknown)


def _negation(value: CExpr | None) -> bool:
    """Whether `value` is a logical negation of a value of the run: `!x`, `0 == x`, `x == 0`."""
    value = strip(value) if value is not None else None
    if isinstance(value, Unary) and value.op == "!":
        return integer_of(value.operand) is None
    return isinstance(value, Binary) and value.op == "==" and (integer_of(value.left) == 0) != (integer_of(value.right) == 0)


def stored_after_loop(e: CExpr, index: Index, fn: FunctionFacts, line: int) -> bool:
    """Whether `e` tests a field the function calling getopt stored in after its option loop and
    before `line` (Index.after_loop: dnsmasq's `if (!daemon->domain_suffix)` after read_opts read
    resolv.conf's search line into it)."""
    stored = index.after_loop.get((fn.file, fn.name))
    if not stored:
        return False
    target = target_of(e if not (isinstance(e, Binary) and e.op in COMPARISONS) else
                       (e.left if target_of(e.left) is not None else e.right))
    return target is not None and target.kind == "field" and any(
        n < line and (not owner or not target.owner or owner == target.owner) for n, owner in stored.get(target.name, ()))


def walk_step(value: CExpr, name: str, index: Index, fn: FunctionFacts | None) -> bool:
    """Whether assigning `value` to the list walker `name` steps along the list: `d->next`, or a
    local only ever given that (`tmp = transfer->next; ... transfer = tmp`, dnsmasq's
    check_tftp_listeners, which may unlink the entry before stepping)."""
    if read_through(value, name):
        return True
    value = strip(value)
    if not (isinstance(value, Name) and value.ref == "var" and value.name != name and fn is not None):
        return False
    held = local_of(value.name, index, fn)
    return bool(held) and all(v is None or read_through(v, name) for v in held) \
        and any(v is not None for v in held)
