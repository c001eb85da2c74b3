"""Messages logged only for a config key set inside a condition block of some kinds.

lighttpd's configuration is a global block and condition blocks (`$SERVER["socket"] == ...
{ ... }`, `$HTTP["host"] == ... { ... }`), each a data_config whose `comp` field says what it
tests (plugin_config.h). config_plugin_values_init() (configfile-glue.c) warns of a socket key
set in a block that is not `$SERVER["socket"] ==`: `if (cpk[i].scope == T_CONFIG_SCOPE_SOCKET &&
(dc->comp != COMP_SERVER_SOCKET || dc->cond != CONFIG_COND_EQ))`. srcscan's requirements name
keys, not the block a key is in, so such a message's answer lacks the block; it says so in
`uncertain`, naming the test.

Facts in: the sites' answers (model.RequirementAnswer) and their own guards (model.Guard, typed C
expressions); `fields`, the rules' `[config] condition_fields` (member names of the condition
block's struct that tell blocks apart). Out: the answers given the note.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping

from srcscan.cexpr import Member, render, walk
from srcscan.model import CallSite, RequirementAnswer, SiteKey


def condition_block_notes(answers: Mapping[SiteKey, RequirementAnswer], calls: Iterable[CallSite],
                          fields: Iterable[str]) -> dict[SiteKey, RequirementAnswer]:
    """SiteKey -> its answer with a note in `uncertain`, for each call of `calls` not answered
    "never" whose own guards test a member named in `fields` (`dc->comp`)."""
    names = frozenset(fields)
    out: dict[SiteKey, RequirementAnswer] = {}
    if not names:
        return out
    for call in calls:
        answer = answers.get(call.key)
        if answer is None or answer.requirement.is_false:
            continue
        tests = [f"`{render(g.expr)}` ({call.file}:{g.line})" for g in call.guards if g.expr is not None
                 and any(isinstance(x, Member) and x.field in names for x in walk(g.expr))]
        if tests:
            note = (f"logged only for config set in a condition block of some kinds (it tests the block: "
                    f"{'; '.join(tests)}); srcscan does not tell condition blocks apart: the requirement shown "
                    f"leaves the block out")
            out[call.key] = replace(answer, uncertain=answer.uncertain + (note,))
    return out
