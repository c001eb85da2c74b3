"""CPU time of the requirements analysis alone, on facts read from a warm parse cache.

    python benchmarks/requirements.py /path/to/keepalived-2.3.4 --rules keepalived --cache-dir DIR

Runs the whole pipeline on the tree (the results cache bypassed, so the analyses run; the
per-file facts come from DIR's parse cache, filled by a first run when it is cold) and
reports the process CPU seconds of the options' index (option_index: options by what they
write, the parameters carrying them) and of the requirements analysis itself, plus the
run's total. Works with any srcscan checkout on sys.path (run it from that checkout with
`python -m` or PYTHONPATH), so that two versions can be compared on the same cache. Prints
one line of figures; `--json FILE` also writes the catalog for comparing answers.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path


def _timed(module, name: str, spent: dict[str, float]) -> None:
    """Wrap module.name so that its CPU seconds add up in spent[name]."""
    inner = getattr(module, name, None)
    if inner is None:
        return

    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.process_time() - start

    setattr(module, name, wrapper)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tree", type=Path)
    ap.add_argument("--rules", required=True, help="project name or rules file")
    ap.add_argument("--cache-dir", type=Path, required=True, help="a parse cache (filled on the first run)")
    ap.add_argument("--json", type=Path, help="write the catalog's JSON here")
    a = ap.parse_args()

    from srcscan import pipeline, results
    from srcscan.catalog import catalog_to_dict
    from srcscan.rules import load_rules
    from srcscan.sources import Provenance, SourceTree

    results.ResultCache.get = lambda self, key: None  # the analyses run every time
    results.ResultCache.put = lambda self, key, *rest: None
    spent: dict[str, float] = {}
    requirements = importlib.import_module("srcscan.analyze.requirements")
    for module in (pipeline, requirements):  # where each version looks the functions up
        _timed(module, "analyze_requirements", spent)
        _timed(module, "option_index", spent)
    tree = SourceTree(a.tree.resolve(), Provenance("path", str(a.tree.resolve()), None))
    start, wall = time.process_time(), time.perf_counter()
    built = pipeline.build_from_tree(load_rules(a.rules), tree, a.cache_dir)
    total, wall = time.process_time() - start, time.perf_counter() - wall
    if a.json:
        a.json.write_text(json.dumps(catalog_to_dict(built.catalog), indent=1, sort_keys=True))
    print(f"{a.tree.name}: option_index {spent.get('option_index', 0):.2f} s CPU, requirements analysis "
          f"{spent.get('analyze_requirements', 0):.2f} s CPU, whole run {total:.2f} s CPU ({wall:.1f} s wall, "
          f"{len(built.catalog.messages)} messages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
