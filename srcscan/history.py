"""Message history over releases, and stable message ids (`sid`).

One history index per project and rules file: the releases added so far, in order, and
for every message ever seen its stable id, the release it first appeared in, each state
it went through (template, priority, log function, requires, processes, facility, build,
location) and the release it was removed in. A release is added by diffing its catalog
against the previous release's (srcscan.diff: identity, renames, moves, rewordings,
merges); every pair the matcher makes carries the old message's sid to the new one.

Id policy (Apache httpd's AH numbers are the reference: kept when a message is reworded,
new when its meaning changes):
- a sid is assigned when a message first appears, and is never reused;
- it is kept on every pair the diff makes: rewording, move to another line, function or
  file, priority, option, process or facility change;
- several messages merged into one (a helper now writes them) end, and the merged message
  gets a new sid; a message that appears beside one that survives (a split) is new, and so is
  every new call but one of an old call the release wrote once per build (the diff pairs the
  old call with each: `#ifdef _WIN32` / `#else`).

Pure except `load_index` / `save_index` (one JSON file, written atomically) and nothing
here runs a build: `add_release` takes a finished Catalog.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from srcscan.catalog import Catalog, catalog_from_dict, message_to_dict
from srcscan.diff import FIELDS, FileTexts, diff_catalogs
from srcscan.diff.text import _match_pattern, _literal_view, _site, _text, numerically_impossible
from srcscan.errors import InputError

HISTORY_SCHEMA = "srcscan.history/2"  # 2: states keep the guards (`conditions`)
# Fields of a message's state, as the catalog's JSON writes them.
STATE_FIELDS = ("text", "format", "priority", "call", "requires", "processes", "facility", "build",
                "conditions", "file", "function", "line")
# How a change of each diff field shows in a state.
CHANGE_FIELDS = tuple(name for name, _ in FIELDS)
# The state keys each diff field (and "conditions") shows as: what a history event prints.
SHOWN = {"template": ("text",), "priority": ("priority",), "call": ("call",), "requires": ("requires",),
         "facility": ("facility",), "processes": ("processes",), "build": ("build",),
         "conditions": ("conditions",), "location": ("file", "function")}
_RELEASE = re.compile(r"^\d+(?:\.\d+)*$")


def is_release(version: str) -> bool:
    """A release version: digits and dots only (no rc, beta, pre or git describe suffix)."""
    return bool(_RELEASE.match(version))


def select_releases(versions: Iterable[str], first: str | None, last: str | None,
                    key: Callable[[str], Any]) -> list[str]:
    """The releases from `first` to `last` (inclusive), oldest first.

    Raises InputError (exit 2) for --from after --to, an endpoint that is no release, and
    an empty range."""
    ordered = sorted((v for v in versions if is_release(v)), key=key)
    for name, value in (("--from", first), ("--to", last)):
        if value is not None and value not in ordered:
            near = ", ".join(ordered[-5:]) or "none"
            raise InputError(f"{name} {value} is not a release tag (newest releases: {near})")
    if first is not None and last is not None and key(first) > key(last):
        raise InputError(f"--from {first} comes after --to {last}")
    chosen = [v for v in ordered if (first is None or key(v) >= key(first)) and (last is None or key(v) <= key(last))]
    if not chosen:
        raise InputError("no releases in that range")
    return chosen


def empty_index(project: str, rules_sha256: str) -> dict[str, Any]:
    return {"schema": HISTORY_SCHEMA, "project": project, "rules_sha256": rules_sha256, "next_sid": 1,
            "releases": [], "messages": {}, "last": None}


def load_index(path: Path, project: str, rules_sha256: str) -> dict[str, Any]:
    """The index at `path`, or an empty one (also when it belongs to other rules)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty_index(project, rules_sha256)
    if data.get("schema") != HISTORY_SCHEMA or data.get("rules_sha256") != rules_sha256:
        return empty_index(project, rules_sha256)
    return data


