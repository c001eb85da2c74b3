"""The processes that run a function no process start reaches through the parsed calls, found
from callers no parse of this build holds: functions whose skipped `#if` branches call it
(other_build_callers) and calls only the tree's text has, which a parse lost or which name a
function this build does not define (TextCalls, text_callers). process_answers asks them for
a site no region holds. Reads the process model and the tree's text; no I/O of its own.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Mapping

from srcscan.analyze.childoptions import children_with_more_options
from srcscan.analyze.deadcode import code_of
from srcscan.analyze.processes import Model, other_side, message_processes


def other_build_callers(fn: Any, model: Model, requires: tuple[tuple[str, ...], ...] = ()
                        ) -> tuple[tuple[str, ...], str]:
    """Processes that run the functions whose skipped `#if` branches call `fn` (a helper only a
    feature build calls: `#ifdef WITH_PERF run_perf("vrrp"); #endif` in the VRRP child), or call
    a function that no process reaches either and that calls `fn` (keepalived's
    `set_addrproto() { #if HAVE_DECL_IFA_PROTO ... create_rttables_addrproto() ... }`, which
    calls write_addrproto_config()). A child that runs such a caller only with more options
    than the message's requirement (`requires`) is one of them (childoptions.py)."""
    if fn is None:
        return (), ""
    reached = set().union(*model.regions_anywhere().values()) if model.procs else set()
    found: list[str] = []
    where: list[str] = []
    seen, todo = {fn.key}, [fn]
    while todo:
        current = todo.pop(0)
        callers = list(model.graph.callers(current.key))
        if current.name in model.facts.active_calls and not callers:
            continue  # called in this build too, where no parse sees it (a macro here)
        for file, line in sorted(model.facts.skipped_calls.get(current.name, ())):
            caller = function_at(model, file, line)
            if caller is None or caller.key == current.key:
                continue
            for p in model.procs:
                if caller.key in model.region[p.name] and not other_side(p, model.procs, caller.key, line, ()) \
                        and p.name not in found:
                    found.append(p.name)
            more = children_with_more_options(model, line, caller.key, (), requires, set(found))
            found.extend(more)
            where.append(f"{caller.name}() at {file}:{line}" + (f" (via {current.name}())" if current is not fn else "")
                         + "".join(f" ({q} only with {options})" for q, (options, _) in more.items()))
        for caller_key, _ in callers:
            caller_fn = model.graph.functions.get(caller_key)
            if caller_fn is not None and caller_key not in reached and caller_key not in seen and len(seen) < 64:
                seen.add(caller_key)
                todo.append(caller_fn)
    order = [p.name for p in model.procs]
    return tuple(sorted(found, key=order.index)), "; ".join(where)


_NOT_A_CALL_BEFORE = re.compile(r"[\w*]\s*$")  # `void f(`, `static int *f(`: a declaration


class TextCalls:
    """Where the tree's text calls a function, by name (`name(` outside comments and literals,
    not a declaration): the calls a parse lost (keepalived 2.3.4's add_del_vip_rules calls
    ip4tables_add_rules with arguments, IPSET_DIM_ONE..., that only the libipset build
    declares, so the parse of this build drops the calls) or that name a function no parse of
    this build defines. `texts`: tree-relative path -> C text."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self.texts = texts
        self._code: dict[str, tuple[str, list[int]]] = {}
        self._lines: dict[str, list[tuple[str, int]]] = {}
        self._calls: dict[str, list[tuple[str, int]]] | None = None  # name -> (path, offset) of each `name (`

    def lines(self, name: str) -> list[tuple[str, int]]:
        """(file, line) of each call of `name` in the texts; kept per name (asked again for the
        same function: searching every text each time took 7 s of a lighttpd 1.4.85 run)."""
        if name not in self._lines:
            self._lines[name] = self._find(name)
        return self._lines[name]

    def under_directive(self, path: str, line: int) -> bool:
        """Whether `line` of `path` starts with a name right under a preprocessor directive:
        another build's name of the function this build defines below (keepalived's `#ifdef
        _TIMER_CHECK_` over `set_time_now_r(...)`, whose `#else` defines set_time_now()), read
        as that function's call (_typed_above), not a call made inside a function body."""
        text = self.texts.get(path)
        if text is None or line < 2:
            return False
        code, starts = self._code_of(path, text)
        if line >= len(starts):
            return False
        here, above = code[starts[line - 1]:starts[line]], code[starts[line - 2]:starts[line - 1]]
        return bool(re.match(r"[A-Za-z_]", here)) and above.lstrip().startswith("#")

    def _code_of(self, path: str, text: str) -> tuple[str, list[int]]:
        if path not in self._code:
            code = code_of(text)
            self._code[path] = (code, [0] + [m.end() for m in re.finditer(r"\n", code)])
        return self._code[path]

    def _found(self, name: str) -> list[tuple[str, int]]:
        """(path, offset) of each `name (` outside comments and literals: for an identifier
        from one index of every call-like name of the texts, built on the first question (one
        pass per text, where a search per name read every text again: 336 names, 2 s of
        lighttpd 1.4.85's run under a profiler); the same matches, in the same order."""
        if not (name.isascii() and name.isidentifier()):
            call = re.compile(r"(?<![\w.>])" + re.escape(name) + r"\s*\(")
            return [(path, m.start()) for path, text in self.texts.items() if name in text
                    for m in call.finditer(self._code_of(path, text)[0])]
        if self._calls is None:
            self._calls = {}
            for path, text in self.texts.items():
                for m in _CALL_LIKE.finditer(self._code_of(path, text)[0]):
                    self._calls.setdefault(m.group(1), []).append((path, m.start()))
        return self._calls.get(name, [])

    def _find(self, name: str) -> list[tuple[str, int]]:
        out = []
        for path, start in self._found(name):
            code, starts = self._code[path]
            line = bisect.bisect_right(starts, start)
            before = code[starts[line - 1]:start]
            if before.lstrip().startswith("#") or _ends_in_type(before):
                continue  # a declaration or a macro's definition
            if not before and line > 1 and _typed_above(code[starts[line - 2]:starts[line - 1]]):
                continue  # `static int\nname(server *srv, ...)`: the type on the line above
            out.append((path, line))
        return out


