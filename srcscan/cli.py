"""The srcscan command line: assembles the commands and maps errors to exit codes."""

from __future__ import annotations

import gc
import sys

import click

from srcscan import __version__
from srcscan.commands.catalog import catalog, fetch
from srcscan.commands.coverage import coverage
from srcscan.commands.diff import diff
from srcscan.commands.explain import explain
from srcscan.commands.history import history
from srcscan.commands.query import options, query
from srcscan.commands.rsyslog import rsyslog
from srcscan.commands.rules import rules_command
from srcscan.errors import ExitCode, SrcscanError

COMMANDS = (catalog, fetch, diff, query, options, coverage, rsyslog, rules_command, explain, history)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="srcscan")
def cli() -> None:
    """What can a C daemon write to its logs? Read from its source."""


for command in COMMANDS:
    cli.add_command(command)


def main() -> None:
    # One command per process, and its objects live until it ends: no cycle collection at
    # all (a collection over a large tree's facts takes most of a second), and the objects
    # left at exit are frozen so that the interpreter's last collection skips them too.
    gc.disable()
    try:
        _main()
    finally:
        gc.freeze()


def _main() -> None:
    try:
        status = cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.BAD_INPUT)
    except click.exceptions.Abort:
        click.echo("srcscan: interrupted", err=True)
        sys.exit(130)
    except SrcscanError as exc:
        click.echo(f"srcscan: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("srcscan: interrupted", err=True)
        sys.exit(130)
    except OSError as exc:
        click.echo(f"srcscan: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(ExitCode.BAD_INPUT)
    sys.exit(status if isinstance(status, int) else ExitCode.OK)
