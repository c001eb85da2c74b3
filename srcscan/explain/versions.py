"""Which releases could have written these lines.

Evidence is one example text per matched message (with its lighttpd stamp, if any). A
release is a candidate when its catalog holds, for every example, a message whose template
matches the text (and, for a stamped line, a message at that file and line that matches).

Catalogs are built on demand through the pipeline and its results cache. Without a range,
every release tag is first narrowed by the source text: `git grep` over the tags of the git
mirror for each example's longest literal (a release whose source lacks it cannot hold the
message); catalogs are then built for the releases left, newest first, up to `max_builds`.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from srcscan.catalog import Catalog
from srcscan.errors import InputError, SourceError
from srcscan.explain.explain import Explainer, Explanation, Summary
from srcscan.explain.lines import Stamp
from srcscan.explain.matcher import Matcher
from srcscan.formats.template import Hole


@dataclass(frozen=True)
class Evidence:
    """One matched line standing for its message: its text and stamp, and the literal the
    source of any release holding the message must contain."""

    text: bytes
    stamp: Stamp | None
    literal: str  # the longest literal part of the matched template ("" when it has none)


def evidence_of(explainer: Explainer, lines: Sequence[Explanation] | None, summary: Summary) -> list[Evidence]:
    """One Evidence per matched message (from the summary's examples, or the explanations)."""
    out: dict[object, Evidence] = {}
    if lines is not None:
        for e in lines:
            if e.hits:
                key = (e.hits[0].message.file, e.hits[0].message.line, e.hits[0].message.format)
                out.setdefault(key, Evidence(e.record.text, e.record.stamp, longest_literal(e.hits[0].message.template)))
    else:
        for key, (text, stamp) in summary.examples.items():
            p = key if isinstance(key, int) else explainer.matcher.pattern_of(key[1][0])
            t = explainer.matcher.templates[explainer.matcher.patterns[p].messages[0]]
            out.setdefault(key, Evidence(text, stamp, longest_literal(t)))
    # Lines this catalog does not match may be messages of another release.
    for text, stamp in summary.unmatched_texts.items():
        out.setdefault(("unmatched", text), Evidence(text, stamp, ""))  # type: ignore[arg-type]
    return list(out.values())


def longest_literal(template) -> str:
    texts = [p for p in template.parts if not isinstance(p, Hole)]
    return max((t.strip() for t in texts), key=len, default="")


def held(catalog: Catalog, evidence: Sequence[Evidence]) -> frozenset[int]:
    """The pieces of evidence (indexes) the catalog has a message for. A stamped line is held
    only by a message at that file and line: one whose text matches it, starts it (lighttpd
    appends to some), or reads alike (difflib ratio >= 0.6: a value the build fills in, as
    PACKAGE_DESC in `server started (%s)`)."""
    matcher = Matcher([m.template for m in catalog.messages], [(m.file, m.line) for m in catalog.messages],
                      engine="re2")
    out = set()
    for k, (ev, found) in enumerate(zip(evidence, matcher.all_matches([e.text for e in evidence], loose=True))):
        if ev.stamp is None:
            if found:
                out.add(k)
            continue
        for i in matcher.at_stamp(ev.stamp.basename, ev.stamp.line):
            p = matcher.pattern_of(i)
            if (p in found or matcher.prefix_values(p, ev.text) is not None
                    or _alike(ev.text, catalog.messages[i].template)):
                out.add(k)
                break
    return frozenset(out)


def _alike(text: bytes, template) -> bool:
    from difflib import SequenceMatcher

    literal = "".join(p for p in template.parts if not isinstance(p, Hole))
    return SequenceMatcher(None, text.decode("utf-8", "replace"), literal, autojunk=False).ratio() >= 0.6


def parse_range(text: str) -> tuple[str | None, str | None]:
    """`A..B`, `A..` or `..B` -> (A, B)."""
    if ".." not in text:
        raise InputError(f"--versions takes A..B (got {text!r})")
    low, _, high = text.partition("..")
    return low or None, high or None


def in_range(known: Sequence[str], text: str) -> list[str]:
    from srcscan.sources.git import version_key

    low, high = parse_range(text)
    return [v for v in known if (low is None or version_key(v) >= version_key(low))
            and (high is None or version_key(v) <= version_key(high))]


def newest_in_range(project: str, version_range: str, source: str | None, cache_dir: Path | None,
                    provider: str | None = None, notify: Callable[[str], None] = lambda line: None) -> str:
    """The newest release in A..B (InputError when there is none)."""
    from srcscan.sources.obtain import default_cache_dir

    known, _, _, _ = releases(project, source, cache_dir or default_cache_dir(), provider, notify)
    return _chosen(project, known, version_range)[-1]


def _chosen(project: str, known: Sequence[str], version_range: str) -> list[str]:
    chosen = in_range(known, version_range)
    if not chosen:
        raise InputError(f"no release of {project} in {version_range} "
                         f"(releases: {known[0] if known else '?'} .. {known[-1] if known else '?'})")
    return chosen


def releases(project: str, source: str | None, cache_dir: Path, provider: str | None = None,
             notify: Callable[[str], None] = lambda line: None) -> tuple[list[str], Path | None, str, str]:
    """Every release version (oldest first), the git mirror (None for Debian), the tag pattern
    and the provider they come from: the git tags (of `source`, else the rules' remote), or the
    versions Debian's archive carries (`provider` "debian", or when git cannot be reached)."""
    from srcscan.rules import load_rules

    rules = load_rules(project)
    if provider != "debian" and (source or rules.source.git):
        from srcscan.sources.git import ensure_mirror, remote_location, versions

        try:
            mirror = ensure_mirror(cache_dir, remote_location(source or rules.source.git))
            return versions(mirror, rules.source.tag), mirror, rules.source.tag, "git"
        except SourceError as exc:
            if source or not rules.source.debian or provider == "git":
                raise
            notify(f"{exc}; releases from the Debian archive instead")
    if not rules.source.debian:
        raise InputError(f"{project}'s rules name no git repository or Debian package: give --source")
    from srcscan.sources.debian import available
    from srcscan.sources.git import version_key

    found = sorted({p.upstream for p in available(rules.source.debian, cache_dir)}, key=version_key)
    return found, None, "", "debian"


def narrow_by_text(mirror: Path, pattern: str, known: Sequence[str], evidence: Sequence[Evidence]) -> list[str]:
    """The releases whose .c/.h files contain every evidence literal (one `git grep` over the tags)."""
    literals = sorted({e.literal for e in evidence if len(e.literal) >= 6})
    if not literals:
        return list(known)
    from srcscan.sources.git import tag_name

    tags = {tag_name(pattern, v): v for v in known}
    done = subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "grep", "-z", "-o", "-F", "--no-color",
                           *sum((["-e", lit] for lit in literals), []), *tags, "--", "*.c", "*.h"],
                          cwd=mirror, capture_output=True, timeout=600)
    if done.returncode not in (0, 1):
        raise SourceError(f"git grep failed: {done.stderr.decode(errors='replace').strip()[-200:]}")
    seen: dict[str, set[str]] = {}
    for row in done.stdout.decode("utf-8", "replace").splitlines():
        where, _, found = row.partition("\0")
        tag = where.split(":", 1)[0]
        seen.setdefault(tag, set()).add(found)
    need = set(literals)
    return [v for tag, v in tags.items() if need <= seen.get(tag, set())]