def save_index(path: Path, index: dict[str, Any]) -> None:
    """Write atomically: a run stopped half-way leaves the previous index whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(index, f, separators=(",", ":"), sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _state(m: dict[str, Any], release: str) -> dict[str, Any]:
    state = {k: m[k] for k in STATE_FIELDS}
    state["release"] = release
    state["id"] = m["id"]
    return state


def _slim(c: Catalog) -> dict[str, Any]:
    """What the next release's diff needs of this one: its messages (no derivations)."""
    messages = []
    for m in c.messages:
        d = message_to_dict(m)
        d.pop("derivation", None)
        messages.append(d)
    return {"schema": c.schema, "project": c.project, "version": c.version, "provenance": c.provenance.to_dict(),
            "rules_sha256": c.rules_sha256, "srcscan_version": c.srcscan_version, "files": [],
            "log_functions": [], "openlog": [], "sections": {}, "messages": messages}


def add_release(index: dict[str, Any], catalog: Catalog, release: str, texts: FileTexts | None = None,
                ref: str | None = None, root: str | None = None) -> dict[str, Any]:
    """Add `catalog` (release `release`) after the index's last release; returns the index.

    `texts` gives both releases' file texts for the diff's line mapping; `root` is kept so
    that the next release's diff can read this one's files."""
    messages = index["messages"]
    summary: dict[str, Any] = {"release": release, "ref": ref, "commit": catalog.provenance.commit,
                               "messages": len(catalog.messages)}
    new_sids: dict[str, str] = {}
    if index["last"] is None:
        for m in catalog.messages:
            new_sids[m.id] = _new_message(index, message_to_dict(m), release)
        summary.update(added=len(catalog.messages), removed=0, reworded=0, changed=0, merged=0)
        added_ids = set(new_sids)
    else:
        previous = catalog_from_dict(index["last"])
        old_sids: dict[str, str] = index["last_sids"]
        diff = diff_catalogs(previous, catalog, texts=texts)
        reworded = changed = 0
        given: set[str] = set()
        for old, new in diff.kept:
            new_sids[new.id] = old_sids[old.id]
            given.add(old_sids[old.id])
            messages[old_sids[old.id]]["line"] = new.line
        split: list[str] = []  # new ids of the further copies of an old call split by build
        for c in diff.moved + diff.changed:
            sid = old_sids[c.old.id]
            if sid in given:  # one old call, one new call per build: the others are new (a split)
                new_sids[c.new.id] = _new_message(index, message_to_dict(c.new), release)
                split.append(c.new.id)
                continue
            given.add(sid)
            new_sids[c.new.id] = sid
            r, k = _follow(messages[sid], c, release)
            reworded, changed = reworded + r, changed + k
        for merge in diff.merged:
            for c in merge.texts:  # an old message the merged site still writes as one of its texts
                given.add(old_sids[c.old.id])
                new_sids[c.new.id] = old_sids[c.old.id]
                r, k = _follow(messages[old_sids[c.old.id]], c, release)
                reworded, changed = reworded + r, changed + k
            kept = {id(c.old) for c in merge.texts}  # the survivor, if any, among them
            olds = [old_sids[o.id] for o in merge.olds if id(o) not in kept]
            if merge.new.id in new_sids:  # copies into a message that kept its own sid: it absorbs them
                sid = new_sids[merge.new.id]
                if olds:
                    messages[sid].setdefault("absorbed", []).append({"release": release, "sids": olds})
            else:  # several messages became one new message: a new sid
                sid = _new_message(index, message_to_dict(merge.new), release)
                new_sids[merge.new.id] = sid
                messages[sid]["merged_from"] = olds
            for old in olds:
                messages[old].update(removed=release, merged_into=sid)
        # further texts of a paired call site: a text it now writes belongs to that site's
        # message; one it no longer writes went into the text the site writes now
        site_new, site_old, site_pair = {}, {}, {}
        for a, b in diff.pairs:
            if b.id in new_sids:
                site_new.setdefault(_site(b), new_sids[b.id])
                site_old.setdefault(_site(a), new_sids[b.id])
                site_pair.setdefault(_site(b), a)
        variants, gone = set(map(id, diff.variants)), set(map(id, diff.gone_variants))
        paths: set[str] = set()
        added = [m for m in diff.added if m.id not in new_sids]  # not a text of a merged site an old message is
        for m in added:
            new_sids[m.id] = _new_message(index, message_to_dict(m), release)
            if id(m) in variants and _site(m) in site_new:
                entry = messages[new_sids[m.id]]
                entry["text_of"] = site_new[_site(m)]
                before = site_pair[_site(m)]
                paths = paths or {f.path for f in catalog.files} | {o.file for o in previous.messages}
                if filled_hole(before, m, paths, texts):  # the old release wrote it, read as the site's hole
                    entry.update(first=messages[old_sids[before.id]]["first"], hole=_text(before))
        still = {id(m): b for m, b in diff.gone_sites}  # a dropped call of a message still written
        for m in diff.removed:
            messages[old_sids[m.id]]["removed"] = release
            if id(m) in gone and _site(m) in site_old:
                messages[old_sids[m.id]]["merged_into"] = site_old[_site(m)]
            elif id(m) in still and still[id(m)].id in new_sids:
                messages[old_sids[m.id]]["merged_into"] = new_sids[still[id(m)].id]
        uncompiled, gone_uncompiled = _uncompiled(index, previous, catalog, old_sids, new_sids, release)
        added_ids = {m.id for m in added} | {mg.new.id for mg in diff.merged if not mg.texts} | set(split) | set(uncompiled)
        summary.update(added=len(added) + len(split) + len(uncompiled),
                       removed=len(diff.removed) + gone_uncompiled, reworded=reworded, changed=changed,
                       merged=len(diff.merged))
    summary["options"] = _option_counts(m for m in catalog.messages)
    summary["options_added"] = _option_counts(m for m in catalog.messages if m.id in added_ids)
    index["releases"].append(summary)
    index["last"] = _slim(catalog)
    index["last_sids"] = new_sids
    index["last_root"] = root
    index.setdefault("release_ids", {})[release] = dict(sorted(new_sids.items()))
    return index


