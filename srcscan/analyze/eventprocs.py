"""Which processes write a message under a case of an event receiver (the rules' `[[events]]`):
only those that send one of the case's codes, or that call the receiver other than through the
send function. dnsmasq's fatal_event() is reached in the TCP child too, through is_check_date()
-> queue_event(EVENT_RELOAD) -> send_event(); its `case EVENT_TIME_ERR:` message is sent only by
main() (send_event(err_pipe[1], EVENT_TIME_ERR, ...)), which the child does not run. The sending
calls are the requirements analysis' (a DecidedByCallers derivation with SENT). Answers in,
answers out; no I/O."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping

from srcscan.model import DecidedByCallers, LogSite, NotInProcess, ProcessAnswer, ReachedBy, RequirementAnswer, SiteKey

SENT = "the calls sending the event code of its case"  # DecidedByCallers.condition of such a case


def event_processes(answers: Mapping[SiteKey, ProcessAnswer], requirements: Mapping[SiteKey, RequirementAnswer],
                    sites: Iterable[LogSite], model, send_names: Iterable[str]) -> dict[SiteKey, ProcessAnswer]:
    """`answers` with, for each site under a receiver's case, the processes left out that run no
    call sending one of the case's codes and call the site's function only through a function of
    `send_names` (in the region processes.Model.region_for gives the site's requirement); a
    process the walk found another way, or an answer that would keep no process, stays as it is."""
    graph = model.graph
    names = frozenset(send_names)
    send_keys = frozenset(k for k, fn in graph.functions.items() if fn.name in names)
    out = dict(answers)
    if not send_keys:
        return out
    for site in sites:
        answer, req = answers.get(site.key), requirements.get(site.key)
        if answer is None or req is None or len(answer.processes) < 2:
            continue
        senders = {graph.key_for(caller, file) for d in req.derivation if isinstance(d, DecidedByCallers)
                   and d.condition == SENT for file, _, caller, need in d.paths if need != "false"} - {None}
        if not senders or site.function_key not in graph.graph:
            continue
        region = model.region_for(req.requirement.alternatives())
        callers = set(graph.graph.predecessors(site.function_key))
        drop = [q for q in answer.processes if q in region and not (region[q] & senders)
                and (callers & region[q]) and (callers & region[q]) <= send_keys]
        if not drop or len(drop) == len(answer.processes):
            continue
        fn = graph.functions.get(site.function_key)
        why = (f"{fn.name if fn else site.call.function}() is reached there only through "
               f"{', '.join(sorted(names))}(), and no call there sends the code of its case")
        out[site.key] = replace(answer, processes=tuple(q for q in answer.processes if q not in drop),
                                derivation=tuple(d for d in answer.derivation if not (
                                    isinstance(d, ReachedBy) and d.process in drop)) + tuple(
                                    NotInProcess(q, why) for q in drop))
    return out
