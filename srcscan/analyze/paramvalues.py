"""The constants a process passes to a function's parameters, and the flags a registration
stores beside a function in a table: keepalived's `init_check_keywords(bool active)` installs
each root keyword with `active`, called with false in the VRRP child, so its table is inactive
there and the parser calls an inactive keyword's handler with NULL. A mixin of
procstate.ProcessState (which gives graph, facts, the regions in force, the views, the
functions stored in fields, guards_false() and the memos); no I/O."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Iterable, Mapping

from srcscan.analyze.stateexpr import argument as _argument
from srcscan.cexpr import Name, Unary, strip

# A brace initializer naming only members (`{ .dst = *addr }`), or `{ 0 }`: every member it does
# not name is zero (ISO C11 6.7.9p19, p21)
_DESIGNATED = re.compile(r"\{\s*(?:0|\.\w+\s*=\s*[^,{}]+(?:,\s*\.\w+\s*=\s*[^,{}]+)*,?)?\s*\}")


class ParamValues:
    """ProcessState's answers about parameters' values and registrations' flags."""

    graph: Any
    facts: Any
    in_force: dict[str, set[str]]
    views: dict[str, tuple[set[str], Any]]
    _placed: set[str]
    _pointer_edges: dict[str, list[tuple[str, dict]]]
    _flags: dict[tuple[str, str], dict[str, frozenset | None]]
    _params: dict[tuple[str, str, int], frozenset | None]
    _starts: dict[str, list[int]] | None
    local_inits: Mapping[tuple[str, str], Mapping[str, tuple]]  # optionindex.Index.local_lines
    _fields: dict[tuple[str, str, int, str], frozenset | None]
    region_of: Any  # process name -> its region, pruned with this state (processes.build_model), or None
    _settled: dict[str, set[str] | None]

    def guards_false(self, process: str, guards: Iterable[Any], fields: dict | None = None,
                     function: str | None = None) -> str:  # (ProcessState's)
        raise NotImplementedError

    def table_flags(self, process: str, registrar: str) -> dict[str, frozenset | None]:
        """Fields every registration a function makes stores the same flag in, with the values
        they take in the process: `init_check_keywords(bool active)` installing each root keyword
        with `active`, called with false in the VRRP child, makes its table inactive there."""
        if (process, registrar) in self._flags:
            return self._flags[(process, registrar)]
        out: dict[str, set | None] = {}
        fn = self.graph.functions.get(registrar)
        for _, _, data in self.graph.graph.out_edges(registrar, data=True):
            for name, arg in data.get("flags", ()) if data["kind"] == "stored" else ():
                if arg.integer is not None:
                    got: set | None = {arg.integer}
                elif fn is not None and arg.text.strip() in fn.params:
                    got = self._param_values(process, registrar, fn.params.index(arg.text.strip()))
                else:
                    got = None
                out[name] = None if got is None or (name in out and out[name] is None) else (out.get(name) or set()) | got
        result = {k: (frozenset(v) if v else None) for k, v in out.items()}
        self._flags[(process, registrar)] = result  # (a recursive call sees what is known so far)
        # A function installing sub-keywords only (`install_http_check_keyword()`, called by
        # `init_check_keywords(active)`) adds to its caller's table: its flags are the caller's.
        inherited: dict[str, set | None] = {}
        view, elsewhere = self.in_force[process], self.views[process][1]
        for caller, data in self.graph.callers(registrar):
            if caller in view and data["kind"] == "direct" and not elsewhere(caller, data):
                for name, values in self.table_flags(process, caller).items():
                    if name in result:
                        continue
                    inherited[name] = None if values is None or (name in inherited and inherited[name] is None) \
                        else (inherited.get(name) or set()) | values
        result = {**{k: (frozenset(v) if v else None) for k, v in inherited.items()}, **result}
        self._flags[(process, registrar)] = result
        return result

    def _param_values(self, process: str, key: str, index: int) -> set[int] | None:
        """Constants the process's own calls pass (a child builds its own tables), under the
        options in force."""
        view, elsewhere = self.in_force[process], self.views[process][1]
        found: set[int] = set()
        for caller, data in self.graph.callers(key):
            if caller not in view or data["kind"] != "direct" or data.get("call") is None or elsewhere(caller, data):
                continue
            args = data["call"].args
            if index >= len(args) or args[index].integer is None:
                return None
            found.add(args[index].integer)
        return found or None

    def param_values(self, process: str, key: str, index: int) -> frozenset | None:
        """Values parameter `index` of function `key` holds in the process: the constants that
        every call the process can make passes (direct calls, and calls through a struct field
        whose guards hold there with the flags the callee was registered with: keepalived's
        parser calls an inactive keyword's handler with NULL). None when a call passes anything
        else, when the function is handed to code that calls it later, when a call through a
        field could not be resolved, or when the function writes the parameter itself."""
        memo = (process, key, index)
        if memo in self._params:
            return self._params[memo]
        self._params[memo] = None  # a recursive call sees "unknown"
        self._params[memo] = result = self._param_values_of(process, key, index)
        return result

    def _param_values_of(self, process: str, key: str, index: int) -> frozenset | None:
        fn = self.graph.functions.get(key)
        if fn is None or index >= len(fn.params) or self._param_written(fn, fn.params[index]):
            return None
        if key in self.graph.named and key not in self._pointer_edges:
            return None  # its address goes where srcscan does not follow it (a signal handler, qsort)
        view, elsewhere = self.in_force[process], self.views[process][1]
        found: set[int] = set()
        for caller, data in self.graph.callers(key):
            if caller not in self._placed:
                return None  # a caller no process start reaches (a callback of outside code): runs anywhere
            if caller not in view or elsewhere(caller, data):
                continue
            if data["kind"] == "stored" and key in self._pointer_edges:
                continue  # the calls through the field say what it is given
            if data["kind"] != "direct" and (data["kind"] != "pointer" or data.get("resolution")):
                return None
            fields = self.callee_flags(process, key) if data["kind"] == "pointer" else None
            if self.guards_false(process, data["guards"], fields, caller if data["kind"] == "direct" else None):
                continue  # a call this process never makes
            call = data.get("call")
            value = _argument(call, index) if call is not None else None
            if value is None:
                return None
            found.add(value)
        return frozenset(found) if found else None

    def field_values(self, process: str, key: str, index: int, name: str) -> frozenset | None:
        """Values field `name` holds in the struct parameter `index` of function `key` points to,
        in the process: {0} when every call the process makes passes the address of a local of
        its own that a brace initializer not naming the field sets (`conn_opts_t co = { .dst =
        *addr }; return socket_bind_connect(fd, &co);` in keepalived's socket_connect: co.fwmark
        is 0) and nothing else in that function writes the local or a field of that name, nor
        does `key` itself (_field_written: `co->fwmark = 1` there, or `co` handed on to a call);
        None otherwise (or when the function is handed elsewhere, or writes the parameter)."""
        view = self._settled_view(process)
        if view is None:
            return None  # (while the process's region is being worked out: unknown, and not kept)
        memo = (process, key, index, name)
        if memo not in self._fields:
            self._fields[memo] = None  # a recursive call sees "unknown"
            self._fields[memo] = self._field_values_of(process, key, index, name)
        return self._fields[memo]

    def _settled_view(self, process: str) -> set[str] | None:
        """The functions the process runs once its region is pruned with this state (a callback
        no registration there stores is not among them: keepalived's DNS checker in the VRRP
        child); None while that region is being worked out, or when no region_of was given."""
        if self.region_of is None:
            return None
        if process not in self._settled:
            self._settled[process] = None
            self._settled[process] = set(self.region_of(process))
        return self._settled[process]

    def _field_values_of(self, process: str, key: str, index: int, name: str) -> frozenset | None:
        fn = self.graph.functions.get(key)
        if fn is None or index >= len(fn.params) or self._param_written(fn, fn.params[index]) or key in self.graph.named:
            return None
        if self._field_written(fn, fn.params[index], name):
            return None  # what the callers passed is not what the test reads
        view, elsewhere = self._settled[process] or set(), self.views[process][1]
        found = False
        for caller, data in self.graph.callers(key):
            if caller not in self._placed:
                return None
            if caller not in view or elsewhere(caller, data):
                continue
            if data["kind"] != "direct" or data.get("call") is None:
                return None
            if self.guards_false(process, data["guards"], function=caller):
                continue  # a call this process never makes
            if not self._zero_local(caller, data["call"], index, name):
                return None
            found = True
        return frozenset({0}) if found else None

    def _field_written(self, fn: Any, param: str, name: str) -> bool:
        """Whether `fn` may write field `name` of what its parameter `param` points to itself:
        its text writes a field of that name (`co->fwmark = mark;`, conservative: through any
        pointer), or it hands the parameter on to a call (`set_mark(co)`), which may."""
        end = self._function_end(fn)
        if any(fn.line <= line < end for line in self.facts.text_writes.get((fn.file, name), ())):
            return True
        return any(isinstance(e := strip(x), Name) and e.ref == "param" and e.name == param
                   for c in fn.calls for x in c.exprs)

    def _zero_local(self, caller: str, call: Any, index: int, name: str) -> bool:
        """Whether `call` passes `&local` whose only value is a brace initializer without `name`."""
        arg = strip(call.exprs[index]) if index < len(call.exprs) else None
        local = strip(arg.operand) if isinstance(arg, Unary) and arg.op == "&" else None
        cf = self.graph.functions.get(caller)
        if not isinstance(local, Name) or local.ref != "var" or cf is None:
            return False
        inits = self.local_inits.get((cf.file, cf.name), {}).get(local.name, ())
        if len(inits) != 1 or not _DESIGNATED.fullmatch(text := getattr(inits[0][1], "text", "")) \
                or re.search(rf"\.\s*{re.escape(name)}\b", text):
            return False
        end = self._function_end(cf)
        others = [line for line in self.facts.text_writes.get((cf.file, local.name), ())
                  if cf.line <= line < end and line not in (inits[0][0], call.line)]
        return not others and not any(cf.line <= line < end for line in self.facts.text_writes.get((cf.file, name), ()))

    def callee_flags(self, process: str, key: str) -> dict[str, frozenset | None]:
        """The flags stored beside `key` by the registrations the process makes of it (every
        registering function's table_flags, merged)."""
        merged: dict[str, set | None] = {}
        for caller, data in self.graph.callers(key):
            if data["kind"] != "stored" or caller not in self.in_force[process]:
                continue
            for name, values in self.table_flags(process, caller).items():
                merged[name] = None if values is None or (name in merged and merged[name] is None) \
                    else (merged.get(name) or set()) | values
        return {k: (frozenset(v) if v else None) for k, v in merged.items()}

    def _param_written(self, fn: Any, name: str) -> bool:
        """The function's own text assigns the parameter, or takes its address, or the
        function is not in a .c file whose text srcscan has (conservative: unknown)."""
        lines = self.facts.text_writes.get((fn.file, name))
        if (fn.file, name) not in self.facts.text_writes and not fn.file.endswith(".c"):
            return True
        if not lines:
            return False
        end = self._function_end(fn)
        return any(fn.line <= line < end for line in lines)

    def _function_end(self, fn: Any) -> float:
        """The line where the next function of fn's file starts (infinity for the last)."""
        if self._starts is None:
            starts: dict[str, list[int]] = defaultdict(list)
            for f in self.graph.functions.values():
                starts[f.file].append(f.line)
            self._starts = {file: sorted(lines) for file, lines in starts.items()}
        later = [line for line in self._starts.get(fn.file, ()) if line > fn.line]
        return later[0] if later else float("inf")