def _typed_above(above: str) -> bool:
    """Whether `above`, the line over a name written at the start of its line, ends in a type
    (`static int`, `char *`), so that the name is a function's declaration or definition in
    the style that puts its type on a line of its own (lighttpd's `static int\n
    mod_gnutls_ssl_conf_dhparameters(server *srv, ...)`), not a call. Not under a directive:
    there the name may be another build's name of the function this build defines below
    (keepalived's `timeval_t\n#ifdef _TIMER_CHECK_\ntimer_now_r(...)\n#else\ntimer_now(void)`),
    and reading it as that function's call keeps it where that function runs."""
    return not above.lstrip().startswith("#") and _ends_in_type(above)


def _ends_in_type(before: str) -> bool:
    """Whether the text before a name ends as a declaration's type does (_NOT_A_CALL_BEFORE),
    not in a keyword a call may follow (`return`, `else`, `do`, `case`)."""
    word = re.search(r"(\w+)\s*$", before)
    return bool(_NOT_A_CALL_BEFORE.search(before)) and not (word and word.group(1) in ("return", "else", "do", "case"))


# A name and `(` (TextCalls): `(?<![\w.>])` looked back after its first letter, so blanks are skipped fast
_CALL_LIKE = re.compile(r"([A-Za-z_](?<![\w.>].)\w*)\s*\(")


def text_callers(name: str, model: Model, calls: TextCalls, requires: tuple[tuple[str, ...], ...] = (),
                 depth: int = 0, seen: set[str] | None = None) -> tuple[tuple[str, ...], str]:
    """(processes, where) for a function that no process start reaches through the parsed
    calls: the processes that run the functions whose text calls it where the call graph has
    no call of it (a call the parse lost), not the processes of its whole file. A caller no
    process runs either (only the other build defines it: keepalived's get_set_byname() for
    get_set_byname_only()) is followed to its own callers, up to three levels. A child that
    runs a caller only with more options than the message's requirement (`requires`, as
    alternatives of atoms) is one of them (childoptions.py: keepalived's checker calls
    timer_now() only under -D)."""
    seen = seen if seen is not None else {name}
    placed = set().union(*model.regions_anywhere().values()) if model.procs else set()
    found: list[str] = []
    where: list[str] = []
    for file, line in calls.lines(name):
        caller = function_at(model, file, line)
        if caller is None or caller.name in seen:
            continue
        if caller.key not in placed:
            if depth < 3:
                seen.add(caller.name)
                more, how = text_callers(caller.name, model, calls, requires, depth + 1, seen)
                found.extend(q for q in more if q not in found)
                if more:
                    where.append(f"{how} (via {caller.name}() at {file}:{line})")
            continue
        if any(c.line == line and c.callee == name for c in caller.calls):
            continue  # a call the graph has: judged there
        running = message_processes(line, caller.key, model.procs, model.region, (), state=model.state)
        more = children_with_more_options(model, line, caller.key, (), requires, set(running))
        found.extend(q for q in running + tuple(more) if q not in found)
        if running or more:
            where.append(f"{caller.name}() at {file}:{line}" + "".join(
                f" ({q} only with {options})" for q, (options, _) in more.items()))
    order = [p.name for p in model.procs]
    return tuple(sorted(found, key=order.index)), "; ".join(where)


class LazyTexts(dict):
    """path -> text of the tree's files, each read when first asked for (most never are)."""

    def __init__(self, text: Any) -> None:
        super().__init__((rel, None) for rel in text.files)
        self._text = text

    def items(self):  # type: ignore[override]
        for rel in self:
            yield rel, self[rel]

    def __getitem__(self, rel: str) -> str:
        value = super().__getitem__(rel)
        if value is None:
            try:
                value = self._text.text(rel)
            except OSError:
                value = ""  # vanished since the listing
            super().__setitem__(rel, value)
        return value


def function_at(model: Model, file: str, line: int) -> Any:
    """The function of `file` whose definition starts last before `line`."""
    return model.graph.functions.at(file, line)
