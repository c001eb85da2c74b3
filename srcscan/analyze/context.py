"""What every whole-tree analysis may read: the Context the pipeline builds once.

An analysis takes the Context and returns its answers as a map keyed by SiteKey (plus the
catalog sections of its own); pipeline.py runs them and catalog.assemble builds the
messages once, at the end, from the sites and those maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.optiontypes import Option
from srcscan.model import FunctionFacts, LogSite, MessageText, SiteKey
from srcscan.rules import LogFunction, Rules
from srcscan.scan import ScanResult
from srcscan.sources import SourceTree

if TYPE_CHECKING:  # requirements reads a Context: importing it here at run time would be a cycle
    from srcscan.analyze.requirements import Index


@dataclass(frozen=True)
class Context:
    """The facts of one tree, once: rules, tree, scan (per-file facts of every profile),
    function definitions (each once, calls of several profiles merged), log functions by
    name (declared and inferred), log sites (parsed, then read from the text) and their
    texts, the call graph, the option table and the options' index by what they write."""

    rules: Rules
    tree: SourceTree
    scan: ScanResult
    functions: tuple[FunctionFacts, ...]
    log_functions: Mapping[str, LogFunction]
    sites: tuple[LogSite, ...]
    texts: Mapping[SiteKey, tuple[MessageText, ...]]
    graph: CallGraph
    options: tuple[Option, ...]
    index: Index
    cache_dir: Path
    with_options: tuple[str, ...] = ()  # `--with` settings, for analyses that resolve them
