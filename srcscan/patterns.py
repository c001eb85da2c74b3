"""A user's own log patterns checked against a catalog: which messages each pattern can match.

Three kinds of pattern file, told apart by their content:
- a fail2ban filter (an INI file with `[Definition]` and `failregex`): each failregex line,
  `%(name)s` references resolved from the filter's own sections (and `before`/`after` includes
  found beside it), and fail2ban's tags (`<HOST>`, `<ADDR>`, `<IP4>`, `<IP6>`, `<DNS>`,
  `<F-USER>...</F-USER>`, ...) expanded with the expressions fail2ban's own
  server/failregex.py and server/ipdns.py give them;
- logcheck rules (a file named under logcheck's `ignore.d.*`, `violations.d` or
  `cracking.d`, or given as such): one POSIX extended regular expression per line, matched
  against the whole syslog line, POSIX classes such as `[[:digit:]]` translated;
- anything else: one Python regular expression per line (`#` comments and blank lines skipped),
  searched in the message text.

A message is not a string but a template with holes, so "can match" is decided on the
language of the lines the message can produce: the pattern's automaton (interegular builds
it) is run over the template, literal text one character at a time and each hole as every
value its kind allows. A `%s` hole stands for one word (no white space and none of `,;()[]"'`:
a file name, a user, an address, a URL), a `%d` for digits, `%m` for one of the C library's
error texts (os.strerror). A hole can therefore not pass for
a whole phrase of the pattern, which is what keeps "opening %s failed" from matching
"password doesn't match" through its hole.

The line around a message is what the pattern sees: fail2ban strips the time stamp and sees
`HOST IDENT[PID]: message` for syslog, `: (file.c.LINE) message` for lighttpd's error log
(a log function that takes `__LINE__` writes its file and line first); logcheck sees the
whole syslog line `Mon dd hh:mm:ss HOST IDENT[PID]: message`; a plain regex sees the message.
Pure: pattern text and a Catalog in, matches out; no I/O except reading the pattern file.
"""

from __future__ import annotations

import configparser
import os
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from srcscan.catalog import Catalog, Message
from srcscan.errors import InputError

# fail2ban server/ipdns.py IPAddr.IP_4_RE and IP_6_RE; the IPv6 one ends in `(?<=:):`, a
# look-behind no automaton can hold, written here as `:` (a superset: `::` alone also matches).
IP_4_RE = r"(?:\d{1,3}\.){3}\d{1,3}"
IP_6_RE = r"(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|:)"
# fail2ban server/failregex.py R_HOST and RH4TAG.
_IPV4 = rf"(?:::f{{4,6}}:)?(?P<ip4>{IP_4_RE})"
_IPV6 = rf"(?P<ip6>{IP_6_RE})"
_DNS = r"(?P<dns>[\w\-.^_]*\w)"
_ADDR = rf"\[?(?:{_IPV4}|{_IPV6})\]?"
_HOST = rf"(?:{_ADDR}|{_DNS})"
_CIDR = r"(?P<cidr>\d+)"
FAIL2BAN_TAGS = {
    "HOST": _HOST, "IP4": _IPV4, "F-IP4/": _IPV4, "IP6": _IPV6, "F-IP6/": _IPV6, "ADDR": _ADDR, "F-ADDR/": _ADDR,
    "CIDR": _CIDR, "F-CIDR/": _CIDR, "SUBNET": rf"\[?(?:{_IPV4}|{_IPV6})(?:/{_CIDR})?\]?",
    "DNS": _DNS, "F-DNS/": _DNS, "F-ID/": r"(?P<fid>\S+)", "F-PORT/": r"(?P<fport>\w+)",
}
_FTAG = re.compile(r"</?[\w\-]+/?>")  # failregex.py FTAG_CRE
_FCUSTOM = re.compile(r"^(/?)F-([A-Z0-9_\-]+)$")  # failregex.py FCUSTNAME_CRE

# POSIX bracket classes (logcheck's egrep rules) in Python's syntax.
POSIX_CLASSES = {"alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "digit": "0-9", "lower": "a-z", "upper": "A-Z",
                 "space": r" \t\n\r\f\v", "blank": r" \t", "punct": re.escape(string.punctuation),
                 "xdigit": "0-9A-Fa-f", "print": r"\x20-\x7e", "graph": r"\x21-\x7e", "cntrl": r"\x00-\x1f\x7f"}


@dataclass(frozen=True)
class Pattern:
    text: str  # as the user wrote it
    regex: str  # what is matched: tags expanded, classes translated
    kind: str  # "regex", "fail2ban" or "logcheck"
    where: str  # file:line of the pattern (for a failregex, the filter's file and the value's line)
    ignore: tuple[str, ...] = ()  # a fail2ban filter's ignoreregex lines (expanded): a line they match is no failure