def _follow(entry: dict[str, Any], c: Any, release: str) -> tuple[int, int]:
    """Carry a message's entry over a pair of the diff (a Change `c`): its line, and a new
    state when a field other than the line differs. Returns (reworded, changed): 1 each when
    the release reworded it, or changed it otherwise (not only in srcscan's reading)."""
    entry["line"] = c.new.line
    if not set(c.fields) - {"line"}:
        return 0, 0
    state = _state(message_to_dict(c.new), release)
    state["changed"] = list(c.fields)
    state["analysis_only"] = list(c.analysis_only)
    if c.runtime_only:
        state["runtime_only"] = list(c.runtime_only)
    event = _change_event(entry["states"][-1], state)
    entry["states"].append(state)
    if event is None or event.kind != "changed":
        return 0, 0
    return int("template" in event.fields), int("template" not in event.fields)


def _uncompiled(index: dict[str, Any], previous: Catalog, catalog: Catalog, old_sids: dict[str, str],
                new_sids: dict[str, str], release: str) -> tuple[list[str], int]:
    """Messages no build compiles (a build bounding a version number from both sides:
    diff.text.numerically_impossible) are no side of the diff's pairs, but each catalog
    message has a sid: such a message keeps its sid by identity (file, function, text), is
    otherwise new here, and an old one without a new copy is removed. Returns the ids of the
    new ones and how many old ones went."""
    olds: dict[tuple[str, str, str], list] = {}
    for m in previous.messages:
        if numerically_impossible(m.build) and m.id in old_sids:
            olds.setdefault((m.file, m.function, _text(m)), []).append(m)
    messages, added = index["messages"], []
    for m in catalog.messages:
        if not numerically_impossible(m.build) or m.id in new_sids:
            continue
        same = olds.get((m.file, m.function, _text(m)))
        if same:
            new_sids[m.id] = old_sids[same.pop(0).id]
            messages[new_sids[m.id]]["line"] = m.line
        else:
            new_sids[m.id] = _new_message(index, message_to_dict(m), release)
            added.append(m.id)
    gone = [m for left in olds.values() for m in left]
    for m in gone:
        messages[old_sids[m.id]]["removed"] = release
    return added, len(gone)


