#!/usr/bin/env python3
"""summary.py DIR [OLDDIR]: per release: messages, call sites, empty requires, processes, facilities (and the old figures)."""
import json, os, sys
from collections import Counter
def summ(p):
    d = json.load(open(p)); ms = d["messages"]
    procs = Counter(x for m in ms for x in m.get("processes") or [])
    facs = Counter(x for m in ms for x in m.get("facility") or [])
    return (len(ms), len({(m["file"], m["line"]) for m in ms}), sum(1 for m in ms if not m.get("requires")),
            dict(sorted(procs.items())), dict(sorted(facs.items())))
new = sys.argv[1]; old = sys.argv[2] if len(sys.argv) > 2 else None
for f in sorted(os.listdir(new)):
    if not f.endswith(".json"): continue
    a = summ(os.path.join(new, f))
    print(f"{f[:-5]}: messages {a[0]}, sites {a[1]}, empty requires {a[2]}\n   processes {a[3]}\n   facilities {a[4]}")
    if old and os.path.exists(os.path.join(old, f)):
        b = summ(os.path.join(old, f))
        if b != a:
            print(f"   before: messages {b[0]}, sites {b[1]}, empty requires {b[2]}" + ("" if b[3] == a[3] else f"\n   before processes {b[3]}") + ("" if b[4] == a[4] else f"\n   before facilities {b[4]}"))
