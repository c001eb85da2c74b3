"""`--with` settings: parse them against the option table, and test requirements against them.

`-D`, `--log-detail`, `-D -D` (level 2), `-S 3`, `-S3`, `--log-facility=3`, `proxy.debug=2`,
`proxy.debug` (= 1). A name that is no option but looks like a preprocessor macro
(`_WITH_BFD_`, `HAVE_X`) is a build setting. Anything else is an error naming the
closest options.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Iterable

from srcscan.analyze.optiontypes import Option
from srcscan.errors import InputError, UnknownOptionError

_MACRO = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@dataclass(frozen=True)
class Settings:
    values: dict[str, str] = field(default_factory=dict)  # option's first name -> value given ("1" for a flag)
    levels: dict[str, int] = field(default_factory=dict)  # times a flag was given, or its integer value
    macros: frozenset[str] = frozenset()
    # a child's start atom (`@vrrp`, an option of kind "process") -> the alternatives it stands for
    means: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)


def parse_with(raw: Iterable[str], options: Iterable[Option], false_values: Iterable[str] = ()) -> Settings:
    """Settings from `--with` values. `false_values`: values meaning off for a config key (the
    rules' `[config] false_values`, lower case; lighttpd's `disable`), read as 0."""
    false_values = frozenset(false_values)
    by_name = {n: o for o in options for n in o.names}
    values: dict[str, str] = {}
    levels: dict[str, int] = {}
    macros: set[str] = set()
    for item in raw:
        for name, value in _split(item, by_name):
            option = by_name.get(name)
            if option is None:
                if _MACRO.match(name) and value is None:
                    macros.add(name)
                    continue
                known = sorted(by_name)
                closest = difflib.get_close_matches(name, known, n=1)
                raise UnknownOptionError(name, known, closest[0] if closest else None)
            key = option.name
            if value is None and option.takes_value and option.kind == "cli":
                raise InputError(f"{name} needs a value (--with \"{name} VALUE\")")
            if value is not None and option.kind == "config" and value.lower() in false_values:
                value = "0"  # server.errorlog-use-syslog=disable
            values[key] = value if value is not None else "1"
            if value is not None and not value.lstrip("-").isdigit():
                levels[f"{key}={value}"] = 1  # the atom `-q=extra`: given with that word
            if value is None or not option.takes_value:
                levels[key] = levels.get(key, 0) + 1
            else:
                levels[key] = int(value) if value.lstrip("-").isdigit() else 1
    return Settings(values, levels, frozenset(macros), option_meanings(options))


def option_meanings(options: Iterable[Option]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The process start atoms of an option table (kind "process", analyze.childstarts) -> the
    alternatives each stands for: `means` is a requirement as srcscan prints one, a disjunction
    of conjunctions (`(!-C && --all) || (!-C && vrrp_instance)`), read here without the
    requirement algebra (which `srcscan query` does not load)."""
    return {o.name: tuple(tuple(sorted(a.strip() for a in alt.strip().removeprefix("(").removesuffix(")").split("&&")))
                          for alt in o.means.split("||")) for o in options if o.means}


def _split(item: str, by_name: dict[str, Option]) -> list[tuple[str, str | None]]:
    """One --with value -> (name, value) pairs: "-S 3", "-S3", "--x=3", "k=v", "-D -D"."""
    words = item.split()
    out: list[tuple[str, str | None]] = []
    i = 0
    while i < len(words):
        word = words[i]
        if "=" in word:
            name, value = word.split("=", 1)
            out.append((name, value))
        elif word in by_name and by_name[word].takes_value and i + 1 < len(words):
            out.append((word, words[i + 1]))
            i += 1
        elif word.startswith("-") and not word.startswith("--") and len(word) > 2 and word[:2] in by_name:
            if by_name[word[:2]].takes_value:
                out.append((word[:2], word[2:]))
            else:  # -DD: the flag twice
                out.extend((f"-{c}", None) for c in word[1:])
        else:
            out.append((word, None))
        i += 1
    return out


def holds(atom: str, settings: Settings) -> bool:
    if atom.startswith("!"):
        return not holds(atom[1:], settings)
    if atom in settings.means:  # a child's start (`@vrrp`): what it stands for
        return satisfied(settings.means[atom], settings)
    m = re.match(r"^(.*?)(>=|==)(-?\d+)$", atom)
    if m:
        name, op, n = m.group(1), m.group(2), int(m.group(3))
        level = settings.levels.get(name, 0)
        return level >= n if op == ">=" else level == n
    if "=" in atom:  # an option given with one value (`--log-queries=extra`)
        name, value = atom.split("=", 1)
        return settings.values.get(name) == value
    return settings.levels.get(atom, 0) > 0 or atom in settings.macros


def satisfied(requires: tuple[tuple[str, ...], ...], settings: Settings) -> bool:
    """Default messages always appear; others when one alternative holds under the settings."""
    return not requires or any(all(holds(a, settings) for a in alt) for alt in requires)


def needs(requires: tuple[tuple[str, ...], ...], names: set[str]) -> bool:
    """Not logged by default, and one way of getting it logged is giving one of `names`
    (as a flag or at some level): what `--adds` lists. A message that any of several debug
    keys turns on (proxy.debug or fastcgi.debug reaching one helper) is added by each, and so
    is one that needs a value of it (`auth.backend=ldap`: added by auth.backend)."""
    def positive(atom: str) -> bool:
        return not atom.startswith("!") and re.split(r">=|==|=", atom)[0] in names
    return bool(requires) and any(any(positive(a) for a in alt) for alt in requires)


def expanded(requires: tuple[tuple[str, ...], ...], means: dict[str, tuple[tuple[str, ...], ...]]) \
        -> tuple[tuple[str, ...], ...]:
    """`requires` with each child start atom given (`@vrrp`) replaced by the alternatives it
    stands for (Settings.means): what `query --adds --all` reads. An atom that must not hold
    (`!@vrrp`) stays as it is."""
    out: list[tuple[str, ...]] = []
    for alt in requires:
        ways: list[tuple[str, ...]] = [()]
        for a in alt:
            choices = means.get(a) or ((a,),)
            ways = [w + c for w in ways for c in choices]
        out.extend(tuple(sorted(set(w))) for w in ways)
    return tuple(dict.fromkeys(out))


def levels_of(settings: Settings) -> dict[str, int]:
    """Option levels under the settings, for Requirement.holds: each option's level, and
    each build macro given as level 1."""
    return {**{m: 1 for m in settings.macros}, **settings.levels}
