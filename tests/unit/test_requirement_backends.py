"""Shared code comparing a field each calling module stores its own constant in
(tests/fixtures/plugbackends, written for srcscan: lighttpd's http-header-glue.c and its
backend modules)."""

from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("plugbackends")


def test_shared_code_reached_by_every_module_needs_any_of_their_keys(catalog):
    assert requires(catalog, "empty response line") == (("cgi.assign",), ("fastcgi.server",), ("proxy.server",))


def test_a_comparison_with_one_module_constant_needs_that_module(catalog):
    # `if (opts->backend == BACKEND_PROXY && ...)` where BACKEND_PROXY is 0, what calloc leaves:
    # mod_cgi and mod_fastcgi store their own constants when they take the request (lighttpd
    # 1.4.85's http-header-glue.c:961, mod_cgi.c:1159, mod_proxy.c:1173)
    assert requires(catalog, "proxy response missing CR") == (("proxy.server",),)
    # the other way: the modules storing another constant (zerofields, already)
    assert requires(catalog, "non-proxy response line: %s") == (("cgi.assign",), ("fastcgi.server",))
