"""Code a process never runs because it would fault first: a function that reads through a
file-scope pointer on every run (extract.logsetup._global_derefs) does not get past that read
in a process where the pointer is NULL (never set there). keepalived's route_is_ours() walks
`&vrrp_data->vrrp`, and vrrp_data is set only in the VRRP child, so the checker, which
handles the same netlink notifications, never reaches the VRRP code after it. A mixin of
procstate.ProcessState (which gives graph, facts, possible() and the memo); no I/O."""

from __future__ import annotations

from typing import Any

from srcscan.cexpr import Call, Name, walk


class NullReads:
    """ProcessState's answers about reads through NULL pointers."""

    graph: Any
    facts: Any
    _crashes: dict[tuple[str, str], tuple[int, str] | None]
    _assigned: set[str]

    def possible(self, process: str, path: str) -> frozenset | None:  # (ProcessState's)
        raise NotImplementedError

    def crashes(self, process: str, key: str) -> tuple[int, str] | None:
        """(line, why) when function `key` reads through a file-scope pointer on every run
        (SyslogFacts.derefs) that is NULL in the process: it never runs past that line there
        (it would fault). keepalived's route_is_ours() walks `&vrrp_data->vrrp`, and vrrp_data
        is set only in the VRRP child."""
        memo = (process, key)
        if memo not in self._crashes:
            found = None
            fn = self.graph.functions.get(key)
            for line, name in sorted(self.facts.derefs.get(key, ())):
                # (a pointer: something assigns it; an array, `table->field`, is never assigned)
                if name in self._assigned and self.possible(process, name) == frozenset({0}):
                    where = f"{fn.name}() at {fn.file}:{line}" if fn else key
                    found = (line, f"{where} reads through {name}, which is NULL in this process (never set there)")
                    break
            self._crashes[memo] = found
        return self._crashes[memo]

    def never_past(self, process: str, caller: str, data: dict) -> str:
        """Why a call cannot run in the process because code before it faults there: the
        caller reads through a NULL pointer on an earlier line, or one of the call's guards
        calls a function that does (`if (!(route = route_is_ours(...))) return 0;` before it)."""
        own = self.crashes(process, caller)
        if own is not None and data["line"] > own[0]:
            return own[1]
        fn = self.graph.functions.get(caller)
        for guard in data["guards"]:
            if guard.expr is None or fn is None:
                continue
            for e in walk(guard.expr):
                if isinstance(e, Call) and isinstance(e.function, Name):
                    key = self.graph.key_for(e.function.name, fn.file)
                    found = self.crashes(process, key) if key is not None else None
                    if found is not None:
                        return f"its guard {guard.text} calls {found[1]}"
        return ""