def candidate_releases(explainer: Explainer, lines: Sequence[Explanation] | None, summary: Summary, *, project: str,
                       version_range: str | None, source: str | None, cache_dir: Path | None, jobs: int,
                       notify: Callable[[str], None], max_builds: int = 12, provider: str | None = None,
                       build: Callable[[str], Catalog] | None = None) -> list[str]:
    """Releases (oldest first) whose catalogs hold every matched message."""
    from srcscan.sources.obtain import default_cache_dir

    cache = cache_dir or default_cache_dir()
    known, mirror, pattern, provider = releases(project, source, cache, provider, notify)
    evidence = evidence_of(explainer, lines, summary)
    if version_range is not None:
        chosen = _chosen(project, known, version_range)
    else:
        chosen = narrow_by_text(mirror, pattern, known, evidence) if mirror is not None else list(known)
        notify(f"{len(chosen)} of {len(known)} releases ({provider}) may hold every matched message")
        if len(chosen) > max_builds:
            notify(f"building catalogs of the newest {max_builds} of them only (give --versions A..B for others)")
            chosen = chosen[-max_builds:]
    build = build or (lambda v: build_release(project, v, source, cache, jobs, provider, notify))
    holds: dict[str, frozenset[int]] = {}
    index = history_index(project, cache)
    if index is not None:
        from_index = held_by_history(index, evidence)
        known_to_index = [v for v in chosen if v in from_index]
        if known_to_index:
            notify(f"{len(known_to_index)} of {len(chosen)} releases read from the history index (no catalog built; "
                   f"a stamped line is held where its file has the message, its line is not compared)")
            holds.update((v, from_index[v]) for v in known_to_index)
    todo = [v for v in chosen if v not in holds]
    for k, v in enumerate(todo, 1):
        notify(f"release {v} ({k} of {len(todo)})")
        holds[v] = held(build(v), evidence)
    # A line no release of the range has a message for is not evidence (another program's, or dynamic text).
    wanted = frozenset().union(*holds.values()) if holds else frozenset()
    return [v for v in chosen if holds[v] == wanted]


