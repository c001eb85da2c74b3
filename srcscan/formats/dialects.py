"""Dispatch from a rules file's `dialect` name to its format module."""

from __future__ import annotations

from typing import Callable

from srcscan.formats import lighttpd_legacy, printf
from srcscan.formats.template import Arg, Template

DIALECTS: dict[str, Callable[[Arg, tuple[Arg, ...]], Template]] = {
    "printf": printf.build_template,
    "lighttpd_legacy": lighttpd_legacy.build_template,
}


def build_template(dialect: str, fmt: Arg, rest: tuple[Arg, ...]) -> Template:
    return DIALECTS[dialect](fmt, tuple(rest))
