"""A function whose parse met an error is not judged never NULL (analyze.nevernull.broken_functions):
libclang drops the statements naming a declaration it could not type, returns among them, so the
recorded returns may be a part (tests/fixtures/nevernull-broken: find()'s `return h;` is dropped,
its one recorded return is xalloc()'s result)."""

from pathlib import Path

import pytest

from srcscan.analyze.nevernull import broken_functions, never_null
from srcscan.analyze.options import find_locals
from srcscan.extract import extract_file
from tests.conftest import only_message as message, parse_c, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_a_function_parsed_with_errors_is_not_never_null(tmp_path):
    unit = parse_c(tmp_path, (FIXTURES / "nevernull-broken" / "main.c").read_text(), "main.c")
    facts = extract_file(unit, "default")
    find = next(f for f in facts.functions if f.name == "find")
    assert len(find.returns) == 1  # the parse dropped `return h;`: what the check guards against
    broken = broken_functions(facts.functions, [facts])
    assert broken == {("main.c", "find")}
    assert never_null(facts.functions, find_locals([facts]), broken) == {"xalloc"}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "nevernull-broken", FIXTURES / "precision" / "daemon-rules.toml",
                        tmp_path_factory.mktemp("nevernull-broken") / "cache")


def test_a_null_test_of_its_result_stays_a_runtime_test(catalog):
    assert message(catalog, "no handle for the key").requires == ()   # was (("false",),): never logged
    assert message(catalog, "no buffer").requires == (("false",),)    # xalloc() parsed whole: never NULL
    assert "never returns NULL" in str(message(catalog, "no buffer").derivation)
