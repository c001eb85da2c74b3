"""Select messages of a catalog: what an option adds, what goes to a facility or process,
what a build macro brings. Pure: a Catalog and filters in, messages out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from srcscan.analyze.settings import needs
from srcscan.catalog import Catalog, Message
from srcscan.errors import UnknownOptionError


@dataclass(frozen=True)
class Query:
    adds: str | None = None  # an option name (any alias)
    facility: str | None = None
    process: str | None = None
    build: str | None = None


def option_aliases(catalog: Catalog, name: str) -> set[str]:
    """All names of the option called `name` (first name first), or an error naming close ones."""
    import difflib

    options = catalog.sections.get("options", [])
    for option in options:
        if name in option["names"]:
            return set(option["names"])
    known = sorted(n for o in options for n in o["names"])
    close = difflib.get_close_matches(name, known, n=1)
    raise UnknownOptionError(name, known, close[0] if close else None)


def run_query(catalog: Catalog, q: Query) -> list[Message]:
    messages = list(catalog.messages)
    if q.adds:
        names = option_aliases(catalog, q.adds)
        messages = [m for m in messages if needs(m.requires, names)]
    if q.facility:
        want = q.facility.lower().removeprefix("log_")
        messages = [m for m in messages if want in {f.lower() for f in m.facility}
                    or want in {v.lower() for _, v in m.facility_with}]
    if q.process:
        messages = [m for m in messages if q.process in m.processes]
    if q.build:
        word = re.compile(rf"\b{re.escape(q.build)}\b")
        messages = [m for m in messages if word.search(m.build) and f"!defined({q.build})" not in m.build.replace(" ", "")]
    return messages
