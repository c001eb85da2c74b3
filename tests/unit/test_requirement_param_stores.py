"""Issue "every answer true": values keywords store through a helper given a field's address.
keepalived's SSL block's `ca` handler calls handle_ssl_file(strvec, &check_data->ssl->cafile,
...), which hands the pointer to set_string(), ending in `*var = set_value(strvec)`; the field
had no write at all, so dump_ssl()'s `if (ssl->cafile)` needed nothing. The call is a write of
the field it points at (analyze.paramstores), in the handler: the test needs `ca`
(tests/fixtures/reqc-pointers, a keepalived-shaped tree written for this test, with
reqk-blocks' keyword parser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, parse_c, tree_catalog, with_keyword_parser

from srcscan.extract.writes import extract_writes

ROOT = Path(__file__).parent.parent / "fixtures" / "reqc-pointers"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqc-pointers", tmp_path_factory.mktemp("pointers"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    # `if (ssl_data) dump_ssl();`: ssl_data is set only by the ssl handler, on each of its
    # runs (globalflags.handler_only), so `ssl` too
    ("CA-file : %s", [["ca", "ssl"]]),              # through handle_file() and set_string()
    ("Certificate file : %s", [["cert", "ssl"]]),   # a local's address, then a direct store
    ("router id = %s", [["router_id"]]),            # a global struct field's address
    ("pid file %s", []),                            # main() passes the address: set whatever the configuration says
])
def test_stores_through_pointer_parameters(catalog, text, wanted):
    assert sorted(sorted(a) for a in only_message(catalog, text).requires) == wanted


def test_store_through_a_parameter_is_a_write_fact(tmp_path):
    unit = parse_c(tmp_path, "void set(const char **var, const char *v) { if (!*var) *var = v; }\n")
    (w,) = [w for w in extract_writes(unit) if w.target.startswith("*")]
    assert (w.function, w.target, w.text, w.param, w.local) == ("set", "*var", "v", True, True)


def test_a_with_run_reusing_the_tree_adds_the_stores_once(tmp_path, monkeypatch):
    """A `--with` run of a tree this process built reuses its scan (pipeline._PREPARED), which
    holds the stores through pointer parameters already: the processes analysis sees each such
    write once, as in the plain run (they were added twice before)."""
    import srcscan.analyze.process_answers as process_answers
    import srcscan.pipeline as pipeline

    seen = []
    real = process_answers.analyze_processes

    def counting(context, requirements):
        seen.append(sorted((w.file, w.line, w.target) for f in context.scan.files for w in f.writes))
        return real(context, requirements)

    prepares = []
    real_prepare = pipeline._prepare

    def counting_prepare(*args, **kwargs):
        prepares.append(1)
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(process_answers, "analyze_processes", counting)
    monkeypatch.setattr(pipeline, "_prepare", counting_prepare)
    monkeypatch.setattr(pipeline, "_PREPARED", pipeline._PREPARED.__class__())  # this test's own, dropped after
    tree = with_keyword_parser("reqc-pointers", tmp_path)
    plain = tree_catalog(tree, ROOT / "rules.toml", tmp_path / "cache")
    option = "ssl"
    tree_catalog(tree, ROOT / "rules.toml", tmp_path / "cache", (option,))
    assert len(prepares) == 1  # the --with run reused the plain run's _Prepared (the path this test is about)
    assert len(seen) == 2 and any(t.startswith("check_data") or "ssl" in t for _, _, t in seen[0])
    assert seen[1] == seen[0]
