"""Which labels of a shared `case` an effect inside it belongs to. A case several option codes
share may pick what it writes by the code: dnsmasq's one_opt() lets --enable-tftp=IF fall
through into `case 'I': case '2': case LOPT_NO_DHCP6: case LOPT_NO_DHCP4:`, where `if (option ==
'I') daemon->if_except = new; else if (option == LOPT_TFTP) daemon->tftp_interfaces = new; else
daemon->dhcp_except = new;`: tftp_interfaces is --enable-tftp's list only, not -I's or -2's. The
write's own guards (extract.writes, typed expressions) are evaluated with the switch's variable
given each label; a label under which one of them is false does not write there. Facts in,
labels out; no I/O."""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterable

from srcscan.cexpr import Name, evaluate, strip
from srcscan.model import CallSite, Guard, Write

LabelFilter = Callable[[tuple, str, tuple[str, ...]], tuple]


def case_labels(writes: Iterable[Write], calls: Iterable[CallSite] = ()) -> LabelFilter:
    """A function (labels, target, inner guards as described) -> the labels whose code can
    reach the write: those for which no guard between the `case` and a write of `target` with
    those inner guards is false; the labels as given when no such write is known (a write
    through a pointer) or when none of its guards reads the switch's variable. A call's effect
    (`set_option_bool(OPT_RESOLV_DOMAIN)` under `else if (option == 's')` in the case -s shares
    with --synth-domain) is read from the guards of `calls` under a `case` of the same labels
    with those inner guards: the guards alone decide, whichever call it is."""
    by_target: dict[str, list[tuple[Guard, ...]]] = defaultdict(list)
    for w in writes:
        if not w.local:
            by_target[w.target].append(w.guards)
    by_inner: dict[tuple, list[tuple[Guard, ...]]] = defaultdict(list)
    for c in calls:
        at = _case_at(c.guards)
        if at is not None:
            by_inner[(tuple(c.guards[at].labels), tuple(g.describe() for g in c.guards[at + 1:]))].append(c.guards)

    def labels_for(labels: tuple, target: str, inner: tuple[str, ...]) -> tuple:
        if not inner:
            return labels
        keep: set = set()
        matched = False
        for guards in [*by_target.get(target, ()), *by_inner.get((tuple(labels), inner), ())]:
            at = _case_at(guards)
            if at is None or tuple(g.describe() for g in guards[at + 1:]) != inner:
                continue
            case = guards[at]
            var = strip(case.expr) if case.expr is not None else None
            if not isinstance(var, Name):
                return labels
            matched = True
            keep |= {label for label in labels if not isinstance(label, int) or all(
                _holds(g, var.name, label) is not False for g in guards[at + 1:])}
        return tuple(label for label in labels if label in keep) if matched else labels
    return labels_for


def _case_at(guards: tuple[Guard, ...]) -> int | None:
    """The index of the innermost `case` guard."""
    return next((i for i in range(len(guards) - 1, -1, -1) if guards[i].kind == "case"), None)


def _holds(g: Guard, name: str, value: int) -> bool | None:
    """Whether the code under guard `g` runs when `name` is `value`; None when the guard reads
    anything else (or is not a condition that can be evaluated)."""
    if g.expr is None or g.kind in ("case", "default", "loop"):
        return None
    result = evaluate(g.expr, {name: value})
    if result is None:
        return None
    return bool(result) != g.negated
