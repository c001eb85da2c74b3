"""Issue 13 (every answer true): a helper's text selected per caller is written only by calls
that reach it in a build with its log line, and only by the calls whose arguments select it.
keepalived 2.3.4's lib/memory.c:517 logs "free ... (stop_bfd)" for FREE_CONST_PTR() in stop_bfd
(bfd_daemon.c:107-108), which is under `#ifndef _MEM_CHECK_LOG_`, while the line is under `#ifdef
_MEM_CHECK_LOG_`: no build has both (audit23 rows 10-14). Its "realloc ... (stop_bfd)" text came
from keepalived_free()'s callers, which pass `is_realloc` false (rows 15-19), and the `file` of one
FREE() call was joined to the function name of another. tests/fixtures/memtexts is written for
this test."""

from __future__ import annotations

import pytest
from srcscan.formats.template import render_normal
from tests.conftest import fixture_catalog

catalog = fixture_catalog("memtexts")


def _texts(catalog) -> set[str]:
    return {render_normal(m.template) for m in catalog.messages if m.file == "memory.c"}


@pytest.mark.parametrize("text", [
    "free %p at %s:%d (drop_buffer)",
    "realloc %p at %s:%d (grow_buffer)",
    "free %p at %s:%d (%s)",      # FREE() uses the base build parses as free(): other functions' names
])
def test_real_caller_texts(catalog, text):
    assert text in _texts(catalog)


@pytest.mark.parametrize("text", [
    "free %p at %s:%d (stop_child)",       # its FREE() is in no build with the log line
    "realloc %p at %s:%d (stop_child)",
    "realloc %p at %s:%d (drop_buffer)",   # FREE() passes is_realloc false
    "free %p at %s:%d (grow_buffer)",      # REALLOC() passes it true
])
def test_impossible_caller_texts(catalog, text):
    assert text not in _texts(catalog)


def test_caller_text_needs_its_call(catalog):
    (m,) = [m for m in catalog.messages if render_normal(m.template) == "free %p at %s:%d (drop_buffer)"]
    assert all("-L" in alternative for alternative in m.requires)


def test_null_through_wrapper(catalog):
    """dnsmasq's log6_quiet() hands its callers' NULL on to log6_packet()'s `string ? string : ""`."""
    texts = {render_normal(m.template) for m in catalog.messages if m.file == "wrap.c"}
    assert {"packet REQUEST: ignored", "packet REQUEST: ", "packet RELEASE: "} <= texts
    assert not {"packet REQUEST: %s", "packet RELEASE: %s"} & texts
