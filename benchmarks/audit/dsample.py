#!/usr/bin/env python3
"""dsample.py DIFF.json SEED OUTDIR N KINDS

Draws N random events (seeded) of each kind in KINDS (comma list of added, removed, merged,
changed, moved) from a `srcscan diff --format json` output. Writes OUTDIR/events.md: each
event with what srcscan claims (file:line, function, text, priority, build, requires; for
changed, the fields it names with old and new values; for merged, every old message)."""
import json, os, random, sys

path, seed, out, n, kinds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5].split(",")
d = json.load(open(path))
rng = random.Random(seed)

def msg(m):
    return (f"{m['file']}:{m['line']} in {m.get('function')}() [{m.get('priority')}] "
            f"text {m.get('text')!r} (format {m.get('format')!r}); build {m.get('build') or '(every build)'}; "
            f"requires {m.get('requires_formula') or '(none)'}")

lines = [f"# Events of {path} (seed {seed}; {d['old']['project']} {d['old']['version']} -> {d['new']['version']})\n"]
for kind in kinds:
    events = d.get(kind, [])
    picks = rng.sample(range(len(events)), min(n, len(events)))
    lines.append(f"\n## {kind}: {len(picks)} of {len(events)}\n")
    for i, k in enumerate(sorted(picks), 1):
        e = events[k]
        tag = f"{kind}-{i}"
        if kind in ("added", "removed"):
            side = "new" if kind == "added" else "old"
            lines.append(f"### {tag}\n- {kind} ({side} release): {msg(e)}\n")
            if e.get("site_texts"):
                lines.append(f"- the same call site also writes: {e['site_texts']}\n")
        elif kind == "merged":
            lines.append(f"### {tag} (how: {e.get('how')})\n- new: {msg(e['new'])}\n"
                         + "".join(f"- old: {msg(o)}\n" for o in e["olds"]))
        else:
            lines.append(f"### {tag} (paired by: {e.get('how')}, similarity {e.get('similarity')})\n"
                         f"- old: {msg(e['old'])}\n- new: {msg(e['new'])}\n")
            show = {"location": ("file", "function"), "template": ("text", "format")}
            for f in e.get("fields", []):
                keys = show.get(f, (f,))
                old = {k: e["old"].get(k) for k in keys}
                new = {k: e["new"].get(k) for k in keys}
                lines.append(f"- field `{f}` changed: {json.dumps(old)} -> {json.dumps(new)}\n")
            if e.get("analysis_only"):
                lines.append(f"- marked analysis-only (not the release's change): {e['analysis_only']}\n")
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "events.md"), "w").write("".join(lines))
print(f"-> {out}/events.md", {k: len(d.get(k, [])) for k in kinds})
