#!/usr/bin/env python3
"""cmpcat.py OLD.json NEW.json [--all]: compare two srcscan catalogs row by row.

Rows are keyed by (file, line, text); prints rows only in one side and rows whose
requires / processes / facility / facility_with / priority / uncertain changed. Summary last."""
import json, sys
from collections import Counter

FIELDS = ("requires", "processes", "facility", "facility_with", "priority", "uncertain", "build")

def load(p):
    d = json.load(open(p))
    rows = {}
    for m in d["messages"]:
        k = (m["file"], m["line"], m.get("text") or m.get("format"))
        rows.setdefault(k, []).append(m)
    return rows

def show(v):
    return json.dumps(v, sort_keys=True)

old, new = load(sys.argv[1]), load(sys.argv[2])
showall = "--all" in sys.argv
counts = Counter()
only_old = sorted(set(old) - set(new)); only_new = sorted(set(new) - set(old))
for k in only_old:
    print(f"- {k[0]}:{k[1]} {k[2]!r}")
for k in only_new:
    print(f"+ {k[0]}:{k[1]} {k[2]!r}")
for k in sorted(set(old) & set(new)):
    a, b = old[k][0], new[k][0]
    diffs = [f for f in FIELDS if show(a.get(f)) != show(b.get(f))]
    for f in diffs:
        counts[f] += 1
    if diffs:
        print(f"~ {k[0]}:{k[1]} {k[2]!r}")
        for f in diffs:
            print(f"    {f}: {show(a.get(f))}  ->  {show(b.get(f))}")
def empties(rows):
    return sum(1 for v in rows.values() if not v[0].get("requires"))
print(f"\nsummary: old {len(old)} rows, new {len(new)} rows; only old {len(only_old)}, only new {len(only_new)}; "
      f"changed fields {dict(counts)}; empty requires old {empties(old)} new {empties(new)}")