def filled_hole(old: Any, new: Any, paths: set[str], texts: FileTexts | None) -> bool:
    """Is `new`'s text `old`'s with its holes filled by constants (the same format) that the
    old release's files calling `old`'s function already have as string literals? Then the old
    release wrote that text too; srcscan read it as the hole. keepalived 2.2.7's catalog has
    snmp_register_mib()'s `Unable to register %s MIB` (its callers' calls did not parse:
    `sizeof(struct variable8)` of a header the tree lacks), 2.3.0's the five names its callers
    pass (`"Keepalived"`, snmp.c's global_name, `"VRRP"`, ...): `Unable to register Keepalived
    MIB` was written in 2.2.7 too. A constant only a new call passes is a new text. `paths`:
    the files to read on the old side."""
    if old.format != new.format or old.dynamic or _text(old) == _text(new) or texts is None:
        return False
    pattern = re.compile(_match_pattern(old).pattern.replace(".+?", "(.+?)"), re.S)
    filled = pattern.fullmatch(_literal_view(new))
    if filled is None:
        return False
    call = re.compile(rf"\b{re.escape(old.function)}\s*\(")
    sources = [t for path in sorted(paths) if (t := texts("old", path)) and call.search(t)]
    return all(any(f'"{value}"' in t for t in sources) for value in filled.groups())


def _new_message(index: dict[str, Any], m: dict[str, Any], release: str) -> str:
    sid = f"s{index['next_sid']}"
    index["next_sid"] += 1
    index["messages"][sid] = {"sid": sid, "first": release, "removed": None, "line": m["line"],
                              "states": [_state(m, release)]}
    return sid


def sid_number(sid: str) -> int:
    return int(sid[1:])


def _option_counts(messages) -> dict[str, int]:
    """Messages per option atom that their requirements name (`-D`, `!-t`, `proxy.debug>=2`)."""
    counts: Counter = Counter()
    for m in messages:
        counts.update({atom for alternative in m.requires for atom in alternative})
    return dict(sorted(counts.items()))


# ---------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class Event:
    """One thing that happened to a message in a release."""

    release: str
    # "added", "changed", "analysis" (srcscan's reading changed, not the code), "removed", "merged",
    # "further-text" (a text a call site written in an earlier release now writes too)
    kind: str
    fields: tuple[str, ...] = ()  # for "changed": the diff fields that differ
    old: dict[str, Any] | None = None  # the state before (changed)
    new: dict[str, Any] | None = None  # the state after (added, changed)
    note: str = ""  # "merged from s3, s7", "merged into s12", "analysis only: requires"


def message_events(entry: dict[str, Any], release_order: Callable[[str], Any] | None = None) -> list[Event]:
    """The events of one message of the index, in release order (`release_order` gives each
    release's position; without it, absorbed copies come after the first event)."""
    states = entry["states"]
    note = f"merged from {', '.join(entry['merged_from'])}" if entry.get("merged_from") else ""
    kind = "merged" if note else "added"
    first = states[0]["release"]
    if entry.get("text_of"):  # a text a call site written before now writes too: no new message
        kind, note = "further-text", f"a further text of the call site of {entry['text_of']}"
    if entry.get("hole"):  # written since, with a constant srcscan read in the hole only from `first` on
        kind, first = "added", entry["first"]
        note = (f"written since {first} by the call site of {entry['text_of']} as '{entry['hole']}' "
                f"(its constant read from {states[0]['release']} on)")
    events = [Event(first, kind, new=states[0], note=note)]
    for absorbed in entry.get("absorbed", ()):
        events.append(Event(absorbed["release"], "merged", note=f"took over {', '.join(absorbed['sids'])}"))
    for old, new in zip(states, states[1:]):
        event = _change_event(old, new)
        if event is not None:
            events.append(event)
    events.sort(key=lambda e: (release_order(e.release), e.kind not in ("added", "further-text"))) if release_order else None
    if entry.get("removed"):
        into = entry.get("merged_into")
        events.append(Event(entry["removed"], "removed", note=f"merged into {into}" if into else ""))
    return events


