"""Results read as always NULL (analyze.nevernull.always_null, deadtests.null_result_test,
session 17's c63d39f/9f76b18) where another value can come back: found by the review of
session 17 (branch rev) on tests/fixtures/nullgaps, written for this test.
Each test below the first failed on the code of 9f76b18 and passes since the fix of its gap."""

from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("nullgaps")
NEVER = (("false",),)


def test_a_result_that_is_null_on_every_return_is_never_set(catalog):
    # a.c's static probe() returns NULL only: its `if (w)` never holds
    assert only_message(catalog, "a probe: %s").requires == NEVER


def test_a_static_function_of_the_same_name_elsewhere_is_another_function(catalog):
    assert only_message(catalog, "b probe: %s").requires != NEVER


def test_a_stub_an_else_branch_defines_is_not_every_build(catalog):
    assert only_message(catalog, "feature: %s").requires != NEVER


def test_a_file_scope_variable_a_call_writes_before_the_test_is_not_the_result(catalog):
    assert only_message(catalog, "warning: %s").requires != NEVER
