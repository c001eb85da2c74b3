"""Log sites and their texts: the first two answers of the pipeline.

    log_message(LOG_INFO, "%s", up ? "link up" : "link down");

is one LogSite (one call of a log function, keyed by its SiteKey) with two texts. Every
later analysis answers per SiteKey; catalog.assemble builds the messages once, at the end,
from the sites and those answers.

Pure: FunctionFacts and rules in, LogSites and {SiteKey: texts} out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping

from srcscan.analyze.builttext import expand_built_text
from srcscan.analyze.constants import chosen_ways, call_variants, configure_macros, expand_helper_constants
from srcscan.analyze.logfuncs import call_template, infer_log_functions, is_relay, log_function_of, priority_text
from srcscan.formats.template import render_printf
from srcscan.model import CallSite, FunctionFacts, LogSite, MessageText, SiteKey, Write
from srcscan.rules import LogFunction, Rules


def find_log_sites(rules: Rules, functions: list[FunctionFacts]) -> tuple[dict[str, LogFunction], list[LogSite]]:
    """(log functions by name as infer_log_functions gives them, one LogSite per call of a
    log function that writes a message of its own, in the order of `functions` and their
    calls); a call two build profiles saw with different arguments is one site (its
    `alternates`). A wrapper's call that passes its caller's message on is not a site (is_relay),
    nor a call with no argument at the format's place (another function of that name:
    lighttpd 1.4.85's internal log_error_write(errh, b, pri))."""
    log_functions = infer_log_functions(rules, functions)
    sites: dict[SiteKey, LogSite] = {}
    for fn in functions:
        wrapper = log_functions.get(fn.key)
        for call in fn.calls:
            log_fn = log_function_of(log_functions, fn.file, call.callee) if not call.indirect else None
            if log_fn is None or is_relay(call, fn, wrapper, log_fn) or log_fn.format_arg >= len(call.args):
                continue
            known = sites.get(call.key)
            if known is None:
                sites[call.key] = LogSite(call, log_fn, fn.key)
            elif call != known.call and (call, log_fn) not in known.alternates:
                sites[call.key] = replace(known, alternates=known.alternates + ((call, log_fn),))
    return log_functions, list(sites.values())


def site_texts(sites: Iterable[LogSite], rules: Rules, functions: Iterable[FunctionFacts],
               log_functions: Mapping[str, LogFunction], writes: Iterable[Write] = (),
               pointed: frozenset[str] = frozenset()) -> dict[SiteKey, tuple[MessageText, ...]]:
    """SiteKey -> the texts the site can write, in order: one per choice between literals in
    its arguments (analyze.constants.call_variants), and, for a site in a helper that puts its
    string parameters into the message, one per set of constants its callers pass
    (expand_helper_constants); in a text builder of the rules, one per text its callers'
    calls select (analyze.builttext; `writes`, extract.writes' records, say which flag bits
    only calls carry); each text once. Sites read from the text get their one text, as written.
    `pointed`: the functions whose address is taken (FileFacts.refs' targets)."""
    unknown = configure_macros(rules)
    functions = list(functions)
    out: dict[SiteKey, tuple[MessageText, ...]] = {}
    helpers: list[tuple[LogSite, MessageText]] = []
    for site in sites:
        calls = ((site.call, site.log_function),) + site.alternates
        if site.extracted == "parse":
            variants = [(v, log_fn) for c, log_fn in calls for v in call_variants(c, unknown)]
        else:
            variants = [(site.call, site.log_function)]
        # Choices in arguments the message does not show (`have_brace(f) ? INCLUDE_B : INCLUDE_M`,
        # a width `i ? 6 : 5`) give the same text twice: one entry per site and text.
        made: dict[MessageText, list[CallSite]] = {}  # each text: the variants giving it
        for v, log_fn in variants:
            made.setdefault(message_text(v, log_fn), []).append(v)
        texts = tuple(dict.fromkeys(message_text(v, log_fn) for v, log_fn in variants))
        out[site.key] = texts
        if site.extracted == "parse":
            # a text made by one way of a choice is written only under that way's test
            # (keepalived's `is_realloc ? "realloc" : "free"`, which its callers pass)
            helpers.extend((replace(site, call=replace(site.call, guards=site.call.guards + chosen_ways(
                site.call, made[t], unknown))), t) for t in texts)
    # A text builder's texts come from its callers' calls (analyze/builttext), not from the
    # constants they pass for its string parameters one by one.
    builders = rules.text_builders
    expanded = expand_built_text([(s, t) for s, t in helpers if s.call.function in builders], functions, builders, writes) \
        + expand_helper_constants([(s, t) for s, t in helpers if s.call.function not in builders], functions,
                                  lambda file, name: log_function_of(log_functions, file, name) is not None, pointed)
    grouped: dict[SiteKey, list[MessageText]] = {}
    for site, text in expanded:
        grouped.setdefault(site.key, []).append(text)
    out.update({key: tuple(dict.fromkeys(texts)) for key, texts in grouped.items()})
    return out


def message_text(call: CallSite, log_fn: LogFunction) -> MessageText:
    """The template, printf format, priority and printed line of one call of `log_fn`."""
    template = call_template(call, log_fn)
    if log_fn.priority_arg is not None and log_fn.priority_arg < len(call.args):
        arg = call.args[log_fn.priority_arg]
        priority = priority_text(arg.text, arg.integer)
    else:
        priority = log_fn.priority or ""
    fmt_arg = call.args[log_fn.format_arg] if log_fn.format_arg < len(call.args) else None
    if fmt_arg is not None and fmt_arg.string is not None and log_fn.dialect == "printf" and log_fn.embed is None:
        fmt = fmt_arg.string
    else:
        fmt = render_printf(template) if not template.dynamic else (fmt_arg.text if fmt_arg else "")
    return MessageText(template=template, format=fmt, priority=priority, line=printed_line(call, log_fn),
                       callee=call.callee, written=call.written)


def printed_line(call: CallSite, log_fn: LogFunction) -> int:
    """The line the daemon prints: the value its `__LINE__` argument took, when it has one.

    That is the compiler's answer even inside a multi-line macro invocation, where the
    call's own line and the line of `__LINE__` differ.
    """
    if log_fn.line_arg is not None and log_fn.line_arg < len(call.args):
        value = call.args[log_fn.line_arg].integer
        if value is not None and value > 0:
            return value
    return call.line


def text_site(call: CallSite, log_fn: LogFunction) -> LogSite:
    """A site read from the text of a branch no parse holds (textcalls.call_from_text)."""
    return LogSite(call, log_fn, call.function, extracted="text")

