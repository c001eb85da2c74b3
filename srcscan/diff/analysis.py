"""Changes srcscan's analysis made on its own: a pair's `requires`, `processes` or `facility`
differ while nothing they are derived from changed as far as the two trees tell."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from typing import Iterable

from srcscan.catalog import Catalog, Message
from srcscan.diff.model import FileTexts
from srcscan.diff.signatures import resigned, values_of_calls, without_computed_arguments
from srcscan.diff.switches import switch_labels, switch_test
from srcscan.diff.text import _uncast, build_formula, call_arguments_end, message_function_lines
from srcscan.diff.walks import LOOP_HEAD, loop_condition, walk
from srcscan.textcalls import enclosing_function, enclosing_guards


def same_guards(a: Message, b: Message) -> bool:
    """Do two messages' guards read the same, up to white space, casts, branch-prediction
    hints, redundant parentheses, constants of equal value and a consistent renaming of
    identifiers? keepalived 2.3.3 renamed the parser's `vrrp` to `current_vrrp`
    (`vrrp->script_fault` -> `current_vrrp->script_fault`: the same guard), lighttpd 1.4.79's
    sendfile loop `toSend` to `nbytes`, and wrapped `buffer_is_unset(&r->physical.path)` in
    `__builtin_expect(..., 1)`; keepalived's `service_type == 0` became `== IPPROTO_IP` (an
    enumerator of value 0, `Message.constants`). A consistent renaming of the objects whose
    members guards read, the members the same, is one too (lighttpd 1.4.85's local copy of a
    plugin's configuration: `p->conf.filter` -> `pconf.filter`), and so is a system call's
    later form with flags (`epoll_create(1)` -> `epoll_create1(EPOLL_CLOEXEC)`: _LATER_FORMS).
    A named constant whose value changed is the same guard (keepalived 2.2.8 inserted flag
    bits before VRRP_IPVLAN_BIT, 17 -> 19: `__test_bit(VRRP_IPVLAN_BIT, &vrrp->flags)` still
    tests the bit use_ipvlan sets by that name). `debug & 4` -> `debug & 16`, a guard added,
    dropped or reordered, or an operator changed are other guards. `NULL` reads as `0`."""
    return _same_lists(a.conditions, b.conditions, dict(a.constants), dict(b.constants))


def _same_lists(xs: Iterable[str], ys: Iterable[str], values_a: dict[str, int], values_b: dict[str, int]) -> bool:
    """Two lists of guards, all of which must hold: in order up to the equivalences of
    same_guards, or the same guards in another order (keepalived 2.3.3's
    ipvs_nl_send_message() tests `!msg` before `!sock && open_nl_sock()`, not after)."""
    xs, ys = list(xs), list(ys)
    names = resigned(xs, ys)  # a function whose signature the release changed
    xs, ys = [without_computed_arguments(x, names) for x in xs], [without_computed_arguments(y, names) for y in ys]
    if len(xs) != len(ys):
        return False
    if sorted(" ".join(guard_tokens(x)) for x in xs) == sorted(" ".join(guard_tokens(y)) for y in ys):
        return True
    token_lists = [guard_tokens(x) for x in xs], [guard_tokens(y) for y in ys]
    return _renamed(*token_lists, values_a, values_b) or \
        _renamed(*([_member_paths(t) for t in side] for side in token_lists), values_a, values_b)


def _renamed(xs: list[list[str]], ys: list[list[str]], values_a: dict[str, int], values_b: dict[str, int]) -> bool:
    """Two lists of guards' tokens, in order, the same up to constants of equal value and a
    consistent renaming of identifiers, and of the objects whose members member paths read
    (`p->conf.allow_empty` and `pconf.allow_empty`: the member, allow_empty, the same)."""
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    for tx, ty in zip(xs, ys):
        if len(tx) != len(ty):
            return False
        for s, t in zip(tx, ty):
            if s == t and (s in values_a or s in values_b):
                continue  # one constant's name on both sides: its meaning, whatever the value now
            vs, vt = _value(s, values_a), _value(t, values_b)
            if vs is not None and vt is not None and (s in values_a or t in values_b):
                if vs != vt:
                    return False
                continue  # `0` and `IPPROTO_IP`, two names of one value
            if _MEMBER_PATH.fullmatch(s) and _MEMBER_PATH.fullmatch(t) and ("->" in s + t or "." in s + t):
                (os_, ms), (ot, mt) = (_object_member(x) for x in (s, t))
                if ms != mt and not (ms == ot and not mt or mt == os_ and not ms):
                    return False  # (`data->fd_in` -> a local `fd_in`: the member's own name)
                if ms != mt or not ms:
                    s, t = os_, ot
                # the same member of another object is renamed path by path (lighttpd 1.4.79 keeps
                # `must_staple` in the certificate's key pair: `pc->must_staple` -> `kp->must_staple`
                # beside `pc->ssl_stapling_file`, which stays)
            if _NAME.fullmatch(s) and _NAME.fullmatch(t) or _MEMBER_PATH.fullmatch(s) and _MEMBER_PATH.fullmatch(t):
                if forward.setdefault(s, t) != t or backward.setdefault(t, s) != s:
                    return False
            elif s != t:
                return False
    return True


_MEMBER_PATH = re.compile(r"[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*")


def _member_paths(tokens: list[str]) -> list[str]:
    """Tokens with each member path (`p -> conf . auth_ldap_filter`) one token
    (`p->conf.auth_ldap_filter`): lighttpd 1.4.85 reads its plugins' configuration from a local
    copy, `pconf.auth_ldap_filter`, where 1.4.79 read `p->conf.auth_ldap_filter`, filled by the
    same patch_config merge (mod_authn_ldap.c). A path after a `.` or `->` of its own (a call's
    result) stays as it was."""
    out: list[str] = []
    k = 0
    while k < len(tokens):
        t = tokens[k]
        if _IDENTIFIER.fullmatch(t) and not (out and out[-1] in ("->", ".")):
            path = t
            while k + 2 < len(tokens) and tokens[k + 1] in ("->", ".") and _IDENTIFIER.fullmatch(tokens[k + 2]):
                path += tokens[k + 1] + tokens[k + 2]
                k += 2
            out.append(path)
        else:
            out.append(t)
        k += 1
    return out


def _object_member(path: str) -> tuple[str, str]:
    """`p->conf.allow` -> (`p->conf`, `allow`); a name alone -> (the name, "")."""
    m = re.fullmatch(r"(.*)(?:->|\.)([A-Za-z_]\w*)", path)
    return (m.group(1), m.group(2)) if m else (path, "")


def conditions_changed(a: Message, b: Message, texts: FileTexts | None) -> bool:
    """Did the release change what must hold for the call to run? The catalogs' guards
    (same_guards), read with the two files' texts when at hand:

    - the conditions of the loops around the call as written (`for (i = 1; i <
      vector_size(strvec) && i <= 2; i++)` -> `for (i = 1; i < vector_size(strvec); i++)`:
      keepalived 2.3.3's vrrp_vmac_handler() reads more arguments), which the catalog holds
      only for counting loops and list walks;
    - a guard one catalog has and the other not, whose early exit is written before the call
      on both sides (an exit the walker does not read as a guard on one side, in a loop or a
      switch there, or nested in a block that assigned what it tests), is the same check on
      both sides: lighttpd 1.4.79 took `rc = http_response_config(r); if (HANDLER_GO_ON != rc)
      return rc;` out of an `if (!r->async_callback)` block whose head is now under `#if 0`."""
    if same_guards(a, b):
        return texts is not None and not (_same_loops(a, b, texts) and _same_switches(a, b, texts))
    if texts is None:
        return True
    before = [_text_before(texts(side, m.file), m) for side, m in (("old", a), ("new", b))]
    if None in before:
        return True
    kept = [list(a.conditions), list(b.conditions)]
    for g in {squeezed(x) for x in a.conditions + b.conditions}:
        counts = [sum(squeezed(x) == g for x in m.conditions) for m in (a, b)]
        more = 0 if counts[0] > counts[1] else 1
        # the extra copies are the same checks when the other side writes as many
        if counts[0] != counts[1] and _exits_on(g, before[1 - more]) >= counts[more]:
            drop = counts[more] - counts[1 - more]
            side = kept[more]
            for k in range(len(side) - 1, -1, -1):
                if drop and squeezed(side[k]) == g:
                    del side[k]
                    drop -= 1
    if len(kept[0]) == len(a.conditions) and len(kept[1]) == len(b.conditions):
        return True
    return not (_same_lists(kept[0], kept[1], dict(a.constants), dict(b.constants)) and _same_loops(a, b, texts)
                and _same_switches(a, b, texts))


def _text_before(text: str | None, m: Message) -> str | None:
    """The text of m's function from its head to m's line, preprocessor lines dropped,
    squeezed; None when the function is not found."""
    found = message_function_lines(text, m)
    if found is None:
        return None
    lines, first = found
    return squeezed("\n".join(x for x in lines[: m.line - first] if not x.lstrip().startswith("#")))


def squeezed(text: str) -> str:
    """C text with white space only where it parts two words (`return rc;`, `if(x!=0)`)."""
    return re.sub(r" (?=\W)|(?<=\W) ", "", re.sub(r"\s+", " ", text)).strip()


_EXIT = re.compile(r"(?:return\b|goto\b|break;|continue;|exit\(|_exit\(|abort\()")
LAST_EXIT = re.compile(r"(?:^|[;{}])(?:return\b[^;{}]*|goto \w+|break|continue|_?exit\([^;{}]*\)|abort\(\));$")


def block_body(text: str) -> str:
    """The body of the `{...}` block `text` starts with (braces matched), "" when it does
    not start with one or the block does not end within `text`."""
    if not text.startswith("{"):
        return ""
    depth = 0
    for i, ch in enumerate(text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0:
            return text[1:i]
    return ""


def _exits_on(guard: str, before: str) -> int:
    """How many times is `if (TEST)` followed by an exit (return, goto, break, continue,
    exit(): at once, or as the last statement of its block) written in `before`, TEST the
    guard or its negation?"""
    g = squeezed(guard)
    tests = {g, f"!({g})", f"!{g}"}
    if g.startswith("!(") and g.endswith(")"):
        tests.add(g[2:-1])
    elif g.startswith("!"):
        tests.add(g[1:])
    found = 0
    for test in tests:
        start = 0
        while (k := before.find(f"if({test})", start)) >= 0:
            start = k + 1
            if before[:k].endswith("else"):
                continue  # `else if (x)`: the branch of another test, not a check of its own
            rest = before[k + len(test) + 4:]
            if _EXIT.match(rest) or LAST_EXIT.search(block_body(rest)):
                found += 1
    return found


def _same_loops(a: Message, b: Message, texts: FileTexts) -> bool:
    """Do the loops around the two calls test the same conditions (as written, up to the
    equivalences of same_guards)? True when a file's text is not at hand."""
    heads = []
    for side, m in (("old", a), ("new", b)):
        text = texts(side, m.file)
        if not text:
            return True
        heads.append([f"walk {w[1]}" if (w := walk(h)) else loop_condition(h)
                      for h in enclosing_guards(text.split("\n"), m.line) if LOOP_HEAD.match(h)])
    return _same_lists(heads[0], heads[1], dict(a.constants), dict(b.constants))


def _same_switches(a: Message, b: Message, texts: FileTexts) -> bool:
    """Under a switch's `default:` label (a guard `switch (x) case default`), do the switches
    list the same other labels as written? lighttpd 1.4.79's sendfile() error switch gained
    `case EBUSY:` (FreeBSD) and `case EWOULDBLOCK:` before its `default:` that logs. True when
    neither message is under a default label or a text is not at hand."""
    if not any(g.endswith("case default") for m in (a, b) for g in m.conditions):
        return True
    labels = []
    for side, m in (("old", a), ("new", b)):
        text = texts(side, m.file)
        if not text:
            return True
        labels.append(switch_labels(text.split("\n"), m.line, switch_test(m.conditions)))
    return labels[0] == labels[1]


def _value(token: str, values: dict[str, int]) -> int | None:
    """An integer token's value, or a named constant's (from the message's `constants`)."""
    if token in values:
        return values[token]
    m = _INTEGER.fullmatch(token)
    if not m:
        return None
    try:
        return int(m.group(1), 0) if not re.fullmatch(r"0\d+", m.group(1)) else int(m.group(1), 8)
    except ValueError:
        return None


_GUARD_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[A-Za-z_]\w*|\d\w*|->|<<|>>|[<>=!]=|&&|\|\||\S')
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_NAME = re.compile(r"[A-Za-z_]\w*(?:\(\))?")  # a name, or a call without arguments (signatures.values_of_calls)
_INTEGER = re.compile(r"(0[xX][0-9a-fA-F]+|\d+)[uUlL]*")
_NULL = {"NULL": "0"}  # a null pointer constant either way (`inet_stosockaddr(s, 0, &a)` -> `(s, NULL, &a)`)
# Branch-prediction hints: the compiler's and the usual macros over it (lighttpd writes
# `__builtin_expect((x), 1)`, other daemons `likely(x)`); the value is the first argument's.
_HINT = re.compile(r"\b(?:__builtin_expect|likely|unlikely|LIKELY|UNLIKELY|__predict_true|__predict_false)\s*\(")


def guard_tokens(condition: str) -> list[str]:
    """A condition's tokens, casts and hints dropped, `NULL` as `0`, and parentheses that
    group nothing removed (around the whole, around another pair, around one operand)."""
    tokens = values_of_calls([_NULL.get(t, t) for t in _GUARD_TOKEN.findall(
        _uncast(_unhinted(_no_cloexec(_base_calls(_no_default_argument(condition))))))])
    changed = True
    while changed:
        changed = False
        for i, j in _groups(tokens):
            inner = tokens[i + 1: j]
            if (i == 0 and j == len(tokens) - 1) or _primary(inner) or \
                    (inner and inner[0] == "(" and _closing(inner, 0) == len(inner) - 1):
                tokens = tokens[:i] + inner + tokens[j + 1:]
                changed = True
                break
    return tokens


_DEFAULT_ARGUMENT = re.compile(r",\s*(?:NULL|0)\s*(?=\))")


def _no_default_argument(condition: str) -> str:
    """A condition with a last argument `NULL` or `0` of each call dropped: a parameter a
    release added, passed as "none" where the call had no such argument before (keepalived
    2.3.3's `alloc_strvec(buf)` -> `alloc_strvec(buf, NULL)`, lighttpd 1.4.79's
    `chunkqueue_peek_data(cq, &p, &n, errh)` -> `(cq, &p, &n, errh, 0)`). A value other than
    none (`f(x, 1)`) still differs from `f(x)`."""
    return _DEFAULT_ARGUMENT.sub("", condition)


_CLOEXEC_FLAG = re.compile(r"\s*\|\s*(?:O|SOCK|EFD|TFD|IN|EPOLL|MFD)_CLOEXEC\b|\b(?:O|SOCK|EFD|TFD|IN|EPOLL|MFD)_CLOEXEC\s*\|\s*")
_FOPEN_CLOEXEC = re.compile(r'(\b\w*f(?:d)?open\w*\s*\([^;]*?,\s*"[rwa]b?\+?b?)e(")')


def _no_cloexec(condition: str) -> str:
    """A condition with the close-on-exec flags dropped from the calls in it: `open(p, O_RDONLY
    | O_CLOEXEC)`, `socket(..., SOCK_STREAM | SOCK_CLOEXEC, ...)`, glibc's fopen() mode "we"
    (fopen(3): "e" is O_CLOEXEC). The flag says what a child process inherits, not whether the
    call fails (open(2)): keepalived 2.3.4 added it to every open()."""
    return _FOPEN_CLOEXEC.sub(r"\1\2", _CLOEXEC_FLAG.sub("", condition))


# A system call's later form with a flags argument, and its first form: (first form, arguments
# of the first form the later one keeps in front of the flags). With flags 0 each is the first
# form: epoll_create(2) ("epoll_create1(): if flags is 0, [it] is the same as epoll_create()",
# whose size "is ignored, but must be greater than zero"), accept(2) (accept4), pipe(2) (pipe2),
# dup(2) (dup3 and dup2), inotify_init(2) (inotify_init1); libmnl's mnl_socket_open2(bus,
# flags). The flags they add are file-descriptor flags (close-on-exec, non-blocking), which say
# what a child inherits, not whether the call fails: keepalived 2.3.4's `(ep = epoll_create(1))
# == -1` -> `(ep = epoll_create1(EPOLL_CLOEXEC)) == -1` is the same check.
_LATER_FORMS = {"epoll_create1": ("epoll_create", 0), "epoll_create": ("epoll_create", 0),
                "accept4": ("accept", 3), "accept": ("accept", 3), "pipe2": ("pipe", 1), "pipe": ("pipe", 1),
                "dup3": ("dup2", 2), "dup2": ("dup2", 2), "inotify_init1": ("inotify_init", 0),
                "inotify_init": ("inotify_init", 0), "mnl_socket_open2": ("mnl_socket_open", 1),
                "mnl_socket_open": ("mnl_socket_open", 1)}
_LATER_FORM_CALL = re.compile(r"\b(" + "|".join(sorted(_LATER_FORMS, key=len, reverse=True)) + r")\s*\(")


def _base_calls(condition: str) -> str:
    """A condition with each call of a system call's later form (_LATER_FORMS) written as its
    first form with the arguments both share: `epoll_create1(EPOLL_CLOEXEC)` and
    `epoll_create(1)` read `epoll_create()`, `accept4(fd, a, l, SOCK_CLOEXEC)` `accept(fd, a, l)`."""
    out, at = [], 0
    for m in _LATER_FORM_CALL.finditer(condition):
        if m.start() < at:
            continue
        base, kept = _LATER_FORMS[m.group(1)]
        end, _ = call_arguments_end(condition, m.end())
        args = _top_level_arguments(condition[m.end():end])[:kept]
        out.append(condition[at:m.start()] + f"{base}({', '.join(args)})")
        at = end + 1
    return "".join(out) + condition[at:]


def _top_level_arguments(text: str) -> list[str]:
    """A call's argument list split at its top-level commas, each stripped."""
    args, start = [], 0
    while start < len(text):
        _, comma = call_arguments_end(text, start)
        if comma is None:
            break
        args.append(text[start:comma].strip())
        start = comma + 1
    rest = text[start:].strip()
    return args + [rest] if rest or args else args


def _unhinted(condition: str) -> str:
    """`__builtin_expect((x > 0), 0)` -> `((x > 0))`: a hint call as its first argument."""
    while True:
        m = _HINT.search(condition)
        if m is None:
            return condition
        i, comma = call_arguments_end(condition, m.end())
        first = condition[m.end(): comma if comma is not None else i]
        condition = condition[:m.start()] + "(" + first.strip() + ")" + condition[i + 1:]


def _groups(tokens: list[str]) -> list[tuple[int, int]]:
    """(open, close) indexes of the grouping parentheses (not a call's or a cast's), inner ones first."""
    out, stack = [], []
    for k, t in enumerate(tokens):
        if t == "(":
            call = k > 0 and (_IDENTIFIER.fullmatch(tokens[k - 1]) is not None or tokens[k - 1] in (")", "]"))
            stack.append((k, call))
        elif t == ")" and stack:
            start, call = stack.pop()
            if not call:
                out.append((start, k))
    return out


def _closing(tokens: list[str], start: int) -> int:
    depth = 0
    for k in range(start, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[k], 0)
        if depth == 0:
            return k
    return -1


def _primary(tokens: list[str]) -> bool:
    """A name, a number, a member path, a call or an index: nothing to group."""
    if not tokens or not (_NAME.fullmatch(tokens[0]) or _INTEGER.fullmatch(tokens[0])):
        return False
    depth = 0
    for t in tokens[1:]:
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            depth -= 1
        elif depth == 0 and t not in ("->", ".") and not _NAME.fullmatch(t):
            return False
    return True


def _analysis_only(field: str, a: Message, b: Message, old: Catalog, new: Catalog, callers: "_Callers") -> bool:
    """Is the change of `field` (requires, processes or facility) from a to b srcscan's
    analysis rather than the release? Yes when nothing it is derived from changed as far as
    the two trees tell: the same guards around the call (white space aside), the same
    build condition, the same calls of the enclosing function (callers, and the guards
    around each call as written), and, for
    requires, options both releases have (an option renamed or dropped is the release's)."""
    if build_formula(a.build) != build_formula(b.build):  # the guards: conditions_changed, by the caller
        return False
    if a.function != b.function or a.file != b.file or not callers.same(a.file, a.function, b.function):
        return False
    if field == "requires":
        names = {_option_atom(atom) for m in (a, b) for alternative in m.requires for atom in alternative}
        return names <= _option_names(old) and names <= _option_names(new)
    return True


def _option_atom(atom: str) -> str:
    bare = atom.lstrip("!")
    for op in (">=", "<=", "==", ">", "<", "="):
        bare = bare.split(op, 1)[0]
    return bare


def _option_names(c: Catalog) -> set[str]:
    """Every name of every option in the catalog's option table (`-D`, `--log-detail`, ...);
    with no table, the option atoms its messages require (all taken as existing)."""
    names = {n for option in c.sections.options or () for n in option.names}
    if not names:
        names = {_option_atom(atom) for m in c.messages for alternative in m.requires for atom in alternative}
    return names


class _Callers:
    """The calls of each of some functions, per side, read from the trees' texts (`name(`
    outside the function's own definition): the file, the calling function and the guards
    around the call as written (textcalls.enclosing_guards); unknown without texts. A name
    defined in several files (lighttpd's static network_init_ssl() of each TLS module) counts
    the calls in the message's own file only."""

    def __init__(self, old: Catalog, new: Catalog, texts: FileTexts | None, names: set[str]) -> None:
        self.found: dict[str, dict[str, set[tuple[str, str, tuple[str, ...]]]]] = {}
        self.defined: dict[str, dict[str, set[str]]] = {}
        self.texts, self.sites = texts, {side: defaultdict(set) for side in ("old", "new")}  # name -> {(file, line)}
        if texts is None or not names:
            return
        call = re.compile(r"\b(" + "|".join(map(re.escape, sorted(n for n in names if n))) + r")\s*\(")
        for side, c in (("old", old), ("new", new)):
            by_name: dict[str, set[tuple[str, str, tuple[str, ...]]]] = defaultdict(set)
            defined: dict[str, set[str]] = defaultdict(set)
            for path in sorted({f.path for f in c.files} | {m.file for m in c.messages}):
                text = texts(side, path)
                if not text:
                    continue
                lines = text.split("\n")
                starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
                for m in call.finditer(text):
                    line = bisect_right(starts, m.start())
                    caller = enclosing_function(lines, line)
                    if caller == m.group(1):
                        defined[m.group(1)].add(path)
                    elif caller:
                        by_name[m.group(1)].add((path, caller, enclosing_guards(lines, line)))
                        self.sites[side][m.group(1)].add((path, line))
            self.found[side], self.defined[side] = by_name, defined

    def same(self, file: str, old_name: str, new_name: str) -> bool:
        return bool(self.found) and self._of("old", old_name, file) == self._of("new", new_name, file)

    def grew(self, file: str, old_name: str, new_name: str) -> bool:
        """Are the old calls of old_name (one at least) all calls of new_name in the new text,
        with more? (Calls through a pointer are not seen: a function with no call written
        tells nothing.)"""
        return bool(self.found) and set() < self._of("old", old_name, file) < self._of("new", new_name, file)

    def sites_of(self, side: str, name: str, file: str) -> set[tuple[str, int]]:
        """(file, line) of each call of `name` on `side` (of those in `file`: as _of)."""
        found = self.sites[side].get(name, set())
        return {s for s in found if s[0] == file} if len(self.defined.get(side, {}).get(name, ())) > 1 else found

    def _of(self, side: str, name: str, file: str) -> set[tuple[str, str, tuple[str, ...]]]:
        found = self.found[side].get(name, set())
        if len(self.defined[side].get(name, ())) > 1:
            return {call for call in found if call[0] == file}
        return found
