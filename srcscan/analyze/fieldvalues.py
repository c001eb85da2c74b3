"""The values a struct field can hold, read from every store of it in the tree, and the tests
they rule out: a switch's `default:` whose cases name every value stored, and a bit test no
store can make hold.

lighttpd 1.4.85's gw_write_request() logs "(debug) unknown state" under the `default:` of
`switch (hctx->state)` (gw_backend.c), whose cases are the five GW_STATE_* enumerators
(gw_backend.h). The only stores in `state` of that struct are `hctx->state = GW_STATE_INIT`
(handler_ctx_init, handler_ctx_clear) and gw_set_state()'s `hctx->state = state`, and every
call of gw_set_state() passes a GW_STATE_* enumerator: the default is never taken.
keepalived 2.3.4's dump_vs() writes "   Hashed = %sabled" with `vs->flags & IP_VS_SVC_F_HASHED
? "en" : "dis"` (check_data.c), and no store in `flags` of virtual_server_t sets that bit (the
parser's `|=` set others, `&=` clears, `= 0`): "Hashed = enabled" is never written.

Only when sure (values_of answers None otherwise). The field's struct is one every object of
which a zeroing allocation made and no code uses by value or fills whole
(zerofields.zeroed_structs), so it starts 0; the field is never stepped or changed by a compound
assignment the writes facts do not record (wholefills.stepped_fields) and nothing takes its
address (`&vs->flags` handed to a call may write it); no write through a pointer of an unknown
struct stores in a field of that name; every store of it written in any file of the tree
(`->flags =`, `.flags |=`, found in the text) is one the parse holds (a statement a parse with
errors dropped, or a macro's body, would be unseen). A stored value counts when it is an
enumerator (for a switch) or a constant (for bits: `|` of constants, `x & K`, a copy of the same
field), or a parameter of the storing function that is not assigned in it and that every call of
that function passes such a value (the function's address never taken, every call of it written
in the tree one the parse holds). A value from anywhere else (a call's result, arithmetic, a copy
from another struct, memcpy(3)) gives no answer. The switch's labels are read from its file's
text, without those of a nested switch; a preprocessor conditional in its body must hold no
label and balanced braces in each branch.

When the stores the parse holds rule a test out but one of the whole-object conditions fails (a
struct not seen zeroed, a field of that name stepped somewhere or stored through a struct the
parse could not name, a store in the text no parse holds), the message keeps its requirement
and says in `uncertain` that it may never be logged, and why srcscan cannot be sure (field_notes;
not for a struct of a system header, one filled whole or whose field's address is taken, nor
without a store the parse holds). Facts and the files' texts in, answers out; no I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping

from srcscan.analyze.constants import call_variants, configure_macros, mark_unknown
from srcscan.analyze.fnexprs import function_expressions
from srcscan.analyze.sites import message_text
from srcscan.analyze.wholefills import addressed
from srcscan.analyze.zerofields import zeroed_structs
from srcscan.cexpr import Binary, CExpr, Cond, Member, Name, Unary, evaluate, render, strip
from srcscan.model import CallSite, FunctionFacts, Guard, GuardAt, LogSite, RequirementAnswer, SiteKey, Write
from srcscan.preprocessor.lex import blank_comments_and_literals
from srcscan.requirement import Requirement
from srcscan.rules import Rules

_TESTS = ("if", "else", "early-return", "and", "or", "ternary")
_STORE = r"(?:->|\.)\s*{field}\s*(?:=(?!=)|\|=|&=|\^=|\+=|-=|\*=|/=|%=|<<=|>>=)"


@dataclass(frozen=True)
class Stored:
    """What the stores of one field can put in it. `names`: the enumerators stored (None when
    some store is not an enumerator); `bits`: every bit a store can set (None when not known);
    `zeros`: enumerator names whose value is 0 (the value the zeroing allocation leaves);
    `where`: the stores as text, for the derivation; `doubts`: what keeps srcscan from being sure
    that these are all the values (a struct not seen zeroed, a store it cannot place)."""

    names: frozenset[str] | None
    bits: int | None
    zeros: frozenset[str]
    where: str
    doubts: tuple[str, ...] = ()  # why the parsed stores may not be all (then only a note is said)


class FieldValues:
    """The stores of every field of the tree, read on demand per (field, struct)
    (Member.owner) and kept."""

    def __init__(self, functions: Iterable[FunctionFacts], writes: Iterable[Write], texts: Mapping[str, str],
                 key_for: Callable[[str, str], str | None], whole: frozenset[str], stepped: frozenset[str],
                 pointed: frozenset[str]):
        self.functions = list(functions)
        self.writes = tuple(writes)
        self.texts = {rel: blank_comments_and_literals(t) for rel, t in texts.items()}
        self.key_for, self.stepped, self.pointed = key_for, stepped, pointed
        self.structs = zeroed_structs(self.functions, self.writes, nested=True, whole=whole)
        self.whole = whole
        self.by_field: dict[str, list[Write]] = defaultdict(list)
        for w in self.writes:
            if not w.local and "." in w.target:
                self.by_field[w.target.rsplit(".", 1)[-1]].append(w)
        self.by_key = {fn.key: fn for fn in self.functions}
        self._addressed: set[tuple[str, str]] | None = None
        self.memo: dict[tuple[str, str], Stored | None] = {}

    def values_of(self, field: str, owner: str) -> Stored | None:
        """What the stores of `field` of the struct `owner` can put in it; None when not sure."""
        if (field, owner) not in self.memo:
            self.memo[(field, owner)] = self._read(field, owner)
        return self.memo[(field, owner)]

    def _read(self, field: str, owner: str) -> Stored | None:
        if not owner or owner.startswith("/") or owner in self.whole or (field, owner) in self.addressed():
            return None  # a system header's struct, or filled from data srcscan does not see: not even a doubt
        stores = self.by_field.get(field, [])
        doubts = []
        if owner not in self.structs:
            doubts.append(f"not every object of its struct ({owner}) is seen made by a zeroing allocation")
        if field in self.stepped:
            doubts.append(f"a field named {field} is stepped or changed by `++`, `--` or a compound assignment "
                          f"somewhere, whatever its struct")
        if unowned := sorted({f"{w.file}:{w.line}" for w in stores if not w.owner}):
            doubts.append(f"a field named {field} of a struct the parse could not name is stored in at "
                          f"{', '.join(unowned[:3])}")
        if unparsed := self.unparsed_stores(field, stores):
            doubts.append(f"a store in a field named {field} no parse holds is written at {', '.join(unparsed[:3])}")
        names: set[str] | None = set()
        bits: int | None = 0
        zeros: set[str] = set()
        where = []
        for w in (w for w in stores if w.owner == owner):
            if w.value is None or w.op not in ("=", "|=", "&="):
                return None
            if w.op != "=":
                names = None  # `|=`, `&=`: not an enumerator stored
            if w.op == "&=":
                where.append(f"{w.file}:{w.line} `&= {w.text}` (clears only)")
                continue
            found = self._values(w)
            if found is None:
                return None
            stored, stored_bits, stored_zeros, text = found
            zeros |= stored_zeros
            if names is not None:
                names = names | stored if stored is not None else None
            bits = bits | stored_bits if bits is not None and stored_bits is not None else None
            if names is None and bits is None:
                return None
            where.append(f"{w.file}:{w.line} {text}")
        if doubts and not where:
            return None  # no store the parse holds: its values come from elsewhere (an initializer, a copy)
        return Stored(frozenset(names) if names is not None else None, bits, frozenset(zeros),
                      "; ".join(dict.fromkeys(where)), tuple(doubts))

    def _values(self, w: Write) -> tuple[frozenset[str] | None, int | None, frozenset[str], str] | None:
        """(enumerator names, bits, enumerators of value 0, text) the store `w` can put in its
        field; None when neither is known."""
        value = strip(w.value)
        if isinstance(value, Name) and value.ref == "param":
            return self._passed(w, value.name)
        names, zeros = _enumerators([value])
        bits = _bits(value, w.target.rsplit(".", 1)[-1], w.owner)
        if names is None and bits is None:
            return None
        return names, bits, zeros, f"`{w.op} {w.text}`"

    def _passed(self, w: Write, param: str) -> tuple[frozenset[str] | None, int | None, frozenset[str], str] | None:
        """The values every call of `w`'s function passes for its parameter `param`."""
        key = self.key_for(w.function, w.file)
        fn = self.by_key.get(key) if key else None
        if fn is None or param not in fn.params or fn.name in self.pointed or any(
                x.param and x.target == param for x in self.writes if x.file == fn.file and x.function == fn.name):
            return None
        position = fn.params.index(param)
        calls = [(f, c) for f in self.functions for c in f.calls
                 if c.callee == fn.name and not c.indirect and self.key_for(c.callee, c.file) == key]
        if any(position >= len(c.exprs) for _, c in calls) or not self._calls_parsed(fn, calls):
            return None
        args = [strip(c.exprs[position]) for _, c in calls]
        names, zeros = _enumerators(args)
        bits = 0
        for a in args:
            b = _bits(a, "", "")
            bits = None if b is None or bits is None else bits | b
        if names is None and bits is None:
            return None
        shown = ", ".join(sorted({a.name if isinstance(a, Name) else str(evaluate(a)) for a in args}))
        return names, bits, zeros, f"{fn.name}()'s {param}, which its calls give as {shown or 'nothing'}"

    def addressed(self) -> set[tuple[str, str]]:
        if self._addressed is None:
            own: dict[tuple[str, str], list[Write]] = defaultdict(list)
            for w in self.writes:
                own[(w.file, w.function)].append(w)
            self._addressed = {(m.field, m.owner) for fn in self.functions
                               for e in function_expressions(fn, own.get((fn.file, fn.name), ())) for m in addressed(e)}
        return self._addressed

    def unparsed_stores(self, field: str, stores: list[Write]) -> list[str]:
        """The stores in a field of that name written in the tree's files that no parse holds
        (no parsed write at that file and line), as `file:line`."""
        lines = {(w.file, w.line) for w in stores}
        pattern = re.compile(_STORE.format(field=re.escape(field)))
        return [f"{rel}:{line}" for rel, text in sorted(self.texts.items()) if field in text
                for m in pattern.finditer(text) if (rel, line := _line(text, m.start())) not in lines]

    def _calls_parsed(self, fn: FunctionFacts, calls: list[tuple[FunctionFacts, CallSite]]) -> bool:
        """Whether every use of `fn`'s name written in the tree's files is its definition or a
        call the parse holds."""
        lines = {(c.file, c.line) for _, c in calls}
        pattern = re.compile(rf"\b{re.escape(fn.name)}\b")
        for rel, text in self.texts.items():
            if fn.name not in text:
                continue
            for m in pattern.finditer(text):
                line = _line(text, m.start())
                if (rel, line) not in lines and not (rel == fn.file and _declares(text, m)):
                    return False
        return True


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _declares(text: str, m: re.Match) -> bool:
    """Whether the name at `m` is declared there (`static void f(` at a line's start, its type
    before it), not used."""
    start = text.rfind("\n", 0, m.start()) + 1
    before = text[start:m.start()]
    return bool(before.strip()) and not re.search(r"[=(,;{}!&|?:+\-]|\breturn\b", before)


