"""dnsmasq's rules stand in for <dbus/dbus.h> (libdbus-1-dev, absent where a tree is read) with
a stub header: with it, a D-Bus method handler named only in a vtable local to the function
registering it needs what that function needs (tests/fixtures/dbusstub, dnsmasq's dbus.c shape)."""

from pathlib import Path

from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules, parse_rules
from srcscan.sources import Provenance, SourceTree

ROOT = Path(__file__).parent.parent / "fixtures" / "dbusstub"
RULES = Path(__file__).parent.parent.parent / "rules" / "dnsmasq.toml"


def build(tmp_path, stubs):
    raw = {"project": {"name": "dbusstub"}, "source": {"providers": ["path"]},
           "log_functions": [{"name": "syslog", "priority_arg": 0, "format_arg": 1}],
           "profiles": [{"name": "default", "stub_headers": stubs}]}
    rules = parse_rules(raw, "dbusstub.toml")
    return build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)), tmp_path / "cache", ()).catalog


def requires(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m.requires


def test_the_dbus_stub_lets_the_handler_need_the_bus_option(tmp_path):
    (profile,) = load_rules(str(RULES)).profiles
    catalog = build(tmp_path, dict(profile.stub_headers))
    assert {f.path: f.errors for f in catalog.files}["main.c"] == 0
    assert requires(catalog, "setting servers from D-Bus") == (("-b",),)
    assert requires(catalog, "started") == ()
