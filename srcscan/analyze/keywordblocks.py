"""Configuration keywords inside blocks, in requirements: keepalived.conf's `weight` given inside
`real_server` inside `virtual_server` (analyze.keywords.replay_levels) can be given only there,
so a requirement needing it needs those blocks' keywords too. A guard's requirement gets the
blocks of the handlers filling the field it tests (within_blocks); a message's requirement,
those of every install of each keyword it still names (with_blocks). Requirements in and out;
no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Iterable, Mapping

from srcscan.cexpr import CExpr, Member, walk
from srcscan.model import RequirementAnswer
from srcscan.requirement import Requirement

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
        outer = {x.name for r in blocks.values() for x in r.atoms()}  # the keywords of blocks
        keywords = {x.name for x in found.atoms() if x.name in blocks or x.name in outer}
        if len(keywords) > KEYWORD_LIMIT:
            # no more keywords than inherited.few_keywords lets a function's requirement have:
            # the blocks that not every alternative needs go
            free = {x.name for x in found.atoms() if x.name in outer
                    and not (found & Requirement.atom(x, negated=True)).is_false}
            found = found.exists(lambda x: x.name in free)
        requirement = found.simplified()
    texts = tuple((t, with_blocks(r, blocks)) for t, r in answer.texts)
    if requirement == answer.requirement and texts == answer.texts:
        return answer
    return replace(answer, requirement=requirement, texts=texts)
