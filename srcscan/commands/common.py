"""Options and helpers shared by the commands."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

import click

from srcscan.errors import InputError
from srcscan.pipeline import Built, Request, build
from srcscan.scan import write_atomic_bytes

FORMATS = ("md", "json", "table", "tsv")


COMPILE_COMMANDS = "srcscan.compile_commands"  # where -p DIR waits in the click context for make_request
PROVIDER = "srcscan.provider"  # where --provider waits in the click context for make_request


def _remember_compile_commands(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    # Kept out of the commands' signatures: every command that scans a tree takes -p the same way.
    if value is not None:
        ctx.meta[COMPILE_COMMANDS] = value
    return value


def _remember_provider(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.meta[PROVIDER] = value
    return value


def provider_option(fn: Callable) -> Callable:
    """--provider git|debian: use that provider only (default: the rules' order, first that works)."""
    from srcscan.sources.obtain import PROVIDERS

    return click.option("--provider", type=click.Choice(PROVIDERS), expose_value=False, callback=_remember_provider,
                        help="Get the source from this provider only (default: the rules' order).")(fn)


VERBOSE = "srcscan.verbose"  # -v waits in the click context for the summary lines


def _remember_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta[VERBOSE] = value
    return value


def verbose_option(fn: Callable) -> Callable:
    """-v: the developer's summary (files parsed and cached, coverage, extra profiles) on stderr."""
    return click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=_remember_verbose,
                        help="Say how the catalog was made: files parsed and cached, coverage, extra profiles.")(fn)


def is_verbose() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get(VERBOSE))


def patterns_option(fn: Callable) -> Callable:
    """--patterns FILE [--patterns-kind KIND]: check a user's regexes, fail2ban filter or logcheck rules."""
    fn = click.option("--patterns-kind", "patterns_kind", type=click.Choice(("regex", "fail2ban", "logcheck")),
                      help="How to read --patterns (default: a fail2ban filter when it has [Definition], logcheck "
                           "rules under ignore.d.*/violations.d/cracking.d, else one regex a line).")(fn)
    return click.option("--patterns", "patterns_file", type=click.Path(path_type=Path), metavar="FILE",
                        help="Which messages your patterns match: a file of regular expressions, a fail2ban "
                             "filter or logcheck rules.")(fn)


def tree_options(fn: Callable) -> Callable:
    """PROJECT [VERSION] plus the ways to say where the source comes from."""
    fn = provider_option(fn)
    fn = verbose_option(fn)
    fn = click.option("-p", "compile_commands", type=click.Path(path_type=Path), metavar="DIR", expose_value=False,
                      callback=_remember_compile_commands,
                      help="Use a real build's flags from DIR/compile_commands.json; the catalog then "
                           "describes that one build.")(fn)
    fn = click.option("--rules", "rules", metavar="NAME|FILE", help="Rules to use (a project name or a rules file); defaults to PROJECT.")(fn)
    fn = click.option("--path", "path", type=click.Path(path_type=Path), help="Scan a tree already on disk.")(fn)
    fn = click.option("--source", "source", metavar="URL|PATH", help="Clone from this git remote or local repository instead of upstream.")(fn)
    fn = click.option("--cache-dir", "cache_dir", type=click.Path(path_type=Path), envvar="SRCSCAN_CACHE", help="Cache directory (default $XDG_CACHE_HOME/srcscan).")(fn)
    fn = click.option("--with", "with_options", multiple=True, metavar="OPTION", help="See the daemon as run with exactly these options (repeatable; OPTION or OPTION=VALUE): messages needing an option not given are left out, facilities follow the options given.")(fn)
    fn = click.option("-j", "--jobs", default=2, show_default=True, help="Parser processes.")(fn)
    fn = click.argument("version", required=False)(fn)
    fn = click.argument("project", required=False)(fn)
    return fn


def make_request(project: str | None, version: str | None, rules: str | None, path: Path | None,
                 source: str | None, cache_dir: Path | None, with_options: tuple[str, ...], jobs: int,
                 compile_commands: Path | None = None) -> Request:
    ctx = click.get_current_context(silent=True)
    if compile_commands is None and ctx is not None:
        compile_commands = ctx.meta.get(COMPILE_COMMANDS)
    provider = ctx.meta.get(PROVIDER) if ctx is not None else None
    name = rules or project
    if name is None:
        raise InputError("name a project (keepalived, lighttpd) or give --rules")
    if rules and project:
        check_rules_project(rules, project)
    if path is not None and not path.is_dir():
        raise InputError(f"no such directory: {path}")
    return Request(project=name, version=version, source=source, path=path, cache_dir=cache_dir,
                   with_options=tuple(with_options), jobs=max(1, jobs), compile_commands=compile_commands,
                   providers=(provider,) if provider else None)