def history_index(project: str, cache: Path) -> dict | None:
    """The project's history index (srcscan history) in the cache, or None when there is none."""
    from srcscan.history import history_file, load_index
    from srcscan.rules import load_rules

    rules = load_rules(project)
    path = history_file(cache, rules)
    if not path.is_file():
        return None
    index = load_index(path, rules.project, rules.sha256)
    return index if index.get("releases") else None


def held_by_history(index: dict, evidence: Sequence[Evidence]) -> dict[str, frozenset[int]]:
    """For every release of a history index, the pieces of evidence (indexes) it holds: a message
    state (the index keeps each message's template per release range) matching the text, as
    `held` asks of a catalog; a stamped line needs a state in the stamp's file (its line number is
    not in the index for every release, so it is not compared)."""
    from srcscan.formats.printf import parse_printf
    from srcscan.formats.template import Arg, Template

    order = [r["release"] for r in index["releases"]]
    position = {v: k for k, v in enumerate(order)}
    states: list[dict] = []
    spans: list[range] = []
    for entry in index["messages"].values():
        chain = entry["states"]
        end = position.get(entry.get("removed") or "", len(order))
        for k, state in enumerate(chain):
            start = position.get(state["release"])
            if start is None:
                continue
            stop = position.get(chain[k + 1]["release"], end) if k + 1 < len(chain) else end
            states.append(state)
            spans.append(range(start, max(start, stop)))
    templates = []
    for state in states:
        text = state["text"]
        try:
            templates.append(Template(parse_printf(text, tuple(Arg(f"hole {n}") for n in range(text.count("%"))))))
        except ValueError:
            templates.append(Template((text,)))
    matcher = Matcher(templates, [(st["file"], st["line"]) for st in states], engine="re2")
    by_file: dict[str, list[int]] = {}
    for i, st in enumerate(states):
        by_file.setdefault(st["file"].rsplit("/", 1)[-1], []).append(i)
    holders: list[set[int]] = []  # per evidence: the release positions holding it
    for ev, found in zip(evidence, matcher.all_matches([e.text for e in evidence], loose=True)):
        at: set[int] = set()
        if ev.stamp is None:
            for p in found:
                for i in matcher.patterns[p].messages:
                    at.update(spans[i])
        else:
            for i in by_file.get(ev.stamp.basename, ()):
                p = matcher.pattern_of(i)
                if p in found or matcher.prefix_values(p, ev.text) is not None or _alike(ev.text, templates[i]):
                    at.update(spans[i])
        holders.append(at)
    return {v: frozenset(k for k, at in enumerate(holders) if pos in at) for v, pos in position.items()}


def build_release(project: str, version: str, source: str | None, cache: Path, jobs: int, provider: str,
                  notify: Callable[[str], None]) -> Catalog:
    """The catalog of one release from `provider` ("git": the tag, from `source` if given)."""
    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources.obtain import obtain_tree

    rules = load_rules(project)
    tree = obtain_tree(rules, version, source=source if provider == "git" else None, cache_dir=cache, notify=notify,
                       providers=(provider,))
    return build_from_tree(rules, tree, cache, (), jobs, notify=notify).catalog