def _enumerators(values: Iterable[CExpr]) -> tuple[frozenset[str] | None, frozenset[str]]:
    """(names, those of value 0) when every value is an enumerator; (None, ()) otherwise."""
    names, zeros = set(), set()
    for v in values:
        v = strip(v)
        if not isinstance(v, Name) or v.ref != "enum":
            return None, frozenset()
        names.add(v.name)
        if v.value == 0:
            zeros.add(v.name)
    return frozenset(names), frozenset(zeros)


def _bits(e: CExpr, field: str, owner: str) -> int | None:
    """Every bit `e` can have: a constant's, the same field's own (0: nothing new), `a | b`,
    `a & K`, `c ? a : b`; None when not known."""
    e = strip(e)
    value = evaluate(e)
    if value is not None:
        return value if value >= 0 else None
    if isinstance(e, Member) and field and e.field == field and e.owner == owner:
        return 0
    if isinstance(e, Binary) and e.op in ("|", "^", "&"):
        left, right = _bits(e.left, field, owner), _bits(e.right, field, owner)
        if e.op == "&":
            return left & right if left is not None and right is not None else left if right is None else right
        return left | right if left is not None and right is not None else None
    if isinstance(e, Cond):
        yes, no = _bits(e.yes, field, owner), _bits(e.no, field, owner)
        return yes | no if yes is not None and no is not None else None
    return None


