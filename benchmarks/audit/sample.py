#!/usr/bin/env python3
"""sample.py CATALOG SEED OUTDIR N_EMPTY N_NONEMPTY N_PROC

Draws a seeded random sample of catalog rows: N_EMPTY rows whose `requires` is empty,
N_NONEMPTY rows whose `requires` is not, and N_PROC rows (any) for processes + facility.
Writes OUTDIR/questions.md (what to decide, no answers) and OUTDIR/answers.md (srcscan's
answers, derivations included), numbered alike (E1.., N1.., P1..)."""
import json, os, random, sys

cat, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ne, nn, npr = map(int, sys.argv[4:7])
d = json.load(open(cat))
rows, seen = [], set()
for m in d["messages"]:
    k = (m["file"], m["line"], m.get("text"))
    if k not in seen:
        seen.add(k); rows.append(m)
rng = random.Random(seed)
empty = [m for m in rows if not m.get("requires")]
nonempty = [m for m in rows if m.get("requires")]
picks = [("E", m) for m in rng.sample(empty, min(ne, len(empty)))]
picks += [("N", m) for m in rng.sample(nonempty, min(nn, len(nonempty)))]
picks += [("P", m) for m in rng.sample(rows, min(npr, len(rows)))]
os.makedirs(out, exist_ok=True)
q, a, counters = [], [], {}
for tag, m in picks:
    counters[tag] = counters.get(tag, 0) + 1
    n = f"{tag}{counters[tag]}"
    head = (f"## {n}: {m['file']}:{m['line']} in {m.get('function')}()\n"
            f"- call: {m.get('call')} priority {m.get('priority')}\n"
            f"- format as written: {m.get('format')!r}\n- text: {m.get('text')!r}\n"
            f"- build condition: {m.get('build') or '(every build)'}\n")
    ask = {"E": "Decide: which runtime options / config keys (if any) are needed for this message to be logged? (srcscan's row is one of those it says need none.)",
           "N": "Decide: which runtime options / config keys (if any) are needed for this message to be logged?",
           "P": "Decide: which processes can write this message, and to which syslog facility (or other destination) it goes."}[tag]
    q.append(head + f"- question: {ask}\n")
    ans = {k: m.get(k) for k in ("requires", "requires_formula", "uncertain", "logged_only_if", "processes", "facility", "facility_with")}
    a.append(head + "```json\n" + json.dumps(ans, indent=1) + "\n```\nderivation:\n```json\n"
             + json.dumps(m.get("derivation"), indent=1)[:4000] + "\n```\n")
open(os.path.join(out, "questions.md"), "w").write(
    f"# Sample of {cat} (seed {seed}; {d.get('project')} {d.get('version')})\n\n" + "\n".join(q))
named = [o for o in (d.get("sections") or {}).get("options") or [] if isinstance(o, dict) and o.get("means")]
legend = "".join(f"- `{' / '.join(o['names'])}` ({o.get('kind')}) means: {o['means']}\n" for o in named)
open(os.path.join(out, "answers.md"), "w").write(
    f"# srcscan's answers for the sample of {cat} (seed {seed})\n\n"
    + (f"Named conditions used in `requires`:\n{legend}\n" if legend else "") + "\n".join(a))
print(f"{len(picks)} rows -> {out}/questions.md, answers.md ({len(empty)} empty, {len(nonempty)} non-empty in all)")