def _change_event(old: dict[str, Any], new: dict[str, Any]) -> Event | None:
    """The event of a state `new` following `old`: "changed" with the fields the release
    changed, "analysis" when only srcscan's reading of some changed (diff's "analysis only":
    the guards read the same on both sides), None when no field the event shows differs (the
    format alone, a helper's `%s notify fifo` now filled with its caller's "VRRP", writing the
    same line; the facility's options). A field differing only in srcscan's reading is named
    in the note, never among the release's fields; so is `conditions` changed by the release
    in tests of calls no setting controls only (diff's "runtime only", srcscan.diff.runtime):
    no event an operator sees, kept beside srcscan's readings."""
    differs = [f for f in new.get("changed", ()) if f in SHOWN and any(old.get(k) != new.get(k) for k in SHOWN[f])]
    only = [f for f in differs if f in (new.get("analysis_only") or ())]
    runtime = [f for f in differs if f in (new.get("runtime_only") or ()) and f not in only]
    fields = tuple(f for f in differs if f not in only and f not in runtime)
    if not differs:
        return None
    note = "; ".join(f"{what}: {', '.join(fs)}" for what, fs in (("analysis only", only), ("runtime tests only", runtime))
                     if fs)
    only += runtime
    return Event(new["release"], "changed" if fields else "analysis", fields or tuple(only), old, new, note)


def find_messages(index: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """Messages whose text or format in any state contains `text`, or whose sid is `text`.

    Raises InputError when none does."""
    messages = index["messages"]
    if text in messages:
        return [messages[text]]
    found = [e for e in messages.values() if any(text in s["text"] or text in s["format"] for s in e["states"])]
    if not found:
        raise InputError(f"no message of {index['project']} matches {text!r} in the releases of this history")
    return sorted(found, key=lambda e: sid_number(e["sid"]))


def releases_containing(index: dict[str, Any], sids: Iterable[str]) -> dict[str, list[str]]:
    """For `explain`: release -> the given sids that release's catalog holds, for every release
    of the index (oldest first) holding at least one of them."""
    wanted = set(sids)
    out = {}
    for release in index["releases"]:
        present = sorted(wanted & set(index["release_ids"][release["release"]].values()), key=sid_number)
        if present:
            out[release["release"]] = present
    return out


def sids_of_release(index: dict[str, Any], release: str) -> dict[str, str]:
    """Catalog message id -> sid for a release of the index ({} when it has no such release):
    what `catalog`, `diff` and `explain` show beside each message of that release."""
    return dict(index.get("release_ids", {}).get(release, {}))


def state_at(index: dict[str, Any], entry: dict[str, Any], release: str) -> dict[str, Any]:
    """The state a message was in at `release`: its last state from a release not after it."""
    position = {r["release"]: i for i, r in enumerate(index["releases"])}
    at = position.get(release, len(position))
    chosen = entry["states"][0]
    for state in entry["states"]:
        if position.get(state["release"], 0) <= at:
            chosen = state
    return chosen


def history_file(cache_dir: Path, rules) -> Path:
    """Where a project's history index lives: one file per project and rules file."""
    return index_path(cache_dir, rules.project, rules.sha256)


def index_path(cache_dir: Path, project: str, rules_sha256: str) -> Path:
    return cache_dir / "history" / f"{project}-{rules_sha256[:16]}.json"


def catalog_sids(cache_dir: Path, catalog: Catalog) -> dict[str, str]:
    """Catalog id -> sid for a catalog of a release the project's history index holds (made
    with the same rules); {} when there is no such index or release."""
    if catalog.version is None:
        return {}
    index = load_index(index_path(cache_dir, catalog.project, catalog.rules_sha256), catalog.project,
                       catalog.rules_sha256)
    return sids_of_release(index, catalog.version)
