"""Under which syslog facility each process logs, and how options change it.

Each process's openlog facility expression is evaluated with the initial values of the
variables it reads, the tables it indexes and what options assign to them (`-S N`:
`LOG_FACILITY[N].facility`). A process that opens nothing logs with what it inherited; a
daemon whose log functions write to a file by default says so in its rules' `[logging]`
section. No I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from srcscan.analyze.optiontypes import Option
from srcscan.analyze.syslogfacts import (DEFAULT_FACILITY, FACILITY_CODES, UNKNOWN, Env, Facts, _table_of, bind_param,
                                         facility_name, guards_hold, sym_text)
from srcscan.cexpr import Call, CExpr, Const, strip, walk
from srcscan.errors import InputError
from srcscan.model import FacilityInPriority
from srcscan.sym import Sym, walk_sym

if TYPE_CHECKING:  # processes.py builds the Model from what this module computes
    from srcscan.analyze.processes import Model, Process

# A getopt case that accepts a prefix before the value (`-S local3`): `strncmp(optarg, "local", 5)`.
_PREFIX_TESTS = frozenset({"strncmp", "strncasecmp"})


class BadOptionValue(InputError):
    pass



# ---------------------------------------------------------------------------- options -> variables

@dataclass(frozen=True)
class Assignment:
    option: str  # the option's first name
    variable: str
    value: Sym
    prefixes: tuple[str, ...]  # string prefixes the option's value may carry before an index


def option_assignments(facts: Facts, options: Iterable[Option]) -> list[Assignment]:
    out = []
    for option in options:
        for effect in option.effects:
            for target, text, value, guards in facts.assigns:
                if target == effect.target and text == effect.value:
                    prefixes = tuple(_prefixes(guards))
                    out.append(Assignment(option.name, target, value, prefixes))
    return list(dict.fromkeys(out))


def _prefixes(guards: Iterable[CExpr]) -> list[str]:
    """String literals the guards compare a prefix of the option's value with (C11 7.24.4.4)."""
    found = []
    for guard in guards:
        for e in walk(guard):
            if isinstance(e, Call) and e.callee in _PREFIX_TESTS and len(e.args) >= 2:
                literal = strip(e.args[1])
                if isinstance(literal, Const) and literal.value is None and literal.text.startswith('"'):
                    found.append(literal.text[1:-1])
    return found


def assigned_value(a: Assignment, given: str, facts: Facts) -> Any:
    """What the variable holds after the option is given `given`; None when it rejects it."""
    value = a.value
    if value[0] == "int":
        return value[1]
    lookup = _table_of(value)
    if lookup is not None:
        table, _, field = lookup
        rows = facts.tables.get(table, [])
        index = None
        if given.isdigit():
            index = int(given)
        else:
            for prefix in a.prefixes:
                if given.startswith(prefix) and given[len(prefix):].isdigit():
                    index = int(given[len(prefix):])
            if index is None:
                for row in rows:
                    cells = dict(row)
                    if given in [v for v in cells.values() if isinstance(v, str)]:
                        return cells.get(field)
                return None
        if 0 <= index < len(rows) and not any(isinstance(v, str) for _, v in rows[index]):
            return dict(rows[index]).get(field)
        return None
    return UNKNOWN


def accepted_values(assignments: list[Assignment], facts: Facts) -> list[str]:
    """What the option accepts, as a user would write it (`0..7`, `local0..local7`, `daemon`)."""
    out = []
    for a in assignments:
        lookup = _table_of(a.value)
        if lookup is not None:
            rows = facts.tables.get(lookup[0], [])
            names = [v for row in rows for _, v in row if isinstance(v, str)]
            if names:
                out += names
            elif rows:
                out.append(f"0..{len(rows) - 1}")
                out += [f"{p}0..{p}{len(rows) - 1}" for p in a.prefixes]
    return list(dict.fromkeys(out))


def overrides_for(model: Model, values: dict[str, str]) -> dict[str, Any]:
    """Variables the given option values set; a value the option rejects is an error."""
    out: dict[str, Any] = {}
    for option, given in values.items():
        assignments = model.by_option.get(option, [])
        if not assignments:
            continue
        results = [(a, assigned_value(a, given, model.facts)) for a in assignments]
        ok = [(a, v) for a, v in results if v is not None]
        if not ok:
            accepted = accepted_values(assignments, model.facts)
            raise BadOptionValue(f"{option} {given}: not a value {option} accepts"
                                 + (f" ({', '.join(accepted)})" if accepted else ""))
        for a, v in ok[:1]:
            out[a.variable] = v
    return out


