"""The Template type shared by all format dialects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True)
class Arg:
    """One argument of a call, as plain data."""

    text: str  # source text of the argument expression
    string: str | None = None  # value when it is a string literal (adjacent literals joined)
    integer: int | None = None  # value when it is an integer constant
    # A choice between values (`full ? "a" : "b"`): each alternative, nested ?: flattened.
    choices: tuple["Arg", ...] = ()
    choice_of: str = ""  # the condition choosing between them: arguments on one condition choose together
    # A literal built with macros (`"Starting " VERSION_STRING`): (value, macro name) per piece,
    # "" for a piece written as a literal; value None for a macro whose value only the build's
    # configure step knows (the rules' stub headers define it). Empty when no macro takes part.
    pieces: tuple[tuple[str | None, str], ...] = ()

    @property
    def unknown_macros(self) -> tuple[str, ...]:
        """Macros of the literal whose value is not the daemon's (see `pieces`)."""
        return tuple(name for value, name in self.pieces if value is None)


@dataclass(frozen=True)
class Hole:
    """A place in a message filled at run time."""

    kind: str  # str, int, uint, hex, float, char, ptr, errno, any
    spec: str  # the conversion as written: "%-5d", "%s", or a legacy descriptor letter "b"
    arg: str | None = None  # source text of the argument that fills it, when known


@dataclass(frozen=True)
class Template:
    parts: tuple[str | Hole, ...]  # literal strings and holes, in order; adjacent literals merged
    dynamic: bool = False  # the format itself is not a literal: parts hold one "any" hole


# Letters of the normal form: one per hole kind, whatever dialect wrote the hole.
NORMAL_SPEC = {"str": "%s", "int": "%d", "uint": "%u", "hex": "%x", "float": "%f", "char": "%c",
               "ptr": "%p", "errno": "%m", "any": "%s"}

# What each kind of hole can print, for matching real log lines.
HOLE_PATTERN = {
    "str": r".*?", "any": r".*?", "errno": r".*?",
    "int": r" *-?\d+", "uint": r" *\d+", "hex": r"[0-9a-fA-F]+",
    "float": r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|inf|nan)", "char": r".",
    "ptr": r"(?:0x[0-9a-fA-F]+|\(nil\))",
}


def merge_parts(parts: list[str | Hole]) -> tuple[str | Hole, ...]:
    """Join adjacent literals and drop empty ones, so equal messages have equal parts."""
    out: list[str | Hole] = []
    for part in parts:
        if isinstance(part, str):
            if not part:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += part
                continue
        out.append(part)
    return tuple(out)


def dynamic_template(fmt: Arg) -> Template:
    """A format that is not a literal: one hole standing for the whole text."""
    return Template((Hole("any", "", fmt.text),), dynamic=True)


def render_normal(t: Template) -> str:
    """Dialect-independent text: literals with % doubled, each hole as %s/%d/%u/%x/..."""
    return "".join(p.replace("%", "%%") if isinstance(p, str) else NORMAL_SPEC[p.kind] for p in t.parts)


def render_printf(t: Template) -> str:
    """A printf format for the template, keeping each printf hole's conversion as written."""
    return "".join(
        p.replace("%", "%%") if isinstance(p, str) else (p.spec if p.spec.startswith("%") else NORMAL_SPEC[p.kind])
        for p in t.parts
    )


def to_regex(t: Template) -> str:
    """An anchored regular expression matching the lines this template can produce."""
    body = "".join(re.escape(p) if isinstance(p, str) else f"({HOLE_PATTERN[p.kind]})" for p in t.parts)
    return f"^{body}\\s*$"


def template_to_dict(t: Template) -> dict:
    return {
        "parts": [p if isinstance(p, str) else {"kind": p.kind, "spec": p.spec, "arg": p.arg} for p in t.parts],
        "dynamic": t.dynamic,
    }


def template_from_dict(d: dict) -> Template:
    parts = tuple(p if isinstance(p, str) else Hole(p["kind"], p["spec"], p.get("arg")) for p in d["parts"])
    return Template(parts, bool(d.get("dynamic", False)))


def tokens(t: Template) -> list[str]:
    """Words of the literal text and one token per hole kind: the unit of similarity."""
    out: list[str] = []
    for p in t.parts:
        if isinstance(p, str):
            out.extend(re.findall(r"\w+|[^\w\s]", p))
        else:
            out.append("\0" + NORMAL_SPEC[p.kind])
    return out


def template_similarity(a: Template, b: Template) -> float:
    """Edit similarity (0..1) over literal words and the sequence of holes."""
    ta, tb = tokens(a), tokens(b)
    if not ta and not tb:
        return 1.0
    return SequenceMatcher(None, ta, tb, autojunk=False).ratio()
