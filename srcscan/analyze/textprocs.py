"""Which processes write each text of a site whose callers' arguments select its text
(analyze.callneeds.text_answers): only those that run one of the calls selecting it.

keepalived 2.3.4's notify_script_init() (lib/notify.c:1174) writes "Failed to set default user
for %s script %s" with the script's kind its callers pass: "quorum" only from the checker's
quorum_up_handler()/quorum_down_handler() (check/check_parser.c:887, 896). The parent, BFD and
VRRP processes reach notify_script_init() through global_defs and vrrp_instance keywords, but
install the virtual_server keywords inactive (lib/parser.c:864-866), so their regions hold
neither handler: the "quorum" text is the checker's alone. The selecting calls are the
requirements analysis' (a DecidedByCallers derivation with SELECTED). Answers in, answers out;
no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from srcscan.model import DecidedByCallers, InProcessWith, NotInProcess, ProcessAnswer, ReachedBy, RequirementAnswer, SiteKey

SELECTED = "the calls whose arguments select this text"  # DecidedByCallers.condition of a site's text


def text_processes(answers: Mapping[SiteKey, ProcessAnswer], requirements: Mapping[SiteKey, RequirementAnswer],
                   model) -> dict[SiteKey, ProcessAnswer]:
    """`answers` with, for each site with per-text requirements (RequirementAnswer.texts), a
    per-text ProcessAnswer (ProcessAnswer.texts) leaving out the processes whose region
    (processes.Model.region_for the text's requirement) holds none of the functions making the
    calls that select the text. A text some call srcscan could not place may select, or one
    whose answer would keep no process, keeps the site's processes."""
    out = dict(answers)
    for key, req in requirements.items():
        answer = answers.get(key)
        if answer is None or not req.texts or len(answer.processes) < 2:
            continue
        per_text = tuple((template, narrowed) for template, own in req.texts
                         if (narrowed := _narrowed(answer, own, model)) is not answer)
        if per_text:
            out[key] = replace(answer, texts=per_text)
    return out


def _narrowed(answer: ProcessAnswer, own: RequirementAnswer, model) -> ProcessAnswer:
    """The site's `answer` for the text whose requirements answer is `own`: without the
    processes running no call that selects it (the site's answer itself when none drops out)."""
    graph = model.graph
    paths = [p for d in own.derivation if isinstance(d, DecidedByCallers) and d.condition == SELECTED for p in d.paths]
    live = [(file, caller) for file, _, caller, need in paths if need != "false"]
    callers = {graph.key_for(caller, file) for file, caller in live}
    if not live or None in callers:
        return answer
    region = model.region_for(own.requirement.alternatives())
    # (a process running the site only in a mode, keepalived's parent under -t, which parses
    # every process's keywords and writes report_config_error() to stderr, is kept: its
    # region in that mode is not the one looked at here)
    moded = {d.process for d in answer.derivation if isinstance(d, InProcessWith)}
    drop = [q for q in answer.processes if q not in moded and not (region.get(q, set()) & callers)]
    if not drop or len(drop) == len(answer.processes):
        return answer
    names = ", ".join(sorted({f"{caller}()" for _, caller in live}))
    return replace(answer, processes=tuple(q for q in answer.processes if q not in drop),
                   derivation=tuple(d for d in answer.derivation if not (isinstance(d, ReachedBy) and d.process in drop))
                   + tuple(NotInProcess(q, f"this text is selected only by calls in {names}, which it never runs")
                           for q in drop))
