"""analyze/arraystores.element_written: which names some text writes an element of."""

from srcscan.analyze.arraystores import element_written


def test_subscripted_writes_are_found_and_zero_stores_left_out():
    text = {"a.c": "void f(void) { x->iface[i] = c; y[1] [2] = 3; z[1][2] = 4; w[0] = 0; v[0] = '\\0'; "
                   "u[2]++; q[a[1]] == 2; r[0] |= 0; }"}
    # z[1][2] = 4 was missed before (a second subscript right after the first was not followed)
    assert element_written(text) == frozenset({"iface", "y", "z", "u", "r"})


def test_comments_and_literals_write_nothing():
    assert element_written({"a.c": 'void f(void) { /* s[0] = 1; */ puts("t[0] = 2"); }'}) == frozenset()