def switch_labels(text: str, line: int) -> frozenset[str] | None:
    """The case labels of the switch statement starting on `line` of `text` (blanked), as
    written (`GW_STATE_INIT`), without those of a switch nested in it; None when not sure (no
    switch there, a preprocessor line in its body, a label that is not a name or a number)."""
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    start = sum(len(x) + 1 for x in lines[:line - 1])
    m = re.compile(r"\bswitch\s*\(").search(text, start, start + len(lines[line - 1]))
    if m is None:
        return None
    at = _close(text, m.end() - 1)
    body = re.compile(r"\s*\{").match(text, at + 1) if at is not None else None
    if body is None:
        return None
    end = _close(text, body.end() - 1)
    if end is None or not _plain_regions(text[body.end():end]):
        return None
    return _labels(text[body.end():end])


def _plain_regions(body: str) -> bool:
    """Whether each preprocessor conditional in `body` (`#if` ... `#endif`) holds no case label
    and as many `{` as `}` (its branches cannot change which labels the switch has)."""
    depth, region = 0, []
    for line in body.split("\n"):
        directive = re.match(r"\s*#\s*(\w+)", line)
        word = directive.group(1) if directive else ""
        if word.startswith("if"):
            depth += 1
        elif word == "endif" or word.startswith("el") and depth == 1:
            depth -= word == "endif"
            if depth == 0 or word != "endif":  # each branch on its own
                chunk = "\n".join(region)
                if re.search(r"\bcase\b|\bdefault\s*:", chunk) or chunk.count("{") != chunk.count("}"):
                    return False
                region = []
        elif depth > 0:
            region.append(line)
        elif directive:
            return False  # a #define or #undef in the body
    return depth == 0


