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
from srcscan.model import Guard, Write

LabelFilter = Callable[[tuple, str, tuple[str, ...]], tuple]


def case_labels(writes: Iterable[Write]) -> LabelFilter:
    """A function (labels, target, inner guards as described) -> the labels whose code can
    reach the write: those for which no guard between the `case` and a write of `target` with
    those inner guards is false; the labels as given when no such write is known (a call's
    effect, a write through a pointer) or when none of its guards reads the switch's variable."""
    by_target: dict[str, list[Write]] = defaultdict(list)
    for w in writes:
        if not w.local:
            by_target[w.target].append(w)

    def labels_for(labels: tuple, target: str, inner: tuple[str, ...]) -> tuple:
        if not inner:
            return labels
        keep: set = set()
        matched = False
        for w in by_target.get(target, ()):
            at = _case_at(w.guards)
            if at is None or tuple(g.describe() for g in w.guards[at + 1:]) != inner:
                continue
            case = w.guards[at]
            var = strip(case.expr) if case.expr is not None else None
            if not isinstance(var, Name):
                return labels
            matched = True
            keep |= {label for label in labels if not isinstance(label, int) or all(
                _holds(g, var.name, label) is not False for g in w.guards[at + 1:])}
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
