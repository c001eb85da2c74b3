"""The catalog analysis of builds: each message's build condition, and call sites read from
the text where no parse holds them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from srcscan.analyze.logfuncs import log_function_of
from srcscan.catalog import assign_ids, message_from_call
from srcscan.coverage.report import build_text
from srcscan.preprocessor import conditionals, scan_directives
from srcscan.textcalls import call_from_text


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
    for entry in cov.get("not_covered", []):
        entry = dict(entry)
        log_fn = log_function_of(context.log_functions, entry["file"], entry["call"])
        if entry["status"] in TEXT_STATUSES and log_fn is not None:
            if entry["file"] not in texts:
                texts[entry["file"]] = context.tree.text(context.rules.exclude).text(entry["file"])
            call = call_from_text(texts[entry["file"]], entry["file"], entry["line"], entry["call"])
            if call is not None:
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


def _conditionals_of(path: Path):

    try:
        return conditionals(scan_directives(path.read_bytes().decode("latin-1")))
    except OSError:
        return None
