"""Tests that never hold because of the values a struct field can hold, read from every store
of it (tests/fixtures/fieldvalues, written for srcscan): a switch's `default:` when every
value stored is one of its case labels, and a bit test when no store can set that bit."""

from srcscan.formats.template import render_normal
from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("fieldvalues")

NEVER = (("false",),)


def by_text(catalog, text: str):
    (m,) = [m for m in catalog.messages if render_normal(m.template) == text]
    return m


def test_a_default_of_a_switch_covering_every_value_stored_is_never_logged(catalog):
    # c->state: calloc(3) (0, ST_INIT), `= ST_INIT`, and set_state(c, ST_...) from each caller
    assert requires(catalog, "unknown state") == NEVER
    texts = [getattr(d, "text", "") for d in by_text(catalog, "unknown state").derivation]
    assert any("ST_READ" in t and "set_state" in t for t in texts), texts
    assert requires(catalog, "state init") != NEVER


def test_a_default_stays_when_a_stored_value_has_no_case(catalog):
    assert requires(catalog, "unknown phase") != NEVER  # `c->phase = ST_READ`, no case ST_READ


def test_a_default_stays_when_a_store_is_arithmetic_or_a_caller_passes_a_number(catalog):
    assert requires(catalog, "unknown step") != NEVER  # `c->step = c->step + 1`
    assert requires(catalog, "unknown mode") != NEVER  # set_mode(c, read_number())


def test_a_bit_no_store_sets_is_never_set(catalog):
    assert requires(catalog, "hashed flag set") == NEVER
    assert requires(catalog, "sched1 flag set") != NEVER  # `c->flags |= F_SCHED1`


def test_a_choice_of_text_on_a_bit_no_store_sets_is_never_taken(catalog):
    # `c->flags & F_HASHED ? "en" : "dis"`: one message per text, only "enabled" is never logged
    assert by_text(catalog, "Hashed = enabled").requires == NEVER
    assert by_text(catalog, "Hashed = disabled").requires != NEVER
    assert by_text(catalog, "One packet = enabled").requires != NEVER  # `c->flags |= F_ONEPACKET`
    assert by_text(catalog, "One packet = disabled").requires != NEVER


def test_a_field_stored_from_unknown_data_is_not_never(catalog):
    assert requires(catalog, "hashed option set") != NEVER  # `c->opts = read_opts()`
    assert requires(catalog, "hashed wire bit") != NEVER  # memcpy(w, ...) fills the struct whole


def test_a_bit_the_parsed_stores_never_set_of_a_struct_not_seen_zeroed_is_only_a_note(catalog):
    # `job *j = malloc(sizeof(*j))`: whatever malloc(3) left may have the bit
    m = by_text(catalog, "job hashed")
    assert m.requires != NEVER
    assert any("may never hold" in u and "zeroing" in u for u in m.uncertain), m.uncertain
    enabled = by_text(catalog, "Job hashed = enabled")
    assert enabled.requires != NEVER
    assert any("may never hold" in u for u in enabled.uncertain), enabled.uncertain
    assert not any("may never hold" in u for u in by_text(catalog, "Job hashed = disabled").uncertain)
    assert not any("may never hold" in u for u in by_text(catalog, "sched1 flag set").uncertain)
