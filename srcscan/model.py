"""Per-file facts: what the extractors find in one parsed file, as plain picklable data.

These are what the per-file cache stores and what the whole-tree analyses read; the
catalog types live in catalog.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from srcscan.cexpr import CExpr
from srcscan.formats.template import Arg, Template
from srcscan.parse import Diagnostic, Node, SkippedRange
from srcscan.sym import Sym  # the log-setup facts' symbolic values

from srcscan.derivations import (PROCESS_DERIVATIONS, CallerGuard, DecidedByCallers, Derivation, FacilityInPriority,  # noqa: F401
                                 GuardAt, Inherited, InProcessWith, LoggedOnlyIf, NotBuilt, NotCalled, NotInProcess, Note,
                                 ProcessesFrom, ReachedBy, SeveralOptions, ThroughPointer, derivation_from_dict,
                                 derivation_to_dict)

if TYPE_CHECKING:
    from srcscan.requirement import Requirement
    from srcscan.rules import LogFunction


@dataclass(frozen=True)
class Guard:
    """One condition enclosing a piece of code.

    kind says which construct it comes from: "if" (then branch), "else", "case" (a switch
    label; `labels` holds the values), "default", "ternary", "and" (right operand of &&),
    "or" (right operand of ||), "loop" (loop body), "early-return" (code after
    `if (cond) return;`). `negated` is true when the code runs only while `cond` is false.

    `expr` is the condition as a typed C expression (srcscan.cexpr), what the analyses read;
    `cond` is its parser node, kept only until the last analysis reading nodes moves to `expr`.
    """

    kind: str
    cond: Node | None  # the condition expression (the switch expression for case/default)
    text: str  # the condition's source text as written
    line: int
    negated: bool = False
    labels: tuple[int | str, ...] = ()  # case values (integers, or label text when not constant)
    expr: CExpr | None = None  # `cond` as a typed expression

    def describe(self) -> str:
        if self.kind in ("case", "default"):
            what = ", ".join(map(_label_text, self.labels)) or "default"
            return f"switch ({self.text}) case {what}"
        if not self.negated:
            return self.text
        inner = self.text.strip()
        if inner.startswith("!(") and inner.endswith(")") and _balanced(inner[2:-1]):
            return inner[2:-1]  # `if (!(debug & 32)) return;` leaves `debug & 32`
        if inner.startswith("!") and _primary(inner[1:].strip()):
            return inner[1:].strip()  # `if (!IF_UP(p)) return;` leaves `IF_UP(p)`
        if inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]):
            return f"!{inner}"  # `if ((x = f())) ...; else` gives `!(x = f())`, not `!((x = f()))`
        return f"!({self.text})"


def _primary(text: str) -> bool:
    """A name, a member path or one call: `debug`, `vrrp->ifp`, `IF_UP(&local)`."""
    m = re.match(r"[A-Za-z_]\w*(?:(?:\.|->)[A-Za-z_]\w*)*", text)
    if not m:
        return False
    rest = text[m.end():]
    return not rest or (rest[0] == "(" and rest[-1] == ")" and _balanced(rest[1:-1]))


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _label_text(label: int | str) -> str:
    if isinstance(label, int) and 32 < label < 127:
        return repr(chr(label))
    return str(label)



@dataclass(frozen=True)
class CallSite:
    """One call expression inside a function body."""

    function: str  # enclosing function
    callee: str  # function called; for an indirect call, the field or variable called through
    indirect: str  # "" for a direct call; "field", "variable" or "parameter" for calls through pointers
    file: str  # tree-relative file holding the call (the .c file, or the header of an inline function)
    line: int  # line of the call expression (where a macro is used, not defined)
    col: int
    written: str  # the name written at the call site (a macro's name when the call comes from one)
    args: tuple[Arg, ...]
    arg_refs: tuple[tuple[str, ...], ...]  # per argument: functions named in it (address taken)
    guards: tuple[Guard, ...]  # enclosing conditions, outermost first
    text: str  # source text of the call as written
    exprs: tuple[CExpr, ...] = ()  # the arguments as typed C expressions (none for calls read from text)

    @property
    def key(self) -> "SiteKey":
        return SiteKey(self.file, self.function, self.line, self.col)


@dataclass(frozen=True)
class FunctionRef:
    """A function named without being called: its address is stored, passed or tabled."""

    function: str  # enclosing function ("" at file scope)
    target: str  # the function whose address is taken
    context: str  # "field" (stored into a struct field), "argument", "initializer", "variable", "other";
    #               "param_field": the function stores its parameter `target` into field `via`
    via: str  # field name, called function (with ":index" for an argument), or variable name
    file: str
    line: int
    guards: tuple[Guard, ...] = ()
    call: "SiteKey | None" = None  # context "argument": the key of the call it is an argument of (CallSite.key)


@dataclass(frozen=True)
class FunctionFacts:
    name: str
    file: str  # tree-relative file of the definition
    line: int
    static: bool  # internal linkage: the same name may be defined in other files
    params: tuple[str, ...]  # parameter names, in order
    variadic: bool
    calls: tuple[CallSite, ...]
    local_writes: tuple["LocalWrite", ...] = ()  # what it assigns to variables it passes to calls (extract/localtext)
    returns: tuple["Return", ...] = ()  # its return statements (analyze.nevernull)

    @property
    def key(self) -> str:
        """Identity in the call graph: file-qualified for static functions."""
        return f"{self.file}:{self.name}" if self.static else self.name


class Return(NamedTuple):
    """A `return` statement: the value (None for a bare `return;`) and the guards it runs under
    (an early `if (!mem) exit(1);` before it among them), without parser nodes."""

    line: int
    value: CExpr | None
    guards: tuple["Guard", ...]


class LocalWrite(NamedTuple):
    """`variable = value` (or its initializer) in a function, for a parameter or block-scope
    variable the function passes to a call: `source = "config"` under `flags & F_CONFIG`."""

    variable: str
    value: CExpr
    guards: tuple[Guard, ...]  # enclosing conditions, outermost first (without parser nodes)
    line: int
    col: int


@dataclass(frozen=True)
class OptionFacts:
    """What extract.options finds in one file: the command-line parser's pieces and the
    configuration key tables (shapes as written below; plain tuples and lists of str/int)."""

    long: list[tuple[str, int | None, int | None]]  # getopt_long rows: (name, value, has_arg)
    optstrings: list[str]  # getopt(3) option strings
    cases: list[tuple[Any, ...]]  # (labels, target, op, value text, value, inner) per assignment in a case
    keys: list[tuple[str, int, str]]  # (table, index, config key)
    key_fields: list[tuple[str, int, str, str, str]]  # (table or @function@switch, index, field, key a comment names, the field's struct: Node.owner)
    code_bits: list[tuple[Any, ...]]  # (code, bit, text) rows of option code tables
    markers: list[tuple[str, int]]  # (function, value) tested against around a bit-setting call
    key_cases: list[tuple[str, int, str]] = field(default_factory=list)  # (@function@switch line, label, key a comment names) of every key switch
    key_locals: list[tuple[str, int, str, int, str]] = field(default_factory=list)  # (@function@switch line, label, local, line, key a comment names) of a local given a value in a key switch's case
    key_aliases: list[tuple[str, int, int]] = field(default_factory=list)  # (@function@switch line, label, label it is read as after `cpv->k_id = N`)
    key_values: list[tuple[str, int, str, int]] = field(default_factory=list)  # (table, index, field, integer constant) of a key table's rows


@dataclass(frozen=True)
class LogSetupFacts:
    """What extract.logsetup finds in one file (extract_logsetup's docstring gives each
    field's shape): openlog/syslog calls, forks, values of locals, globals and tables,
    assignments in option cases and in children, strings built in buffers, objects holding
    function pointers, calls in skipped branches and writes found in the text."""

    openlog: list[tuple[str, str, int, Sym, Sym]]
    forks: list[tuple[str, str, int, str]]
    locals: dict[str, dict[str, list[Sym]]]
    tables: dict[str, list[list[tuple[str, int | str | None]]]]
    globals: dict[str, Sym]
    option_assigns: list[tuple[Any, ...]]
    const_assigns: list[tuple[str, str, int, str, Any]]
    syslog: list[tuple[str, str, int, Sym]]
    param_assigns: list[tuple[Any, ...]]
    strings: dict[str, Any]
    writes: dict[str, list[str]]
    global_values: list[tuple[str, Sym]]
    state_writes: list[tuple[str, str, int, str, Sym, tuple]]  # (..., the guards on a parameter written)
    zero_globals: list[str]
    text_writes: dict[str, list[int]]
    objects: dict[str, tuple[str, dict[str, Any]]]
    skipped_calls: tuple[list[tuple[str, int, str]], list[str]]
    derefs: list[tuple[str, str, int, str]] = field(default_factory=list)  # (function, file, line, global read through)
    pointer_tables: dict[str, tuple[str, int, list[list[tuple[str, str, int]]]]] = field(default_factory=dict)
    #         table -> (file, line, rows of (field, variable whose address the cell holds, line))


@dataclass(frozen=True)
class FileFacts:
    """The facts of one parsed file (one build profile): its functions with their calls,
    named function references, diagnostics, skipped ranges, included tree headers, and the
    facts of the option, log set-up and write extractors (None / () when it failed)."""

    path: str  # tree-relative .c file
    profile: str  # name of the build profile it was parsed with
    functions: tuple[FunctionFacts, ...]
    refs: tuple[FunctionRef, ...]
    diagnostics: tuple[Diagnostic, ...]
    skipped: tuple[SkippedRange, ...]
    includes: tuple[str, ...]  # tree headers the file included
    error: str | None = None  # the file could not be parsed (or crashed libclang)
    options: OptionFacts | None = field(default=None, compare=False)  # extract.options
    logsetup: LogSetupFacts | None = field(default=None, compare=False)  # extract.logsetup
    writes: tuple["Write", ...] = field(default=(), compare=False)  # extract.writes
    steps: tuple["Write", ...] = field(default=(), compare=False)  # extract.writes.extract_steps: `x++` of locals


class Write(NamedTuple):
    """A function's write to a file-scope variable or a struct field: `target` is the
    variable (`umask_cmdline`), the field's path from its variable (`conf.debug`) or, through
    a parameter or local, `.field`; `guarded` says whether a condition encloses it, `guards`
    which (for writes to global state: dnsmasq's `daemon->doing_dhcp6 = 1` under `if (context->flags &
    CONTEXT_DHCP)` in a walk of `daemon->dhcp6`)."""

    function: str
    file: str
    line: int
    target: str
    op: str  # "=", "|=", "&=", "+=", "-="; "decl" for a local's declaration
    value: CExpr | None  # None only for a local declared without an initializer
    text: str  # the value as printed
    guarded: bool = False
    local: bool = False  # `target` is a local variable of `function` (extract.writes)
    loops: tuple[CExpr, ...] = ()  # a local's write: the conditions of the counting loops around it, outermost first
    owner: str = ""  # a field's write: the struct the field belongs to (cexpr.Member.owner), "" when not known
    guards: tuple["Guard", ...] = ()  # enclosing conditions, outermost first (without parser nodes)
    base: str = ""  # a `.field` write: the parameter or local it goes through (`fresh` of `fresh->debug = 1`)
    param: bool = False  # `target` is a parameter of `function` assigned in it (with local=True; extract.writes)


class SiteKey(NamedTuple):
    """The identity of one call site within a tree: file of the call, enclosing function,
    line and column of the call expression (the column is 0 for a call read from text).
    Every analysis answers per SiteKey; messages are assembled from sites and those answers,
    never joined by line."""

    file: str
    function: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col} in {self.function}()"


@dataclass(frozen=True)
class LogSite:
    """One call of a log function: the unit that messages, requirements, processes and
    facilities are computed for.

    `function_key` is the enclosing function's node in the call graph (file-qualified when
    static); `extracted` is "parse" or "text" (read from the text of a branch no parse holds).
    `alternates`: the same call (same SiteKey) as another build profile's parse saw it, with
    other arguments (an `#ifdef` inside the argument list: keepalived's check_http.c
    `"... start_offset %zu" #ifdef _WITH_REGEX_TIMERS_ ", num_match_calls %u" #endif`) or
    reaching another log function (lighttpd's mod_mbedtls.c `elog`, a function in one
    profile and a macro calling log_error in another), with that call's log function; each
    gives its own texts."""

    call: CallSite
    log_function: "LogFunction"
    function_key: str
    extracted: str = "parse"
    alternates: tuple[tuple[CallSite, "LogFunction"], ...] = ()

    @property
    def key(self) -> SiteKey:
        return self.call.key


@dataclass(frozen=True)
class MessageText:
    """One text a site can write (analyze.sites.site_texts): its template, the format as
    written for printf calls, the priority (a LOG_* name, or the expression text when not a
    constant), the line the daemon prints (the `__LINE__` argument's value, else the call's),
    and the function called, as reached and as written. `producers`: for a text of a rules'
    text builder (analyze.builttext) or of a helper writing its callers' constants
    (analyze.constants.expand_helper_constants), the calls whose arguments select this text
    (their SiteKeys); empty for any other text, which every call of its function writes."""

    template: Template
    format: str
    priority: str
    line: int
    callee: str  # the log function the call reaches (one build profile's macro may make it another)
    written: str  # the name written at the call
    producers: tuple["SiteKey", ...] = ()
    # for a helper's text: (producer, test, negated) where that producer's argument selects the
    # text only one way of a choice `test ? "a" : "b"` (analyze.constants)
    choices: tuple[tuple["SiteKey", CExpr, bool], ...] = ()


@dataclass(frozen=True)
class RequirementAnswer:
    """What the requirements analysis says of one site: the options it needs, why (derivations:
    GuardAt, Inherited, ThroughPointer, SeveralOptions, LoggedOnlyIf, DecidedByCallers) and what
    srcscan could not decide, each with where and why."""

    requirement: "Requirement"
    derivation: tuple["Derivation", ...]
    uncertain: tuple[str, ...] = ()
    logged_only_if: "Requirement | None" = None  # options the log function writes anything under (`!-t`); None: any
    # A text builder's site: per text (by its template), the answer for that text alone, which
    # the calls selecting it narrow (analyze.callneeds.text_answers); other texts take the above.
    texts: tuple[tuple["Template", "RequirementAnswer"], ...] = ()
    # The calls (file, line), at any depth above the site's function, whose arguments make the log
    # function's own test (conf_write's `fp`) fail on the way down (Conditions.deciding_tree; only for
    # a log function with such a test): a process reaching the site only through them does not write it.
    silent_calls: frozenset[tuple[str, int]] = frozenset()

    def for_text(self, template: "Template") -> "RequirementAnswer":
        """The answer for one text of the site: its own when the site has per-text answers."""
        for t, answer in self.texts:
            if t == template:
                return answer
        return self


@dataclass(frozen=True)
class ProcessAnswer:
    """Where one call site's message goes (analyze.process_answers).

    processes: names of the process table's processes that can run the call; facility: the
    syslog facilities it is written under with the options given ("errorlog" for a daemon
    whose log functions write to a file); facility_with: (option, facility that option gives);
    derivation: why, as data (ReachedBy, InProcessWith, NotInProcess, ProcessesFrom,
    FacilityInPriority); never: why the call can never run (its function is only stored in
    fields that no call can run it through), "" when one may: such a site is no message."""

    processes: tuple[str, ...]
    facility: tuple[str, ...]
    facility_with: tuple[tuple[str, str], ...]
    derivation: tuple["Derivation", ...] = ()
    never: str = ""
    # A site whose callers select its text: per text (by its template), the answer for that text
    # alone, without the processes running no selecting call (analyze.textprocs); other texts take the above.
    texts: tuple[tuple["Template", "ProcessAnswer"], ...] = ()

    def for_text(self, template: "Template") -> "ProcessAnswer":
        """The answer for one text of the site: its own when the site has per-text answers."""
        for t, answer in self.texts:
            if t == template:
                return answer
        return self
