"""Configuration keywords inside blocks, in requirements: keepalived.conf's `weight` given inside
`real_server` inside `virtual_server` (analyze.keywords.replay_levels) can be given only there,
so a requirement needing it needs those blocks' keywords too. A guard's requirement gets the
blocks of the handlers filling the field it tests (within_blocks); a message's requirement,
those of every install of each keyword it still names (with_blocks). Requirements in and out;
no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, AbstractSet, Iterable, Mapping

from srcscan.analyze.nevernull import never_null, non_null_local
from srcscan.cexpr import Call, CExpr, Member, Name, Unary, evaluate, render, strip, walk
from srcscan.model import FunctionFacts, RequirementAnswer, Write
from srcscan.requirement import Atom, Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

# A function run from the handlers of more configuration keywords than this (keepalived's
# read_unsigned_strvec(), shared by a few hundred handlers) is shared parsing code: it needs
# one of them, which is no answer a reader can use; its keywords are left out
# (inherited.few_keywords), and so are the blocks' keywords not every alternative needs.
KEYWORD_LIMIT = 8


def within_blocks(found: Requirement, e: CExpr | None, index: Index) -> Requirement:
    """`found`, a guard's requirement, with the keywords of the blocks around each configuration
    keyword it needs present in every way it holds (`if (vs->quorum_max)` needs `quorum_max`
    given inside `virtual_server`, or inside `vrrp_track_process`: the paths of the handlers
    storing the tested field, Index.keyword_fields, else of every install of the keyword). A
    keyword the guard needs absent in some way it holds (`!multihop`, `x || !multihop`) is left
    as it is here (with_blocks writes its blocks out where the message needs it).
    The same formula wherever a keyword implies its blocks, written out."""
    if e is None or not getattr(index, "keyword_paths", None):
        return found
    named = [a for a in found.atoms() if a.name in index.keyword_paths]
    if not named:
        return found
    members = [(m.field, m.owner) for m in walk(e) if isinstance(m, Member)]
    for a in named:
        given, absent = found.replace({a: Requirement.TRUE}), found.replace({a: Requirement.FALSE})
        if not (absent & ~given).is_false:
            continue  # needs `a` absent in some way it holds
        paths: set[tuple[str, ...]] = set()
        for field, owner in members:
            for struct in ((owner, "") if owner else ("*",)):
                paths |= index.keyword_fields.get((a.name, field, struct), frozenset())
        blocks = Requirement.any_of(Requirement.all_of(Requirement.atom(k) for k in path[:-1])
                                    for path in (paths or index.keyword_paths[a.name]))
        if not blocks.is_true:
            found = (Requirement.atom(a) & blocks & given) | absent
    return found


def keyword_blocks(paths: Mapping[str, Iterable[tuple[str, ...]]]) -> dict[str, Requirement]:
    """Configuration keyword -> what its being given needs of the blocks around it: any of its
    installs' enclosing keywords (Index.keyword_paths; `real_server && virtual_server` or
    `virtual_server` for keepalived's `weight`, among others); keywords of the top level left out."""
    out = {}
    for keyword, found in paths.items():
        blocks = Requirement.any_of(Requirement.all_of(Requirement.atom(k) for k in path[:-1]) for path in found)
        if not blocks.is_true:
            out[keyword] = blocks
    return out


