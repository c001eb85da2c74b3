"""The catalog's sections as typed values: the coverage report, the option and process
tables, the call sites no process runs, the logging set-up and the files not read.

The analyses build these frozen dataclasses; renderers and commands read their fields;
`to_dict`/`from_dict` are used only where a catalog is written to or read from JSON
(catalog.catalog_to_dict / catalog_from_dict), and give exactly the JSON the dicts of
earlier versions gave (same keys, a key absent where it was absent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from srcscan.analyze.optiontypes import Option, option_from_dict, option_to_dict
from srcscan.sources.text import Skipped


@dataclass(frozen=True)
class NotCovered:
    """A call site the token scan finds and no parse holds (coverage/report.py)."""

    file: str
    line: int
    call: str  # the log function's name as written
    build: str  # the #if condition around it ("" when always compiled)
    status: str  # never, contradiction, fixed, not_built, no_includer, parse_failed, call_lost, not_taken, missing
    reason: str
    read_from_text: bool = False  # read from the text instead (coverage/analysis.text_sites)

    def to_dict(self) -> dict[str, Any]:
        d = {"file": self.file, "line": self.line, "call": self.call, "build": self.build, "status": self.status,
             "reason": self.reason}
        if self.read_from_text:
            d["read_from_text"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "NotCovered":
        return cls(d["file"], d["line"], d["call"], d["build"], d["status"], d["reason"], bool(d.get("read_from_text")))


@dataclass(frozen=True)
class ExtraProfile:
    """A build profile parsed for some files only: the default profile plus macros."""

    name: str
    files: tuple[str, ...]  # sorted tree-relative paths
    sites: int  # token sites first parsed with it

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "files": list(self.files), "sites": self.sites}


@dataclass(frozen=True)
class CompileCommandsUse:
    """The real build a catalog describes (`-p DIR`)."""

    path: str
    files: int  # translation units listed
    outside_tree: tuple[str, ...]  # files it lists outside the tree (skipped)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "files": self.files, "outside_tree": list(self.outside_tree)}


@dataclass(frozen=True)
class TextReading:
    """What reading the text added to the coverage (coverage/analysis.text_sites)."""

    read_from_text: int  # sites read from the text
    in_if0: int  # token sites inside `#if 0`
    coverage_with_text: float  # (parsed + read) / token sites, 4 decimals
    coverage_outside_if0: float  # the same outside `#if 0` blocks


@dataclass(frozen=True)
class CoverageReport:
    """Token sites against parsed sites (coverage/report.coverage_report): counts, the extra
    profiles, every site not covered with its reason, the macros the tree tests. Ratios are
    fractions rounded to 4 decimals."""

    mode: str  # "profiles" or "compile_commands"
    token_scan: str  # what the token scan counts, in words
    log_functions: tuple[str, ...]
    sites: int
    parsed: int
    parsed_default_profile: int
    parsed_extra_profiles: int
    unreachable: int
    by_status: tuple[tuple[str, int], ...]  # (status, count) of the sites not covered; tables sorted by key
    coverage: float
    coverage_reachable: float
    default_profile: str
    features_turned_on: tuple[str, ...]  # feature macros the default profile defines
    profiles: tuple[ExtraProfile, ...]
    files_reparsed: int
    not_covered: tuple[NotCovered, ...]
    macros: tuple[tuple[str, tuple[str, ...]], ...]  # (class, names): feature, platform, compiler, other
    macro_counts: tuple[tuple[str, int], ...]  # (class, count), header guards and tree macros included
    compile_commands: CompileCommandsUse | None = None
    text: TextReading | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "mode": self.mode, "token_scan": self.token_scan, "log_functions": list(self.log_functions),
            "sites": self.sites, "parsed": self.parsed, "parsed_default_profile": self.parsed_default_profile,
            "parsed_extra_profiles": self.parsed_extra_profiles, "unreachable": self.unreachable,
            "by_status": dict(self.by_status), "coverage": self.coverage, "coverage_reachable": self.coverage_reachable,
            "default_profile": {"name": self.default_profile, "features_turned_on": list(self.features_turned_on)},
            "profiles": [p.to_dict() for p in self.profiles], "files_reparsed": self.files_reparsed,
            "not_covered": [n.to_dict() for n in self.not_covered],
            "macros": {cls: list(names) for cls, names in self.macros}, "macro_counts": dict(self.macro_counts),
        }
        if self.compile_commands is not None:
            d["compile_commands"] = self.compile_commands.to_dict()
        if self.text is not None:
            d.update({"read_from_text": self.text.read_from_text, "in_if0": self.text.in_if0,
                      "coverage_with_text": self.text.coverage_with_text,
                      "coverage_outside_if0": self.text.coverage_outside_if0})
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CoverageReport":
        cc = d.get("compile_commands")
        return cls(
            d["mode"], d["token_scan"], tuple(d["log_functions"]), d["sites"], d["parsed"],
            d["parsed_default_profile"], d["parsed_extra_profiles"], d["unreachable"], tuple(sorted(d["by_status"].items())),
            d["coverage"], d["coverage_reachable"], d["default_profile"]["name"],
            tuple(d["default_profile"]["features_turned_on"]),
            tuple(ExtraProfile(p["name"], tuple(p["files"]), p["sites"]) for p in d["profiles"]),
            d["files_reparsed"], tuple(NotCovered.from_dict(n) for n in d["not_covered"]),
            tuple(sorted((k, tuple(v)) for k, v in d["macros"].items())), tuple(sorted(d["macro_counts"].items())),
            CompileCommandsUse(cc["path"], cc["files"], tuple(cc["outside_tree"])) if cc else None,
            TextReading(d["read_from_text"], d["in_if0"], d["coverage_with_text"], d["coverage_outside_if0"])
            if "read_from_text" in d else None)

    @property
    def reachable(self) -> int:
        """Token sites some build compiles."""
        return self.sites - self.unreachable

    @property
    def missing(self) -> int:
        """Reachable token sites no parse holds."""
        return self.reachable - self.parsed


@dataclass(frozen=True)
class ProcessRow:
    """One process of the daemon (analyze/process_answers.process_table): where it starts,
    the syslog idents it logs with, its facility and what changes it."""

    name: str
    start: str  # the function it starts in
    file: str  # that function's file ("" when unknown)
    fork_line: int  # line of the fork that starts it (0: the main process)
    idents: tuple[str, ...]  # openlog idents, literal forms first (holes as <name>)
    ident_patterns: tuple[str, ...]  # the idents as patterns (analyze/idents.pattern_texts)
    facility_expression: str  # the openlog facility argument as written
    facility: tuple[str, ...]  # syslog facilities under default options (or "errorlog")
    facility_with: tuple[tuple[str, str], ...]  # (option, the facility it gives), sorted by option
    messages: int  # catalog messages it can write

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "start": self.start, "file": self.file, "fork_line": self.fork_line,
                "idents": list(self.idents), "ident_patterns": list(self.ident_patterns),
                "facility_expression": self.facility_expression, "facility": list(self.facility),
                "facility_with": dict(self.facility_with), "messages": self.messages}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ProcessRow":
        return cls(d["name"], d["start"], d["file"], d["fork_line"], tuple(d["idents"]),
                   tuple(d.get("ident_patterns", ())), d["facility_expression"], tuple(d["facility"]),
                   tuple(sorted(d["facility_with"].items())), d["messages"])


@dataclass(frozen=True)
class UnreachableSite:
    """A message written in the source that no process can run (left out of the messages)."""

    file: str
    line: int
    function: str
    format: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "function": self.function, "format": self.format, "why": self.why}


@dataclass(frozen=True)
class LoggingSetup:
    """Where the daemon logs by default (rules' [logging]): "syslog" or a file it names, and
    the options that send it to syslog and choose the facility ("" when none)."""

    destination: str
    syslog_option: str
    facility_option: str

    def to_dict(self) -> dict[str, Any]:
        return {"destination": self.destination, "syslog_option": self.syslog_option,
                "facility_option": self.facility_option}


@dataclass(frozen=True)
class Sections:
    """Everything a catalog holds beside its messages. A field left None (or () for
    `skipped`) is absent from the JSON: catalogs made without the analyses (history's
    merged views) have none of them."""

    coverage: CoverageReport | None = None
    options: tuple[Option, ...] | None = None
    processes: tuple[ProcessRow, ...] | None = None
    processes_from_file: int | None = None  # messages that took their file's processes
    unreachable: tuple[UnreachableSite, ...] | None = None
    logging: LoggingSetup | None = None
    skipped: tuple[Skipped, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.coverage is not None:
            d["coverage"] = self.coverage.to_dict()
        if self.options is not None:
            d["options"] = [option_to_dict(o) for o in self.options]
        if self.processes is not None:
            d["processes"] = [p.to_dict() for p in self.processes]
        if self.processes_from_file is not None:
            d["processes_from_file"] = self.processes_from_file
        if self.unreachable is not None:
            d["unreachable"] = [u.to_dict() for u in self.unreachable]
        if self.logging is not None:
            d["logging"] = self.logging.to_dict()
        if self.skipped:
            d["skipped"] = [s.to_dict() for s in self.skipped]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Sections":
        """Raises KeyError or TypeError on a section of another shape (a catalog of another
        schema: the caller reports it)."""
        try:
            return cls._from_dict(d)
        except AttributeError as exc:  # a list where a table was expected
            raise TypeError(f"sections: {exc}") from None

    @classmethod
    def _from_dict(cls, d: dict[str, Any]) -> "Sections":
        def some(name: str, convert: Any) -> Any:
            return tuple(convert(x) for x in d[name]) if name in d else None
        logging = d.get("logging")
        return cls(
            coverage=CoverageReport.from_dict(d["coverage"]) if d.get("coverage") else None,
            options=some("options", option_from_dict),
            processes=some("processes", ProcessRow.from_dict),
            processes_from_file=d.get("processes_from_file"),
            unreachable=some("unreachable", lambda u: UnreachableSite(u["file"], u["line"], u["function"], u["format"],
                                                                      u["why"])),
            logging=LoggingSetup(logging["destination"], logging["syslog_option"], logging["facility_option"])
            if logging is not None else None,
            skipped=tuple(Skipped(s["path"], s["reason"]) for s in d.get("skipped", ())))