def process_facilities(model: Model, values: dict[str, str], syslog_on: bool) -> dict[str, tuple[str, ...]]:
    """Facility (or other destination) of each process under the given option values."""
    logging = model.logging
    if logging.destination != "syslog" and not syslog_on:
        return {p.name: (logging.destination,) for p in model.procs}
    env = Env(model.facts, overrides_for(model, values))
    named = values.get(logging.facility_option) if logging.facility_option else None
    if named is not None:
        if named not in FACILITY_CODES:
            raise BadOptionValue(f"{logging.facility_option} {named}: not a syslog facility "
                                 f"({', '.join(sorted(FACILITY_CODES))})")
        return {p.name: (named,) for p in model.procs}
    given = [facility for option, facility in logging.facility_with if option in values]
    if given:  # the rules' facility an option gives when facility_option is not given (dnsmasq's -d: local0)
        return {p.name: tuple(sorted(set(given))) for p in model.procs}
    out: dict[str, tuple[str, ...]] = {}
    for p in model.procs:  # the entry point first: children inherit from it
        found = {facility_name(v) for s in model.sites[p.name] for v in env.values(s.facility, s.function)}
        if not found:
            parents = [q.name for q in model.procs if q is not p and p.start in model.region[q.name] and q.name in out]
            found = {f for q in parents for f in out[q]} or {DEFAULT_FACILITY}
        out[p.name] = tuple(sorted(found))
    return out


def facility_expressions(model: Model, p: Process) -> str:
    return "; ".join(dict.fromkeys(sym_text(s.facility) for s in model.sites[p.name])) or "(inherited)"


def facility_changes(model: Model, base: dict[str, str]) -> dict[str, dict[str, str]]:
    """option -> process -> how giving the option changes the process's facility."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    logging = model.logging
    syslog_on = logging.syslog_option in base or logging.destination == "syslog"
    default = process_facilities(model, base, syslog_on)
    if logging.destination != "syslog" and logging.syslog_option in model.option_names \
            and logging.syslog_option not in base:
        on = process_facilities(model, {**base, logging.syslog_option: "enable"}, True)
        for name, facilities in on.items():
            out[logging.syslog_option][name] = "/".join(facilities)
    if logging.facility_option and logging.facility_option in model.option_names and logging.facility_option not in base:
        for p in model.procs:
            out[logging.facility_option][p.name] = "<value>" + (
                f" (with {logging.syslog_option})" if logging.destination != "syslog" else "")
    for option, _ in logging.facility_with:
        if option in model.option_names and option not in base:
            for name, facilities in process_facilities(model, {**base, option: "1"}, syslog_on).items():
                if facilities != default[name]:
                    out[option][name] = "/".join(facilities) + (
                        f" (without {logging.facility_option})" if logging.facility_option else "")
    for option, assignments in sorted(model.by_option.items()):
        if option in base:
            continue
        samples = accepted_samples(assignments, model.facts)
        results: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
        for sample in samples:
            got = process_facilities(model, {**base, option: sample}, syslog_on)
            for name, facilities in got.items():
                results[name][sample] = facilities
        for name, by_sample in results.items():
            if all(by_sample[s] == default[name] for s in by_sample):
                continue
            out[option][name] = describe_changes(by_sample)
    return out


def accepted_samples(assignments: list[Assignment], facts: Facts) -> list[str]:
    samples = []
    for text in accepted_values(assignments, facts):
        m = re.fullmatch(r"(\D*)0\.\.\D*(\d+)", text)
        if m:
            if not m.group(1):
                samples += [str(i) for i in range(int(m.group(2)) + 1)]
        else:
            samples.append(text)
    return samples


def describe_changes(by_sample: dict[str, tuple[str, ...]]) -> str:
    """`local<N>` when index N gives localN for every N; else `value: facility, ...`."""
    numeric = {s: f for s, f in by_sample.items() if s.isdigit()}
    named = {s: f for s, f in by_sample.items() if not s.isdigit()}
    parts = []
    if numeric and all(f == (f"local{s}",) for s, f in numeric.items()):
        parts.append("local<N>")
    else:
        parts += [f"{s}: {'/'.join(f)}" for s, f in numeric.items()]
    parts += [s if f == (s,) else f"{s}: {'/'.join(f)}" for s, f in named.items()]
    return ", ".join(parts)




# ---------------------------------------------------------------------------- the priority's facility

LOG_FACMASK = 0x03F8  # <syslog.h>: the facility bits of a priority


@dataclass(frozen=True)
class PriorityFacility:
    """Where a message's facility comes from when its priority carries one (POSIX syslog():
    a facility in the priority overrides openlog's)."""

    facility: str  # the facility's name
    how: str  # "in the priority", or "ORed in by vlog_message() at logger.c:12"


