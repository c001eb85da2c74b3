"""The catalog: every message of a release, with identity keys and a JSON round trip.

Assembles FileFacts and the results of the analyses into a Catalog; knows nothing about
git, caches or Markdown. No timestamps and every collection sorted, so that two runs over
the same tree give byte-identical output.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterable, Mapping

from srcscan import __version__
from srcscan.cexpr import Const, Name, Other, walk
from srcscan.formats.template import Template, render_normal, template_from_dict, template_to_dict
from srcscan.model import (CallSite, Derivation, FileFacts, FunctionFacts, Guard, LogSite, MessageText, ProcessAnswer,
                           ProcessesFrom, ReachedBy, RequirementAnswer, SiteKey,
                           derivation_from_dict, derivation_to_dict)
from srcscan.rules import LogFunction, Rules
from srcscan.rules.schema import FacilityBits
from srcscan.sections import Sections
from srcscan.sources import Provenance

SCHEMA = "srcscan.catalog/1"


@dataclass(frozen=True)
class Message:
    """One call site that can write a log message."""

    id: str  # stable across releases: hash of file, function and template (not the line)
    file: str  # tree-relative file of the call
    line: int  # line of the call (lighttpd: the __LINE__ it prints)
    function: str  # enclosing function
    call: str  # log function called (after macro expansion)
    written: str  # name written at the call site (differs from call when a macro wraps it)
    priority: str  # LOG_* name, or the expression text when not a constant
    format: str  # template as a printf format, as written in the source for printf calls
    template: Template  # literal text and typed holes
    dynamic: bool  # the format is not a literal
    conditions: tuple[str, ...]  # enclosing conditions as written, outermost first
    requires: tuple[tuple[str, ...], ...] = ()  # alternatives of option atoms (DNF); () = default options
    requires_formula: str = ""  # the requirement as a formula (srcscan.requirement), "" = default options
    derivation: tuple[Derivation, ...] = ()  # how `requires` was derived (guards, inheritance, pointers)
    uncertain: tuple[str, ...] = ()  # what srcscan could not decide about `requires`, each with where and why
    # the options under which its log function writes anything at all (keepalived's vlog_message
    # returns at once under -t: [["!-t"]]), alternatives of atoms as `requires`; () = any. Not in
    # `requires`, since it holds for every message of that function; `--with` reads both.
    logged_only_if: tuple[tuple[str, ...], ...] = ()
    processes: tuple[str, ...] = ()  # processes that can emit it
    facility: tuple[str, ...] = ()  # syslog facilities (or "errorlog") under default options
    facility_with: tuple[tuple[str, str], ...] = ()  # (option, facility it gives)
    build: str = ""  # preprocessor condition around the call ("" when unconditional)
    extracted: str = "parse"  # "text": no parse holds the call (a branch this machine's headers rule out)
    # named constants of `conditions` with their values (enumerators, macros), sorted: what
    # compares `service_type == 0` with `service_type == IPPROTO_IP`; in the JSON when some
    constants: tuple[tuple[str, int], ...] = ()

    def identity_key(self) -> tuple[str, str, str]:
        return (self.file, self.function, render_normal(self.template))


@dataclass(frozen=True)
class FileReport:
    path: str
    errors: int  # error and fatal diagnostics
    warnings: int
    failed: str | None = None  # why the file could not be parsed at all
    first_error: str = ""  # the first error message, to tell what went wrong


@dataclass(frozen=True)
class OpenlogCall:
    file: str
    line: int
    function: str
    ident: str  # argument texts as written
    option: str
    facility: str


@dataclass(frozen=True)
class Catalog:
    project: str
    version: str | None
    provenance: Provenance
    rules_sha256: str
    srcscan_version: str
    files: tuple[FileReport, ...]
    log_functions: tuple[LogFunction, ...]  # declared and inferred
    openlog: tuple[OpenlogCall, ...]
    messages: tuple[Message, ...]
    sections: Sections = field(default_factory=Sections)  # options, processes, coverage...
    schema: str = SCHEMA


# ---------------------------------------------------------------------------- assembly

def all_functions(files: tuple[FileFacts, ...]) -> list[FunctionFacts]:
    """Function definitions, once each (inline functions of headers appear in many files).

    A function parsed in several build profiles keeps the first parse's calls plus the
    calls only another profile's parse saw: one call site seen in two profiles is one call,
    also when a profile's macro makes it call another function (lighttpd's `log_serror`,
    `#define log_serror log_perror` except on _WIN32): same place, name and arguments."""
    seen: dict[tuple[str, str, int], FunctionFacts] = {}
    sites: dict[tuple[str, str, int], set[tuple[str, int, int, str]]] = {}
    parses: dict[tuple[str, str, int], int] = {}
    for facts in files:
        for fn in facts.functions:
            key = (fn.file, fn.name, fn.line)
            parses[key] = parses.get(key, 0) + 1
            if key not in seen:
                seen[key], sites[key] = fn, {_site_key(c) for c in fn.calls}
                continue
            new = tuple(c for c in fn.calls if _site_key(c) not in sites[key])
            if new:
                seen[key] = replace(seen[key], calls=seen[key].calls + new)
                sites[key].update(_site_key(c) for c in new)
    return [with_typed_twins(seen[k]) if parses[k] > 1 else seen[k] for k in sorted(seen)]


def with_typed_twins(fn: FunctionFacts) -> FunctionFacts:
    """`fn` (its calls merged from several build profiles' parses, all_functions) with each
    guard that one parse kept only as text (an Other: clang could not type a part, a
    platform's header being absent from the machine) read as another parse of the same
    function types the same condition, at the same line with the same text, when those
    parses agree. lighttpd 1.4.85's network.c:510 `AF_UNIX == family`, AF_UNIX coming from
    <winsock2.h> in the _WIN32 build: the _WIN32 call at network.c:533 reads the test as the
    default build does (AF_UNIX 1), as network.c:543 does. The constants are then the typing
    build's, as the rules' values for them are (`[[config.parsed]]` families are Linux's)."""
    typed: dict[tuple[int, str], list[Guard]] = {}
    for call in fn.calls:
        for g in call.guards:
            if g.expr is not None and not isinstance(g.expr, Other):
                typed.setdefault((g.line, g.text), []).append(g)
    if not typed:
        return fn

    def twin(g: Guard) -> Guard:
        found = typed.get((g.line, g.text), []) if isinstance(g.expr, Other) else []
        if not found or any(t.expr != found[0].expr for t in found):
            return g
        return replace(g, cond=found[0].cond, expr=found[0].expr)

    calls = tuple(replace(c, guards=tuple(map(twin, c.guards))) if any(isinstance(g.expr, Other) for g in c.guards)
                  else c for c in fn.calls)
    return replace(fn, calls=calls)


def _site_key(call: CallSite) -> tuple[str, int, int, str, tuple[str, ...]]:
    return (call.file, call.line, call.col, call.written, tuple(a.text for a in call.args))


# A site no call path from a process start reaches (its processes taken from the rest of its
# file): "appears by default" would be a guess. lighttpd 1.4.45's modules, registered through
# plugin tables srcscan did not follow, gave 250 such rows; keepalived's __assert_fail is
# called by the C library's assert().
UNREACHED_NOTE = ("no call path from the program's start to {function}() was found (it may run through a function "
                  "pointer, a table, the C library or a macro of another build, which srcscan does not follow here): "
                  "what it needs is not known")


def _no_path(derivation: tuple[Derivation, ...]) -> bool:
    """Whether the processes analysis found no call path to the site: no ReachedBy, and its
    processes taken from the rest of its file."""
    return not any(isinstance(d, ReachedBy) for d in derivation) and \
        any(isinstance(d, ProcessesFrom) and d.kind == "file" for d in derivation)

def assemble(sites: Iterable[LogSite], texts: Mapping[SiteKey, tuple[MessageText, ...]],
             build: Mapping[SiteKey, str], requirements: Mapping[SiteKey, RequirementAnswer],
             processes: Mapping[SiteKey, ProcessAnswer]) -> list[Message]:
    """The messages, built once from the sites and the analyses' answers keyed by SiteKey:
    one per text of each site (analyze.sites.site_texts), its build condition, requirement
    (as DNF alternatives and as a formula), processes and facilities. A site an analysis has
    no answer for gets that analysis' default (no condition, default options, no process); a
    site no process can ever run (ProcessAnswer.never) gives no message.

    ids: assign_ids over the parsed sites' messages, then over those read from the text,
    whose id gets a `+` while it equals one already given (a parse's copy of the same text)."""
    parsed: list[Message] = []
    from_text: list[Message] = []
    for site in sites:
        call, key = site.call, site.key
        answer = requirements.get(key)
        where = processes.get(key)
        if where is not None and where.never:
            continue  # no process can ever run it (the processes section lists it as unreachable)
        for text in texts.get(key, ()):
            m = Message(
                id="",
                file=call.file,
                line=text.line,
                function=call.function,
                call=text.callee,
                written=text.written,
                priority=text.priority,
                format=text.format,
                template=text.template,
                dynamic=text.template.dynamic,
                conditions=tuple(g.describe() for g in call.guards),
                constants=guard_constants(call.guards),
                build=build.get(key, ""),
                extracted=site.extracted,
            )
            if answer is not None:
                own = answer.for_text(text.template)  # a text builder's text: what its calls need
                r = own.requirement
                m = replace(m, requires=r.alternatives(), requires_formula="" if r.is_true else str(r),
                            derivation=own.derivation, uncertain=own.uncertain,
                            logged_only_if=own.logged_only_if.alternatives() if own.logged_only_if else ())
            if where is not None:
                own_where = where.for_text(text.template)  # a text only some processes' calls select
                m = replace(m, processes=own_where.processes, facility=own_where.facility,
                            facility_with=own_where.facility_with, derivation=m.derivation + own_where.derivation)
                if answer is not None and not m.requires and not m.uncertain and _no_path(own_where.derivation):
                    m = replace(m, uncertain=(UNREACHED_NOTE.format(function=call.function),))
            (parsed if site.extracted == "parse" else from_text).append(m)
    messages = assign_ids(parsed)
    ids = {m.id for m in messages}
    for m in assign_ids(from_text):
        while m.id in ids:
            m = replace(m, id=m.id + "+")
        ids.add(m.id)
        messages.append(m)
    return messages


def guard_constants(guards: Iterable[Any]) -> tuple[tuple[str, int], ...]:
    """The named constants in guards' typed expressions (srcscan.cexpr) with their values:
    enumerators the parse gave a value (`IPPROTO_IP` 0, from the system's netinet/in.h) and
    macros standing for a constant (`Const` keeping the name written), sorted by name."""
    found: dict[str, int] = {}
    for g in guards:
        if getattr(g, "expr", None) is None:
            continue
        for e in walk(g.expr):
            if isinstance(e, Name) and e.ref == "enum" and e.value is not None:
                found[e.name] = e.value
            elif isinstance(e, Const) and e.value is not None and e.text.isidentifier():
                found[e.text] = e.value
    return tuple(sorted(found.items()))


def assign_ids(messages: list[Message]) -> list[Message]:
    """ids from (file, function, template); repeats of one key get #2, #3 in line order."""
    out, seen = [], {}
    for m in sorted(messages, key=lambda m: (m.file, m.line, m.function, m.format)):
        base = hashlib.sha256("\0".join(m.identity_key()).encode()).hexdigest()[:12]
        n = seen[base] = seen.get(base, 0) + 1
        out.append(replace(m, id=base if n == 1 else f"{base}#{n}"))
    return out


def file_reports(files: tuple[FileFacts, ...]) -> tuple[FileReport, ...]:
    reports = []
    for f in files:
        errors = [d for d in f.diagnostics if d.severity >= 3]
        reports.append(FileReport(
            path=f.path,
            errors=len(errors),
            warnings=sum(1 for d in f.diagnostics if d.severity == 2),
            failed=f.error,
            first_error=f"{errors[0].file}:{errors[0].line}: {errors[0].message}" if errors else "",
        ))
    return tuple(reports)


def openlog_calls(functions: list[FunctionFacts]) -> tuple[OpenlogCall, ...]:
    found = []
    for fn in functions:
        for call in fn.calls:
            if call.callee == "openlog" and not call.indirect:
                texts = [a.text for a in call.args] + ["", "", ""]
                found.append(OpenlogCall(call.file, call.line, fn.name, texts[0], texts[1], texts[2]))
    return tuple(sorted(set(found), key=lambda o: (o.file, o.line)))


# ---------------------------------------------------------------------------- JSON form

def catalog_to_dict(c: Catalog) -> dict[str, Any]:
    return {
        "schema": c.schema,
        "project": c.project,
        "version": c.version,
        "provenance": c.provenance.to_dict(),
        "rules_sha256": c.rules_sha256,
        "srcscan_version": c.srcscan_version,
        "files": [_plain(f) for f in c.files],
        "log_functions": [_log_function_dict(f) for f in c.log_functions],
        "openlog": [_plain(o) for o in c.openlog],
        "sections": c.sections.to_dict(),
        "messages": [message_to_dict(m) for m in c.messages],
    }


def catalog_from_dict(d: dict[str, Any]) -> Catalog:
    return Catalog(
        schema=d["schema"],
        project=d["project"],
        version=d["version"],
        provenance=Provenance.from_dict(d["provenance"]),
        rules_sha256=d["rules_sha256"],
        srcscan_version=d["srcscan_version"],
        files=tuple(FileReport(**f) for f in d["files"]),
        log_functions=tuple(_log_function(f) for f in d["log_functions"]),
        openlog=tuple(OpenlogCall(**o) for o in d["openlog"]),
        sections=Sections.from_dict(d.get("sections", {})),
        messages=tuple(message_from_dict(m) for m in d["messages"]),
    )


def message_to_dict(m: Message) -> dict[str, Any]:
    d = _plain(m)
    d["derivation"] = [derivation_to_dict(x) for x in m.derivation]
    d["template"] = template_to_dict(m.template)
    d["text"] = render_normal(m.template)
    d["requires"] = [list(alt) for alt in m.requires]
    d["logged_only_if"] = [list(alt) for alt in m.logged_only_if]
    d["facility_with"] = dict(m.facility_with)
    if m.constants:
        d["constants"] = dict(m.constants)
    else:
        d.pop("constants")  # only where some: catalogs without keep their form
    return d


def message_from_dict(d: dict[str, Any]) -> Message:
    values = {f.name: d[f.name] for f in fields(Message) if f.name in d}
    values["template"] = template_from_dict(d["template"])
    values["requires"] = tuple(tuple(alt) for alt in d.get("requires", ()))
    values["logged_only_if"] = tuple(tuple(alt) for alt in d.get("logged_only_if", ()))
    values["facility_with"] = tuple(sorted(d.get("facility_with", {}).items()))
    values["constants"] = tuple(sorted(d.get("constants", {}).items()))
    values["derivation"] = tuple(derivation_from_dict(x) for x in d.get("derivation", ()))
    for name in ("conditions", "processes", "facility", "uncertain"):
        values[name] = tuple(d.get(name, ()))
    return Message(**values)


def _log_function_dict(f: LogFunction) -> dict[str, Any]:
    out = _plain(f)
    out["embed"] = template_to_dict(f.embed) if f.embed is not None else None
    out.pop("facility_bits")
    if f.facility_bits:  # only where the rules give some: other catalogs keep their form
        out["facility_bits"] = [_plain(b) for b in f.facility_bits]
    return out


def _log_function(d: dict[str, Any]) -> LogFunction:
    return LogFunction(**{**d, "embed": template_from_dict(d["embed"]) if d.get("embed") else None,
                          "facility_bits": tuple(FacilityBits(**b) for b in d.get("facility_bits", ()))})


def _plain(obj: Any) -> dict[str, Any]:
    out = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        out[f.name] = list(v) if isinstance(v, tuple) else v
    return out


def new_catalog(rules: Rules, version: str | None, provenance: Provenance, files: tuple[FileFacts, ...],
                log_functions: dict[str, LogFunction], openlog: tuple[OpenlogCall, ...],
                messages: list[Message], sections: Sections) -> Catalog:
    return Catalog(
        project=rules.project,
        version=version,
        provenance=provenance,
        rules_sha256=rules.sha256,
        srcscan_version=__version__,
        files=file_reports(files),
        log_functions=tuple(sorted(log_functions.values(), key=lambda f: (f.name, f.file))),
        openlog=openlog,
        messages=tuple(sorted(messages, key=lambda m: (m.file, m.line, m.id))),
        sections=sections,
    )
