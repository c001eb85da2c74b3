"""Compare two JSON catalogs of the same tree field by field, call site by call site, and
group every difference by kind.

    python benchmarks/compare_catalogs.py BEFORE.json AFTER.json
    python benchmarks/compare_catalogs.py --dirs /work/baseline/s6 AFTER_DIR    # every file both hold
    python benchmarks/compare_catalogs.py BEFORE.json AFTER.json --json kinds.json --examples 5

Messages are paired by call site: the same file, enclosing function and line, then within a
site by format (a site with several texts: choices between literals), then one to one when
a site has exactly one unpaired message on each side. A message left unpaired whose file,
function and format the other catalog holds at another line is counted as "moved" (a line
changed, not a message). Each paired message is compared on every field but `id`'s inputs
are reported apart (an id follows the template). A difference's kind is its field plus what
changed, in terms of that field:

  requires      added (was default options) / dropped (now default) / changed, with the
                atoms that came and went
  processes, facility, conditions, uncertain   elements added and removed
  derivation    "form" when only the representation changed (prose strings -> data), else
                the derivation kinds added and removed
  template, format, text, priority, build, call, written, dynamic, extracted   old -> new
  requires_formula   added (a field catalogs from before the restructuring lack)

The report is Markdown on stdout: per catalog the counts, then per kind the number of
messages and a few examples (file:line function), enough to check each kind against the
source. `--json` writes every member of every kind. Exits 0: it reports, it does not judge
(the reasons go in the note that cites it), 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

Site = tuple[str, str, int]  # file, function, line
LIST_FIELDS = ("processes", "facility", "conditions", "uncertain")
SCALAR_FIELDS = ("format", "text", "priority", "build", "call", "written", "dynamic", "extracted")


def load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        print(f"compare_catalogs: cannot read {path}: {exc}", file=sys.stderr)
        raise SystemExit(2)


def pair(before: list[dict], after: list[dict]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """(pairs, only before, only after): paired by site, then format, then one to one. A
    message left over at a site where another of the same format was paired (one call seen
    twice: two build profiles calling two log functions) stays unpaired; `compare` counts
    those apart as repeats."""
    sites_a: dict[Site, list[dict]] = defaultdict(list)
    sites_b: dict[Site, list[dict]] = defaultdict(list)
    for m in before:
        sites_a[(m["file"], m["function"], m["line"])].append(m)
    for m in after:
        sites_b[(m["file"], m["function"], m["line"])].append(m)
    pairs, left_a, left_b = [], [], []
    for site in sorted(set(sites_a) | set(sites_b)):
        a, b = list(sites_a.get(site, [])), list(sites_b.get(site, []))
        for key in ("format", "id", "text"):
            for m in list(a):
                match = next((n for n in b if n.get(key) == m.get(key)), None)
                if match is not None:
                    pairs.append((m, match))
                    a.remove(m)
                    b.remove(match)
        if len(a) == 1 and len(b) == 1:
            pairs.append((a[0], b[0]))
            a, b = [], []
        left_a.extend(a)
        left_b.extend(b)
    return pairs, left_a, left_b


def _atoms(requires: Iterable[Iterable[str]]) -> set[str]:
    return {atom for alt in requires for atom in alt}


def _derivation_kinds(items: list) -> list[str]:
    return sorted({d["kind"] if isinstance(d, dict) else "prose" for d in items})


def kinds_of(a: dict, b: dict) -> list[tuple[str, str]]:
    """The (field, kind) pairs on which two paired messages differ."""
    out = []
    ra, rb = a.get("requires", []), b.get("requires", [])
    if _normal(ra) != _normal(rb):
        if not ra:
            what = "added"
        elif not rb:
            what = "dropped"
        else:
            what = "changed"
        came, went = sorted(_atoms(rb) - _atoms(ra)), sorted(_atoms(ra) - _atoms(rb))
        out.append(("requires", f"{what}: +{came} -{went}" if came or went else f"{what}: same atoms, other form"))
    if "requires_formula" in b and "requires_formula" not in a:
        out.append(("requires_formula", "added (field new)"))
    da, db = a.get("derivation", []), b.get("derivation", [])
    if da != db:
        ka, kb = _derivation_kinds(da), _derivation_kinds(db)
        if all(isinstance(d, str) for d in da) and all(isinstance(d, dict) for d in db) and len(da) == len(db):
            out.append(("derivation", "form: prose -> data"))
        elif ka == kb:
            out.append(("derivation", f"content: {','.join(ka)}"))
        else:
            out.append(("derivation", f"kinds {','.join(ka) or '-'} -> {','.join(kb) or '-'}"))
    for field in LIST_FIELDS:
        la, lb = a.get(field, []), b.get(field, [])
        if sorted(map(str, la)) != sorted(map(str, lb)):
            came, went = sorted(set(map(str, lb)) - set(map(str, la))), sorted(set(map(str, la)) - set(map(str, lb)))
            out.append((field, f"+{came} -{went}" if came or went else "order or repeats"))
    fa, fb = a.get("facility_with", {}), b.get("facility_with", {})
    if fa != fb:
        came, went = sorted(set(fb) - set(fa)), sorted(set(fa) - set(fb))
        out.append(("facility_with", f"options +{came} -{went}" if came or went else "facility text changed"))
    if a.get("template") != b.get("template"):
        out.append(("template", _template_kind(a.get("template") or {}, b.get("template") or {})))
    for field in SCALAR_FIELDS:
        if a.get(field) != b.get(field):
            va, vb = a.get(field), b.get(field)
            short = field in ("priority", "call", "written", "dynamic", "extracted")
            out.append((field, f"{va!r} -> {vb!r}" if short else "changed"))
    if a.get("id") != b.get("id"):
        out.append(("id", "changed"))
    for field in sorted(set(a) ^ set(b) - {"requires_formula"}):
        out.append((field, "present only " + ("before" if field in a else "after")))
    return out


def _normal(requires: list) -> list:
    return sorted(sorted(alt) for alt in requires)


def _template_kind(a: dict, b: dict) -> str:
    pa, pb = a.get("parts", []), b.get("parts", [])
    holes_a = [p for p in pa if isinstance(p, dict)]
    holes_b = [p for p in pb if isinstance(p, dict)]
    if [p for p in pa if isinstance(p, str)] == [p for p in pb if isinstance(p, str)]:
        if len(holes_a) == len(holes_b):
            fields = sorted({k for x, y in zip(holes_a, holes_b) for k in set(x) | set(y) if x.get(k) != y.get(k)})
            return f"holes' {','.join(fields)}"
        return "holes added or removed"
    return "literal text"


def _where(m: dict) -> str:
    return f"{m['file']}:{m['line']} {m['function']}()"


def compare(before: dict, after: dict) -> dict[str, Any]:
    """The differences of two catalogs, grouped: {"counts", "kinds": {(field, kind): [pairs]},
    "only_before", "only_after", "moved", "sections"}."""
    pairs, only_a, only_b = pair(before["messages"], after["messages"])
    moved = []
    by_text_b = defaultdict(list)
    for m in only_b:
        by_text_b[(m["file"], m["function"], m["format"])].append(m)
    still_a = []
    for m in only_a:
        there = by_text_b.get((m["file"], m["function"], m["format"]))
        if there:
            moved.append((m, there.pop(0)))
        else:
            still_a.append(m)
    still_b = [m for ms in by_text_b.values() for m in ms]
    paired_a = {(a["file"], a["function"], a["line"], a["format"]) for a, _ in pairs}
    paired_b = {(b["file"], b["function"], b["line"], b["format"]) for _, b in pairs}
    repeats_a = [m for m in still_a if (m["file"], m["function"], m["line"], m["format"]) in paired_a]
    repeats_b = [m for m in still_b if (m["file"], m["function"], m["line"], m["format"]) in paired_b]
    still_a = [m for m in still_a if m not in repeats_a]
    still_b = [m for m in still_b if m not in repeats_b]
    kinds: dict[tuple[str, str], list[tuple[dict, dict]]] = defaultdict(list)
    for a, b in pairs + moved:
        for kind in kinds_of(a, b):
            kinds[kind].append((a, b))
    return {"counts": {"before": len(before["messages"]), "after": len(after["messages"]), "paired": len(pairs),
                       "moved": len(moved), "only_before": len(still_a), "only_after": len(still_b),
                       "repeats_before": len(repeats_a), "repeats_after": len(repeats_b),
                       "identical": sum(1 for a, b in pairs if not kinds_of(a, b))},
            "kinds": kinds, "only_before": still_a, "only_after": still_b, "moved": moved,
            "repeats_before": repeats_a, "repeats_after": repeats_b,
            "sections": compare_sections(before.get("sections", {}), after.get("sections", {}))}


def compare_sections(a: dict, b: dict) -> list[str]:
    """One line per difference of the catalogs' sections: options and processes by name, the
    coverage figures by key, any other section as a whole."""
    out = []
    for name in sorted(set(a) | set(b)):
        va, vb = a.get(name), b.get(name)
        if va == vb:
            continue
        if name in ("options", "processes") and isinstance(va, list) and isinstance(vb, list):
            key = (lambda r: ",".join(r["names"])) if name == "options" else (lambda r: r["name"])
            ra, rb = {key(r): r for r in va}, {key(r): r for r in vb}
            for k in sorted(set(ra) | set(rb)):
                if k not in ra or k not in rb:
                    out.append(f"{name}: {k} only {'after' if k in rb else 'before'}")
                elif ra[k] != rb[k]:
                    fields = sorted(f for f in set(ra[k]) | set(rb[k]) if ra[k].get(f) != rb[k].get(f))
                    out.append(f"{name}: {k}: " + "; ".join(f"{f} {_short(ra[k].get(f))} -> {_short(rb[k].get(f))}"
                                                         for f in fields))
        elif name == "coverage" and isinstance(va, dict) and isinstance(vb, dict):
            for k in sorted(set(va) | set(vb)):
                if va.get(k) != vb.get(k):
                    out.append(f"coverage: {k} {_short(va.get(k))} -> {_short(vb.get(k))}")
        else:
            out.append(f"section {name}: " + ("only after" if va is None else "only before" if vb is None else "differs"))
    return out


def _short(value: Any, width: int = 90) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def markdown(name: str, result: dict[str, Any], examples: int) -> str:
    c = result["counts"]
    lines = [f"## {name}", "",
             f"messages {c['before']} -> {c['after']}: {c['paired']} paired by call site ({c['identical']} identical), "
             f"{c['moved']} moved to another line, {c['only_before']} only before, {c['only_after']} only after; "
             f"a call site's repeated message (same format at the same site): {c['repeats_before']} before, "
             f"{c['repeats_after']} after.", ""]
    by_field: dict[str, list] = defaultdict(list)
    for (field, kind), members in result["kinds"].items():
        by_field[field].append((kind, members))
    for field in sorted(by_field, key=lambda f: -sum(len(m) for _, m in by_field[f])):
        total = len({id(a) for _, members in by_field[field] for a, _ in members})
        lines.append(f"### {field}: {total} messages")
        for kind, members in sorted(by_field[field], key=lambda km: -len(km[1]))[:12]:
            lines.append(f"- {len(members)} x {kind}")
            for a, b in members[:examples]:
                lines.append(f"    - {_where(b)}: {_short(_field(a, field))} -> {_short(_field(b, field))}")
        rest = len(by_field[field]) - 12
        if rest > 0:
            lines.append(f"- ... and {rest} more kinds ({sum(len(m) for _, m in sorted(by_field[field], key=lambda km: -len(km[1]))[12:])} messages)")
        lines.append("")
    for side in ("only_before", "only_after", "repeats_before", "repeats_after"):
        ms = result[side]
        if ms:
            lines.append(f"### {side.replace('_', ' ')}: {len(ms)} messages")
            per_file: dict[str, int] = defaultdict(int)
            for m in ms:
                per_file[m["file"]] += 1
            lines.append("by file: " + ", ".join(f"{f} {n}" for f, n in sorted(per_file.items(), key=lambda x: -x[1])[:15]))
            for m in ms[:examples * 2]:
                lines.append(f"    - {_where(m)} [{m.get('extracted', 'parse')}] {_short(m['format'], 70)}")
            lines.append("")
    if result["sections"]:
        lines.append(f"### sections: {len(result['sections'])} differences")
        lines.extend(f"- {s}" for s in result["sections"][:40])
        if len(result["sections"]) > 40:
            lines.append(f"- ... and {len(result['sections']) - 40} more")
        lines.append("")
    return "\n".join(lines)


def _field(m: dict, field: str) -> Any:
    if field == "template":
        return m.get("template", {}).get("parts")
    return m.get(field)


def as_json(result: dict[str, Any]) -> dict[str, Any]:
    def site(m: dict) -> dict:
        return {"file": m["file"], "line": m["line"], "function": m["function"], "format": m["format"]}
    return {"counts": result["counts"],
            "kinds": [{"field": f, "kind": k, "count": len(ms),
                       "members": [{"before": site(a), "after": site(b), "old": _field(a, f), "new": _field(b, f)}
                                   for a, b in ms]}
                      for (f, k), ms in sorted(result["kinds"].items(), key=lambda x: (x[0][0], -len(x[1])))],
            "only_before": [site(m) for m in result["only_before"]],
            "only_after": [site(m) for m in result["only_after"]],
            "repeats_before": [site(m) for m in result["repeats_before"]],
            "repeats_after": [site(m) for m in result["repeats_after"]],
            "moved": [{"before": site(a), "after": site(b)} for a, b in result["moved"]],
            "sections": result["sections"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--dirs", action="store_true", help="BEFORE and AFTER are directories: compare every *.json both hold")
    parser.add_argument("--examples", type=int, default=3, help="examples per kind (default 3)")
    parser.add_argument("--json", type=Path, help="write every member of every kind here (with --dirs: a directory)")
    args = parser.parse_args(argv)
    if args.dirs:
        names = sorted(p.name for p in args.before.glob("*.json") if (args.after / p.name).is_file())
        if not names:
            print(f"compare_catalogs: no catalog is in both {args.before} and {args.after}", file=sys.stderr)
            return 2
        jobs = [(n.removesuffix(".json"), args.before / n, args.after / n) for n in names]
    else:
        jobs = [(args.after.stem, args.before, args.after)]
    for name, a, b in jobs:
        result = compare(load(a), load(b))
        print(markdown(name, result, args.examples))
        if args.json:
            target = args.json / f"{name}.json" if args.dirs else args.json
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_text(json.dumps(as_json(result), indent=1, sort_keys=True))
            tmp.replace(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