class Priorities:
    """What the log functions do to the priority they are given before syslog()/vsyslog()
    gets it: `if (!(prio & LOG_FACMASK)) prio |= LOG_USER;` sends every message without a
    facility of its own to `user`, whatever openlog said."""

    def __init__(self, graph: Any, facts: Facts) -> None:
        self.graph, self.facts = graph, facts
        self.memo: dict[tuple, frozenset] = {}

    def of_call(self, function_key: str, priority: Any) -> set[PriorityFacility | None]:
        """Outcomes of a call of the function `function_key` (or syslog/vsyslog by name) with
        the priority value `priority` (an int, or UNKNOWN): a PriorityFacility, or None where
        openlog's facility applies. Empty when the function reaches no syslog call by its
        priority parameter (a log function writing elsewhere)."""
        if function_key in ("syslog", "vsyslog"):
            return {self._outcome(priority, "in the priority")}
        fn = self.graph.functions.get(function_key)
        return set(self._through(function_key, fn, 0, priority, 0)) if fn is not None else set()

    def of_fixed(self, function_key: str) -> set[PriorityFacility | None]:
        """Outcomes of a log function that takes no priority: the constant priorities its own
        calls hand on to a function whose parameter reaches syslog()'s priority (keepalived
        2.1's report_config_error and conf_write call vlog_message(LOG_INFO, ...), which ORs
        LOG_USER into it). Empty when it hands none on."""
        out: set = set()
        for callee, data in self.graph.direct_calls().get(function_key, ()):
            call, callee_fn = data.get("call"), self.graph.functions.get(callee)
            if call is None or callee_fn is None:
                continue
            for k, arg in enumerate(call.args):
                if arg.integer is not None and self._carries(callee, k, 0):
                    out |= self._through(callee, callee_fn, k, arg.integer, 1)
        return out

    def _carries(self, key: str, index: int, depth: int) -> bool:
        """Does parameter `index` of `key` reach the priority of a syslog()/vsyslog() call?"""
        if any(part[0] == "param" and part[1] == index for _, priority in self.facts.syslog.get(key, ())
               for part in walk_sym(priority)):
            return True
        fn = self.graph.functions.get(key)
        if fn is None or index >= len(fn.params) or depth >= 8:
            return False
        for callee, data in self.graph.direct_calls().get(key, ()):
            call = data.get("call")
            for k, arg in enumerate(call.args if call is not None else ()):
                if arg.text.strip() == fn.params[index] and self._carries(callee, k, depth + 1):
                    return True
        return False

    def _outcome(self, value: Any, how: str) -> PriorityFacility | None:
        if not isinstance(value, int) or value is UNKNOWN or not value & LOG_FACMASK:
            return None
        return PriorityFacility(facility_name(value & LOG_FACMASK), how)

    def _through(self, key: str, fn: Any, index: int, value: Any, depth: int) -> frozenset:
        memo_key = (key, index, value if isinstance(value, int) else None)
        if memo_key in self.memo:
            return self.memo[memo_key]
        self.memo[memo_key] = frozenset()  # a recursive call adds nothing
        out: set = set()
        env = Env(self.facts)
        for line, priority in self.facts.syslog.get(key, ()):
            for v in self._assigned(key, index, value, line, env):
                for got in env.values(bind_param(priority, index, v), key):
                    how = "in the priority" if got == value else f"put into the priority by {fn.name}() for its syslog call at {fn.file}:{line}"
                    out.add(self._outcome(got, how))
        if depth < 8 and index < len(fn.params):
            for callee, data in self.graph.direct_calls().get(key, ()):
                call = data.get("call")
                if call is None:
                    continue
                for k, arg in enumerate(call.args):
                    if arg.text.strip() == fn.params[index]:
                        for v in self._assigned(key, index, value, call.line, env):
                            callee_fn = self.graph.functions[callee]
                            out |= self._through(callee, callee_fn, k, v, depth + 1)
        self.memo[memo_key] = frozenset(out)
        return self.memo[memo_key]

    def _assigned(self, key: str, index: int, value: Any, before: int, env: Env) -> set:
        """Values the priority parameter can hold at line `before`, after the assignments to it
        that run under their guards."""
        values = {value}
        for line, i, op, assigned, conds in self.facts.param_assigns.get(key, ()):
            if i != index or line >= before:
                continue
            later = set()
            for v in values:
                holds = guards_hold(conds, index, v, key, env)
                if holds is not True:
                    later.add(v)
                if holds is not False:
                    for a in env.values(bind_param(assigned, index, v), key):
                        later.add(a if op == "=" else _or(v, a))
            values = later
        return values


def _or(a: Any, b: Any) -> Any:
    return a | b if isinstance(a, int) and isinstance(b, int) and UNKNOWN not in (a, b) else UNKNOWN


def message_facility(outcomes: set[PriorityFacility | None], procs: tuple[str, ...],
                     facilities: dict[str, tuple[str, ...]], changes: dict[str, dict[str, str]],
                     to_syslog: bool) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[FacilityInPriority, ...]]:
    """(facilities, facility_with, derivations) of a message the processes `procs` write,
    whose call has the priority `outcomes` (Priorities.of_call): a facility the priority
    carries is the message's, whatever openlog was given and whatever an option changes."""
    fixed = {o for o in outcomes if o is not None} if to_syslog else set()
    via_openlog = not fixed or None in outcomes
    found = {o.facility for o in fixed}
    if via_openlog:
        found |= {f for p in procs for f in facilities[p]}
    with_: dict[str, str] = {}
    for option, per_process in changes.items() if via_openlog else ():
        texts = sorted({per_process[p] for p in procs if p in per_process})
        if texts:
            with_[option] = texts[0] if len(texts) == 1 else "; ".join(
                f"{p}: {per_process[p]}" for p in procs if p in per_process)
    why = tuple(FacilityInPriority(o.facility, o.how) for o in sorted(fixed, key=lambda o: (o.facility, o.how)))
    return tuple(sorted(found)), tuple(sorted(with_.items())), why
