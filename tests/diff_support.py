"""Two releases of a fixture file written once, as a patch: a line starting with `-` is in the
old release only, one starting with `+` in the new release only, every other line in both.
(No C line of the fixtures starts with `-` or `+`.)"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "diff"


def two_sides(text: str) -> tuple[str, str]:
    """(old text, new text) of a two-sided fixture text; a side left with nothing but blank
    lines is "" (the file is not in that release)."""
    old, new = [], []
    for line in text.split("\n"):
        if line.startswith("-"):
            old.append(line[1:])
        elif line.startswith("+"):
            new.append(line[1:])
        else:
            old.append(line)
            new.append(line)
    return tuple("\n".join(side) if "".join(side).strip() else "" for side in (old, new))


def releases(files: dict[str, str], head: str = "") -> tuple[dict[str, str], dict[str, str]]:
    """{path: two-sided text} -> ({path: old text}, {path: new text}), each file `head` +
    its side, and only in the releases where its side has some text."""
    old, new = {}, {}
    for path, text in files.items():
        for side, out in zip(two_sides(text), (old, new)):
            if side:
                out[path] = head + side
    return old, new


def daemon_head() -> str:
    """The fixture daemon's head: syslog, the log function and a getopt loop where -d sets
    `debug |= 4` (fixtures/diff/head.c; the history fixture's releases start with it too)."""
    return (FIXTURES / "head.c").read_text()


def daemon_releases() -> tuple[str, str]:
    """The fixture daemon's daemon.c in releases 1.0 and 1.1: the head, then each side of
    fixtures/diff/daemon.c.sides (1.1 moves helper() to lib/helper.c, fixtures/diff/helper.c)."""
    head = daemon_head()
    return tuple(head + side for side in two_sides((FIXTURES / "daemon.c.sides").read_text()))
