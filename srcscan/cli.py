"""The srcscan command line: assembles the commands and maps errors to exit codes."""

from __future__ import annotations

import gc
import sys

import click

import importlib

from srcscan import __version__
from srcscan.errors import ExitCode, SrcscanError

# name -> "module:attribute": a command's module (and the analyses, networkx, libclang behind it)
# is imported only when that command runs, so that a warm `query` starts in a fraction of a
# second (issue 20). The pattern is click's "lazily loading subcommands".
COMMANDS = {
    "catalog": "srcscan.commands.catalog:catalog",
    "fetch": "srcscan.commands.catalog:fetch",
    "diff": "srcscan.commands.diff:diff",
    "query": "srcscan.commands.query:query",
    "options": "srcscan.commands.query:options",
    "coverage": "srcscan.commands.coverage:coverage",
    "buildcheck": "srcscan.commands.buildcheck:buildcheck",
    "rsyslog": "srcscan.commands.rsyslog:rsyslog",
    "rules": "srcscan.commands.rules:rules_command",
    "explain": "srcscan.commands.explain:explain",
    "history": "srcscan.commands.history:history",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use (click docs, "Lazily Loading
    Subcommands"); `srcscan --help` imports them all to show their summaries."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.lazy) + [name for name in super().list_commands(ctx) if name not in self.lazy]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, attribute = self.lazy[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="srcscan")
def cli() -> None:
    """What can a C daemon write to its logs? Read from its source."""


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
