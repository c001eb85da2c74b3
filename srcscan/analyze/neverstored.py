"""Fields of the options' own struct that no code of the build stores in: a test that one is
set never holds.

The options' reading (analyze.optionvalues) takes a field an option's case stores in, through
a file-scope variable, to hold 0 until a store runs: dnsmasq 2.90's `daemon->lease_change_command`
(`struct daemon *daemon`, allocated zeroed and `memset(daemon, 0, sizeof(struct daemon))` in
read_opts(), option.c) is set only by --dhcp-script, so a test of it needs -6. A field of the same
variable that no code of the build stores in at all keeps that 0: Debian's build has no
HAVE_LUASCRIPT, so --dhcp-luascript's `daemon->luascript = opt_string_alloc(arg)` is not
compiled (option.c), and main()'s `(daemon->lease_change_command || daemon->luascript)` before
create_helper() (dnsmasq.c) needs -6.

Only when sure: the test is of the field itself (`v->f`, `!v->f`, `v->f != 0`), hung straight
from a file-scope variable some option's effect stores a field of (Option.effects' `v.f`
targets); no write of the build stores in a field of that name of that struct or of a struct not
known (Index.field_writes: through the variable, a local or a parameter), none steps it
(`v->f++`, wholefills.stepped_fields, read in the whole text), no code takes its address
(`&v->f`), and no object of its struct is filled whole (Index.whole_filled). Facts in, an
answer out; no I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from srcscan.analyze.fnexprs import function_expressions
from srcscan.analyze.wholefills import addressed
from srcscan.cexpr import Binary, CExpr, Member, Name, evaluate, strip
from srcscan.model import FunctionFacts

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def never_stored_test(e: CExpr, index: Index, fn: FunctionFacts | None) -> bool:
    """Whether test `e` (in `fn`) reads a field of the options' variable that no code stores in
    (module docstring), so that the field is 0 and `e` (its truth) never holds."""
    e = strip(e)
    if isinstance(e, Binary) and e.op == "!=" and evaluate(e.right) == 0:
        e = strip(e.left)
    if not isinstance(e, Member) or not e.owner or fn is None:
        return False
    base = strip(e.base)
    if not isinstance(base, Name) or base.ref != "var" or base.name in index.locals_declared.get((fn.file, fn.name), ()):
        return False
    return _options_variable(base.name, index) and not _stored(e.field, e.owner, index)


def _options_variable(variable: str, index: Index) -> bool:
    """Whether some option's effect stores a field of file-scope `variable` (`daemon.x`)."""
    return any(effect.target.startswith(variable + ".") for o in index.by_name.values() for effect in o.effects)


def _stored(field: str, owner: str, index: Index) -> bool:
    """Whether some code may store in `field` of struct `owner` (module docstring)."""
    if any(w.owner in (owner, "") for w in index.field_writes.get(field, ())):
        return True
    if owner in index.whole_filled or field in index.stepped_fields:
        return True
    return (field, owner) in _addressed(index) or (field, "") in _addressed(index)


def _addressed(index: Index) -> frozenset[tuple[str, str]]:
    """The (field, struct) pairs whose address some function takes (`&daemon->x`), kept in Index.memo."""
    key = ("neverstored", "addressed")
    if key not in index.memo:
        functions = index.graph.functions.values() if index.graph is not None else ()
        index.memo[key] = frozenset((m.field, m.owner) for fn in functions for x in function_expressions(fn, ())
                                    for m in addressed(x))
    return index.memo[key]
