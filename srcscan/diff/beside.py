"""A requirement one side's analysis reads for a message's neighbours but not for the message:
srcscan's reading, not the release, when the release keeps the message under guards that read
the same and its old neighbours, reading the same objects, already needed it."""

from __future__ import annotations

import re

from srcscan.catalog import Catalog, Message
from srcscan.diff.text import build_formula

_OBJECT = re.compile(r"\b([A-Za-z_]\w*)\s*->")


def required_beside(a: Message, b: Message, old: Catalog, new: Catalog) -> bool:
    """Is the change of `requires` from old message a to new message b srcscan's analysis?
    Yes when b only adds option atoms (each alternative of a's requirement is one of b's with
    atoms added, or a has none), and each atom b adds is required by every alternative of
    another message of a's function, on a's side, whose guards read an object a's guards read
    (`vs->...`): keepalived 2.2.7's validate_check_config() writes `Virtual server %s has no
    real servers - ignoring` under `list_empty(&vs->rs)`, its neighbours under `vs->ha_suspend
    ...` need virtual_server (a struct only alloc_vs() allocates), 2.3.3's vs_end_handler()
    writes it under `list_empty(&current_vs->rs)` needing virtual_server too. The catalogs
    (`new`) are not read further; the caller checks that the guards read the same."""
    gained = _atoms(b) - _atoms(a)
    if not gained or _atoms(a) - _atoms(b) or not _objects(a):
        return False
    beside = [m for m in old.messages if m.file == a.file and m.function == a.function and m is not a
              and m.requires and _objects(m) & _objects(a)]
    return all(any(all(atom in alternative for alternative in m.requires) for m in beside) for atom in gained)


def _atoms(m: Message) -> set[str]:
    return {atom for alternative in m.requires for atom in alternative}


def _objects(m: Message) -> set[str]:
    """The names whose members m's guards read (`vs` of `vs->ha_suspend`)."""
    return {name for guard in m.conditions for name in _OBJECT.findall(guard)}


def narrowed_with_calls_added(field: str, a: Message, b: Message, callers) -> bool:
    """Is the change of `field` (requires or processes) from a to b srcscan's analysis, while
    the release only added calls of the message's function? A call more only adds ways to
    reach the message (alternatives, processes): a requirement that became narrower (each new
    alternative holds an old one's atoms, and more) or processes that became fewer, the guards
    and build the same and the function's old calls (as written, with their guards) all still
    there, is srcscan reading the same code another way. keepalived 2.3.3's add_meta()
    (nftables.c, the same text) gained a call in the VRRP child's new
    setup_parent_link_local(); 2.2.7's catalog read it in the parent process too, which
    neither release runs it in (the auditors' dk2 changed-3). `callers` is a diff.analysis
    _Callers; the caller checks that the guards read the same."""
    if (a.file, a.function) != (b.file, b.function) or build_formula(a.build) != build_formula(b.build) \
            or not callers.grew(a.file, a.function, b.function):
        return False
    if field == "processes":
        return set(b.processes) < set(a.processes)
    if field != "requires" or b.requires in ((), (("false",),)) or a.requires == (("false",),):
        return False
    return all(any(set(old) <= set(new) for old in a.requires) for new in b.requires) or not a.requires
