"""Containment and equality of diagrams without building one (srcscan.requirement).

`f <= g` and "f equals g wherever the care set holds" are what the analyses ask most
(Requirement.is_false, is_true, ==). Built as whole formulas, `(f & care) == false` makes the
conjunction of `f` with the care set (every option's level facts) node by node: 1.8 ms a call
on keepalived 2.3.4, 30 s of its analyses. CUDD answers the same questions by walking both
diagrams and stopping at the first counterexample, creating no node: Cudd_bddLeq(dd, f, g)
(1 when f implies g) and Cudd_EquivDC(dd, F, G, D) (1 when F and G agree wherever the
don't-care set D is 0) (CUDD 3.0 cuddBddIte.c, cuddSat.c). dd.cudd (0.6) does not expose
them; its extension module holds CUDD linked in with these symbols exported, so they are
called through ctypes with the manager's and the nodes' pointers:

- a node: `int(f) - 2` (dd.cudd.Function.__int__ is the node pointer plus 2: cudd.pyx
  `_ddref_to_int`); its complement is the pointer with bit 0 flipped (Cudd_Not);
- the manager: the `DdManager *manager` field of dd.cudd.BDD's object, after the object
  header and the Cython method table (cudd.c `struct __pyx_obj_2dd_4cudd_BDD`). The layout is
  checked before use: the fields after it must be the BDD's `vars` and `_index_of_var`, and
  Cudd_ReadOne of that manager must be the node of `BDD.true`.

When any check fails (another dd version, or dd without CUDD: dd.autoref), `compare()` is
None and srcscan.requirement builds the formulas as before. No answer differs: both ways
decide the same implication exactly.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any, Callable, NamedTuple

try:
    import dd.cudd as _cudd
except ImportError:  # pragma: no cover - dd built without CUDD
    _cudd = None

_HEADER = object.__basicsize__  # PyObject_HEAD: reference count and type
_POINTER = ctypes.sizeof(ctypes.c_void_p)


class Compare(NamedTuple):
    """Containment tests on diagrams of one dd.cudd manager. `leq(f, g)`: every setting that
    makes f true makes g true. `equal_on(f, g, care)`: f and g agree wherever `care` holds.
    `leq_not(f, g)`: f implies not g (f and g never hold together)."""

    leq: Callable[[Any, Any], bool]
    leq_not: Callable[[Any, Any], bool]
    equal_on: Callable[[Any, Any, Any], bool]


def compare(manager: Any) -> Compare | None:
    """CUDD's own tests for `manager` (a dd.cudd.BDD), or None when they cannot be reached
    safely (see the module's docstring): only on CPython, where `id()` is the object's address.
    The tests raise ValueError for a node of another manager (dd's own operators do the same);
    they hold the manager, so its CUDD manager outlives them."""
    if sys.implementation.name != "cpython" or _cudd is None or type(manager) is not _cudd.BDD or type(manager).__basicsize__ < _HEADER + 5 * _POINTER:
        return None
    try:
        lib = ctypes.PyDLL(_cudd.__file__)  # keeps the GIL: CUDD is not thread-safe
        leq, equiv_dc, read_one = lib.Cudd_bddLeq, lib.Cudd_EquivDC, lib.Cudd_ReadOne
    except (OSError, AttributeError):  # pragma: no cover - a build without the symbols exported
        return None
    field = [ctypes.c_void_p.from_address(id(manager) + _HEADER + k * _POINTER).value for k in range(4)]
    if field[2] != id(manager.vars) or field[3] != id(manager._index_of_var):
        return None  # not the layout this module knows
    leq.argtypes, leq.restype = [ctypes.c_void_p] * 3, ctypes.c_int
    equiv_dc.argtypes, equiv_dc.restype = [ctypes.c_void_p] * 4, ctypes.c_int
    read_one.argtypes, read_one.restype = [ctypes.c_void_p], ctypes.c_void_p
    dd_manager = field[1]
    if not dd_manager or read_one(dd_manager) != int(manager.true) - 2:
        return None

    def mine(*nodes: Any) -> None:
        """Raises ValueError unless every node is of `manager` (a foreign node would make
        CUDD walk another manager's diagram)."""
        if any(n.bdd is not manager for n in nodes):
            raise ValueError("a node of another BDD manager")

    def node_leq(f: Any, g: Any) -> bool:
        """f implies g (Cudd_bddLeq)."""
        mine(f, g)
        return leq(dd_manager, int(f) - 2, int(g) - 2) == 1

    def node_leq_not(f: Any, g: Any) -> bool:
        """f implies not g: Cudd_bddLeq with g's complemented edge."""
        mine(f, g)
        return leq(dd_manager, int(f) - 2, (int(g) - 2) ^ 1) == 1

    def node_equal_on(f: Any, g: Any, care: Any) -> bool:
        """f and g agree wherever care holds: Cudd_EquivDC with the don't-care set not care."""
        mine(f, g, care)
        return equiv_dc(dd_manager, int(f) - 2, int(g) - 2, (int(care) - 2) ^ 1) == 1

    return Compare(node_leq, node_leq_not, node_equal_on)
