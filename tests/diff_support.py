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


def tagged_diffs(base: Path, kinds: dict[str, dict[str, str]], head: str, rules_path: Path) -> dict[str, tuple]:
    """kind -> (DiffResult, texts) of each kind's two releases (`releases(files, head)`),
    committed and tagged KIND-old and KIND-new in one git repository under `base`, each tag's
    tree exported with `git archive` and built with the rules at `rules_path`; `texts(side,
    file)` reads a file of either exported tree (None when it is not there)."""
    import subprocess

    from srcscan.diff import diff_catalogs
    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources import Provenance, SourceTree

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True)

    repo = base / "repo"
    repo.mkdir()
    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    rules = load_rules(str(rules_path))
    out = {}
    for kind, files in kinds.items():
        roots = {}
        for side, sides in zip(("old", "new"), releases(files, head)):
            for old in repo.glob("*"):
                if old.name != ".git":
                    subprocess.run(["rm", "-rf", str(old)], check=True)
            for name, text in sides.items():
                (repo / name).parent.mkdir(parents=True, exist_ok=True)
                (repo / name).write_text(text)
            git("add", "-A")
            git("commit", "-q", "--allow-empty", "-m", f"{kind} {side}")
            git("tag", f"{kind}-{side}")
            tree = base / f"{kind}-{side}"
            tree.mkdir()
            archive = subprocess.run(["git", "-C", str(repo), "archive", f"{kind}-{side}"], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
            roots[side] = tree
        cats = {s: build_from_tree(rules, SourceTree(r, Provenance("path", str(r), s)), base / "cache").catalog
                for s, r in roots.items()}

        def texts(side, file, roots=roots):
            path = roots[side] / file
            return path.read_text() if path.is_file() else None
        out[kind] = (diff_catalogs(cats["old"], cats["new"], texts=texts), texts)
    return out
