"""Which process writes a message, by the state and the arguments of the paths that reach it
(tests/fixtures/process-state): the keepalived 2.3.4 audit's kinds. A call whose arguments make
the log function write to a file (the requirements analysis' "false" path) gives its process
no message; state the parent sets only in a run that never forks (-t) is not inherited by the
children; a pointer only one child fills guards code the others never run."""

from pathlib import Path

import pytest

from srcscan.render.common import derivation_text
from tests.conftest import only_message as message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "process-state", FIXTURES / "precision" / "daemon-rules.toml",
                        tmp_path_factory.mktemp("state") / "cache")


def test_a_dump_the_parent_writes_only_to_a_file_is_not_the_parents(catalog):
    m = message(catalog, "global dump")
    assert m.processes == ("checker", "vrrp")
    assert m.requires == (("!-t", "-d"),)  # the children start after the -t run exits
    texts = [derivation_text(d) for d in m.derivation]
    assert any("parent" in t and "print_parent_data" in t for t in texts), texts


def test_state_set_only_in_the_parents_test_run_is_not_inherited(catalog):
    m = message(catalog, "entering MASTER")
    assert m.processes == ("vrrp",)


def test_the_address_of_a_field_through_a_pointer_does_not_write_the_pointer():
    from srcscan.extract.logsetup import text_writes

    found = text_writes("f(&vrrp_data->vrrp);\nq = & data -> n;\nf(&kw);\nf(&kw.active);\n++p;\nf(&arr[1]);\n")
    assert found == {"kw": [3, 4], "q": [2], "p": [5], "arr": [6]}
