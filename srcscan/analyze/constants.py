"""Message text that sits in arguments: choices, configure-time macros and helpers' callers.

The catalog's text is what the daemon writes. Three C idioms put that text outside the
format string:

    log_message(LOG_WARNING, "%s", full ? "limit reached" : "out of fds");  /* two messages */
    log_message(LOG_INFO, "Starting " VERSION_STRING);                        /* Starting %s */
    static void log_options(const char *what, const char *value)
    { log_message(LOG_INFO, "%s: %s", what, value); }
    log_options("Build options", "none");                                     /* Build options: none */

A choice between literals gives one variant of the call per alternative. A macro that the
rules' stub headers define stands in for `configure`'s output: its value there is a
placeholder, so the catalog shows a hole named after the macro (unless the macro is part
of a conversion, `"%" PRI_time_t`, where the stub's value is the right one). A function
that is not a log function but puts its own string parameters into its message gets one
variant per set of constants its callers pass (the message stays at the helper's call,
the line the daemon prints); a caller passing something else keeps the hole.

Pure: call sites, facts and rules in, call sites and messages out.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import replace
from typing import Iterable

from srcscan.cexpr import Cond, Name, evaluate, render, strip, substitute, walk
from srcscan.formats.template import Arg, Hole, Template, merge_parts
from srcscan.model import CallSite, FunctionFacts, Guard, LogSite, MessageText, SiteKey
from srcscan.rules import Rules

# More variants than this from one call are not a choice between texts but a table: keep holes.
MAX_VARIANTS = 32
_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)\s", re.M)
# Text before a macro that leaves a printf conversion open: `"%" PRI_time_t`, `"%-10" PRIu64`.
_OPEN_CONVERSION = re.compile(r"%[-+ #0'I]*(?:\d+|\*)?(?:\.\d*)?(?:hh|h|ll|l|L|q|j|z|Z|t)?$")


def configure_macros(rules: Rules) -> frozenset[str]:
    """Macros the rules' stub headers define: values `configure` would write (config.h),
    unknown to srcscan (source: the rules file's `stub_headers` of every profile), and the
    compiler's string macros of the build (BUILD_MACROS)."""
    return frozenset(name for profile in rules.profiles for _, text in profile.stub_headers
                     for name in _DEFINE.findall(text)) | BUILD_MACROS


# The compiler's own string macros: their value is the build's, not the analysed tree's
# (`__FILE__` is the path the build gave the compiler, not srcscan's absolute path).
BUILD_MACROS = frozenset({"__FILE__", "__DATE__", "__TIME__", "__TIMESTAMP__", "__BASE_FILE__"})


def call_variants(call: CallSite, unknown: frozenset[str]) -> list[CallSite]:
    """The call once per combination of its arguments' literal choices, configure-time
    macros marked unknown in every literal. One call (itself) when no argument chooses."""
    args = tuple(mark_unknown(a, unknown) for a in call.args)
    # Arguments chosen by one condition (`f ? " (" : "", f ? f : "", f ? ")" : ""`) go together.
    groups: dict[tuple[str, int], list[int]] = {}
    for i, a in enumerate(args):
        groups.setdefault((a.choice_of, len(a.choices)) if a.choices and a.choice_of else ("", -i - 1), []).append(i)
    options = [list(zip(*(args[i].choices or (args[i],) for i in members))) for members in groups.values()]
    combinations = 1
    for o in options:
        combinations *= len(o)
    if combinations == 1 or combinations > MAX_VARIANTS:
        return [replace(call, args=args)] if args != call.args else [call]
    variants = []
    for combo in itertools.product(*options):
        chosen = list(args)
        for members, values in zip(groups.values(), combo):
            for i, value in zip(members, values):
                chosen[i] = value
        variants.append(replace(call, args=tuple(chosen)))
    return variants


def chosen_ways(call: CallSite, variants: list[CallSite], unknown: frozenset[str]) -> tuple[Guard, ...]:
    """The tests of `call`'s choices `cond ? "a" : "b"` that every one of `variants` (of
    call_variants) takes the same way, as guards ("ternary", negated for the second way):
    keepalived's `is_realloc ? "realloc" : "free"` gives the text "realloc ..." only under
    `is_realloc`, which a helper's callers pass (_rules_out reads it with their arguments)."""
    ways = None
    for v in variants:
        taken = set()
        for i, a in enumerate(call.args):
            if len(a.choices) == 2 and i < len(v.args):
                way = _choice(call, i, v.args[i], mark_unknown(a, unknown).choices)
                if way is not None:
                    taken.add(way)
        ways = taken if ways is None else ways & taken
    return tuple(Guard("ternary", None, render(test), call.line, negated, expr=test)
                 for test, negated in sorted(ways or (), key=lambda w: (render(w[0]), w[1])))


def mark_unknown(arg: Arg, unknown: frozenset[str]) -> Arg:
    """`arg` with the pieces of its literal that come from configure-time macros set to None
    (and its `string` the literal as written, macro names in place); its choices likewise."""
    if arg.choices:
        choices = tuple(mark_unknown(c, unknown) for c in arg.choices)
        return arg if choices == arg.choices else replace(arg, choices=choices)
    if not arg.pieces or not unknown:
        return arg
    pieces, before = [], ""
    for value, name in arg.pieces:
        if name in unknown and value is not None and not _OPEN_CONVERSION.search(before.replace("%%", "")):
            pieces.append((None, name))
        else:
            pieces.append((value, name))
        before += value or ""
    if all(p[0] is not None for p in pieces):
        return arg
    return replace(arg, string="".join(name if value is None else value for value, name in pieces),
                   pieces=tuple(pieces))


def expand_helper_constants(texts: list[tuple[LogSite, MessageText]], functions: Iterable[FunctionFacts],
                            is_log_function, pointed: frozenset[str] = frozenset()) -> list[tuple[LogSite, MessageText]]:
    """(site, text) pairs whose string holes are their function's parameters, once per set of
    constants the function's callers pass (`log_options("Build options", "none")`). A caller passing
    one of its own parameters on is followed to its callers in turn, up to HELPER_DEPTH
    levels (keepalived 2.3.3: `check_valid_nftables_chain_name(name, log_name)` hands its
    `log_name` to the helper that logs, and its callers pass the constants).

    `is_log_function(file, name)` tells the functions whose calls are messages themselves
    (their callers' calls are already expanded there). A text stays as it is when no
    caller passes a constant for its parameters. Each text names the calls passing its
    constants (MessageText.producers, the one up the callers that wrote them all): the
    requirements analysis narrows the text's answer to what one of them needs (dnsmasq's
    log_packet("PXE", ...) only under daemon->enable_pxe), and the one way of a choice in a
    call's argument that selects it (MessageText.choices: `rapid_commit ? "NOANSWER" : "DHCPNAK"`). A text with a hole its callers
    leave open names none when the helper, or a function its parameter is followed through,
    is among `pointed` (functions whose address is taken: calls srcscan does not see may
    write that text too). A text only calls whose constant arguments fail the log call's own
    test of a parameter select is none (_rules_out: `if (errh)` with errh NULL)."""
    functions = list(functions)
    files = {fn.file for fn in functions}
    # A name defined twice in one file (keepalived's vrrp_iptables_handler(), once under
    # #ifdef _WITH_IPTABLES_ and once as an empty stub): each definition keeps its calls.
    by_key: dict[tuple[str, str], list[FunctionFacts]] = defaultdict(list)
    callers: dict[str, list[tuple[FunctionFacts, CallSite]]] = defaultdict(list)
    for fn in functions:
        by_key[(fn.file, fn.name)].append(fn)
        for call in fn.calls:
            if not call.indirect:
                callers[call.callee].append((fn, call))

    def calls_of(fn: FunctionFacts) -> list[tuple[FunctionFacts, CallSite]]:
        return [(g, c) for g, c in callers[fn.name] if not fn.static or g.file == fn.file]

    # a macro calling other functions elsewhere (keepalived's FREE(): free() in the base build,
    # keepalived_free() in a _MEM_CHECK_ build): its uses parsed as calls of the others are
    # calls of this helper in another build, passing values srcscan does not see
    macro_callees: dict[str, set[str]] = defaultdict(set)
    for fn in functions:
        for call in fn.calls:
            if call.written != call.callee:
                macro_callees[call.written].add(call.callee)

    def unseen_calls(g: FunctionFacts) -> bool:
        return any(c.written != c.callee and len(macro_callees[c.written]) > 1 for _, c in calls_of(g))

    def own(arg: Arg | None, call: CallSite) -> list[tuple[Arg | None, SiteKey | None]]:
        """What `arg` of `call` can be when not followed up: its literal or choices (None: unknown)."""
        if arg is None or _build_value(arg, files):
            return [(None, call.key)]  # `__FILE__` handed down by a MALLOC() macro: the build's path, not a constant
        return [(a, call.key) for a in arg.choices or (arg,)]

    def follows(g: FunctionFacts, arg: Arg | None, depth: int) -> bool:
        """Is `arg` (of a call in g) g's own parameter, to be read at g's callers?"""
        return (arg is not None and not _build_value(arg, files) and arg.string is None and not arg.choices
                and arg.text in g.params and depth < HELPER_DEPTH and not is_log_function(g.file, g.name)
                and bool(calls_of(g)))

    def passed(g: FunctionFacts, args: list[Arg | None], depth: int, call: CallSite) -> list[tuple]:
        """What `args` of `call` (a call in g) can be together, one tuple (per argument: Arg or
        None, the call writing it, None when the value went through a function calls srcscan does
        not see may call) per way: g's own parameters followed to each of g's callers (up to
        HELPER_DEPTH), the values one caller passes going together (the `file` and `__func__`
        of one FREE() call, never one call's file with another's function)."""
        up = [i for i, a in enumerate(args) if follows(g, a, depth)]
        here = [own(a, call) for a in args]
        if not up:
            return list(itertools.product(*here))
        index = [g.params.index(args[i].text) for i in up]
        out = []
        for h, c in calls_of(g):
            for values in passed(h, [c.args[k] if k < len(c.args) else None for k in index], depth + 1, c):
                given = dict(zip(up, ((a, None if g.name in pointed else key) for a, key in values)))
                out.extend(itertools.product(*([given[i]] if i in given else here[i] for i in range(len(args)))))
        if unseen_calls(g):  # what the macro's other uses pass: a hole left open, no call to name
            out.extend(itertools.product(*([(None, None)] if i in up else here[i] for i in range(len(args)))))
        return out

    out: list[tuple[LogSite, MessageText]] = []
    for site, m in texts:
        call = site.call
        defined = [f for f in by_key.get((call.file, call.function), ()) if f.line <= call.line]
        fn = max(defined, key=lambda f: f.line) if defined else None
        if fn is None or m.template.dynamic or is_log_function(fn.file, fn.name):
            out.append((site, m))
            continue
        nonnull = _tested_set(call.guards, fn)
        variants = _helper_variants(m, fn, calls_of(fn), passed, fn.name in pointed, nonnull)
        kept = [(g, c) for g, c in calls_of(fn) if not _rules_out(c, fn, call.guards)]
        if kept and len(kept) < len(calls_of(fn)):  # a text only calls ruling the log call out select is none
            written = {t.template for t in _helper_variants(m, fn, kept, passed, fn.name in pointed, nonnull)}
            variants = [t for t in variants if t.template in written] or variants
        out.extend((site, t) for t in variants)
    return out


def _rules_out(call: CallSite, fn: FunctionFacts, guards) -> bool:
    """Do `call`'s constant arguments make one of the log call's guards on fn's parameters fail?
    lighttpd's fdevent_load_file() logs only `if (errh)`, and config_parse_file_stream() calls it
    with errh NULL: the texts its file names select are never written. Only a text no other call
    selects is left out; a text other calls select keeps all its producers (their needs are
    not narrowed here)."""
    values = dict(zip(fn.params, call.exprs))
    for g in guards:
        if g.expr is None or g.kind in ("case", "default") or not any(
                isinstance(x, Name) and x.ref == "param" and x.name in fn.params for x in walk(g.expr)):
            continue
        held = evaluate(substitute(g.expr, values))
        if held is not None and bool(held) == g.negated:
            return True
    return False


# Levels of callers followed for a helper's constants (a parameter passed on counts one).
HELPER_DEPTH = 3


def _tested_set(guards, fn: FunctionFacts) -> frozenset[str]:
    """fn's parameters a text's way of a choice needs set (`string ? string : ""`, its first way)."""
    return frozenset(e.name for g in guards if g.kind == "ternary" and not g.negated and g.expr is not None
                     and isinstance(e := strip(g.expr), Name) and e.ref == "param" and e.name in fn.params)


def _null(arg: Arg | None) -> bool:
    """Is `arg` a null pointer constant (`NULL`, `0`)?"""
    return arg is not None and arg.string is None and not arg.choices and (
        arg.integer == 0 or arg.text.strip("() ") in ("NULL", "void *)0", "void*)0"))


def _helper_variants(m: MessageText, fn: FunctionFacts, calls: list[tuple[FunctionFacts, CallSite]],
                     passed, pointed: bool, nonnull: frozenset[str] = frozenset()) -> list[MessageText]:
    holes = [i for i, p in enumerate(m.template.parts) if isinstance(p, Hole) and p.kind == "str" and p.arg in fn.params]
    if not holes or not calls:
        return [m]
    templates: dict[Template, list[SiteKey] | None] = {}  # text -> the calls whose constants select it
    chosen: dict[Template, dict[SiteKey, set]] = defaultdict(lambda: defaultdict(set))  # -> call -> (test, negated)
    for g, call in calls:  # the holes filled by one call choose together
        indices = [fn.params.index(m.template.parts[i].arg) for i in holes]
        for combo in passed(g, [call.args[k] if k < len(call.args) else None for k in indices], 1, call):
            if any(m.template.parts[i].arg in nonnull and _null(arg) for i, (arg, _) in zip(holes, combo)):
                continue  # NULL handed up the callers for a parameter this text's way needs set
            template = _filled(m.template, holes, combo)
            way = frozenset(c for i, (arg, key) in zip(holes, combo) if key == call.key
                            and (c := _choice(call, fn.params.index(m.template.parts[i].arg), arg)) is not None)
            chosen[template][call.key].add(way)  # the choices of this call that give the text
            producers = templates.setdefault(template, [])
            keys = tuple(key for _, key in combo)
            open_hole = any(arg is None or arg.string is None or arg.unknown_macros or m.template.parts[i].spec not in ("%s", "")
                            for i, (arg, _) in zip(holes, combo))
            if producers is None or (open_hole and (pointed or None in keys)):
                # a hole left open: calls srcscan does not see (through a pointer) write it too
                templates[template] = None
            else:  # the holes' constants come from one call each; a text needs them all written
                producers.append(_innermost(keys, call.key))
            if len(templates) > MAX_VARIANTS:
                return [m]
    if list(templates) == [m.template]:
        return [m]
    return [replace(m, template=t, producers=tuple(dict.fromkeys(keys or ())),
                    choices=_one_way(chosen[t], keys or ())) for t, keys in templates.items()]


def _filled(template: Template, holes: list[int], combo) -> Template:
    """`template` with its `holes` filled by the literals of `combo` ((Arg or None, call) per hole)."""
    parts = list(template.parts)
    for i, (arg, _) in zip(holes, combo):
        if arg is not None and arg.string is not None and not arg.unknown_macros and template.parts[i].spec in ("%s", ""):
            parts[i] = arg.string
    return Template(merge_parts(parts))


def _choice(call: CallSite, index: int, arg: Arg | None, choices: tuple[Arg, ...] | None = None) -> tuple | None:
    """(the test, whether negated) of the choice `cond ? "a" : "b"` in `call`'s argument `index`
    that gives `arg` (one of `choices`, the argument's own unless given); None for an argument
    that is no such choice."""
    if arg is None or index >= len(call.args) or index >= len(call.exprs) or len(call.args[index].choices) != 2:
        return None
    e = strip(call.exprs[index])
    if not isinstance(e, Cond):
        return None
    yes, no = choices or call.args[index].choices
    return (e.test, False) if arg == yes and arg != no else (e.test, True) if arg == no and arg != yes else None


def _one_way(chosen: dict, producers) -> tuple:
    """(call, test, negated) for each producer whose arguments select the text only one way of
    one choice (dnsmasq's `rapid_commit ? "NOANSWER" : "DHCPNAK"`: NOANSWER only under `rapid_commit`)."""
    out = []
    for key in dict.fromkeys(producers):
        ways = chosen.get(key, set())
        if len(ways) == 1 and len(next(iter(ways))) == 1:
            ((test, negated),) = next(iter(ways))
            out.append((key, test, negated))
    return tuple(out)


def _innermost(keys: tuple[SiteKey, ...], call: SiteKey) -> SiteKey:
    """The call to name as a text's producer: the one call up the callers that wrote all its
    constants (`keys`), else the helper's direct caller `call` (every text's calls pass it)."""
    return keys[0] if len(set(keys)) == 1 and keys[0] is not None else call


def _build_value(arg: Arg, files: set[str]) -> bool:
    """Is `arg` a value of the build rather than a constant of the tree (`__FILE__`, also as
    the path it expands to)?"""
    return (arg.text.strip("() ") in BUILD_MACROS or any(name in BUILD_MACROS for _, name in arg.pieces)
            or _source_path(arg.string, files))


def _source_path(value: str | None, files: set[str]) -> bool:
    """Is a string constant the path of one of the tree's files (what `__FILE__` expands to,
    also inside a macro such as keepalived's `MALLOC(n)`, where the argument's text is the
    macro's)?"""
    if not value or not value.startswith("/"):
        return False
    parts = value.split("/")
    return any("/".join(parts[i:]) in files for i in range(1, len(parts)))