def _labels(body: str) -> frozenset[str] | None:
    labels, depth, i = set(), 0, 0
    token = re.compile(r"\bswitch\s*\(|\bcase\b([^:]*):|[{}]")
    while (m := token.search(body, i)) is not None:
        i = m.end()
        if m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            depth -= 1
        elif m.group(0).startswith("switch"):
            close = _close(body, m.end() - 1)  # skip the nested switch: its head and body
            inner = re.compile(r"\s*\{").match(body, close + 1) if close is not None else None
            end = _close(body, inner.end() - 1) if inner is not None else None
            if end is None:
                return None
            i = end + 1
        else:
            label = m.group(1).strip()
            if not re.fullmatch(r"[A-Za-z_]\w*|\d+", label):
                return None
            labels.add(label)
    return frozenset(labels)


def _close(text: str, opening: int) -> int | None:
    """The offset of the bracket closing the one at `opening`; None when unbalanced."""
    pairs = {"(": ")", "{": "}"}
    first = text[opening]
    depth = 0
    for i in range(opening, len(text)):
        if text[i] == first:
            depth += 1
        elif text[i] == pairs[first]:
            depth -= 1
            if depth == 0:
                return i
    return None


def default_test(call: CallSite, values: FieldValues) -> tuple[Guard, str, bool] | None:
    """A `default:` guard of the call on `switch (p->field)` whose cases name every value a
    store puts in the field (and the 0 a zeroing allocation leaves): (the guard, why, whether
    sure: Stored.doubts); None when there is none."""
    for g in call.guards:
        if g.kind != "default" or g.labels != ("default",) or g.expr is None:
            continue
        e = strip(g.expr)
        if not isinstance(e, Member):
            continue
        stored = values.values_of(e.field, e.owner)
        if stored is None or stored.names is None:
            continue
        labels = switch_labels(values.texts.get(call.file, ""), g.line)
        if labels is None or not stored.names <= labels:
            continue
        zero = sorted(labels & stored.zeros or ({"0"} & labels))
        if stored.doubts:
            return g, (f"every value the parsed stores put in {e.field} is one of its cases ({stored.where}), "
                       f"but srcscan cannot be sure these are all: {'; '.join(stored.doubts)}"), False
        if zero:
            return g, (f"{g.describe()} never holds: every value stored in {e.field} is one of its cases (its "
                       f"struct starts zeroed, 0 is {zero[0]}; stores: {stored.where})"), True
    return None


