"""The option table's records: an option, its names and what it writes (its effects).

Plain frozen data shared by the option analyses (options, optionflow, optionvalues and their
users) and the JSON edge (`option_to_dict`, `option_from_dict`, the catalog's `options`
section); no analysis here, so every module of the option table can import it at the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OptionEffect:
    target: str  # variable ("debug") or struct field (".debug") the option writes
    op: str  # "=", "|=", "++", "set_bit", "clear_bit" (a bit set by default that the option clears),
    # "set_bit_if" (a bit code may set when the option's own bit is set: analyze.foldedbits)
    value: str  # the value as written ("32", "LOG_DETAIL_BIT", "(int)cpv->v.u")
    mask: int | None = None  # the bits it sets, when known
    level: int = 1  # how many times the option must be given (a second -D sets another bit)
    when: str = ""  # the value the option must be given with (`--log-queries=extra`), "" for any
    owner: str = ""  # a field's struct, where it is declared (parse.units.Node.owner); "" when not known


@dataclass(frozen=True)
class Option:
    names: tuple[str, ...]  # ("-D", "--log-detail") or ("proxy.debug",)
    kind: str  # "cli" or "config"
    takes_value: bool
    effects: tuple[OptionEffect, ...]
    file: str  # where its table or switch is (the first, when several files read it)
    also: tuple[str, ...] = ()  # the other files with a table of the same key (lighttpd's "port")
    code: int | None = None  # the value getopt returns for it (a character, or a long-only option's code)
    means: str = ""  # kind "process" (`@vrrp`, analyze.childstarts): the requirement it stands for

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def files(self) -> tuple[str, ...]:
        return (self.file,) + self.also


def option_to_dict(o: Option) -> dict[str, Any]:
    return {"names": list(o.names), "kind": o.kind, "takes_value": o.takes_value, "file": o.file, "also": list(o.also),
            "effects": [{"target": e.target, "op": e.op, "value": e.value, "mask": e.mask, "level": e.level,
                         **({"when": e.when} if e.when else {}), **({"struct": e.owner} if e.owner else {})}
                        for e in o.effects],
            **({"code": o.code} if o.code is not None else {}), **({"means": o.means} if o.means else {})}


def option_from_dict(d: dict[str, Any]) -> Option:
    return Option(tuple(d["names"]), d["kind"], d["takes_value"],
                  tuple(OptionEffect(e["target"], e["op"], e["value"], e.get("mask"), e.get("level", 1), e.get("when", ""),
                                     e.get("struct", ""))
                        for e in d["effects"]), d["file"], tuple(d.get("also", ())), d.get("code"),
                  d.get("means", ""))
