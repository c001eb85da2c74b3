"""TextCalls (analyze/unparsedcallers.py): where the tree's text calls a function, declarations
and definitions left out, also those whose type stands on the line above (lighttpd's style)."""

from srcscan.analyze.unparsedcallers import TextCalls

TEXT = """static int
load(const char *name);

static int helper(void)
{
	return load("a");
}

static int
load(const char *name)
{
	return 0;
}

int run(int x)
{
	if (x)
		load("b");
	return
load("c");
}
"""


def test_a_declaration_or_definition_with_its_type_on_the_line_above_is_no_call():
    assert TextCalls({"f.c": TEXT}).lines("load") == [("f.c", 6), ("f.c", 18), ("f.c", 20)]


TWINS = """long
#ifdef CHECK
now_r(const char *file)
#else
now(void)
#endif
{
	return 0;
}
"""


def test_a_name_under_a_directive_stays_where_this_builds_twin_is_defined():
    # (another build's name of the function this build defines below: read as its call, as before)
    assert TextCalls({"t.c": TWINS}).lines("now_r") == [("t.c", 3)]


def test_the_twin_under_a_directive_is_told_apart_from_a_call_in_a_body():
    calls = TextCalls({"t.c": TWINS, "f.c": TEXT})
    assert calls.under_directive("t.c", 3) and not calls.under_directive("f.c", 6)