def with_blocks(answer: RequirementAnswer, blocks: Mapping[str, Requirement]) -> RequirementAnswer:
    """The answer (and its per-text answers) with each configuration keyword's blocks
    (keyword_blocks) written out where it needs the keyword given: a keyword is given only
    inside its blocks, so `weight` is `weight && (virtual_server || ...)`, and what the
    requirement says of settings where a keyword is given outside them is dropped (a message
    under `if (x->multihop)` on one path and under its `else` on another needs no keyword, not
    `!multihop || bfd_instance`). Each keyword on its own: where it is given, settings without
    its blocks are left out. Blocks a guard already named for a keyword (the handlers'
    own, optiontests.within_blocks) stay; when there are more than KEYWORD_LIMIT keywords, the
    blocks' keywords that not every alternative needs are left out (a checker keyword of ten
    checkers needs `real_server` and `virtual_server`, and some checker)."""
    requirement = answer.requirement
    named = [a for a in requirement.atoms() if a.name in blocks]
    if named:
        found = requirement
        for a in named:
            atom, inside = Requirement.atom(a), blocks[a.name]
            given, absent = found.replace({a: Requirement.TRUE}), found.replace({a: Requirement.FALSE})
            # Where `a` is given, only settings with its blocks can happen: what the requirement
            # says of the others (`!inside`) may be anything, and "true" there makes the fewest
            # alternatives (`(multihop && bfd_instance) || !multihop` is true).
            given = given | ~inside
            found = (atom & inside & given) | (absent if (absent & ~given).is_false else ~atom & absent)
        outer = _block_keywords(blocks)
        keywords = {x.name for x in found.atoms() if x.name in blocks or x.name in outer}
        if len(keywords) > KEYWORD_LIMIT:
            # no more keywords than inherited.few_keywords lets a function's requirement have:
            # the blocks that not every alternative needs go
            free = {x.name for x in found.atoms() if x.name in outer
                    and not (found & Requirement.atom(x, negated=True)).is_false}
            found = kept_one_of(found, found.exists(lambda x: x.name in free), blocks.keys() | outer, outer)
        requirement = found.simplified()
    texts = tuple((t, with_blocks(r, blocks)) for t, r in answer.texts)
    if requirement == answer.requirement and texts == answer.texts:
        return answer
    return replace(answer, requirement=requirement, texts=texts)


def kept_one_of(requirement: Requirement, fewer: Requirement, keywords: AbstractSet[str],
                blocks: AbstractSet[str]) -> Requirement:
    """`fewer`, `requirement` with some configuration keywords (of `keywords`) left out, unless
    that lets it hold where no keyword is given while `requirement` did not: a keyword its every
    alternative needs one of is no keyword it needs, and leaving them out would read "appears by
    default" (keepalived's system_call_script(), run for some thirty script keywords of many
    blocks). Then it needs what `requirement` needs with none, or one of the keywords its
    alternatives need given (one_of_keywords; those of no block among `blocks` first)."""
    atoms = sorted((a for a in requirement.atoms() if a.name in keywords), key=str)
    none = {a: Requirement.FALSE for a in atoms}
    without = requirement.replace(none)  # what it needs with no keyword given
    if not atoms or (fewer.replace(none) & ~without).is_false:
        return fewer
    found = one_of_keywords(requirement, atoms, blocks, without)
    return (fewer & (without | Requirement.any_of(Requirement.atom(a) for a in found))).simplified()


def one_of_keywords(requirement: Requirement, atoms: list[Atom], blocks: AbstractSet[str],
                    without: Requirement) -> list[Atom]:
    """Keywords of `atoms` one of which `requirement` needs given wherever it does not hold with
    none (`without`), few of them: over its alternatives, the keywords of no block among `blocks`
    that are given in most alternatives not yet covered, one by one, then blocks for the
    alternatives naming none of those (system_call_script: the script keywords, and the
    `vrrp_script` and `MISC_CHECK` blocks, whose ways name no other keyword). Every keyword some
    alternative needs given when these do not cover it (a smallest form widened)."""
    by_text = {str(a): a for a in atoms}
    terms = [frozenset(x for x in alt if x in by_text) for alt in requirement.alternatives()]
    terms = [t for t in terms if t]  # an alternative with no keyword given holds with none
    chosen: set[str] = set()
    for pool in ([t for t in by_text if by_text[t].name not in blocks], list(by_text)):
        while (open_terms := [t for t in terms if not t & chosen]):
            counts = {k: sum(k in t for t in open_terms) for k in pool}
            best = max(sorted(counts), key=lambda k: counts[k], default=None)
            if best is None or not counts[best]:
                break
            chosen.add(best)
    found = [by_text[t] for t in sorted(chosen)]
    rest = requirement & ~without
    if found and (rest & ~Requirement.any_of(Requirement.atom(a) for a in found)).is_false:
        return found
    return [a for a in atoms if not (requirement.replace({a: Requirement.TRUE})
                                     & ~requirement.replace({a: Requirement.FALSE})).is_false]


_BLOCK_KEYWORDS: dict[int, tuple[Mapping[str, Requirement], frozenset[str]]] = {}


