"""Which functions are log functions: the rules' list plus every wrapper that forwards
its format parameter to one of them.

    void conf_write(FILE *fp, const char *format, ...)
    { ... vlog_message(LOG_INFO, format, args); }

makes `conf_write` a log function with format argument 1 and fixed priority LOG_INFO.
So does a function that writes its argument into a message of its own, as text or as a
format printed into a buffer first:

    static void elog(log_error_st *errh, const char *file, int line, const char *msg)
    { ... log_error(errh, file, line, "SSL: %s %s", msg, buf); }

    void dns_log_message(thread_ref_t thread, int level, const char *fmt, ...)
    { ... vsnprintf(buf, sizeof buf, fmt, args); log_message(level, "DNS_CHECK (%s) %s", name, buf); }

`elog(errh, __FILE__, __LINE__, "SSL_CTX_new() failed")` is then the message
`SSL: SSL_CTX_new() failed %s`, where it is called (`elog(..., path)` is `SSL: %s %s`
there). Text goes in only from a function that logs for its caller's `__LINE__`:
`report(const char *who)` called with "alpha" and "beta" stays one message, `report from %s`.
Pure: FunctionFacts in, LogFunction rows out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from srcscan.formats.dialects import build_template
from srcscan.formats.template import Hole, Template, merge_parts
from srcscan.model import CallSite, FunctionFacts
from srcscan.rules import LogFunction, Rules

# Functions printing a format into a buffer: (index of the buffer, index of the format).
PRINT_INTO = {"vsnprintf": (0, 2), "vsprintf": (0, 1), "snprintf": (0, 2), "sprintf": (0, 1)}


def infer_log_functions(rules: Rules, functions: list[FunctionFacts]) -> dict[str, LogFunction]:
    """Log functions by name: declared ones, then wrappers found to a fixed point."""
    known = {f.name: f for f in rules.log_functions}
    if not rules.infer_wrappers:
        return known
    declared = set(known)
    callers: dict[str, list[tuple[FunctionFacts, CallSite]]] = defaultdict(list)  # callee -> (caller, call)
    for fn in functions:
        for call in fn.calls:
            if not call.indirect:
                callers[call.callee].append((fn, call))
    candidates = [fn for fn in functions if fn.name not in declared and fn.params]
    todo = candidates
    while todo:
        added: set[str] = set()
        for fn in todo:
            if fn.key in known:
                continue
            calls_of_fn = [(g, c) for g, c in callers[fn.name] if not fn.static or g.file == fn.file]
            wrapper = _as_wrapper(fn, known) or _as_embedding(fn, known, calls_of_fn)
            if wrapper is not None:
                known[fn.key] = wrapper  # a static one by file and name (FunctionFacts.key)
                added.add(fn.name)
        # Again: the functions calling one found in this pass (nothing else can have changed).
        todo = [fn for fn in candidates if fn.key not in known and any(c.callee in added for c in fn.calls)]
    return known


def log_function_of(known: dict[str, LogFunction], file: str, name: str) -> LogFunction | None:
    """The log function a call in `file` (the calling function's file) reaches by `name`: a
    static wrapper of that file before one of that name anywhere."""
    return known.get(f"{file}:{name}") or known.get(name)


def _as_wrapper(fn: FunctionFacts, known: dict[str, LogFunction]) -> LogFunction | None:
    for call in fn.calls:
        target = log_function_of(known, fn.file, call.callee) if not call.indirect else None
        if target is None or target.format_arg >= len(call.args):
            continue
        fmt_param = _param_in(call.args[target.format_arg].text, fn.params)
        if fmt_param is None:
            continue
        relay = _forwarded(fn, call, target)
        if target.line_arg is not None and relay.line_arg is None:
            continue  # it logs at its own __LINE__ (lighttpd prints that line): its call is the message
        return replace(relay, format_arg=fn.params.index(fmt_param))  # an embedding target's message kept
    return None


def _printed(fn: FunctionFacts) -> dict[str, str]:
    """Buffers fn prints one of its parameters into as a format: buffer -> parameter."""
    out = {}
    for call in fn.calls:
        if call.callee in PRINT_INTO and not call.indirect:
            into, fmt = PRINT_INTO[call.callee]
            if fmt < len(call.args) and call.args[fmt].text in fn.params:
                out[call.args[into].text] = call.args[fmt].text
    return out


def _as_embedding(fn: FunctionFacts, known: dict[str, LogFunction],
                  calls_of_fn: list[tuple[FunctionFacts, CallSite]]) -> LogFunction | None:
    """fn as a function writing one parameter into a message of its own (module docstring),
    or a message of its own at its caller's __LINE__ (lighttpd's `elogc(hctx, __FILE__,
    __LINE__, ssl_err)`: the message is at the caller's call, the line the daemon prints)."""
    if not calls_of_fn:
        return None  # only run through pointers: its own call is the message
    printed = _printed(fn)
    for call in fn.calls:
        target = log_function_of(known, fn.file, call.callee) if not call.indirect else None
        if target is None or target.format_arg >= len(call.args):
            continue
        own = {a.text for a in call.args[target.format_arg:]} & (set(fn.params) | set(printed))
        relay = _forwarded(fn, call, target)
        if not own and relay.line_arg is None:
            continue  # none of this call's arguments is fn's text, and it logs at its own line
        template = call_template(call, target)
        if template.dynamic:
            continue
        for i, part in enumerate(template.parts):
            if not isinstance(part, Hole) or part.kind != "str" or part.arg not in own:
                continue
            if part.arg in fn.params:
                mode, param = "text", part.arg
                if relay.line_arg is None:
                    continue  # a caller's text only when it logs for the caller's __LINE__
            elif part.arg in printed:
                mode, param = "format", printed[part.arg]
            else:
                continue
            embed = Template(template.parts[:i] + (Hole("message", "", param),) + template.parts[i + 1:])
            return replace(relay, format_arg=fn.params.index(param), dialect="printf",
                           embed=embed, embed_mode=mode, via=_place(call))
        if relay.line_arg is not None:  # no text of the caller's, but the caller's line
            return replace(relay, format_arg=relay.line_arg, dialect="printf", embed=template,
                           embed_mode="none", via=_place(call))
    return None


def _place(call: CallSite) -> str:
    """A call's place, as LogFunction.via records it."""
    return f"{call.file}:{call.line}:{call.col}"


def _forwarded(fn: FunctionFacts, call: CallSite, target: LogFunction) -> LogFunction:
    """fn's priority and __LINE__ arguments, when its call passes its own parameters on."""
    pri_arg, pri = None, target.priority
    if target.priority_arg is not None and target.priority_arg < len(call.args):
        arg = call.args[target.priority_arg]
        pri_param = _param_in(arg.text, fn.params)
        if pri_param is not None:
            pri_arg, pri = fn.params.index(pri_param), None
        else:
            pri = priority_text(arg.text, arg.integer)
    line_arg = None
    if target.line_arg is not None and target.line_arg < len(call.args):
        line_param = _param_in(call.args[target.line_arg].text, fn.params)
        line_arg = fn.params.index(line_param) if line_param else None
    return replace(target, name=fn.name, priority_arg=pri_arg, priority=pri, line_arg=line_arg, via="",
                   file=fn.file if fn.static else "")


def call_template(call: CallSite, log_fn: LogFunction) -> Template:
    """The message a call of a log function writes, as a template."""
    if log_fn.format_arg >= len(call.args):
        return Template((), dynamic=True)
    fmt, rest = call.args[log_fn.format_arg], call.args[log_fn.format_arg + 1:]
    if log_fn.embed is None:
        return build_template(log_fn.dialect, fmt, rest)
    if log_fn.embed_mode == "none":
        return log_fn.embed  # the helper's own message, at its caller's line
    if log_fn.embed_mode == "format":
        inner = build_template("printf", fmt, rest)
    else:
        inner = Template((fmt.string,) if fmt.string is not None else (Hole("str", "%s", fmt.text),))
    parts: list[str | Hole] = []
    for part in log_fn.embed.parts:
        parts.extend(inner.parts if isinstance(part, Hole) and part.kind == "message" else (part,))
    return Template(merge_parts(parts))


def _param_in(text: str, params: tuple[str, ...]) -> str | None:
    """The parameter an argument forwards: the argument itself, or one branch of a ?: on it."""
    for param in params:
        if param and (text == param or re.search(rf"\?[^:]*\b{re.escape(param)}\b|:\s*{re.escape(param)}\s*$", text)):
            return param
    return None


SYSLOG_PRIORITIES = ("LOG_EMERG", "LOG_ALERT", "LOG_CRIT", "LOG_ERR", "LOG_WARNING", "LOG_NOTICE", "LOG_INFO", "LOG_DEBUG")


def priority_text(text: str, value: int | None) -> str:
    """A priority as its macro name when written as one or when it evaluates to a level."""
    if re.fullmatch(r"LOG_[A-Z]+", text or ""):
        return text
    if value is not None:
        return SYSLOG_PRIORITIES[value & 7]
    return text


def is_relay(call: CallSite, fn: FunctionFacts, wrapper: LogFunction | None, log_fn: LogFunction) -> bool:
    """A call inside a wrapper (`wrapper`: fn as a log function, None when it is not one) that
    passes its callers' messages on: it forwards fn's own format, or it is the call an
    embedding wrapper writes its argument into (LogFunction.via). Not a message."""
    if wrapper is None:
        return False
    if wrapper.via and wrapper.via == _place(call):
        return True
    if log_fn.format_arg >= len(call.args):
        return False
    return _param_in(call.args[log_fn.format_arg].text, fn.params) is not None and call.args[log_fn.format_arg].string is None