def bit_test(call: CallSite, values: FieldValues) -> tuple[Guard, str, bool] | None:
    """A guard of the call needing `p->field & M` non-zero where no store can set a bit of M:
    (the guard, why, whether sure); None when there is none."""
    for g in call.guards:
        found = never_set(g, values)
        if found is not None:
            return (g,) + found
    return None


def never_set(g: Guard, values: FieldValues) -> tuple[str, bool] | None:
    """(why, whether sure) the guard `g` never holds because it needs a bit no store sets;
    None when not so."""
    if g.expr is None or g.kind not in _TESTS:
        return None
    for member, mask in _set_bits(g.expr, not g.negated):
        stored = values.values_of(member.field, member.owner)
        if stored is None or stored.bits is None or stored.bits & mask:
            continue
        if stored.doubts:
            return (f"no parsed store in {member.field} sets a bit of {mask:#x} ({stored.where or 'none'}), but "
                    f"srcscan cannot be sure these are all: {'; '.join(stored.doubts)}"), False
        return (f"{g.describe()} never holds: no store in {member.field} sets a bit of {mask:#x} (its struct "
                f"starts zeroed; stores: {stored.where or 'none'})"), True
    return None


def _set_bits(e: CExpr, holds: bool) -> list[tuple[Member, int]]:
    """(field, mask) pairs `e` being `holds` needs `field & mask` non-zero for: `p->f & M`,
    `(p->f & M) != 0`, `!(p->f & M)` failing, either operand of a holding `&&` (failing `||`)."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return _set_bits(e.operand, not holds)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        return _set_bits(e.left, holds) + _set_bits(e.right, holds) if (e.op == "&&") == holds else []
    if isinstance(e, Binary) and e.op in ("==", "!="):
        for side, other in ((e.left, e.right), (e.right, e.left)):
            if evaluate(other) == 0:
                return _set_bits(side, holds if e.op == "!=" else not holds)
        return []
    if holds and isinstance(e, Binary) and e.op == "&":
        for side, other in ((e.left, e.right), (e.right, e.left)):
            mask, side = evaluate(other), strip(side)
            if mask and mask > 0 and isinstance(side, Member) and side.owner:
                return [(side, mask)]
    return []



def dead_field_test(call: CallSite, values: FieldValues | None) -> GuardAt | None:
    """A guard of the call the field's stored values rule out for sure (default_test, bit_test)."""
    for found in _field_tests(call, values):
        if found[2]:
            return GuardAt(call.file, found[0].line, found[1])
    return None


def field_notes(call: CallSite, values: FieldValues | None) -> tuple[str, ...]:
    """What srcscan could not decide of a guard the parsed stores rule out (Stored.doubts): a
    note for the message's `uncertain`, that it may never be logged."""
    return tuple(f"its guard {g.describe()} at line {g.line} may never hold: {why}"
                 for g, why, sure in _field_tests(call, values) if not sure)