def _block_keywords(blocks: Mapping[str, Requirement]) -> frozenset[str]:
    """The keywords of blocks (every atom of `blocks`' requirements), kept for the last
    mapping asked about: with_blocks asks for each message with the same one."""
    hit = _BLOCK_KEYWORDS.get(id(blocks))
    if hit is None or hit[0] is not blocks:
        _BLOCK_KEYWORDS.clear()
        hit = _BLOCK_KEYWORDS[id(blocks)] = (blocks, frozenset(x.name for r in blocks.values() for x in r.atoms()))
    return hit[1]


def keyword_value_test(e: CExpr, atoms: Iterable[str], index: Index, necessary: bool | None,
                       unknown: Requirement | None) -> Requirement | None:
    """A truth test of a field (`tsc->weight`) that configuration keywords (`atoms`, as
    optiontests reads the test) fill with a value read from the file: `weight 0` stores 0 as
    well as leaving the keyword out does, so the test holding needs one of the keywords, but its
    failing (`if (!tsc->weight)`) says nothing of them. Returns the keywords with a run-time test
    beside them (`unknown`: optiontests' stand-in, FALSE where the test is read as a negated
    part, so that `!tsc->weight` needs nothing; a test atom when not given), any of the other
    atoms besides; None when `e` is no plain field test or no atom is such a keyword (a keyword
    storing a constant other than 0, keepalived's `current_vrrp->nopreempt = true`, is given
    exactly when the field is not 0: Index.keyword_nonzero, nonzero_stores)."""
    member = strip(e)
    names = getattr(index, "keyword_names", frozenset())
    if not names or not isinstance(member, Member) or necessary is True:
        return None
    atoms = sorted(atoms)
    nonzero = getattr(index, "keyword_nonzero", frozenset())
    valued = [a for a in atoms if a in names and (a, member.field) not in nonzero
              and getattr(index.by_name.get(a), "kind", "") == "config"]
    if not valued:
        return None
    if unknown is None:
        unknown = Requirement.atom(Atom(f"?{render(e)}", test=e))
    others = Requirement.any_of(Requirement.atom(a[1:], negated=True) if a.startswith("!") else Requirement.atom(a)
                                for a in atoms if a not in valued)
    return others | (Requirement.any_of(Requirement.atom(a) for a in valued) & unknown)


def nonzero_stores(functions: Mapping[str, FunctionFacts], writes: Iterable[Write], sides: Mapping[str, frozenset[str]],
                   local_values: Mapping[tuple[str, str], Mapping[str, tuple]],
                   broken: frozenset[tuple[str, str]] = frozenset()) -> frozenset[tuple[str, str]]:
    """(keyword, field) pairs whose every store by the keyword's handlers (`sides`:
    Index.keyword_sides, function key -> keywords) is never 0: a constant other than 0, an
    address, the result of a function that never returns NULL (analyze.nevernull: keepalived's
    STRDUP, MALLOC), or a local holding only such results (`current_vs->s_svr = new` after
    `new = MALLOC(...)`). A keyword given sets such a field, so `!vs->s_svr` needs it absent;
    others (a number read from the file) may be 0 with the keyword given. `broken`: functions
    whose parse met an error (nevernull.broken_functions), not judged never NULL."""
    found = never_null(functions.values(), local_values, broken)
    stores: dict[tuple[str, str], bool] = {}
    for w in writes:
        if w.local or "." not in w.target or w.value is None or w.op != "=":
            continue
        fn = next((f for f in (functions.get(f"{w.file}:{w.function}"), functions.get(w.function))
                   if f is not None and f.file == w.file), None)
        keywords = sides.get(fn.key, ()) if fn is not None else ()
        if not keywords:
            continue
        value = strip(w.value)
        values = local_values.get((w.file, w.function), {})
        constant = evaluate(value)
        nonzero = (constant is not None and constant != 0) or isinstance(value, Unary) and value.op == "&" \
            or _calls_never_null(value, found) or non_null_local(value, values, found)
        field = w.target.rsplit(".", 1)[-1]
        for k in keywords:
            stores[(k, field)] = stores.get((k, field), True) and nonzero
    return frozenset(k for k, v in stores.items() if v)


def _calls_never_null(e: CExpr, found: frozenset[str]) -> bool:
    return isinstance(e, Call) and isinstance(strip(e.function), Name) and strip(e.function).name in found
