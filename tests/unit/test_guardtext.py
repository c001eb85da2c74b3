"""guardtext.split: a condition clang kept as text (a RecoveryExpr) read back as its chain of
`&&` and `||`, simple tests typed, every other part an Other of its own text."""

from srcscan.analyze.guardtext import split
from srcscan.cexpr import Binary, Const, Member, Name, Other, Unary


def test_a_chain_gives_back_its_simple_tests_and_keeps_the_rest_as_text():
    e = split("0 == rc && hctx->conf.verify /*(after SNI)*/ && hs_state(&hctx->ssl) >= 3", ("rc",))
    assert e == Binary("&&", Binary("&&", Binary("==", Const(0, "0"), Name("rc", "param")),
                                    Member(Member(Name("hctx"), "conf"), "verify", arrow=False)),
                       Other("hs_state(&hctx->ssl) >= 3"))


def test_or_binds_looser_than_and_and_parentheses_group():
    e = split("a || (b && !c->d)")
    assert e == Binary("||", Name("a"), Binary("&&", Name("b"), Unary("!", Member(Name("c"), "d"))))


def test_an_arrow_is_no_comparison_and_null_is_zero():
    assert split("x->y == NULL && z") == Binary("&&", Binary("==", Member(Name("x"), "y"), Const(0, "NULL")), Name("z"))
    assert split("a->b >= 3 || a << 2 > c") == Binary("||", Binary(">=", Member(Name("a"), "b"), Const(3, "3")),
                                                       Other("a << 2 > c"))


def test_text_without_a_chain_is_left_alone():
    assert split("f(a && b)") is None
    assert split("hs_state(x) >= 3") is None
    assert split("a ? b : c && d") is None  # the conditional binds looser than the chain


def test_octal_and_hexadecimal_numbers_are_read_as_c_reads_them():
    """`0644` is octal in C (Python's int(x, 0) refuses a leading zero): a condition kept as
    text with such a number must not stop the catalog (review of session 18)."""
    from srcscan.cexpr import Binary, Const

    e = split("a->b && mode == 0644")
    assert isinstance(e, Binary) and isinstance(e.right, Binary)
    assert e.right.right == Const(0o644, "0644")
    assert split("x && y != 0x1F").right.right == Const(31, "0x1F")
    assert split("x && y == 0").right.right == Const(0, "0")


def test_a_catalog_commit_that_is_no_commit_id_reads_nothing(tmp_path):
    """srcscan.sources.git.show_file takes only a 40-hex commit id: a catalog's provenance
    could carry `--output=FILE`, which git would read as an option (review of session 18)."""
    from srcscan.sources.git import show_file

    assert show_file(tmp_path, "--output=" + str(tmp_path / "x"), "a.c") is None
    assert not (tmp_path / "x").exists()
    assert show_file(tmp_path, "0" * 40, "a.c") is None  # not a repository: git fails, no exception
