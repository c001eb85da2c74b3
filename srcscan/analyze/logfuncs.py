"""Which functions are log functions: the rules' list plus every wrapper that forwards
its format parameter to one of them.

    void conf_write(FILE *fp, const char *format, ...)
    { ... vlog_message(LOG_INFO, format, args); }

makes `conf_write` a log function with format argument 1 and fixed priority LOG_INFO.
Pure: FunctionFacts in, LogFunction rows out.
"""

from __future__ import annotations

import re
from dataclasses import replace

from srcscan.model import CallSite, FunctionFacts
from srcscan.rules import LogFunction, Rules


def infer_log_functions(rules: Rules, functions: list[FunctionFacts]) -> dict[str, LogFunction]:
    """Log functions by name: declared ones, then wrappers found to a fixed point."""
    known = {f.name: f for f in rules.log_functions}
    if not rules.infer_wrappers:
        return known
    changed = True
    while changed:
        changed = False
        for fn in functions:
            if fn.name in known or not fn.params:
                continue
            wrapper = _as_wrapper(fn, known)
            if wrapper is not None:
                known[fn.name] = wrapper
                changed = True
    return known


def _as_wrapper(fn: FunctionFacts, known: dict[str, LogFunction]) -> LogFunction | None:
    for call in fn.calls:
        target = known.get(call.callee) if not call.indirect else None
        if target is None or target.format_arg >= len(call.args):
            continue
        fmt_param = _param_in(call.args[target.format_arg].text, fn.params)
        if fmt_param is None:
            continue
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
        return replace(target, name=fn.name, format_arg=fn.params.index(fmt_param), priority_arg=pri_arg,
                       priority=pri, line_arg=line_arg)
    return None


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


def is_forwarding_call(call: CallSite, fn: FunctionFacts, log_fn: LogFunction) -> bool:
    """A call inside a wrapper that passes the wrapper's own format on: not a message."""
    if log_fn.format_arg >= len(call.args):
        return False
    return _param_in(call.args[log_fn.format_arg].text, fn.params) is not None and call.args[log_fn.format_arg].string is None
