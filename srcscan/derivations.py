"""Why an answer holds, as data: the derivations of a message's requirement and processes.

One frozen dataclass per kind of reason (a guard at file:line, a requirement inherited
through the call graph, a process that runs the call by a path, ...), their JSON form
(derivation_to_dict / derivation_from_dict) and nothing else: render/ turns them into prose.
Kept apart from model.py (the per-file facts the parse cache stores), so that a new kind of
reason does not make every cached parse stale. model.py re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


# ---------------------------------------------------------------------------- derivations
# Why an answer holds, as data; render/ turns them into prose.


@dataclass(frozen=True)
class GuardAt:
    """A guard of the call site itself: `text` at file:line."""

    file: str
    line: int
    text: str


@dataclass(frozen=True)
class CallerGuard:
    """A guard on a call up the call graph: in `caller` at file:line, reached from the site's
    function through `via` (innermost last); `pointer` says how the call was resolved when it
    was not direct ("field through dump")."""

    file: str
    line: int
    caller: str
    via: tuple[str, ...]
    pointer: str
    text: str


@dataclass(frozen=True)
class Inherited:
    """The site's function inherits a requirement: every call path to `function` passes one
    of the guards of `paths` kinds (`guards` are the nearest ones)."""

    function: str
    paths: int
    guards: tuple[CallerGuard, ...]


@dataclass(frozen=True)
class ThroughPointer:
    """The inherited requirement depends on resolving calls through function pointers."""


@dataclass(frozen=True)
class SeveralOptions:
    """A tested value can come from any one of several options."""


@dataclass(frozen=True)
class LoggedOnlyIf:
    """The log function called logs only when `condition` holds (over what the call passes:
    `!fp` for conf_write(fp, ...), or `!-t` for one returning early under -t)."""

    function: str
    condition: str


@dataclass(frozen=True)
class DecidedByCallers:
    """The site logs only when `condition` holds of `function`'s parameters; each call of
    it decides that with its arguments: `paths` are (file, line, caller, what that path needs;
    "false" when it never logs)."""

    function: str
    condition: str
    paths: tuple[tuple[str, int, str, str], ...]


@dataclass(frozen=True)
class ChildStart:
    """`atom` in the requirement (`@vrrp`) stands for the start of child process `process`:
    `function`() in `file` forks it, and calling it needs `condition` (analyze.childstarts)."""

    atom: str
    process: str
    function: str
    file: str
    condition: str


@dataclass(frozen=True)
class NotCalled:
    """No call path from the program's entry points reaches `function` (nothing calls it, or
    only code that never runs): the site is never logged, whatever the options."""

    function: str


@dataclass(frozen=True)
class NotBuilt:
    """The site compiles only when `macros` are defined, which no build of the project
    defines (the rules' `[preprocessor] never`: keepalived's `_INCLUDE_UNUSED_CODE_`)."""

    macros: tuple[str, ...]


@dataclass(frozen=True)
class NotInProcess:
    """The processes analysis left `process` out although the call's function is reachable
    there but for the process's constant state: `why` names the call or guard found false
    there and the state it read (analyze/procstate.py)."""

    process: str
    why: str


@dataclass(frozen=True)
class ReachedBy:
    """`process` runs the site's function by this call path: its start function, then each
    function called with where the call is ("check_genhash() at keepalived/core/main.c:2457",
    ", stored via thread_add_event" when the call is a registration)."""

    process: str
    path: tuple[str, ...]


@dataclass(frozen=True)
class InProcessWith:
    """`process` runs the call only when the daemon is run with `option` (keepalived's parent
    runs the children's configuration code under -t, to test the configuration)."""

    process: str
    option: str


@dataclass(frozen=True)
class ProcessesFrom:
    """The site's function is reached from no process start in this build, so its processes
    were taken from elsewhere: `kind` "skipped-branch" (the processes that run the functions
    whose `#if` branches, skipped here, call it; `where` lists them), "callers" (the processes
    that run the functions whose text calls it where the parse lost the call, listed in `where`) or "file" (the processes that run the
    rest of its file `where`). "platform-branch": the function is reached, and these processes
    were added: they run functions calling it in an `#if` branch only platform checks decide
    (analyze/platformcalls.py), which this build skips and another takes."""

    kind: str
    where: str


@dataclass(frozen=True)
class FacilityInPriority:
    """The priority reaching syslog() carries the facility itself (`how` says which function
    puts it there), which overrides openlog's."""

    facility: str
    how: str


@dataclass(frozen=True)
class FacilityBeforeSetup:
    """The message is written (or, with `also_after`, may also be written) before the daemon
    sets its facility up: `setter`() called by the entry point at file:line (dnsmasq's
    log_start); there it logs with the facility variable's first value, `facility`, whatever
    the options choosing the facility say (analyze.setuporder)."""

    facility: str
    setter: str
    file: str
    line: int
    also_after: bool


@dataclass(frozen=True)
class Note:
    """A derivation given as prose (catalogs written before derivations were data)."""

    text: str


Derivation = (GuardAt | Inherited | ThroughPointer | SeveralOptions | LoggedOnlyIf | DecidedByCallers | ChildStart
              | NotCalled | NotBuilt
              | NotInProcess | ReachedBy | InProcessWith | ProcessesFrom | FacilityInPriority
              | FacilityBeforeSetup | Note)


# What the processes analysis adds to a message's derivations (the rest explain `requires`).
PROCESS_DERIVATIONS = (ReachedBy, InProcessWith, NotInProcess, ProcessesFrom, FacilityInPriority, FacilityBeforeSetup)


def derivation_to_dict(d: Derivation) -> dict[str, Any]:
    """The JSON form: {"kind": "guard" | "inherited" | "pointer" | "several" | "logged-only-if" |
    "decided-by-callers" | "child-start" | "not-called" | "not-built" | "not-in-process" | "reached-by" | "in-process-with" |
    "processes-from" | "facility-in-priority" | "facility-before-setup" | "note", ...fields}."""
    if isinstance(d, GuardAt):
        return {"kind": "guard", "file": d.file, "line": d.line, "text": d.text}
    if isinstance(d, Note):
        return {"kind": "note", "text": d.text}
    if isinstance(d, NotCalled):
        return {"kind": "not-called", "function": d.function}
    if isinstance(d, NotBuilt):
        return {"kind": "not-built", "macros": list(d.macros)}
    if isinstance(d, NotInProcess):
        return {"kind": "not-in-process", "process": d.process, "why": d.why}
    if isinstance(d, ReachedBy):
        return {"kind": "reached-by", "process": d.process, "path": list(d.path)}
    if isinstance(d, InProcessWith):
        return {"kind": "in-process-with", "process": d.process, "option": d.option}
    if isinstance(d, ProcessesFrom):
        return {"kind": "processes-from", "from": d.kind, "where": d.where}
    if isinstance(d, FacilityInPriority):
        return {"kind": "facility-in-priority", "facility": d.facility, "how": d.how}
    if isinstance(d, FacilityBeforeSetup):
        return {"kind": "facility-before-setup", "facility": d.facility, "setter": d.setter, "file": d.file,
                "line": d.line, "also_after": d.also_after}
    if isinstance(d, LoggedOnlyIf):
        return {"kind": "logged-only-if", "function": d.function, "condition": d.condition}
    if isinstance(d, ChildStart):
        return {"kind": "child-start", "atom": d.atom, "process": d.process, "function": d.function, "file": d.file,
                "condition": d.condition}
    if isinstance(d, DecidedByCallers):
        return {"kind": "decided-by-callers", "function": d.function, "condition": d.condition,
                "paths": [{"file": f, "line": n, "caller": c, "needs": r} for f, n, c, r in d.paths]}
    if isinstance(d, Inherited):
        return {"kind": "inherited", "function": d.function, "paths": d.paths,
                "guards": [{"file": g.file, "line": g.line, "caller": g.caller, "via": list(g.via),
                            "pointer": g.pointer, "text": g.text} for g in d.guards]}
    if isinstance(d, ThroughPointer):
        return {"kind": "pointer"}
    if isinstance(d, SeveralOptions):
        return {"kind": "several"}
    raise TypeError(f"not a derivation: {d!r}")


def derivation_from_dict(d: dict[str, Any] | str) -> Derivation:
    """derivation_to_dict's inverse (a plain string, from older catalogs, is a Note); raises
    KeyError or ValueError on a malformed entry."""
    if isinstance(d, str):
        return Note(d)
    kind = d["kind"]
    if kind == "note":
        return Note(d["text"])
    if kind == "not-called":
        return NotCalled(d["function"])
    if kind == "not-built":
        return NotBuilt(tuple(d["macros"]))
    if kind == "not-in-process":
        return NotInProcess(d["process"], d["why"])
    if kind == "reached-by":
        return ReachedBy(d["process"], tuple(d["path"]))
    if kind == "in-process-with":
        return InProcessWith(d["process"], d["option"])
    if kind == "processes-from":
        return ProcessesFrom(d["from"], d["where"])
    if kind == "facility-in-priority":
        return FacilityInPriority(d["facility"], d["how"])
    if kind == "facility-before-setup":
        return FacilityBeforeSetup(d["facility"], d["setter"], d["file"], int(d["line"]), bool(d["also_after"]))
    if kind == "logged-only-if":
        return LoggedOnlyIf(d["function"], d["condition"])
    if kind == "child-start":
        return ChildStart(d["atom"], d["process"], d["function"], d["file"], d["condition"])
    if kind == "decided-by-callers":
        return DecidedByCallers(d["function"], d["condition"], tuple(
            (p["file"], int(p["line"]), p["caller"], p["needs"]) for p in d["paths"]))
    if kind == "guard":
        return GuardAt(d["file"], int(d["line"]), d["text"])
    if kind == "inherited":
        return Inherited(d["function"], int(d["paths"]), tuple(
            CallerGuard(g["file"], int(g["line"]), g["caller"], tuple(g["via"]), g["pointer"], g["text"])
            for g in d["guards"]))
    if kind in ("pointer", "several"):
        return ThroughPointer() if kind == "pointer" else SeveralOptions()
    raise ValueError(f"unknown derivation kind {kind!r}")