@dataclass(frozen=True)
class PatternMatches:
    pattern: Pattern
    messages: tuple[Message, ...]  # the catalog's messages it can match
    error: str = ""  # why the pattern could not be checked (a feature no automaton holds)


def load_patterns(path: Path, kind: str | None = None) -> list[Pattern]:
    """The patterns of a file; `kind` forces "regex", "fail2ban" or "logcheck", else it is
    guessed (a `[Definition]` section: fail2ban; a logcheck rules directory name: logcheck).
    Raises InputError for an unreadable file, a filter without failregex or a bad regex."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read patterns {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if kind is None:
        if re.search(r"^\s*\[Definition\]", text, re.M):
            kind = "fail2ban"
        elif any(part.startswith(("ignore.d", "violations.d", "cracking.d")) for part in path.parts):
            kind = "logcheck"
        else:
            kind = "regex"
    if kind == "fail2ban":
        patterns = _fail2ban(path, text)
    else:
        patterns = [Pattern(line, _posix(line) if kind == "logcheck" else line, kind, f"{path}:{n}")
                    for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")]
    if not patterns:
        raise InputError(f"{path}: no patterns (one regular expression a line, or a fail2ban filter with failregex)")
    for p in patterns:
        for regex in (p.regex, *p.ignore):
            try:
                re.compile(regex)
            except re.error as exc:
                raise InputError(f"{p.where}: not a regular expression ({exc}): {regex}") from None
    return patterns


def _fail2ban(path: Path, text: str) -> list[Pattern]:
    values = _fail2ban_values(path, text, set())
    raw = values.get("failregex", "")
    if not raw.strip():
        raise InputError(f"{path}: a fail2ban filter needs a failregex in [Definition]")
    ignore = tuple(expand_fail2ban(_interpolate(line.strip(), values, path))
                   for line in values.get("ignoreregex", "").splitlines() if line.strip())
    out = []
    for line in raw.splitlines():
        if line.strip():
            regex = expand_fail2ban(_interpolate(line.strip(), values, path))
            out.append(Pattern(line.strip(), regex, "fail2ban", f"{path} failregex", ignore))
    return out


def _fail2ban_values(path: Path, text: str, seen: set[Path]) -> dict[str, str]:
    """[DEFAULT], [Init] and [Definition] values of a filter, its `before` includes first and
    its `after` ones last (fail2ban's order), each include looked up beside the filter."""
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # keys are case-sensitive in fail2ban (`_daemon`)
    try:
        parser.read_string(text, str(path))
    except configparser.Error as exc:
        raise InputError(f"{path}: not a fail2ban filter ({str(exc).splitlines()[0]})") from None
    seen = seen | {path.resolve()}
    includes = {k: parser.get("INCLUDES", k, fallback="") for k in ("before", "after")}
    values: dict[str, str] = {}
    for name in includes["before"].split():
        values.update(_include(path, name, seen))
    values.update(parser.defaults())
    for section in ("Init", "Definition"):
        if parser.has_section(section):
            values.update({k: v for k, v in parser.items(section)})
    for name in includes["after"].split():
        values.update(_include(path, name, seen))
    return values


def _include(path: Path, name: str, seen: set[Path]) -> dict[str, str]:
    target = path.parent / name
    if not target.is_file():
        raise InputError(f"{path}: includes {name}, which is not beside it ({target})")
    if target.resolve() in seen:
        return {}
    return _fail2ban_values(target, target.read_text(encoding="utf-8"), seen)


def _interpolate(text: str, values: dict[str, str], path: Path, depth: int = 0) -> str:
    if depth > 20:
        raise InputError(f"{path}: %(...)s references nest too deep")

    def value(m: re.Match) -> str:
        if m.group(1) not in values:
            raise InputError(f"{path}: %({m.group(1)})s is not defined in the filter")
        return _interpolate(values[m.group(1)], values, path, depth + 1)
    return re.sub(r"%\(([\w/-]+)\)s", value, text)


def expand_fail2ban(regex: str) -> str:
    """fail2ban's tag expansion (server/failregex.py Regex._resolveHostTag, usedns=yes):
    `<HOST>` and the address tags become their expressions, `<F-NAME>...</F-NAME>` a named group."""
    opened: set[str] = set()

    def tag(m: re.Match) -> str:
        name = m.group()[1:-1]
        if name in FAIL2BAN_TAGS:
            return FAIL2BAN_TAGS[name]
        custom = _FCUSTOM.match(name)
        if custom:
            closing, tn = custom.groups()
            if closing:
                return ")" if tn in opened else m.group()
            opened.add(tn)
            return f"(?P<{ {'id': 'fid', 'port': 'fport'}.get(tn.lower(), tn.lower())}>"
        return m.group()
    return _FTAG.sub(tag, regex)


def _posix(regex: str) -> str:
    return re.sub(r"\[:(\w+):\]", lambda m: POSIX_CLASSES.get(m.group(1), m.group(0)), regex)


# --------------------------------------------------------------------------- matching

Piece = tuple[str, object]  # ("text", "literal"), ("choice", texts), ("one", allowed chars test)
#                              or ("hole", (allowed chars test, at least one))

# A `%s` value is one word of the characters names, paths, addresses and URLs are made of:
# no white space, and none of the punctuation messages put around values (`,;()[]"'`), so
# that a hole cannot stand for the text between two values either.
_WORD: Callable[[str], bool] = lambda c: c.isalnum() or c in "_./:@-+%~=#*?&!$^{}<>|\\"  # noqa: E731
_HEADER: Callable[[str], bool] = lambda c: not c.isspace()  # noqa: E731  (host, ident[pid], time)
HOLE_CHARS: dict[str, tuple[Callable[[str], bool], bool]] = {
    "str": (_WORD, False), "any": (_WORD, False), "ptr": (_WORD, True), "char": (lambda c: c != "\n", True),
    "int": (lambda c: c.isdigit() or c in "- ", True),
    "uint": (lambda c: c.isdigit() or c == " ", True), "hex": (lambda c: c in string.hexdigits, True),
    "float": (lambda c: c.isdigit() or c in ".-+eEinfa", True),
}
_SAMPLE_CHARS = string.printable + "éß€\u00a0"  # enough to reach every symbol class of an automaton


# `%m` and strerror(errno) print one of the C library's error texts (this machine's, as os.strerror gives them).
ERRNO_TEXTS = tuple(sorted({os.strerror(n) for n in range(1, 200)} - {""}))


def _message_pieces(m: Message) -> list[Piece]:
    """The message's pieces; a line break ending the format ends the line (it is not text a
    pattern sees), and a `%c` is exactly one character."""
    if m.dynamic:
        return [("hole", HOLE_CHARS["any"])]
    parts = list(m.template.parts)
    if parts and isinstance(parts[-1], str):
        parts[-1] = parts[-1].rstrip("\r\n")
    return [("text", p) if isinstance(p, str) else ("choice", ERRNO_TEXTS) if p.kind == "errno"
            else ("one", HOLE_CHARS["char"][0]) if p.kind == "char"
            else ("hole", HOLE_CHARS.get(p.kind, HOLE_CHARS["any"])) for p in parts]


def line_pieces(m: Message, kind: str, writes_line: bool) -> list[Piece]:
    """The pieces of a log line around message `m`, as a `kind` of pattern sees it."""
    word = ("hole", (_HEADER, True))
    body = _message_pieces(m)
    if writes_line:  # lighttpd's error log: "YYYY-MM-DD HH:MM:SS: (file.c.LINE) message"
        stamp = [("text", f"({m.file.rsplit('/', 1)[-1]}.{m.line}) ")]
        if kind == "fail2ban":
            return [("text", ": ")] + stamp + body
        return (stamp + body) if kind == "logcheck" else body
    if kind == "fail2ban":  # fail2ban cuts the time stamp: "HOST IDENT[PID]: message"
        return [word, ("text", " "), word, ("text", ": ")] + body
    if kind == "logcheck":  # "Mon dd hh:mm:ss HOST IDENT[PID]: message"
        return [word, ("text", " "), ("hole", (lambda c: c.isdigit() or c == " ", True)), ("text", " "),
                word, ("text", " "), word, ("text", " "), word, ("text", ": ")] + body
    return body


class Automaton:
    """A pattern as a deterministic automaton over whole lines (search semantics: any prefix and
    suffix unless the pattern is anchored with ^ or $). Raises InputError-free ValueError naming
    the feature when the regex holds something no automaton can (back-references, look-arounds)."""

    def __init__(self, regex: str) -> None:
        from interegular import parse_pattern

        body = regex
        start = body.startswith("^")
        end = body.endswith("$") and not body.endswith("\\$")
        body = body[1 if start else 0: len(body) - (1 if end else 0)]
        full = ("" if start else ".*") + f"(?:{body})" + ("" if end else ".*")
        try:
            self.fsm = parse_pattern(full).to_fsm()
        except Exception as exc:  # interegular raises its own Unsupported and parse errors
            raise ValueError(f"{type(exc).__name__}: {exc}") from None
        self._symbols: dict[int, frozenset] = {}

    def _step(self, states: set, char: str) -> set:
        symbol = self.fsm.alphabet[char]
        return {self.fsm.map[s][symbol] for s in states if symbol in self.fsm.map.get(s, {})}

    def _allowed(self, allowed: Callable[[str], bool]) -> frozenset:
        """The automaton's symbols (classes of characters it tells apart) holding an allowed character."""
        key = id(allowed)
        if key not in self._symbols:
            self._symbols[key] = frozenset(self.fsm.alphabet[c] for c in _SAMPLE_CHARS if allowed(c))
        return self._symbols[key]

    def _closure(self, states: set, allowed: Callable[[str], bool], at_least_one: bool) -> set:
        """States reached by any run of allowed characters (at least one when asked)."""
        symbols = self._allowed(allowed)
        frontier = {self.fsm.map[s][x] for s in states for x in symbols if x in self.fsm.map.get(s, {})} \
            if at_least_one else set(states)
        seen = set(frontier)
        while frontier:
            frontier = {self.fsm.map[s][x] for s in frontier for x in symbols if x in self.fsm.map.get(s, {})} - seen
            seen |= frontier
        return seen

    def accepts_some(self, pieces: list[Piece]) -> bool:
        """Some line made of these pieces (literal text, holes filled any way they allow) matches."""
        states = {self.fsm.initial}
        for kind, value in pieces:
            if kind == "text":
                states = self._run(states, value)
            elif kind == "choice":
                states = set().union(*(self._run(states, text) for text in value))
            elif kind == "one":
                symbols = self._allowed(value)
                states = {self.fsm.map[s][x] for s in states for x in symbols if x in self.fsm.map.get(s, {})}
            else:
                allowed, at_least_one = value
                states = self._closure(states, allowed, at_least_one)
            if not states:
                return False
        return bool(states & set(self.fsm.finals))

    def _run(self, states: set, text: str) -> set:
        for char in text:
            states = self._step(states, char)
            if not states:
                break
        return states


def typical_line(pieces: list[Piece]) -> str:
    """One concrete line of these pieces: each hole filled with a plain value of its kind
    ("x", "1", the first error text), for the questions an automaton cannot answer."""
    out = []
    for kind, value in pieces:
        if kind == "text":
            out.append(value)
        elif kind == "choice":
            out.append(value[0])
        else:
            allowed = value if kind == "one" else value[0]
            out.append(next((c for c in "x1" if allowed(c)), ""))
    return "".join(out)


def required_words(regex: str) -> frozenset[str]:
    """Words (3+ letters, lower-cased) of the fixed text every match of `regex` contains: literal
    runs outside alternatives and optional parts (read with the re module's own parser)."""
    try:
        from re import _parser as sre_parse  # the stdlib's regex parser (sre_parse before 3.11)
        tree = sre_parse.parse(regex)
    except Exception:  # noqa: BLE001  (an unknown construct: no words, no filtering)
        return frozenset()
    runs: list[str] = []
    current: list[str] = []

    def walk(items) -> None:
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                current.append(chr(arg))
                continue
            runs.append("".join(current))
            current.clear()
            if name == "SUBPATTERN":
                walk(arg[-1])
            elif name in ("MAX_REPEAT", "MIN_REPEAT") and arg[0] >= 1:
                walk(arg[2])
                runs.append("".join(current))
                current.clear()
    walk(tree)
    runs.append("".join(current))
    return frozenset(w.lower() for run in runs for w in re.findall(r"[A-Za-z]{3,}", run))


def _literal_words(m: Message) -> set[str]:
    return {w.lower() for p in m.template.parts if isinstance(p, str) for w in re.findall(r"[A-Za-z]{3,}", p)}


def match_patterns(catalog: Catalog, patterns: list[Pattern]) -> list[PatternMatches]:
    """For each pattern, the catalog's messages whose lines it can match, in catalog order.

    Holes side by side (`%s %s`) can spell any phrase, so a pattern with fixed words must also
    find at least half of them in the message's own text: "expr missing" is not a match of
    "%s %s", nor "SSL: verify error" of "SSL: %s %s"; a value word in a pattern ("for user
    root") still leaves the message's words to carry it."""
    writes_line = {f.name for f in catalog.log_functions if f.line_arg is not None}
    out = []
    for p in patterns:
        try:
            automaton = Automaton(p.regex)
        except ValueError as exc:
            out.append(PatternMatches(p, (), f"cannot be checked: {exc}"))
            continue
        words = required_words(p.regex)
        found = tuple(m for m in catalog.messages
                      if (m.dynamic or 2 * len(words & _literal_words(m)) >= len(words))
                      and automaton.accepts_some(line_pieces(m, p.kind, m.call in writes_line)))
        # fail2ban drops a line an ignoreregex matches: a message whose typical line (holes
        # filled with plain values) one matches is left out of the failregex's answer.
        for regex in p.ignore:
            ignored = re.compile(regex)
            found = tuple(m for m in found
                          if not ignored.search(typical_line(line_pieces(m, p.kind, m.call in writes_line))))
        out.append(PatternMatches(p, found))
    return out
