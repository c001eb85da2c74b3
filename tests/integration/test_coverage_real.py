"""Preprocessor coverage on Debian's keepalived 2.3.3 and lighttpd 1.4.79.

Each fact below was checked in the unpacked trees. "Reachable" leaves out what no build on
this machine compiles: `#if 0`, contradictions, and branches that need a macro the system
or stub headers fix otherwise (OpenSSL 1.0 code with OpenSSL 3 headers installed).
"""

import pytest

from conftest import same_worker


STATUSES = {"never", "contradiction", "fixed", "not_taken", "call_lost", "parse_failed", "no_includer"}


@pytest.fixture(scope="module")
def keepalived(debian):
    return debian("keepalived", "2.3.3")


@pytest.fixture(scope="module")
def lighttpd(debian):
    return debian("lighttpd", "1.4.79")


def message(built, file, line):
    (m,) = [m for m in built.catalog.messages if (m.file, m.line) == (file, line)]
    return m


@pytest.mark.parametrize("release", [pytest.param("keepalived", marks=same_worker("keepalived-2.3")),
                                     pytest.param("lighttpd", marks=same_worker("lighttpd"))])
def test_at_least_99_percent_of_reachable_call_sites(release, request):
    cov = request.getfixturevalue(release).catalog.sections.to_dict()["coverage"]
    assert cov["sites"] > 900 and cov["parsed"] / (cov["sites"] - cov["unreachable"]) >= 0.99
    assert cov["parsed_extra_profiles"] > 100  # the default profile alone is far from it
    assert len(cov["not_covered"]) == cov["sites"] - cov["parsed"]
    for n in cov["not_covered"]:
        assert n["status"] in STATUSES and n["reason"], n
    # With the calls read from the text (branches this machine's headers rule out), at least
    # 99 % of the token scan outside `#if 0` blocks is in the catalog.
    in_catalog = cov["parsed"] + cov["read_from_text"]
    assert in_catalog / (cov["sites"] - cov["in_if0"]) >= 0.99
    assert cov["in_if0"] == sum(1 for n in cov["not_covered"] if n["reason"].startswith("#if 0"))


@same_worker("keepalived-2.3")
def test_keepalived_strict_coverage_and_what_an_extra_profile_brings(keepalived):
    cov = keepalived.catalog.sections.to_dict()["coverage"]
    never = cov["by_status"].get("never", 0) + cov["by_status"].get("contradiction", 0)
    assert cov["parsed"] / (cov["sites"] - never) >= 0.99
    # track_process.c:368 `#ifdef _TRACK_PROCESS_DEBUG_`, a debug switch the default profile leaves off.
    m = message(keepalived, "keepalived/core/track_process.c", 370)
    assert (m.format, m.build) == ("update process status no change for %s", "defined(_TRACK_PROCESS_DEBUG_)")
    assert any("_TRACK_PROCESS_DEBUG_" in p["name"] and "keepalived/core/track_process.c" in p["files"]
               for p in cov["profiles"])
    # check_api.c:514 `#ifdef _WITH_BFD_`, on in the default profile.
    assert message(keepalived, "keepalived/check/check_api.c", 515).build == "defined(_WITH_BFD_)"
    # check_parser.c:537 `#if 0`
    listed = {(n["file"], n["line"]): n for n in cov["not_covered"]}
    assert listed[("keepalived/check/check_parser.c", 543)]["status"] == "never"
    assert "_WITH_BFD_" in cov["default_profile"]["features_turned_on"]


@same_worker("lighttpd")
def test_entries_outside_any_if_carry_no_build(keepalived, lighttpd):
    for built in (keepalived, lighttpd):
        plain = [m for m in built.catalog.messages if not m.build]
        assert len(plain) > 300
    # vrrp.c:1920, the BACKUP state message, sits in no #if
    assert message(keepalived, "keepalived/vrrp/vrrp.c", 1920).build == ""


@same_worker("lighttpd")
def test_lighttpd_windows_branch_is_in_the_catalog(lighttpd):
    # connections.c:500 `#ifdef _WIN32` (the WSAGetLastError() switch) around the recv error.
    m = message(lighttpd, "src/connections.c", 512)
    assert m.format == "connection closed - recv failed" and "defined(_WIN32)" in m.build
    cov = lighttpd.catalog.sections.to_dict()["coverage"]
    assert cov["by_status"]["never"] >= 40  # lighttpd keeps many `#if 0` blocks with log calls
