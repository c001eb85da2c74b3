"""The catalog analysis of builds: each message's build condition, and call sites read from
the text where no parse holds them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from srcscan.analyze.logfuncs import log_function_of
from srcscan.catalog import assign_ids, message_from_call
from srcscan.coverage.report import build_text
from srcscan.preprocessor import conditionals, scan_directives
from srcscan.textcalls import call_from_text, macro_call_from_text, macro_definitions


def analyze_build(context: Any) -> tuple[list, dict[str, Any]]:
    """Message.build from the #if stack around each call; the coverage report as a section.

        #ifdef _WITH_BFD_
            log_message(LOG_INFO, "BFD ...");      build: defined(_WITH_BFD_)
        #endif
    """
    conditionals: dict[str, Any] = {}
    messages = []
    cov = dict(context.scan.coverage) if context.scan.coverage else None
    recovered = _read_from_text(context, cov) if cov else []
    for m in list(context.messages) + recovered:
        if m.file not in conditionals:
            conditionals[m.file] = _conditionals_of(context.tree.root / m.file)
        c = conditionals[m.file]
        messages.append(replace(m, build=build_text(c.build(m.line)) if c else ""))
    return messages, ({"coverage": cov} if cov else {})


TEXT_STATUSES = ("fixed", "call_lost", "not_taken", "parse_failed", "no_includer")


def _read_from_text(context: Any, cov: dict[str, Any]) -> list:
    """Messages for token sites no parse holds but some build compiles: read from the text.

    Sites inside `#if 0` are counted apart: every C programmer reads them as comments."""

    found, texts, not_covered = [], {}, []
    ids = {m.id for m in context.messages}
    tree_text = context.tree.text(context.rules.exclude)
    macros = _LogMacros(tree_text, set(context.log_functions))
    for entry in cov.get("not_covered", []):
        entry = dict(entry)
        log_fn = log_function_of(context.log_functions, entry["file"], entry["call"])
        if entry["status"] in TEXT_STATUSES and (log_fn is not None or macros.definition(entry["call"])):
            if entry["file"] not in texts:
                texts[entry["file"]] = tree_text.text(entry["file"])
            if log_fn is not None:
                call = call_from_text(texts[entry["file"]], entry["file"], entry["line"], entry["call"])
            else:
                call = macro_call_from_text(texts[entry["file"]], entry["file"], entry["line"], entry["call"],
                                            macros.definition(entry["call"]), macros.targets)
                log_fn = log_function_of(context.log_functions, entry["file"], call.callee) if call else None
            if call is not None and log_fn is not None:
                found.append(replace(message_from_call(call, log_fn), extracted="text"))
                entry["read_from_text"] = True
        not_covered.append(entry)
    new = []
    for m in assign_ids(found):
        while m.id in ids:
            m = replace(m, id=m.id + "+")
        ids.add(m.id)
        new.append(m)
    sites = cov["sites"]
    in_if0 = sum(1 for n in not_covered if n["status"] == "never" and n["reason"].startswith("#if 0"))
    covered = cov["parsed"] + len(new)
    cov.update({
        "not_covered": not_covered,
        "read_from_text": len(new),
        "in_if0": in_if0,
        "coverage_with_text": round(covered / sites, 4) if sites else 1.0,
        "coverage_outside_if0": round(covered / (sites - in_if0), 4) if sites > in_if0 else 1.0,
    })
    return new


class _LogMacros:
    """Function-like macros of the tree whose body calls a log function (`log_warn` ->
    `log_pri`), their definitions read from the tree's text on first use."""

    def __init__(self, tree_text: Any, log_functions: set[str]) -> None:
        self.tree_text, self.targets = tree_text, {name.rsplit(":", 1)[-1] for name in log_functions}
        self.defs: dict[str, Any] | None = None

    def definition(self, name: str):
        if self.defs is None:
            self.defs = {}
            for rel in self.tree_text.files:
                try:
                    text = self.tree_text.text(rel)
                except OSError:
                    continue
                if "define" in text:
                    for macro, (params, body) in macro_definitions(text, None).items():
                        if macro not in self.defs and re.search(
                                r"\b(" + "|".join(map(re.escape, sorted(self.targets))) + r")\s*\(", body):
                            self.defs[macro] = (params, body)
        return self.defs.get(name)


def _conditionals_of(path: Path):

    try:
        return conditionals(scan_directives(path.read_bytes().decode("latin-1")))
    except OSError:
        return None