def check_rules_project(rules: str, project: str) -> None:
    """PROJECT [VERSION] mean the same with or without --rules: a PROJECT that is not the rules
    file's project is an error, not quietly read as a version."""
    from srcscan.rules import load_rules

    described = load_rules(rules).project
    if described != project:
        raise InputError(f"--rules {rules} describes {described!r}, not {project!r}: the arguments are PROJECT "
                         f"[VERSION] with or without --rules (srcscan catalog {described} VERSION --rules {rules})")


def build_catalog(request: Request) -> Built:
    return build(request, notify=lambda line: click.echo(f"srcscan: {line}", err=True))


def pick_format(fmt: str | None, output: Path | None) -> str:
    if fmt:
        return fmt
    if output is not None and str(output) != "-":
        return {".json": "json", ".tsv": "tsv", ".txt": "table"}.get(output.suffix, "md")
    # A terminal gets a table fitted to its width; a pipe one line per message, for grep and awk.
    return "table" if click.get_text_stream("stdout").isatty() else "tsv"


def emit(text: str, output: Path | None) -> None:
    """Write to a file atomically, or to stdout when there is no file."""
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
        return
    write_atomic_bytes(output, text.encode("utf-8"))


def default_report(project: str, version: str | None, ext: str) -> Path:
    """Where a report goes without -o: $SRCSCAN_REPORTS (default ./reports) / PROJECT-VERSION.EXT."""
    folder = Path(os.environ.get("SRCSCAN_REPORTS", "reports"))
    return folder / f"{project}-{version or 'tree'}.{ext}"


_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*[<"]([^>"]+)[>"]', re.M)


def missing_includes(built: Built) -> dict[str, tuple[str, ...]]:
    """For each file parsed with errors, the headers it includes (itself or through one of the
    tree's headers) that this machine lacks and srcscan stubbed empty: the likely cause."""
    layout = built.scan.layout
    missing = set(layout.missing)
    root = Path(built.tree.root)
    by_name = {}
    for header in layout.headers:
        by_name.setdefault(os.path.basename(header), header)

    def includes(rel: str) -> list[str]:
        try:
            return [m.decode("utf-8", "replace") for m in _INCLUDE.findall((root / rel).read_bytes())]
        except OSError:
            return []

    out = {}
    for f in built.catalog.files:
        if not (f.failed or f.errors):
            continue
        found, todo, seen = set(), [f.path], set()
        while todo and len(seen) < 50:
            rel = todo.pop()
            seen.add(rel)
            for name in includes(rel):
                if name in missing:
                    found.add(name)
                elif (local := by_name.get(os.path.basename(name))) and local not in seen:
                    todo.append(local)
        if found:
            out[f.path] = tuple(sorted(found))
    return out


def report_summary(built: Built, output: Path | str, what: str = "") -> str:
    """The line every command ends with: "2570 messages -> /abs/report.md" ("35 of 2570
    messages match adds -D" for a query), the developer's details after it with -v."""
    count = what or f"{len(built.catalog.messages)} messages"
    where = "" if str(output) == "-" else f" -> {Path(output).resolve()}"
    line = f"srcscan: {count}{where}"
    return line + (f"\nsrcscan: {summary_line(built)}" if is_verbose() else "")


def summary_line(built: Built, extra: str = "") -> str:
    """How the catalog was made, for -v: files parsed and from cache, coverage, extra profiles."""
    c, scan = built.catalog, built.scan
    label = f"{c.project} {c.version or built.tree.root}"
    failed = sum(1 for f in c.files if f.failed)
    bad = f", {failed} failed" if failed else ""
    whole = "; the whole run from cache: the same sources, rules and options" if scan.from_results else ""
    return (f"{label}: {len(scan.files)} files ({scan.parsed} parsed, {scan.cached} from cache{bad}), "
            f"{len(c.messages)} messages{coverage_summary(built)}{whole}{extra}")


def coverage_summary(built: Built) -> str:
    """The coverage numbers every catalog run prints: token-scan call sites against parsed ones."""
    cov, scan = built.catalog.sections.coverage, built.scan
    if cov is None:
        return ""
    read = cov.text.read_from_text if cov.text is not None else 0
    text = (f"; coverage: {cov.parsed} of {cov.sites} call sites ({100 * cov.coverage:.1f} %, "
            f"{100 * cov.coverage_reachable:.1f} % of the {cov.reachable} a build can reach; "
            f"{cov.unreachable} unreachable, {cov.missing} missing"
            + (f"; {read} read from the text" if read else "") + ")")
    if cov.compile_commands is not None:
        return text + f", describing the one build of {cov.compile_commands.path}"
    return (text + f", {cov.parsed_extra_profiles} through {len(cov.profiles)} extra profiles "
            f"({scan.extra_parsed + scan.extra_cached} file parses: {scan.extra_parsed} parsed, "
            f"{scan.extra_cached} from cache, {scan.extra_seconds:.1f} s)")