def _field_tests(call: CallSite, values: FieldValues | None) -> list[tuple[Guard, str, bool]]:
    if values is None:
        return []
    return [found for found in (default_test(call, values), bit_test(call, values)) if found is not None]


def never_choices(answers: Mapping[SiteKey, RequirementAnswer], sites: Iterable[LogSite], values: FieldValues | None,
                  rules: Rules) -> dict[SiteKey, RequirementAnswer]:
    """`answers` with a per-text answer "never" (RequirementAnswer.texts) for each text that only
    a way of a choice in the call's arguments that never_set rules out writes: keepalived's
    `conf_write(fp, "   Hashed = %sabled", vs->flags & IP_VS_SVC_F_HASHED ? "en" : "dis")` gives
    one message per text (analyze.constants.call_variants), and "Hashed = enabled" needs the bit
    no store sets; "Hashed = disabled" keeps the site's answer. A text another way (or another
    build's call) also writes keeps it too. When never_set is not sure (Stored.doubts), the
    text keeps the site's answer with a note in `uncertain` instead."""
    out = dict(answers)
    if values is None:
        return out
    unknown = configure_macros(rules)
    for site in sites:
        answer = out.get(site.key)
        if site.extracted != "parse" or answer is None or answer.requirement.is_false:
            continue
        dead: dict[object, tuple[str, bool]] = {}
        alive: set = set()
        for call, log_fn in ((site.call, site.log_function),) + tuple(site.alternates):
            ways = _dead_ways(call, values)
            marked = tuple(mark_unknown(a, unknown) for a in call.args)
            for v in call_variants(call, unknown):
                template = message_text(v, log_fn).template
                found = next(iter(_variant_dead(v, marked, ways)), None)
                if found is None:
                    alive.add(template)
                elif template not in dead or dead[template][1] and not found[1]:
                    dead[template] = found  # a doubt wins over a sure answer
        per_text = [(t, RequirementAnswer(Requirement.FALSE, (GuardAt(site.call.file, site.call.line, why),)) if sure
                     else replace(answer.for_text(t), uncertain=answer.for_text(t).uncertain + (why,), texts=()))
                    for t, (why, sure) in dead.items() if t not in alive]
        if per_text:
            out[site.key] = replace(answer, texts=tuple(per_text) + answer.texts)
    return out


def _dead_ways(call: CallSite, values: FieldValues) -> dict[tuple[int, int], tuple[str, bool]]:
    """(argument, choice) -> (why that way is never taken, whether sure), for the arguments that
    are one choice between two values (`test ? a : b`: choice 0 is a, 1 is b)."""
    ways = {}
    for i, e in enumerate(call.exprs):
        e = strip(e)
        if not isinstance(e, Cond) or i >= len(call.args) or len(call.args[i].choices) != 2 \
                or isinstance(strip(e.yes), Cond) or isinstance(strip(e.no), Cond):
            continue
        for k, negated in ((0, False), (1, True)):
            found = never_set(Guard("ternary", None, render(e.test), call.line, negated, expr=e.test), values)
            if found is not None:
                why, sure = found
                ways[(i, k)] = (f"the text's choice {why}" if sure else
                                f"the text's choice {render(e.test)}{' false' if negated else ''} may never "
                                f"hold: {why}", sure)
    return ways


def _variant_dead(v: CallSite, marked: tuple, ways: Mapping[tuple[int, int], tuple[str, bool]]) \
        -> Iterable[tuple[str, bool]]:
    """(why, whether sure) for each argument of the variant `v` taken only by ways never taken."""
    for i in sorted({i for i, _ in ways}):
        taken = [k for k, choice in enumerate(marked[i].choices) if v.args[i] == choice]
        if taken and all((i, k) in ways for k in taken):
            yield ways[(i, taken[0])]
