#!/usr/bin/env python3
"""hsample.py HISTORY.json SEED OUTDIR N_EVENTFUL N_PLAIN: a seeded sample of messages' histories.

N_EVENTFUL messages with an event after the first release (changed, removed, merged, or first
seen later), N_PLAIN with none. Writes OUTDIR/histories.md."""
import json, os, random, sys
path, seed, out, ne, npl = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
d = json.load(open(path)); first = d["from"]
ms = d["messages"]
eventful = [m for m in ms if m["first"] != first or len(m["events"]) > 1 or m.get("removed") or m.get("merged_into") or m.get("merged_from")]
plain = [m for m in ms if m not in eventful]
rng = random.Random(seed)
picks = rng.sample(eventful, min(ne, len(eventful))) + rng.sample(plain, min(npl, len(plain)))
os.makedirs(out, exist_ok=True)
lines = [f"# Message histories of {d['project']} {d['from']} -> {d['to']} (seed {seed}; {path})\n\n"
         f"Releases in order: {', '.join(r['release'] for r in d['releases'])}\n"]
for i, m in enumerate(picks, 1):
    lines.append(f"\n## H{i}: sid {m['sid']}: {m['text']!r}\n- first seen: {m['first']}; removed: {m.get('removed')}; "
                 f"merged into: {m.get('merged_into')}; merged from: {m.get('merged_from')}\n")
    for e in m["events"]:
        lines.append(f"- {e['release']}: {e['kind']}: " + json.dumps({k: v for k, v in e.items() if k not in ('kind', 'release')}) + "\n")
open(os.path.join(out, "histories.md"), "w").write("".join(lines))
print(len(eventful), "eventful,", len(plain), "plain ->", out)
