"""`srcscan rules`: the daemons srcscan knows, and which rules file each one comes from."""

from __future__ import annotations

import os
import tomllib

import click
from tabulate import tabulate

from srcscan.rules import rules_dirs, rules_files, shipped_rules_dir


@click.command("rules")
def rules_command() -> None:
    """List the known daemons, the rules file each comes from, and the directories searched."""
    env = [p for p in os.environ.get("SRCSCAN_RULES_DIR", "").split(os.pathsep) if p]
    origin = {str(d): ("SRCSCAN_RULES_DIR" if str(d) in env else "shipped" if d == shipped_rules_dir() else "user")
              for d in rules_dirs()}
    rows = []
    for name, path, hidden in rules_files():
        note = "; ".join(f"hides {p}" for p in hidden)
        rows.append([name, _description(path), origin.get(str(path.parent), ""), str(path) + (f" ({note})" if note else "")])
    if rows:
        click.echo(tabulate(rows, headers=["project", "daemon", "from", "rules file"], tablefmt="simple",
                            disable_numparse=True))
    else:
        click.echo("no rules files found")
    click.echo("\nSearched in this order (the first file of a name wins; SRCSCAN_RULES_DIR, then the user's, "
               "then those shipped with srcscan):")
    for i, d in enumerate(rules_dirs(), 1):
        click.echo(f"  {i}. {d}  [{origin[str(d)]}{'' if d.is_dir() else ', absent'}]")


def _description(path) -> str:
    try:
        return str(tomllib.loads(path.read_text(encoding="utf-8")).get("project", {}).get("description", ""))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "(unreadable: srcscan will say why when it is used)"
